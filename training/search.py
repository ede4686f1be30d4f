"""The seed's model search: three scaled classifiers, each tuned by GridSearchCV.

Every figure is cross-validated over all the data (stratified folds, fewer than five when a
person has fewer examples): ``cv_accuracy`` is the grid search's best mean fold score, and
``held_out_accuracy`` scores the tuned model's predictions for each example by a model fitted
on other folds, so no example is ever judged by a model that saw it.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from tqdm import tqdm

from inference.openset import NearestReferenceGate

MAX_FOLDS = 5


@dataclass(frozen=True)
class Candidate:
    name: str
    estimator: BaseEstimator
    grid: dict[str, list[Any]]


@dataclass(frozen=True)
class SearchResult:
    name: str
    best_params: dict[str, Any]
    cv_accuracy: float
    held_out_accuracy: float
    best_estimator: Pipeline
    held_out_predictions: np.ndarray

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.name,
            "best_params": self.best_params,
            "cv_accuracy": round(self.cv_accuracy, 4),
            "held_out_accuracy": round(self.held_out_accuracy, 4),
        }


def folds_for(y: np.ndarray) -> int:
    """Five folds as the seed, fewer when the smallest class cannot fill five (at least two)."""
    return int(max(2, min(MAX_FOLDS, np.bincount(y)[np.unique(y)].min())))


def _svc(seed: int, **params: Any) -> SVC:
    return SVC(gamma="auto", random_state=seed, **params)


def candidates(seed: int) -> list[Candidate]:
    """The seed's grid. Its liblinear LogisticRegression was one-vs-rest; here explicitly so."""
    return [
        Candidate(
            "svm", _svc(seed), {"svc__C": [1, 10, 100, 1000], "svc__kernel": ["rbf", "linear"]}
        ),
        Candidate(
            "random_forest",
            RandomForestClassifier(random_state=seed),
            {"randomforestclassifier__n_estimators": [1, 5, 10]},
        ),
        Candidate(
            "logistic_regression",
            OneVsRestClassifier(LogisticRegression(solver="liblinear")),
            {"onevsrestclassifier__estimator__C": [1, 5, 10]},
        ),
    ]


def search(x: np.ndarray, y: np.ndarray, seed: int, progress: bool = True) -> list[SearchResult]:
    """Tune every candidate by cross-validation, then score its best on other folds."""
    folds = folds_for(y)
    tune = StratifiedKFold(folds, shuffle=True, random_state=seed)
    judge = StratifiedKFold(folds, shuffle=True, random_state=seed + 1)
    results = []
    for cand in tqdm(candidates(seed), desc="model search", unit="model", disable=not progress):
        grid = GridSearchCV(make_pipeline(StandardScaler(), cand.estimator), cand.grid, cv=tune)
        grid.fit(x, y)
        predicted = cross_val_predict(grid.best_estimator_, x, y, cv=judge)
        results.append(
            SearchResult(
                cand.name,
                grid.best_params_,
                float(grid.best_score_),
                float(np.mean(predicted == y)),
                grid.best_estimator_,
                predicted,
            )
        )
    return results


def deployable(
    result: SearchResult, seed: int, folds: int, open_set: bool = False
) -> BaseEstimator:
    """An unfitted copy of a search winner that gives class probabilities.

    ``SVC(probability=True)`` is deprecated in scikit-learn 1.9; the supported replacement is
    ``CalibratedClassifierCV(SVC(), ensemble=False)``. The other models have predict_proba.
    With ``open_set`` the model also keeps its training vectors to measure distances.
    """
    if result.name != "svm":
        model = clone(result.best_estimator)
    else:
        svc_params = {k.removeprefix("svc__"): v for k, v in result.best_params.items()}
        calibrated = CalibratedClassifierCV(_svc(seed, **svc_params), ensemble=False, cv=folds)
        model = make_pipeline(StandardScaler(), calibrated)
    return NearestReferenceGate(model) if open_set else model
