"""One job, start to end: claim it, pick its owner's model, get its bytes, name the faces,
store the outcome."""

import logging
import time

import numpy as np
from celery.exceptions import SoftTimeLimitExceeded

from config import Settings
from db import jobs
from db.session import unit_of_work
from fetch import FetchError, FetchPolicy, fetch_image
from inference import ModelError, Predictor
from metrics.events import record_fetch, record_job_finished, record_job_run, record_model_served
from tasks import events
from tasks.clustering import cluster_job_faces
from tasks.serving import predictor_for
from tasks.storing import store_with_retry

log = logging.getLogger("celebclf.jobs")


def fetch_policy(settings: Settings) -> FetchPolicy:
    return FetchPolicy(
        timeout_s=settings.fetch_timeout_s,
        max_bytes=settings.fetch_max_bytes,
        max_redirects=settings.fetch_max_redirects,
        allow_private=settings.fetch_allow_private,
        connect_timeout_s=settings.fetch_connect_timeout_s,
        read_timeout_s=settings.fetch_read_timeout_s,
    )


def item_bytes(data: bytes | None, url: str | None, settings: Settings) -> bytes:
    """An item's bytes: uploaded, or fetched from its URL (raises FetchError)."""
    if data is not None:
        return data
    try:
        fetched = fetch_image(url, fetch_policy(settings))
    except FetchError as exc:
        record_fetch(failure=exc.code)
        raise
    record_fetch(size=len(fetched))
    return fetched


def _outcome(
    claim: jobs.Claim, predictor: Predictor, settings: Settings
) -> tuple[list[jobs.FaceRow], tuple[str, str] | None]:
    """(faces, None) on success, ([], (code, message)) when the item itself is bad."""
    try:
        data = item_bytes(claim.data, claim.url, settings)
    except FetchError as exc:
        return [], (exc.code, exc.message)
    prediction = predictor.predict_bytes(data)
    if prediction.error:
        return [], (prediction.error.code, prediction.error.message)
    return [
        jobs.FaceRow(
            f.box.x,
            f.box.y,
            f.box.w,
            f.box.h,
            f.label,
            f.score,
            f.probabilities,
            f.person_id,
            f.distance,
            f.reason,
            f.quality,
            predictor.bundle.pipeline.name,
            None if f.vector is None else f.vector.astype(np.float32).tobytes(),
            f.crop,
            f.rule,
        )
        for f in prediction.faces
    ], None


def not_run(logger: logging.Logger, what: str, ids: dict, gave_up: bool) -> str:
    """Log and name why a claim took nothing: the item is done, held, or out of attempts."""
    outcome = "gave_up" if gave_up else "not_claimable"
    logger.warning(f"{what} not run", extra={**ids, "outcome": outcome})
    return outcome


def _claim(settings: Settings, job_id: str):
    """(claim or None, gave_up, predictor or the ModelError that stops it) in one transaction."""
    with unit_of_work(settings.database_url) as session:
        claim, gave_up = jobs.claim(
            session, job_id, settings.max_attempts, settings.stale_running_after_s
        )
        if claim is None:
            return None, gave_up, None
        try:
            return claim, False, predictor_for(session, settings, claim.owner)
        except ModelError as exc:
            return claim, False, exc


def process_job(job_id: str, settings: Settings) -> str:
    """Run one job; returns what happened (for logs and tests). Safe to call twice."""
    started = time.monotonic()
    claim, gave_up, predictor = _claim(settings, job_id)
    if claim is None:
        if gave_up:
            record_job_finished("failed", "too_many_attempts")
        return not_run(log, "job", {"job_id": job_id}, gave_up)
    log.info("job started", extra={"job_id": job_id, "attempt": claim.attempt})
    if claim.webhook_url and claim.batch_id is None:  # a batch's progress counts ended items
        announce(settings, job_id, started=True)
    version = None
    if isinstance(predictor, ModelError):
        faces, error = [], ("model_unavailable", str(predictor))
    else:
        version = predictor.bundle.version
        record_model_served(version)
        try:
            faces, error = _outcome(claim, predictor, settings)
        except SoftTimeLimitExceeded:
            limit = settings.task_time_limit_s - 10
            faces, error = [], ("timeout", f"processing took over {limit} s")

    def write(session) -> bool:
        if error:
            return jobs.fail(session, claim, *error)
        return jobs.succeed(session, claim, faces, version)

    written = store_with_retry(settings, write, {"job_id": job_id})
    status = "failed" if error else "succeeded"
    extra = {
        "job_id": job_id,
        "attempt": claim.attempt,
        "status": status,
        "faces": len(faces),
        "model_version": version,
        "written": written,
    }
    if error:
        extra["error_code"] = error[0]
    if written:
        record_job_run(
            status, error[0] if error else None, claim.submitted_at, time.monotonic() - started
        )
    log.info("job finished", extra=extra)
    if written and not error:
        cluster_job_faces(settings, job_id, predictor.bundle.manifest)
    if written and claim.has_events:
        announce(settings, job_id)
    return status if written else "superseded"


def announce(settings: Settings, job_id: str, started: bool = False) -> None:
    """Webhook events of the change; if this fails the sweeper writes the final ones."""
    try:
        events.job_changed(settings, job_id, started)
    except Exception as exc:  # the job's own outcome is stored: never fail it for its events
        log.warning("webhook events not written", extra={"job_id": job_id, "error": str(exc)[:300]})
