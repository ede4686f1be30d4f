"""A training folder: one sub-folder per person, its name the class name."""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Photo:
    path: Path
    person: str


def list_photos(root: Path) -> list[Photo]:
    """Every file under ``root/<person>/``, in a stable order. Raises if there are no people."""
    if not root.is_dir():
        raise FileNotFoundError(f"dataset folder not found: {root}")
    people = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not people:
        raise ValueError(f"{root} has no sub-folders: expected one folder per person")
    return [
        Photo(path, person.name)
        for person in people
        for path in sorted(person.iterdir())
        if path.is_file() and not path.name.startswith(".")
    ]
