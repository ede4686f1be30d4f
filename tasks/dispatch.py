"""Putting job ids on the queue: one at a time for single jobs, in bulk for batches.

The job rows are committed before anything here runs; if the broker loses a message or is
down, the sweeper finds the still-``queued`` rows and sends them again.
"""

import logging
from collections.abc import Iterable

from sqlalchemy import select

from config import get_settings
from db import jobs
from db.models import Job, JobStatus
from db.session import unit_of_work
from tasks.celery_app import celery_app

log = logging.getLogger("celebclf.dispatch")
PAGE = 1000


def enqueue_jobs(job_ids: Iterable[str]) -> int:
    """Send one classify task per id over a single broker connection; returns the count."""
    from tasks.classify import classify

    sent = 0
    with celery_app.producer_or_acquire() as producer:
        for job_id in job_ids:
            classify.apply_async((job_id,), task_id=job_id, producer=producer)
            sent += 1
    return sent


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
            enqueue_jobs(ids)
            jobs.mark_enqueued(session, ids)
        total += len(ids)
    log.info("batch dispatched", extra={"batch_id": batch_id, "jobs": total})
    return total
