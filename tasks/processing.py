"""One job, start to end: claim it, get its bytes, name the faces, store the outcome."""

import logging
import time

from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.exc import OperationalError

from config import Settings
from db import jobs
from db.session import unit_of_work
from fetch import FetchError, FetchPolicy, fetch_image
from inference import Predictor

log = logging.getLogger("celebclf.jobs")


def fetch_policy(settings: Settings) -> FetchPolicy:
    return FetchPolicy(
        settings.fetch_timeout_s,
        settings.fetch_max_bytes,
        settings.fetch_max_redirects,
        settings.fetch_allow_private,
    )


def _outcome(
    claim: jobs.Claim, predictor: Predictor, settings: Settings
) -> tuple[list[jobs.FaceRow], tuple[str, str] | None]:
    """(faces, None) on success, ([], (code, message)) when the item itself is bad."""
    try:
        data = (
            claim.data if claim.data is not None else fetch_image(claim.url, fetch_policy(settings))
        )
    except FetchError as exc:
        return [], (exc.code, exc.message)
    prediction = predictor.predict_bytes(data)
    if prediction.error:
        return [], (prediction.error.code, prediction.error.message)
    return [
        jobs.FaceRow(f.box.x, f.box.y, f.box.w, f.box.h, f.label, f.score, f.probabilities)
        for f in prediction.faces
    ], None


def _store(
    settings: Settings,
    claim: jobs.Claim,
    faces: list[jobs.FaceRow],
    error: tuple[str, str] | None,
    model_version: str,
) -> bool:
    """Write the outcome, retrying with backoff while the database is unreachable.

    The job is ``running`` under this attempt, so no one else may write it: giving up early
    would leave it for the sweeper to hand back minutes later. Bounded by half the time limit.
    """
    delay, deadline = 0.5, time.monotonic() + settings.task_time_limit_s / 2
    while True:
        try:
            with unit_of_work(settings.database_url) as session:
                if error:
                    return jobs.fail(session, claim, *error)
                return jobs.succeed(session, claim, faces, model_version)
        except OperationalError as exc:
            if time.monotonic() + delay > deadline:
                raise
            log.warning(
                "result write failed; retrying",
                extra={"job_id": claim.job_id, "retry_in_s": delay, "error": str(exc.orig)[:200]},
            )
            time.sleep(delay)
            delay = min(delay * 2, 8)


def process_job(job_id: str, predictor: Predictor, settings: Settings) -> str:
    """Run one job; returns what happened (for logs and tests). Safe to call twice."""
    url = settings.database_url
    with unit_of_work(url) as session:
        claim, gave_up = jobs.claim(
            session, job_id, settings.max_attempts, settings.stale_running_after_s
        )
    if claim is None:
        outcome = "gave_up" if gave_up else "not_claimable"
        log.warning("job not run", extra={"job_id": job_id, "outcome": outcome})
        return outcome
    log.info("job started", extra={"job_id": job_id, "attempt": claim.attempt})
    try:
        faces, error = _outcome(claim, predictor, settings)
    except SoftTimeLimitExceeded:
        faces, error = [], ("timeout", f"processing took over {settings.task_time_limit_s - 10} s")
    written = _store(settings, claim, faces, error, predictor.bundle.version)
    status = "failed" if error else "succeeded"
    extra = {
        "job_id": job_id,
        "attempt": claim.attempt,
        "status": status,
        "faces": len(faces),
        "written": written,
    }
    if error:
        extra["error_code"] = error[0]
    log.info("job finished", extra=extra)
    return status if written else "superseded"
