"""The seed's model search: three scaled classifiers, each tuned by GridSearchCV; beyond
FULL_SEARCH_LIMIT examples, the nearest-examples search.

The seed's grid costs 40 SVM fits and 15 one-vs-rest fits of every person; at 2,000
descriptors (40 people) it already took 51 s, and a linear SVM, one-vs-rest, grows with
examples x people (6.8 s a 5-fold pass at 2,000 x 40, about an hour at 50,000 x 1,000).
Face descriptors are made to be compared by distance, which is also what the ``unknown``
rule measures, so past the limit the search tunes k of a k-nearest-examples classifier
(no scaling: the descriptor's distances are the point) on a stratified subsample of
GRID_SAMPLE examples, and judges the winner on all of them: its fit is storing the vectors
and its cost one float32 matrix product a fold.

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
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_val_predict,
    train_test_split,
)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from tqdm import tqdm

from inference.openset import NearestReferenceGate

MAX_FOLDS = 5
FULL_SEARCH_LIMIT = 1_000  # examples: the seed's search took 19 s at 1,000 (docs/people.md)
GRID_SAMPLE = 5_000  # examples the nearest-examples grid is tuned on
SEED_SEARCH, NEAREST_SEARCH = "seed_grid", "nearest_examples"


@dataclass(frozen=True)
class Candidate:
    name: str
    estimator: BaseEstimator
    grid: dict[str, list[Any]]
    scaled: bool = True


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


def nearest_candidate() -> Candidate:
    """k nearest examples, weighted by closeness (so probabilities are graded, not 0/1)."""
    return Candidate(
        "nearest_examples",
        KNeighborsClassifier(weights="distance", algorithm="brute"),
        {"kneighborsclassifier__n_neighbors": [3, 5, 10]},
        scaled=False,
    )


def search_kind(examples: int) -> str:
    """Which search a training set of ``examples`` gets (recorded in the manifest)."""
    return SEED_SEARCH if examples <= FULL_SEARCH_LIMIT else NEAREST_SEARCH


def _grid_sample(x: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """About GRID_SAMPLE examples (two a person at least), every person kept in proportion."""
    people = len(np.unique(y))
    size = max(GRID_SAMPLE, 2 * people)
    if len(y) - size < people:  # too few left over to split by person: tune on all
        return x, y
    sample, _, labels, _ = train_test_split(x, y, train_size=size, stratify=y, random_state=seed)
    return sample, labels


def search(x: np.ndarray, y: np.ndarray, seed: int, progress: bool = True) -> list[SearchResult]:
    """Tune every candidate by cross-validation, then score its best on other folds."""
    seed_search = search_kind(len(y)) == SEED_SEARCH
    tuned_on = (x, y) if seed_search else _grid_sample(x, y, seed)
    tune = StratifiedKFold(folds_for(tuned_on[1]), shuffle=True, random_state=seed)
    judge = StratifiedKFold(folds_for(y), shuffle=True, random_state=seed + 1)
    tried = candidates(seed) if seed_search else [nearest_candidate()]
    results = []
    for cand in tqdm(tried, desc="model search", unit="model", disable=not progress):
        steps = [StandardScaler()] if cand.scaled else []
        grid = GridSearchCV(make_pipeline(*steps, cand.estimator), cand.grid, cv=tune)
        grid.fit(*tuned_on)
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
    result: SearchResult, seed: int, folds: int, open_set: bool = False, k: int = 1
) -> BaseEstimator:
    """An unfitted copy of a search winner that gives class probabilities.

    ``SVC(probability=True)`` is deprecated in scikit-learn 1.9; the supported replacement is
    ``CalibratedClassifierCV(SVC(), ensemble=False)``. The other models have predict_proba.
    With ``open_set`` the model also keeps its training vectors to measure distances (to a
    person: the mean of their ``k`` nearest).
    """
    if result.name != "svm":
        model = clone(result.best_estimator)
    else:
        svc_params = {k.removeprefix("svc__"): v for k, v in result.best_params.items()}
        calibrated = CalibratedClassifierCV(_svc(seed, **svc_params), ensemble=False, cv=folds)
        model = make_pipeline(StandardScaler(), calibrated)
    return NearestReferenceGate(model, k) if open_set else model
