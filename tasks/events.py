"""Which webhook events a change makes, written as deliveries and put on the queue.

Called after the change is committed (a job ended, a batch was canceled or accepted already
finished); the sweeper calls ``announce_missed`` for changes whose caller died first. The
body is the resource as its GET returns it, fixed when the event happens.
"""

import json
import logging

from sqlalchemy.orm import Session

from bodies.schemas import BatchSchema, JobSchema
from bodies.serializers import batch_bodies, job_bodies
from config import Settings
from db import deliveries
from db.models import TERMINAL, Batch, Job, JobStatus, utcnow
from db.session import unit_of_work
from tasks.webhooks import enqueue_deliveries

log = logging.getLogger("celebclf.webhooks")


def _body(event: str, data: dict) -> str:
    return json.dumps(
        {"type": event, "timestamp": utcnow().isoformat(), "data": data}, separators=(",", ":")
    )


def _wants(row: Batch | Job, what: str) -> bool:
    return what in (row.webhook_events or "").split(",")


def _write(session: Session, row: Batch | Job, event: str, data: dict, **parent: str) -> list[str]:
    """The event's delivery, if the row subscribed to it (``event`` is ``kind.what``)."""
    if not _wants(row, event.split(".")[1]):
        return []
    body = _body(event, data)
    delivery = deliveries.create(session, row.owner, row.webhook_url, event, body, **parent)
    log.info("webhook event", extra={"event": event, "delivery_id": delivery, **parent})
    return [delivery]


def _batch_events(session: Session, settings: Settings, batch_id: str) -> list[str]:
    batch = session.get(Batch, batch_id)
    if batch is None or not batch.webhook_url:
        return []
    data = BatchSchema().dump(batch_bodies(session, [batch], settings.retention_s)[0])
    if data["status"] in ("completed", "canceled"):
        if not deliveries.take_final(session, Batch, batch.id):
            return []
        ending = "completed" if data["counts"][JobStatus.succeeded] else "failed"
        return _write(session, batch, f"batch.{ending}", data, batch_id=batch.id)
    interval = settings.webhook_progress_interval_s
    if _wants(batch, "progress") and deliveries.take_progress(session, batch.id, interval):
        return _write(session, batch, "batch.progress", data, batch_id=batch.id)
    return []


def _job_events(session: Session, settings: Settings, job: Job) -> list[str]:
    if not job.webhook_url:
        return []
    data = JobSchema().dump(job_bodies(session, [job], settings.retention_s)[0])
    if job.status not in TERMINAL:
        return _write(session, job, "job.progress", data, job_id=job.id)
    if not deliveries.take_final(session, Job, job.id):
        return []
    ending = "completed" if job.status == JobStatus.succeeded else "failed"
    return _write(session, job, f"job.{ending}", data, job_id=job.id)


def _announce(settings: Settings, write) -> None:
    with unit_of_work(settings.database_url) as session:
        ids = write(session)
    if ids:
        enqueue_deliveries(settings, ids)


def job_changed(settings: Settings, job_id: str, started: bool = False) -> None:
    """A job ended (its own events, or its batch's), or ``started`` (a standalone job's
    progress; a batch's progress counts ended items)."""

    def write(session: Session) -> list[str]:
        job = session.get(Job, job_id)
        if job is None or (started and job.batch_id):
            return []
        if job.batch_id:
            return _batch_events(session, settings, job.batch_id)
        return _job_events(session, settings, job)

    _announce(settings, write)


def batch_changed(settings: Settings, batch_id: str) -> None:
    """A batch was canceled, or accepted with every item already failed."""
    _announce(settings, lambda session: _batch_events(session, settings, batch_id))


def announce_missed(settings: Settings) -> int:
    """The sweeper's pass: final events of work that ended while its announcer died."""
    with unit_of_work(settings.database_url) as session:
        batch_ids, job_ids = deliveries.finished_but_unannounced(session)
    for batch_id in batch_ids:
        batch_changed(settings, batch_id)
    for job_id in job_ids:
        job_changed(settings, job_id)
    return len(batch_ids) + len(job_ids)
