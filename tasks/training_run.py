"""One training run, start to end: the seed's collect -> clean -> train -> deploy, by the
service itself, on the descriptors its workers stored (no photo is decoded again).

Claim the run; describe with the service's pipeline any accepted example that lacks its
descriptor (tasks.redescription: the pipeline changed since it was enrolled); snapshot every
accepted example of the owner's people; the seed's model search,
cross-validated figures and the calibrated ``unknown`` rule (training.fit); store the model's
bytes and manifest and, in the same transaction, activate it when that is right
(db.model_versions.auto_activate). A run killed mid-way is delivered again and retrained from
the start; until a run is ready, the owner's previous model answers.
"""

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from celery.exceptions import SoftTimeLimitExceeded

from config import Settings
from db import model_versions
from db.session import unit_of_work
from featurize import Pipeline, get_pipeline
from inference.artifacts import build_manifest, dump_estimator
from tasks.processing import not_run
from tasks.redescription import describe_missing
from tasks.serving import service_pipeline, shipped_model
from tasks.storing import store_with_retry
from training.fit import fit

log = logging.getLogger("celebclf.training")
MIN_EXAMPLES = 2
MIN_PEOPLE = 2


def _too_few(snapshot: model_versions.Snapshot) -> str:
    named = ", ".join(f"{p['name']} ({p['examples']})" for p in snapshot.excluded) or "none"
    enough = len(snapshot.people)
    return (
        f"a model needs at least {MIN_PEOPLE} people with {MIN_EXAMPLES} or more accepted "
        f"examples each; {enough} {'has' if enough == 1 else 'have'} enough (left out: {named})"
    )


@dataclass(frozen=True)
class Trained:
    model_bytes: bytes
    manifest: dict[str, Any]
    report: dict[str, Any]
    people: list[dict[str, Any]]


def _outsiders(pipeline: str, settings: Settings):
    """The shipped model's faces of nobody it knows, when they share the run's pipeline: the
    unknown rule then sees bystanders and strangers, not only the owner's own people."""
    shipped = shipped_model(settings.model_dir)
    if shipped.manifest.get("pipeline") != pipeline or shipped.outsiders is None:
        return None
    return shipped.outsiders.astype(np.float64) if len(shipped.outsiders) else None


def _model(
    claim: model_versions.RunClaim,
    snapshot: model_versions.Snapshot,
    pipeline: Pipeline,
    settings: Settings,
) -> Trained:
    """The model of the snapshot's people, with its manifest and report."""
    names = [p["name"] for p in snapshot.people]
    fitted = fit(
        snapshot.vectors,
        snapshot.labels,
        names,
        pipeline,
        progress=False,
        bystanders=_outsiders(pipeline.name, settings),
    )
    model_bytes = dump_estimator(fitted.estimator)
    manifest = build_manifest(
        model_bytes,
        {name: index for index, name in enumerate(names)},
        {
            "model_version": claim.version,
            "pipeline": pipeline.name,
            **fitted.manifest_fields(),
            "training": {"people": len(names), "examples": len(snapshot.labels)},
        },
    )
    report = {**fitted.report(), "people": snapshot.people, "excluded": snapshot.excluded}
    return Trained(model_bytes, manifest, report, snapshot.people)


def _train(claim: model_versions.RunClaim, settings: Settings) -> Trained | tuple[str, str]:
    """A model ready to store, or the (code, message) the run fails with."""
    pipeline = get_pipeline(service_pipeline(settings))
    try:
        describe_missing(claim.owner, settings)
    except SoftTimeLimitExceeded:
        return "timeout", (
            f"describing examples with {pipeline.name} took over "
            f"{settings.train_time_limit_s - 10} s; the next run goes on where it stopped"
        )
    with unit_of_work(settings.database_url) as session:
        snapshot = model_versions.snapshot(session, claim, pipeline.name, MIN_EXAMPLES)
    if len(snapshot.people) < MIN_PEOPLE:
        return "too_few_people", _too_few(snapshot)
    try:
        return _model(claim, snapshot, pipeline, settings)
    except SoftTimeLimitExceeded:
        return "timeout", f"training took over {settings.train_time_limit_s - 10} s"
    except Exception as exc:  # a run must end with a reason, never hang or vanish
        log.exception("training failed", extra={"model_version": claim.version})
        return "training_error", f"training failed: {type(exc).__name__}: {exc}"


def train_run(run_id: str, settings: Settings) -> str:
    """Run one training run; returns what happened (for logs and tests). Safe to call twice."""
    with unit_of_work(settings.database_url) as session:
        claim, gave_up = model_versions.claim(
            session, run_id, settings.max_attempts, settings.stale_training_after_s
        )
    if claim is None:
        return not_run(log, "training run", {"run_id": run_id}, gave_up)
    what = {"run_id": run_id, "model_version": claim.version, "owner": claim.owner}
    log.info("training started", extra={**what, "attempt": claim.attempt})
    result = _train(claim, settings)
    failed = not isinstance(result, Trained)
    note = None

    def write(session) -> bool:
        nonlocal note
        if failed:
            return model_versions.fail(session, claim, *result)
        stored = model_versions.finish(
            session, claim, result.model_bytes, result.manifest, result.report, result.people
        )
        if not stored:
            return False
        note = model_versions.auto_activate(session, run_id)
        session.get(model_versions.ModelVersion, run_id).note = note
        return True

    written = store_with_retry(settings, write, what)
    status = "failed" if failed else "ready"
    extra = {**what, "attempt": claim.attempt, "status": status, "written": written}
    if failed:
        extra["error_code"] = result[0]
    else:
        extra["activated"] = note is None
    log.info("training finished", extra=extra)
    return status if written else "superseded"
