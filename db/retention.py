"""Retention: finished batches and jobs, with every row hanging off them, expire
``CELEBCLF_RETENTION_S`` after they finished; the sweeper deletes them in short transactions.

A batch finished when none of its items is queued or running, at its last item's end; its
items expire with it, never on their own. A job of no batch finished when it reached a
terminal status. Expired work answers 404 and leaves listings at once, deleted or not: the
clauses below decide both what the API shows and what the sweeper deletes.
"""

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, false, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from db.models import TERMINAL, Batch, Face, FaceCluster, Job, JobStatus, Payload, utcnow
from db.session import unit_of_work

# Rows keyed by a job's or a batch's id, deleted before it: a new table hanging off jobs or
# batches is one more entry here.
JOB_CHILDREN: tuple[InstrumentedAttribute, ...] = (Face.job_id, Payload.job_id)
BATCH_CHILDREN: tuple[InstrumentedAttribute, ...] = ()

UNFINISHED = tuple(status for status in JobStatus if status not in TERMINAL)
CHUNK = 1000  # jobs per transaction (with their faces and payloads)
BATCHES_PER_CHUNK = 100
BUDGET_S = 5.0  # per sweep: a backlog is worked off over several sweeps
PAUSE_S = 0.02  # between transactions: SQLite writers poll for the lock, let them in


def cutoff(retention_s: int, now: datetime | None = None) -> datetime | None:
    """Work finished before this has expired; None when retention is off (0)."""
    return (now or utcnow()) - timedelta(seconds=retention_s) if retention_s > 0 else None


def expires_at(finished_at: datetime | None, retention_s: int) -> datetime | None:
    """When work that finished at ``finished_at`` expires (None: unfinished, or kept forever)."""
    if finished_at is None or retention_s <= 0:
        return None
    return finished_at + timedelta(seconds=retention_s)


def expired_batch(before: datetime | None) -> ColumnElement[bool]:
    """True for batches that finished before ``before``: created before it, and no item
    unfinished or ended since (an item's missing end does not count, as in ``batch_ends``)."""
    if before is None:
        return false()
    # Two probes, one per index ((batch_id, status), (batch_id, finished_at)): as one OR,
    # PostgreSQL scanned every job for every chunk.
    items = select(Job.id).where(Job.batch_id == Batch.id).correlate(Batch)
    unfinished = items.where(Job.status.in_(UNFINISHED)).exists()
    ended_since = items.where(Job.finished_at >= before).exists()
    return (Batch.created_at < before) & ~unfinished & ~ended_since


def _expired_alone(before: datetime) -> ColumnElement[bool]:
    return (
        Job.batch_id.is_(None)
        & Job.status.in_(TERMINAL)
        & Job.finished_at.is_not(None)
        & (Job.finished_at < before)
    )


def expired_job(before: datetime | None) -> ColumnElement[bool]:
    """True for jobs that expired: on their own (no batch), or with their batch."""
    if before is None:
        return false()
    batch = select(Batch.id).where(Batch.id == Job.batch_id, expired_batch(before)).correlate(Job)
    return _expired_alone(before) | (Job.batch_id.is_not(None) & batch.exists())


def live_batches(retention_s: int) -> ColumnElement[bool]:
    """What the API may show of batches now."""
    return ~expired_batch(cutoff(retention_s))


def live_jobs(retention_s: int) -> ColumnElement[bool]:
    """What the API may show of jobs now."""
    return ~expired_job(cutoff(retention_s))


def batch_ends(session: Session, batch_ids: Sequence[str]) -> dict[str, datetime | None]:
    """When each batch finished (its creation if it has no items); None while unfinished.

    Two index-only reads: which have an item queued or running, and each one's last end.
    """
    if not batch_ids:
        return {}
    of_these = Job.batch_id.in_(batch_ids)
    busy = set(
        session.scalars(select(Job.batch_id).where(of_these, Job.status.in_(UNFINISHED)).distinct())
    )
    ends = select(Job.batch_id, func.max(Job.finished_at)).where(of_these).group_by(Job.batch_id)
    last = {batch_id: end for batch_id, end in session.execute(ends)}
    created = session.execute(select(Batch.id, Batch.created_at).where(Batch.id.in_(batch_ids)))
    return {
        batch_id: None if batch_id in busy else max(at, last.get(batch_id) or at)
        for batch_id, at in created
    }


def job_end(job: Job) -> datetime | None:
    """When a job of no batch finished (None while it is queued or running)."""
    return job.finished_at if job.status in TERMINAL else None


def _delete(session: Session, children, key: InstrumentedAttribute, ids, tally: Counter) -> None:
    for column in (*children, key):
        deleted = session.execute(delete(column.class_).where(column.in_(ids))).rowcount
        tally[column.class_.__tablename__] += deleted


def _clusters_of(session: Session, job_ids: Sequence[str]) -> list[str]:
    found = select(Face.cluster_id).where(Face.job_id.in_(job_ids), Face.cluster_id.is_not(None))
    return list(session.scalars(found.distinct()))


def _delete_emptied(session: Session, clusters: Sequence[str]) -> int:
    """A cluster of unnamed faces whose faces all expired goes with the last of them."""
    if not clusters:
        return 0
    left = select(Face.id).where(Face.cluster_id == FaceCluster.id).exists()
    emptied = delete(FaceCluster).where(FaceCluster.id.in_(clusters), ~left)
    return session.execute(emptied).rowcount


def delete_chunk(session: Session, before: datetime, limit: int = CHUNK) -> Counter:
    """Delete up to ``limit`` expired jobs with their rows, and the expired batches this
    empties; returns rows deleted per table (nothing: nothing expired is left)."""
    tally: Counter = Counter()
    batch_ids = list(
        session.scalars(select(Batch.id).where(expired_batch(before)).limit(BATCHES_PER_CHUNK))
    )
    items = select(Job.id).where(Job.batch_id.in_(batch_ids)).limit(limit)
    job_ids = list(session.scalars(items)) if batch_ids else []
    emptied = len(job_ids) < limit  # every item of those batches is in this chunk
    if emptied:
        alone = select(Job.id).where(_expired_alone(before)).limit(limit - len(job_ids))
        job_ids += session.scalars(alone)
    if job_ids:
        clusters = _clusters_of(session, job_ids)
        _delete(session, JOB_CHILDREN, Job.id, job_ids, tally)
        tally["face_clusters"] += _delete_emptied(session, clusters)
    if batch_ids and emptied:
        _delete(session, BATCH_CHILDREN, Batch.id, batch_ids, tally)
    return +tally


@dataclass(frozen=True)
class Expiry:
    """One sweep's deletions: rows per table, in how many transactions and how long."""

    rows: Counter
    transactions: int
    seconds: float
    longest_s: float  # the longest single transaction
    done: bool  # False: the budget ran out with expired work left for the next sweep


def delete_expired(url: str, retention_s: int, budget_s: float = BUDGET_S) -> Expiry:
    """Delete expired work chunk by chunk, each chunk its own short transaction, until none
    is left or ``budget_s`` is spent; no lock is held for longer than one chunk."""
    before, started = cutoff(retention_s), time.monotonic()
    rows: Counter = Counter()
    transactions, longest, done = 0, 0.0, before is None
    while not done and time.monotonic() - started < budget_s:
        if transactions:
            time.sleep(PAUSE_S)
        began = time.monotonic()
        with unit_of_work(url) as session:
            chunk = delete_chunk(session, before)
        transactions += 1
        longest = max(longest, time.monotonic() - began)
        rows += chunk
        done = not chunk
    return Expiry(rows, transactions, time.monotonic() - started, longest, done)
