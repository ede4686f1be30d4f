"""Which model answers an owner, shared by the workers and the API's synchronous endpoints.

Every owner starts with the shipped model (``CELEBCLF_MODEL_DIR``), its people and their
descriptors, stored the first time the owner is seen; after that the owner's active model is
whatever their training runs and activations made it.
"""

import json
from functools import cache
from pathlib import Path

from sqlalchemy.orm import Session

from config import Settings
from db import examples, model_versions, owners
from db.owners import ShippedModel
from inference import ModelError, Predictor, default_model_dir, load_model
from inference.artifacts import MODEL_FILE
from inference.gallery import load_gallery
from inference.recent import RecentExamples
from inference.registry import ModelRegistry


@cache
def shipped_model(model_dir: str | None) -> ShippedModel:
    """The verified shipped model with its gallery (read once per process)."""
    folder = Path(model_dir or default_model_dir())
    bundle = load_model(folder)
    report_path = folder / "metrics.json"
    report = json.loads(report_path.read_text()) if report_path.is_file() else None
    try:
        gallery = load_gallery(folder, bundle.manifest)
    except ModelError:
        gallery = None  # an older model directory: its people start without examples
    return ShippedModel(
        (folder / MODEL_FILE).read_bytes(),
        bundle.manifest,
        bundle.classes,
        report,
        *(
            (gallery.vectors, gallery.names, gallery.sha256, gallery.boxes, gallery.outsiders)
            if gallery
            else (None,) * 5
        ),
    )


def service_pipeline(settings: Settings) -> str:
    """The pipeline examples are enrolled with and runs train on: ``CELEBCLF_PIPELINE``, else
    the shipped model's, so a release shipping a model of a new pipeline moves every owner to
    it (their examples are described again: tasks.redescription)."""
    return settings.pipeline or shipped_model(settings.model_dir).manifest["pipeline"]


_seeded: set[tuple[str, str]] = set()


def ensure_owner(session: Session, settings: Settings, owner: str) -> None:
    """Seed ``owner`` with the shipped people and model the first time it is seen.

    Remembered per process only once the owner's row was found already there: a seed written
    by this session is not known to be committed until a later call sees it.
    """
    key = (settings.database_url, owner)
    if key in _seeded:
        return
    if not owners.ensure_owner(session, owner, shipped_model(settings.model_dir)):
        _seeded.add(key)


@cache
def registry(unknown_threshold: float | None) -> ModelRegistry:
    return ModelRegistry(unknown_threshold)


def predictor_for(session: Session, settings: Settings, owner: str) -> Predictor:
    """The owner's active model, as a predictor (loaded from the database on first use), also
    naming the people of the examples it was not trained on (inference.recent): those are read
    again only when the owner's people or examples changed, so a new example names its person
    from the next job on, and a deleted one no longer does."""
    ensure_owner(session, settings, owner)
    active = model_versions.active(session, owner)
    if active is None:
        raise ModelError(f"owner {owner} has no active model: activate one")
    models = registry(settings.unknown_threshold)
    predictor = models.predictor(
        active.model_id,
        active.people_epoch,
        lambda: model_versions.load(session, active.model_id),
        lambda: model_versions.living_people(session, owner),
    )
    if predictor.rule.distance_threshold is None:  # a closed-set model: no distance to trust
        return predictor
    pipeline = predictor.bundle.pipeline.name
    recent = models.recent(
        owner,
        (active.model_id, active.people_epoch, active.changed_at),
        lambda: RecentExamples.of(examples.not_in_model(session, owner, active.model_id, pipeline)),
    )
    return predictor.knowing(recent)
