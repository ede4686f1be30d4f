"""A classifier that also knows how far a face is from every face it was trained on.

A closed-set classifier always names *someone*. Face descriptors of one person lie close
together, so the distance to the nearest training descriptor tells a stranger from a known
face far better than the classifier's probability does.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.metrics import pairwise_distances


class NearestReferenceGate(ClassifierMixin, BaseEstimator):
    """``classifier`` for the name; ``nearest_distance`` for "is this anyone we know"."""

    def __init__(self, classifier: BaseEstimator) -> None:
        self.classifier = classifier

    def fit(self, x: np.ndarray, y: np.ndarray) -> "NearestReferenceGate":
        self.classifier_ = clone(self.classifier).fit(x, y)
        self.references_ = np.asarray(x, dtype=np.float32)
        self.classes_ = self.classifier_.classes_
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self.classifier_.predict_proba(x)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.classifier_.predict(x)

    def nearest_distance(self, x: np.ndarray) -> np.ndarray:
        """Euclidean distance from each row to its nearest training vector."""
        return pairwise_distances(np.asarray(x, dtype=np.float32), self.references_).min(axis=1)
