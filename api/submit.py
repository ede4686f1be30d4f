"""Accepting work: commit the rows first, then enqueue their ids.

If the broker is down the rows are still committed and the client still gets 202: the sweeper
sends every ``queued`` row the broker never received, so nothing accepted is lost.
"""

import logging
from collections.abc import Callable, Sequence

from sqlalchemy import insert
from sqlalchemy.orm import Session

from api.intake import Item
from api.webhooks import Subscription
from config import Settings
from db import jobs
from db.models import Batch, Job, JobStatus, Payload, new_id, utcnow
from db.session import unit_of_work
from metrics.events import record_job_finished

log = logging.getLogger("celebclf.api")
OnWrite = Callable[[Session, str], None]  # (the work's transaction, the new row's id)


def _nothing(_session: Session, _row_id: str) -> None:
    pass


def submit_job(
    settings: Settings,
    owner: str,
    item: Item,
    subscription: Subscription | None = None,
    on_write: OnWrite = _nothing,
) -> Job:
    """Insert the job (``on_write`` runs in the same transaction), then enqueue its id."""
    with unit_of_work(settings.database_url) as session:
        job = Job(
            id=new_id(),
            owner=owner,
            source=item.source,
            url=item.url,
            filename=item.filename,
            status=JobStatus.queued,
            **(subscription.columns() if subscription else {}),
        )
        session.add(job)
        session.flush()
        if item.data is not None:
            session.add(Payload(job_id=job.id, data=item.data))
        on_write(session, job.id)
    log.info("job accepted", extra={"job_id": job.id, "source": item.source})
    from tasks.dispatch import enqueue_committed

    enqueue_committed(settings, jobs.KIND, [job.id])
    return job


def _row(batch_id: str, seq: int, owner: str, item: Item, now) -> dict:
    failed = item.error is not None
    return {
        "id": new_id(),
        "batch_id": batch_id,
        "seq": seq,
        "owner": owner,
        "source": item.source,
        "url": item.url,
        "filename": item.filename,
        "status": JobStatus.failed if failed else JobStatus.queued,
        "attempts": 0,
        "error_code": item.error[0] if failed else None,
        "error_message": item.error[1] if failed else None,
        "created_at": now,
        "updated_at": now,
        "finished_at": now if failed else None,
    }


def submit_batch(
    settings: Settings,
    owner: str,
    items: Sequence[Item],
    subscription: Subscription | None = None,
    on_write: OnWrite = _nothing,
) -> tuple[Batch, int]:
    """Insert the batch and all its jobs in one transaction (``on_write`` runs in it too),
    then one dispatch message.

    Items already known to be bad (invalid URL, not an image) are stored as ``failed`` with
    their reason and not queued. Returns the batch and how many jobs were queued.
    """
    now = utcnow()
    batch = Batch(
        id=new_id(),
        owner=owner,
        total=len(items),
        created_at=now,
        **(subscription.columns() if subscription else {}),
    )
    rows = [_row(batch.id, seq, owner, item, now) for seq, item in enumerate(items)]
    payloads = [
        {"job_id": row["id"], "data": item.data}
        for row, item in zip(rows, items, strict=True)
        if item.data is not None and item.error is None
    ]
    with unit_of_work(settings.database_url) as session:
        session.add(batch)
        session.flush()
        session.execute(insert(Job), rows)
        if payloads:
            session.execute(insert(Payload), payloads)
        on_write(session, batch.id)
    queued = sum(1 for row in rows if row["status"] == JobStatus.queued)
    for row in rows:
        if row["status"] == JobStatus.failed:
            record_job_finished(JobStatus.failed, row["error_code"])
    log.info("batch accepted", extra={"batch_id": batch.id, "total": len(items), "queued": queued})
    if queued:
        _dispatch(batch.id)
    elif subscription:  # every item failed at the door: the batch is over already
        from tasks.events import batch_changed

        batch_changed(settings, batch.id)
    return batch, queued


def _dispatch(batch_id: str) -> None:
    from tasks.dispatch import dispatch_batch

    try:
        dispatch_batch.apply_async((batch_id,))
    except Exception as exc:
        log.warning(
            "batch dispatch failed; the sweeper will send its jobs",
            extra={"batch_id": batch_id, "error": str(exc)[:300]},
        )
