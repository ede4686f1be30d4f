"""A fixed train/test split of a photo folder, decided by each file's content hash.

For each person, photos are ordered by SHA-256(seed + file hash) and the first ``test_size``
share goes to test: stratified, reproducible, and independent of file names or order.
"""

import hashlib
from collections import defaultdict
from pathlib import Path

from training.dataset import Photo, list_photos


def _rank(photo: Photo, seed: int) -> str:
    content = hashlib.sha256(photo.path.read_bytes()).hexdigest()
    return hashlib.sha256(f"{seed}:{content}".encode()).hexdigest()


def split_photos(root: Path, test_size: float, seed: int) -> dict[str, list[Photo]]:
    """{"train": [...], "test": [...]}, at least one test photo per person."""
    by_person: dict[str, list[Photo]] = defaultdict(list)
    for photo in list_photos(root):
        by_person[photo.person].append(photo)
    parts: dict[str, list[Photo]] = {"train": [], "test": []}
    for photos in by_person.values():
        ranked = sorted(photos, key=lambda p: _rank(p, seed))
        n_test = max(1, round(len(ranked) * test_size))
        parts["test"] += ranked[:n_test]
        parts["train"] += ranked[n_test:]
    return parts


def write_split(parts: dict[str, list[Photo]], out: Path) -> dict[str, int]:
    """Symbolic links out/<part>/<person>/<file> (photos are never copied)."""
    for part, photos in parts.items():
        for photo in photos:
            link = out / part / photo.person / photo.path.name
            link.parent.mkdir(parents=True, exist_ok=True)
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(photo.path.resolve())
    return {part: len(photos) for part, photos in parts.items()}
