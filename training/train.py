"""``celebclf train``: clean a folder of photos, fit (training.fit), export a model directory."""

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from featurize import get_pipeline
from inference.artifacts import save_model
from inference.gallery import Gallery, save_gallery
from training.cleaning import Sample, Verdict, clean, stranger_vectors
from training.dataset import list_photos
from training.fit import FittedModel, fit
from training.per_face import labelled_elsewhere, labelled_faces, load_face_labels

MIN_PHOTOS_PER_PERSON = 4
# cleaning report: the photo's one clear face is, by the face labels, someone else's
LABELLED_ELSEWHERE = "labelled_someone_else"


@dataclass(frozen=True)
class TrainingConfig:
    data_dir: Path
    out_dir: Path
    pipeline: str = "sface"
    seed: int = 0
    choose: str = "svm"  # "svm" as the seed deploys, or "best" by held-out accuracy
    strangers_dir: Path | None = None  # people to refuse, for the unknown rule's calibration
    # faces labelled by eye (labels/): bystanders to refuse, known faces to learn from
    face_labels: Path | None = None
    progress: bool = True


@dataclass
class TrainingRun:
    samples: list[Sample]
    verdicts: list[Verdict]
    class_dictionary: dict[str, int]
    fitted: FittedModel
    manifest: dict[str, Any] = field(default_factory=dict)


def _check_counts(samples: list[Sample], people: list[str]) -> None:
    counts = Counter(s.photo.person for s in samples)
    short = {p: counts[p] for p in people if counts[p] < MIN_PHOTOS_PER_PERSON}
    if short:
        raise ValueError(
            f"too few usable photos (need {MIN_PHOTOS_PER_PERSON} per person): {short}; "
            "add photos with one clear frontal face, or remove the person's folder"
        )


def gallery_of(samples: list[Sample], outsiders: np.ndarray | None = None) -> Gallery:
    return Gallery(
        np.stack([s.vector for s in samples]),
        np.array([s.photo.person for s in samples]),
        np.array([s.sha256 for s in samples]),
        np.array([[s.box.x, s.box.y, s.box.w, s.box.h] for s in samples]),
        outsiders,
    )


def train(config: TrainingConfig) -> TrainingRun:
    """Run the whole training and write the model directory; returns everything measured."""
    pipeline = get_pipeline(config.pipeline)
    photos = list_photos(config.data_dir)
    people = sorted({p.person for p in photos})
    class_dictionary = {name: index for index, name in enumerate(people)}
    samples, verdicts = clean(photos, pipeline, progress=config.progress)
    _check_counts(samples, people)
    strangers = (
        stranger_vectors(list_photos(config.strangers_dir), pipeline, set(people))
        if config.strangers_dir and pipeline.open_set
        else None
    )
    bystanders, bystander_photos, labelled = None, None, None
    if config.face_labels and pipeline.open_set:
        labels = load_face_labels(config.face_labels)
        elsewhere = {s.sha256 for s in samples if labelled_elsewhere(s, labels)}
        samples = [s for s in samples if s.sha256 not in elsewhere]
        verdicts = [
            replace(v, kept=False, reason=LABELLED_ELSEWHERE) if v.sha256 in elsewhere else v
            for v in verdicts
        ]
        kept = {s.sha256 for s in samples}
        labelled = labelled_faces(photos, pipeline, labels, set(people), kept)
        samples += labelled.examples
        bystanders, bystander_photos = labelled.bystanders, labelled.bystander_photos
    x = np.stack([s.vector for s in samples])
    y = np.array([class_dictionary[s.photo.person] for s in samples])
    fitted = fit(
        x,
        y,
        people,
        pipeline,
        config.seed,
        config.choose,
        strangers,
        config.progress,
        bystanders,
        np.array([s.sha256 for s in samples]),
        bystander_photos,
    )
    extra: dict[str, Any] = {
        "pipeline": pipeline.name,
        **fitted.manifest_fields(),
        "training": {
            "data_dir": config.data_dir.name,
            "strangers_dir": config.strangers_dir.name if config.strangers_dir else None,
            "face_labels": config.face_labels.name if config.face_labels else None,
            "seed": config.seed,
            "choose": config.choose,
            "photos": len(photos),
            "kept": len(samples),
            "labelled_examples": len(labelled.examples) if labelled else 0,
        },
    }
    config.out_dir.mkdir(parents=True, exist_ok=True)
    if pipeline.open_set:
        # the bystanders only: the strangers are people a user may well enrol (the seed's)
        gallery = gallery_of(samples, bystanders)
        extra["gallery_sha256"] = save_gallery(config.out_dir, gallery)
    run = TrainingRun(samples, verdicts, class_dictionary, fitted)
    run.manifest = save_model(config.out_dir, fitted.estimator, class_dictionary, extra)
    return run
