"""From labelled vectors to a deployable model: the part every training path shares.

``celebclf train`` reaches it from a folder of photos, the service's training runs from the
descriptors stored with each person's examples; both get the same search, figures and rule.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from featurize import Pipeline
from training.evaluation import held_out_figures, probability_threshold, unknown_rule
from training.search import SearchResult, deployable, folds_for, search, search_kind


@dataclass(frozen=True)
class FittedModel:
    estimator: BaseEstimator
    results: list[SearchResult]
    chosen: SearchResult
    held_out: dict[str, Any]  # cross-validated figures of the chosen model
    rule: dict[str, Any]  # unknown_threshold, distance_threshold, calibration
    folds: int
    search: str  # training.search: SEED_SEARCH or NEAREST_SEARCH
    quality_gate: dict[str, float]  # which faces may be named at all (inference.naming)

    def manifest_fields(self) -> dict[str, Any]:
        """What a manifest records of the fit (model, parameters, the unknown rule)."""
        return {
            "search": self.search,
            "model": self.chosen.name,
            "params": self.chosen.best_params,
            "unknown_threshold": self.rule["unknown_threshold"],
            "distance_threshold": self.rule["distance_threshold"],
            "unclear_distance_threshold": self.rule["unclear_distance_threshold"],
            **self._distances(),
            "cv_folds": self.folds,
            "quality_gate": self.quality_gate,
        }

    def _distances(self) -> dict[str, Any]:
        """How the distance to a person is measured, and the one-face threshold (clusters)."""
        calibration = self.rule["calibration"]
        if not calibration:
            return {}
        return {
            "distance_k": calibration["distance_k"],
            "pair_distance_threshold": calibration["pair_distance_threshold"],
        }

    def report(self) -> dict[str, Any]:
        """The run's figures as JSON: model table, held-out figures, the unknown rule."""
        return {
            "search": self.search,
            "models": [r.as_dict() for r in self.results],
            "chosen": {"model": self.chosen.name, "params": self.chosen.best_params},
            "held_out": self.held_out,
            "unknown_rule": self.rule,
        }


def fit(
    x: np.ndarray,
    y: np.ndarray,
    names: list[str],
    pipeline: Pipeline,
    seed: int = 0,
    choose: str = "svm",
    strangers: np.ndarray | None = None,
    progress: bool = True,
    bystanders: np.ndarray | None = None,
    photos: np.ndarray | None = None,
    bystander_photos: np.ndarray | None = None,
) -> FittedModel:
    """Search, judge by cross-validation, calibrate ``unknown``, refit on everything.

    ``y`` holds class indices into ``names``; every class needs at least two examples.
    ``choose`` is "svm" (what the seed deploys) or "best" (by held-out accuracy); past the
    seed's search (training.search) there is one model, and it is chosen.
    ``strangers`` are vectors of people the model must not name, for the calibration;
    ``bystanders`` the other faces of the photos the examples came from, ``photos`` and
    ``bystander_photos`` which photo each example and bystander is from (training.gate).
    """
    results = search(x, y, seed, progress)
    svm = [r for r in results if r.name == "svm"]
    chosen = svm[0] if choose == "svm" and svm else max(results, key=lambda r: r.held_out_accuracy)
    folds = folds_for(y)
    model = deployable(chosen, seed, folds, pipeline.open_set, pipeline.distance_k)
    cut = None if pipeline.open_set else probability_threshold(model, x, y, folds, seed)
    held_out = {
        **held_out_figures(y, chosen.held_out_predictions, names),
        "method": f"{folds}-fold cross-validation over all {len(y)} examples",
    }
    rule = unknown_rule(pipeline, x, y, cut, strangers, bystanders, photos, bystander_photos)
    estimator = model.fit(x, y)
    return FittedModel(
        estimator,
        results,
        chosen,
        held_out,
        rule,
        folds,
        search_kind(len(y)),
        pipeline.nameable.as_dict(),
    )
