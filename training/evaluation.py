"""Held-out evaluation of the deployed model and the calibration of its ``unknown`` rule."""

from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

KEEP_FRACTION = 0.95


def unknown_threshold(probabilities: np.ndarray, y_true: np.ndarray, classes: np.ndarray) -> float:
    """The highest probability cut that still lets >= 95 % of correctly named faces keep a name."""
    predicted = classes[probabilities.argmax(axis=1)]
    correct_scores = probabilities.max(axis=1)[predicted == y_true]
    if correct_scores.size == 0:
        return 0.0
    return float(np.quantile(correct_scores, 1 - KEEP_FRACTION, method="lower"))


def distance_threshold(estimator: Any, x_test: np.ndarray, correct: np.ndarray) -> float | None:
    """The smallest distance cut under which >= 95 % of correctly named faces stay named."""
    if not hasattr(estimator, "nearest_distance") or not correct.any():
        return None
    distances = estimator.nearest_distance(x_test[correct])
    return float(np.quantile(distances, KEEP_FRACTION, method="higher"))


def thresholds(
    estimator: Any,
    probabilities: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    classes: np.ndarray,
) -> dict[str, float | None]:
    """Open-set models gate on descriptor distance alone; the others on probability."""
    predicted = classes[probabilities.argmax(axis=1)]
    distance = distance_threshold(estimator, x_test, predicted == y_test)
    if distance is not None:
        return {"unknown_threshold": 0.0, "distance_threshold": round(distance, 6)}
    return {
        "unknown_threshold": round(unknown_threshold(probabilities, y_test, classes), 6),
        "distance_threshold": None,
    }


def evaluate(
    estimator: Any, x_test: np.ndarray, y_test: np.ndarray, names: list[str]
) -> dict[str, Any]:
    """Accuracy, per-person precision/recall/F1, confusion matrix and calibrated thresholds."""
    probabilities = estimator.predict_proba(x_test)
    classes = np.asarray(estimator.classes_)
    predicted = classes[probabilities.argmax(axis=1)]
    labels = list(range(len(names)))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_test, predicted, labels=labels, zero_division=0
    )
    return {
        "accuracy": round(float(np.mean(predicted == y_test)), 4),
        "per_class": {
            name: {
                "precision": round(float(p), 4),
                "recall": round(float(r), 4),
                "f1": round(float(f), 4),
                "support": int(s),
            }
            for name, p, r, f, s in zip(names, precision, recall, f1, support, strict=True)
        },
        "confusion_matrix": {
            "labels": names,
            "matrix": confusion_matrix(y_test, predicted, labels=labels).tolist(),
        },
        **thresholds(estimator, probabilities, x_test, y_test, classes),
    }
