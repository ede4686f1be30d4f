"""The sweeper: the database says what should be in flight; this makes the queue agree.

Every ``CELEBCLF_SWEEP_INTERVAL`` seconds it
- hands back ``running`` jobs whose worker vanished (older than the hard time limit + margin),
  or fails them once they have used all their attempts;
- re-sends ``queued`` jobs older than ``CELEBCLF_REQUEUE_AFTER`` when the broker queue is empty
  (their message was lost: Redis restarted, flushed, or was down at submit time), and after
  ten times that even when it is not (a long queue must not hide a lost message for ever).
Several sweepers may run at once: every change is a compare-and-set, every re-send harmless.
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, or_, select

from config import Settings
from db import jobs
from db.models import Job, JobStatus, utcnow
from db.session import unit_of_work
from tasks.celery_app import celery_app
from tasks.dispatch import enqueue_jobs

log = logging.getLogger("celebclf.sweeper")
LIMIT = 5000


@dataclass(frozen=True)
class SweepReport:
    released: int
    given_up: int
    requeued: int


def queue_length(queue: str) -> int:
    """Messages waiting in the broker queue (a passive declare fails on an empty Redis queue)."""
    with celery_app.connection_for_read() as connection:
        return connection.default_channel.queue_declare(queue=queue, passive=False).message_count


def _lost_queued(settings: Settings, queue_empty: bool) -> list[str]:
    now = utcnow()
    age = timedelta(seconds=settings.requeue_after_s)
    last_sent = func.coalesce(Job.enqueued_at, Job.created_at)
    lost = or_(Job.enqueued_at.is_(None), last_sent < now - age * 10)
    if queue_empty:
        lost = or_(lost, last_sent < now - age)
    with unit_of_work(settings.database_url) as session:
        return list(
            session.scalars(
                select(Job.id)
                .where(Job.status == JobStatus.queued, last_sent < now - age, lost)
                .order_by(Job.created_at)
                .limit(LIMIT)
            )
        )


def sweep(settings: Settings) -> SweepReport:
    with unit_of_work(settings.database_url) as session:
        released, given_up = jobs.release_abandoned(
            session, settings.max_attempts, settings.stale_running_after_s
        )
    ids = _lost_queued(settings, queue_length(settings.queue) == 0)
    if ids:
        enqueue_jobs(ids)
        with unit_of_work(settings.database_url) as session:
            jobs.mark_enqueued(session, ids)
    report = SweepReport(released, given_up, len(ids))
    if released or given_up or ids:
        log.warning("sweep repaired jobs", extra=vars(report))
    return report


def heartbeat_path(settings: Settings) -> Path:
    """Touched after every successful sweep; a health check reads its age."""
    return settings.data_dir / "sweeper.heartbeat"


def run_forever(settings: Settings) -> None:
    """The sweeper process: sweep, sleep, repeat; a failed sweep is logged and retried."""
    log.info("sweeper started", extra={"interval_s": settings.sweep_interval_s})
    heartbeat = heartbeat_path(settings)
    heartbeat.parent.mkdir(parents=True, exist_ok=True)
    while True:
        try:
            sweep(settings)
            heartbeat.touch()
        except Exception:
            log.exception("sweep failed; retrying next interval")
        time.sleep(settings.sweep_interval_s)
