"""The faces a model was trained on, shipped beside it: descriptors and names, never photos.

A fresh service lists the shipped model's people with these as their examples, so enrolling
a sixth person trains on all six without the original photos. The file's SHA-256 is in the
manifest and checked before it is read; numpy reads it without pickle.
"""

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from inference.artifacts import ModelError, sha256_bytes

GALLERY_FILE = "gallery.npz"


@dataclass(frozen=True)
class Gallery:
    """Row i: a face's vector, its person's name, its photo's SHA-256 and its box (x, y, w, h).

    ``outsiders``: faces of nobody the model knows (the bystanders labelled in its training
    photos), kept so that a model trained later on the same pipeline calibrates its unknown
    rule against them too (training.gate); empty in galleries written before 2026-12-04.
    """

    vectors: np.ndarray
    names: np.ndarray
    sha256: np.ndarray
    boxes: np.ndarray
    outsiders: np.ndarray | None = None


def save_gallery(out_dir: Path, gallery: Gallery) -> str:
    """Write gallery.npz; returns its SHA-256 for the manifest."""
    path = out_dir / GALLERY_FILE
    with path.open("wb") as handle:
        np.savez_compressed(
            handle,
            vectors=gallery.vectors.astype(np.float32),
            names=gallery.names.astype(str),
            sha256=gallery.sha256.astype(str),
            boxes=gallery.boxes.astype(np.int32),
            outsiders=(
                gallery.outsiders
                if gallery.outsiders is not None
                else np.empty((0, gallery.vectors.shape[1]))
            ).astype(np.float32),
        )
    return sha256_bytes(path.read_bytes())


def load_gallery(model_dir: Path, manifest: dict) -> Gallery:
    """The verified gallery of a model directory; ModelError if absent or altered."""
    expected = manifest.get("gallery_sha256")
    path = model_dir / GALLERY_FILE
    if not expected or not path.is_file():
        raise ModelError(f"{model_dir} ships no {GALLERY_FILE}: retrain it with celebclf train")
    data = path.read_bytes()
    if sha256_bytes(data) != expected:
        raise ModelError(f"refusing {path}: its SHA-256 does not match the manifest's")
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        outsiders = arrays["outsiders"] if "outsiders" in arrays.files else None
        return Gallery(
            arrays["vectors"], arrays["names"], arrays["sha256"], arrays["boxes"], outsiders
        )
