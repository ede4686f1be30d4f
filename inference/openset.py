"""A classifier that also knows how far a face is from the examples of each person.

A closed-set classifier always names *someone*. Face descriptors of one person lie close
together, so the distance from a face to the examples of the person it was named as tells a
stranger (or a classifier's mistake) from a known face far better than a probability does.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.metrics import pairwise_distances


class NearestReferenceGate(ClassifierMixin, BaseEstimator):
    """``classifier`` for the name; ``class_distances`` for "is this really that person"."""

    def __init__(self, classifier: BaseEstimator) -> None:
        self.classifier = classifier

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

    def class_distances(self, x: np.ndarray) -> np.ndarray:
        """(rows, classes): Euclidean distance from each row to the nearest example of each
        class, columns in ``classes_`` order."""
        if not hasattr(self, "class_starts_"):
            self._group_by_class()
        distances = pairwise_distances(np.asarray(x, dtype=np.float32), self.references_)
        return np.minimum.reduceat(distances, self.class_starts_, axis=1)
