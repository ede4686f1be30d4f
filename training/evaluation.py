"""Cross-validated figures of the deployed model, and the calibration of its ``unknown`` rule."""

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from featurize import Pipeline
from training import gate

KEEP_FRACTION = 0.95


def held_out_figures(y: np.ndarray, predicted: np.ndarray, names: list[str]) -> dict[str, Any]:
    """Accuracy, per-person precision/recall/F1 and the confusion matrix of held-out labels."""
    labels = list(range(len(names)))
    precision, recall, f1, support = precision_recall_fscore_support(
        y, predicted, labels=labels, zero_division=0
    )
    return {
        "accuracy": round(float(np.mean(predicted == y)), 4),
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
            "matrix": confusion_matrix(y, predicted, labels=labels).tolist(),
        },
    }


def probability_threshold(
    model: BaseEstimator, x: np.ndarray, y: np.ndarray, folds: int, seed: int
) -> float:
    """Closed-set models: the highest cut on the best class's held-out probability that still
    lets >= 95 % of correctly named faces keep a name."""
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed + 2)
    probabilities = cross_val_predict(model, x, y, cv=cv, method="predict_proba")
    correct = probabilities.argmax(axis=1) == y
    if not correct.any():
        return 0.0
    scores = probabilities.max(axis=1)[correct]
    return float(np.quantile(scores, 1 - KEEP_FRACTION, method="lower"))


def unknown_rule(
    pipeline: Pipeline,
    x: np.ndarray,
    y: np.ndarray,
    probability_cut: float | None,
    strangers: np.ndarray | None = None,
    bystanders: np.ndarray | None = None,
    photos: np.ndarray | None = None,
    bystander_photos: np.ndarray | None = None,
) -> dict[str, Any]:
    """Open-set models gate on the distance to the named person's examples (training.gate);
    closed-set ones (the seed's features) on probability, which refuses no stranger."""
    if pipeline.open_set:
        calibration = gate.calibrate(
            x,
            y,
            strangers,
            bystanders,
            pipeline.gate_prior,
            pipeline.unclear_cap,
            photos,
            bystander_photos,
            pipeline.distance_k,
            pipeline.pair_prior,
        )
        return {
            "unknown_threshold": 0.0,
            "distance_threshold": calibration["distance_threshold"],
            "unclear_distance_threshold": calibration["unclear_distance_threshold"],
            "calibration": calibration,
        }
    return {
        "unknown_threshold": round(probability_cut or 0.0, 6),
        "distance_threshold": None,
        "unclear_distance_threshold": None,
        "calibration": None,
    }
