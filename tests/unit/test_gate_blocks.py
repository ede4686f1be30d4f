"""The unknown rule's calibration in blocks gives what the full n x n matrix gave.

The reference below is the calibration as it was before it went blockwise (one float64
pairwise matrix over every example); the blockwise one must agree on random data, with blocks
far smaller than the data so that every seam between blocks and people is crossed.
"""

import numpy as np
import pytest
from sklearn.metrics import pairwise_distances

from training import gate


def full_matrix(vectors: np.ndarray) -> np.ndarray:
    distances = pairwise_distances(np.asarray(vectors, dtype=np.float64))
    np.fill_diagonal(distances, np.inf)
    return distances


def known_full(vectors, labels):
    distances = full_matrix(vectors)
    same = labels[:, None] == labels[None, :]
    usable = np.where(same & (distances >= gate.NEAR_COPY), distances, np.inf).min(axis=1)
    return usable[np.isfinite(usable)]


def strangers_full(vectors, labels, strangers):
    distances = full_matrix(vectors)
    within = np.where(labels[:, None] != labels[None, :], distances, np.inf).min(axis=1)
    outside = pairwise_distances(strangers, vectors).min(axis=1)
    return np.concatenate([within[np.isfinite(within)], outside])


def bystanders_full(vectors, bystanders, photos, bystander_photos):
    distances = pairwise_distances(np.asarray(bystanders, dtype=np.float64), vectors)
    distances[bystander_photos[:, None] == photos[None, :]] = np.inf
    nearest = distances.min(axis=1)
    return nearest[np.isfinite(nearest)]


def people(rng, n: int, n_people: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Clustered descriptors, shuffled; some near-copies; one person with a single example."""
    centres = rng.standard_normal((n_people, 128)) * scale / np.sqrt(128) * 1.2
    labels = rng.permutation(np.r_[np.arange(n - 1) % (n_people - 1), n_people - 1])
    vectors = centres[labels] + rng.standard_normal((n, 128)) * scale / np.sqrt(128) * 0.5
    vectors[:20] = vectors[20:40] + 0.001 * rng.standard_normal((20, 128))  # near-copies
    labels[:20] = labels[20:40]
    return vectors.astype(np.float32), labels


@pytest.mark.parametrize("scale", [0.6, 1.0])  # dlib's unnormalised spread; unit sphere
def test_blockwise_calibration_equals_the_full_matrix(monkeypatch, scale):
    rng = np.random.default_rng(int(scale * 10))
    vectors, labels = people(rng, 700, 23, scale)
    strangers = (rng.standard_normal((60, 128)) * scale / np.sqrt(128)).astype(np.float32)
    bystanders = (rng.standard_normal((50, 128)) * scale / np.sqrt(128)).astype(np.float32)
    photos = rng.integers(0, 300, len(vectors))
    bystander_photos = rng.integers(0, 300, len(bystanders))
    monkeypatch.setattr(gate, "BLOCK_BYTES", 4 * 700 * 37)  # 37 rows a block: many seams

    known = gate.known_distances(vectors, labels)
    outsiders = gate.stranger_distances(vectors, labels, strangers)
    beside = gate.bystander_distances(vectors, bystanders, photos, bystander_photos)

    np.testing.assert_allclose(known, known_full(vectors, labels), rtol=0, atol=1e-5)
    np.testing.assert_allclose(
        outsiders, strangers_full(vectors, labels, strangers), rtol=0, atol=1e-5
    )
    np.testing.assert_allclose(
        beside, bystanders_full(vectors, bystanders, photos, bystander_photos), atol=1e-5
    )
    assert known.size == 700 - 1 - 0  # every example but the lone person's has a known distance
    calibrated = gate.calibrate(
        vectors, labels, strangers, bystanders, scale, 0.54, photos, bystander_photos
    )
    negatives = np.concatenate(
        [
            strangers_full(vectors, labels, strangers),
            bystanders_full(vectors, bystanders, photos, bystander_photos),
        ]
    )
    assert calibrated["distance_threshold"] == gate.threshold(negatives, scale)
    assert calibrated["curves"]["known_kept"] == [
        round(float(np.mean(known_full(vectors, labels) <= t)), 4) for t in gate.grid_for(scale)
    ]


def test_memory_stays_within_a_block_however_many_examples(monkeypatch):
    """A block of distances never holds more than BLOCK_BYTES (one row when it must)."""
    assert gate._rows_per_block(50_000) * 50_000 * 4 <= gate.BLOCK_BYTES
    assert gate._rows_per_block(10**12) == 1
