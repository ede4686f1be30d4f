"""Brute-force nearest stored descriptors: one float32 matrix product per photo.

bench.gallery_search measured 4 ms of CPU a face at 100,000 stored descriptors (docs/people.md),
under the 10 ms that would call for an index.
"""

import numpy as np


def nearest(faces: np.ndarray, stored: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(faces, min(k, stored)) Euclidean distances and ``stored`` rows, nearest first."""
    faces = np.asarray(faces, dtype=np.float32)
    stored = np.asarray(stored, dtype=np.float32)
    k = min(k, len(stored))
    squared = np.einsum("ij,ij->i", stored, stored)[None, :] - 2 * (faces @ stored.T)
    rows = np.argpartition(squared, k - 1, axis=1)[:, :k]
    picked = np.take_along_axis(squared, rows, axis=1)
    order = np.argsort(picked, axis=1, kind="stable")
    rows = np.take_along_axis(rows, order, axis=1)
    picked = (
        np.take_along_axis(picked, order, axis=1) + np.einsum("ij,ij->i", faces, faces)[:, None]
    )
    return np.sqrt(np.maximum(picked, 0.0)), rows
