"""NearestReferenceGate's distances per class: one reduction over references grouped by class
must give each class's nearest example, for new models and for ones pickled before grouping."""

import pickle

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.metrics import pairwise_distances

from inference.openset import NearestReferenceGate


def test_class_distances_are_each_class_nearest_example():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((600, 128)).astype(np.float32)
    y = rng.permutation(np.arange(600) % 37) * 2  # shuffled, with gaps between class labels
    faces = x[:9] + 0.1
    distances = pairwise_distances(faces, x)
    expected = np.stack([distances[:, y == c].min(axis=1) for c in np.unique(y)], axis=1)

    fitted = NearestReferenceGate(DummyClassifier()).fit(x, y)
    older = NearestReferenceGate(DummyClassifier()).fit(x, y)
    del older.class_starts_  # as pickled before references were grouped by class
    older.references_, older.reference_labels_ = x, y

    assert np.array_equal(fitted.class_distances(faces), expected)
    assert np.array_equal(pickle.loads(pickle.dumps(older)).class_distances(faces), expected)
