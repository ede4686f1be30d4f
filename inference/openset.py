"""A classifier that also knows how far a face is from the examples of each person.

A closed-set classifier always names *someone*. Face descriptors of one person lie close
together, so the distance from a face to the examples of the person it was named as tells a
stranger (or a classifier's mistake) from a known face far better than a probability does.

The distance to a person is the mean distance to their ``k`` nearest examples. With one (k=1,
dlib's models and every model trained before 2026-12-05) a bystander who happens to resemble
one photo of a person is as near as the person himself; needing several of the person's
photos to agree told known faces from bystanders better for SFace's descriptor (3 kept 0.963
of the known faces where 1 kept 0.952, on the per-face cross-validation:
docs/model-report.md).
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.metrics import pairwise_distances


def grouped(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The order that puts equal labels together, and where each label's run starts in it."""
    order = np.argsort(labels, kind="stable")
    ordered = labels[order]
    return order, np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])


def nearest_mean(distances: np.ndarray, starts: np.ndarray, k: int) -> np.ndarray:
    """(rows, groups): per row, the mean of the ``k`` smallest distances in each group of
    columns (group g is columns ``starts[g]`` up to the next start; none is empty). An inf
    distance is a pair that must not count; a group with fewer than ``k`` others gives the
    mean of those it has, inf when it has none."""
    if k == 1:
        return np.minimum.reduceat(distances, starts, axis=1)
    remaining = np.array(distances, dtype=np.float32)
    sizes = np.diff(np.r_[starts, remaining.shape[1]])
    total = np.zeros((len(remaining), len(starts)))
    counted = np.zeros_like(total)
    for _ in range(k):
        smallest = np.minimum.reduceat(remaining, starts, axis=1)
        found = np.isfinite(smallest)
        total += np.where(found, smallest, 0.0)
        counted += found
        remaining[remaining == np.repeat(smallest, sizes, axis=1)] = np.inf  # taken (ties too)
    return np.where(counted > 0, total / np.maximum(counted, 1), np.inf)


class NearestReferenceGate(ClassifierMixin, BaseEstimator):
    """``classifier`` for the name; ``class_distances`` for "is this really that person"."""

    def __init__(self, classifier: BaseEstimator, k: int = 1) -> None:
        self.classifier = classifier
        self.k = k

    def fit(self, x: np.ndarray, y: np.ndarray) -> "NearestReferenceGate":
        self.classifier_ = clone(self.classifier).fit(x, y)
        self.references_ = np.asarray(x, dtype=np.float32)
        self.reference_labels_ = np.asarray(y)
        self.classes_ = self.classifier_.classes_
        self._group_by_class()
        return self

    def _group_by_class(self) -> None:
        """References in class order, so that one ``minimum.reduceat`` finds every class's
        nearest (a loop over classes cost 150 ms a face at 1,000 people). Also run on models
        pickled before the references were grouped."""
        order = np.argsort(self.reference_labels_, kind="stable")
        references, labels = self.references_[order], self.reference_labels_[order]
        self.class_starts_ = np.searchsorted(labels, self.classes_)
        self.references_, self.reference_labels_ = references, labels

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self.classifier_.predict_proba(x)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.classifier_.predict(x)

    @property
    def neighbours(self) -> int:
        """How many of a person's examples a distance is the mean of (1 in older pickles)."""
        return getattr(self, "k", 1)

    def class_sizes(self) -> np.ndarray:
        """Examples per class, in ``classes_`` order."""
        if not hasattr(self, "class_starts_"):
            self._group_by_class()
        return np.diff(np.r_[self.class_starts_, len(self.references_)])

    def class_distances(self, x: np.ndarray) -> np.ndarray:
        """(rows, classes): Euclidean distance from each row to each class, as the mean of
        its ``k`` nearest examples of that class, columns in ``classes_`` order."""
        if not hasattr(self, "class_starts_"):
            self._group_by_class()
        distances = pairwise_distances(np.asarray(x, dtype=np.float32), self.references_)
        return nearest_mean(distances, self.class_starts_, self.neighbours)
