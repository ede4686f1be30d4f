"""Putting ids on the queue: one task per job, example or training run.

The rows are committed before anything here runs; if the broker loses a message or is down,
the sweeper finds the still-``queued`` rows and sends them again.
"""

import logging
from collections.abc import Iterable, Sequence

from sqlalchemy import select

from config import Settings, get_settings
from db import examples, jobs, model_versions, work
from db.models import Job, JobStatus
from db.session import unit_of_work
from tasks.celery_app import celery_app

log = logging.getLogger("celebclf.dispatch")
PAGE = 1000
TASK_OF = {
    jobs.KIND: "celebclf.classify",
    examples.KIND: "celebclf.enrol",
    model_versions.KIND: "celebclf.train",
}


def enqueue(kind: work.WorkKind, ids: Iterable[str]) -> int:
    """Send one task per id (its task id is the row's id) over a single broker connection."""
    sent = 0
    with celery_app.producer_or_acquire() as producer:
        for item_id in ids:
            celery_app.send_task(TASK_OF[kind], (item_id,), task_id=item_id, producer=producer)
            sent += 1
    return sent


def enqueue_committed(settings: Settings, kind: work.WorkKind, ids: Sequence[str]) -> None:
    """After the rows are committed: send them and note it; a broker failure is only logged,
    because the rows are safe and the sweeper will send them."""
    try:
        enqueue(kind, ids)
        with unit_of_work(settings.database_url) as session:
            work.mark_enqueued(session, kind, ids)
    except Exception as exc:
        log.warning(
            "enqueue failed; the sweeper will retry",
            extra={"kind": kind.noun, "ids": list(ids)[:10], "error": str(exc)[:300]},
        )


@celery_app.task(name="celebclf.dispatch_batch")
def dispatch_batch(batch_id: str) -> int:
    """Enqueue a batch's not-yet-sent jobs page by page, marking each page as sent."""
    url = get_settings().database_url
    total = 0
    while True:
        with unit_of_work(url) as session:
            ids = list(
                session.scalars(
                    select(Job.id)
                    .where(
                        Job.batch_id == batch_id,
                        Job.status == JobStatus.queued,
                        Job.enqueued_at.is_(None),
                    )
                    .order_by(Job.seq)
                    .limit(PAGE)
                )
            )
            if not ids:
                break
            enqueue(jobs.KIND, ids)
            jobs.mark_enqueued(session, ids)
        total += len(ids)
    log.info("batch dispatched", extra={"batch_id": batch_id, "jobs": total})
    return total
