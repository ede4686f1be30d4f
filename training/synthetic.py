"""Made-up face descriptors for measuring cost: people as Gaussian clusters on the unit sphere.

Only for timing and memory (bench.learning, tests): accuracy is judged on real photos. The
spread makes a person's examples about 0.5-0.6 apart and different people about 1.4, as
L2-normalised descriptors (sface) are, so a model trained on them is at least sane.
"""

import numpy as np

SPREAD = 0.035  # per dimension, around a person's centre, before normalising


def clustered_descriptors(
    n: int, people: int, rng: np.random.Generator, dim: int = 128
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` float32 unit vectors of ``people`` people (labels 0..people-1, round robin)."""
    centres = rng.standard_normal((people, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    labels = np.arange(n) % people
    vectors = centres[labels] + rng.standard_normal((n, dim)) * SPREAD
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32), labels
