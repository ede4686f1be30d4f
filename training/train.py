"""The training run: clean, split, search, evaluate, refit on everything, export."""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from featurize import get_pipeline
from inference.artifacts import save_model
from training.cleaning import Sample, Verdict, clean
from training.dataset import list_photos
from training.evaluation import evaluate
from training.search import SearchResult, deployable, search

MIN_PHOTOS_PER_PERSON = 4
MAX_FOLDS = 5


@dataclass(frozen=True)
class TrainingConfig:
    data_dir: Path
    out_dir: Path
    pipeline: str = "dlib"
    seed: int = 0
    test_size: float = 0.25
    choose: str = "svm"  # "svm" as the seed deploys, or "best" by held-out accuracy
    progress: bool = True


@dataclass
class TrainingRun:
    samples: list[Sample]
    verdicts: list[Verdict]
    class_dictionary: dict[str, int]
    results: list[SearchResult]
    chosen: SearchResult
    evaluation: dict[str, Any]
    manifest: dict[str, Any] = field(default_factory=dict)


def _check_counts(samples: list[Sample], people: list[str]) -> None:
    counts = Counter(s.photo.person for s in samples)
    short = {p: counts[p] for p in people if counts[p] < MIN_PHOTOS_PER_PERSON}
    if short:
        raise ValueError(
            f"too few usable photos (need {MIN_PHOTOS_PER_PERSON} per person): {short}; "
            "add photos with one clear frontal face, or remove the person's folder"
        )


def _folds(y_train: np.ndarray) -> int:
    """5-fold as the seed, fewer when the smallest class cannot fill five folds."""
    return int(max(2, min(MAX_FOLDS, np.bincount(y_train).min())))


def train(config: TrainingConfig) -> TrainingRun:
    """Run the whole training and write the model directory; returns everything measured."""
    pipeline = get_pipeline(config.pipeline)
    photos = list_photos(config.data_dir)
    people = sorted({p.person for p in photos})
    class_dictionary = {name: index for index, name in enumerate(people)}
    samples, verdicts = clean(photos, pipeline, progress=config.progress)
    _check_counts(samples, people)

    x = np.stack([s.vector for s in samples])
    y = np.array([class_dictionary[s.photo.person] for s in samples])
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=config.test_size, stratify=y, random_state=config.seed
    )
    folds = _folds(y_train)
    results = search(x_train, y_train, x_test, y_test, config.seed, folds, config.progress)
    chosen = (
        next(r for r in results if r.name == "svm")
        if config.choose == "svm"
        else max(results, key=lambda r: r.test_accuracy)
    )

    held_out_model = deployable(chosen, config.seed, folds, pipeline.open_set).fit(x_train, y_train)
    evaluation = evaluate(held_out_model, x_test, y_test, people)
    final_model = deployable(chosen, config.seed, _folds(y), pipeline.open_set).fit(x, y)
    run = TrainingRun(samples, verdicts, class_dictionary, results, chosen, evaluation)
    run.manifest = save_model(
        config.out_dir,
        final_model,
        class_dictionary,
        {
            "pipeline": pipeline.name,
            "model": chosen.name,
            "params": chosen.best_params,
            "unknown_threshold": evaluation["unknown_threshold"],
            "distance_threshold": evaluation["distance_threshold"],
            "training": {
                "data_dir": config.data_dir.name,
                "seed": config.seed,
                "test_size": config.test_size,
                "choose": config.choose,
                "cv_folds": folds,
                "photos": len(photos),
                "kept": len(samples),
            },
        },
    )
    return run
