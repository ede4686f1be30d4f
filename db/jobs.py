"""Job state changes as compare-and-set updates: safe with many workers, redeliveries and sweeps.

A job is ``queued`` -> ``running`` (claimed, ``attempts`` + 1) -> ``succeeded``/``failed``, or
``canceled`` while still queued. Only the holder of the current attempt may end a job, so a
task that runs twice (redelivery, sweeper re-queue) writes one result at most.
"""

import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import Face, Job, JobStatus, Payload, utcnow


@dataclass(frozen=True)
class Claim:
    """A job this worker now holds, with what it needs to do the work."""

    job_id: str
    attempt: int
    source: str
    url: str | None
    data: bytes | None


@dataclass(frozen=True)
class FaceRow:
    x: int
    y: int
    w: int
    h: int
    label: str
    score: float
    probabilities: dict[str, float]


def _abandoned(stale_before: datetime):
    """Running, but not touched since ``stale_before``: its worker died or hung."""
    return and_(Job.status == JobStatus.running, Job.updated_at < stale_before)


def claimant() -> str:
    """This process, as recorded on the jobs it claims."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _is_dead_local_process(claimed_by: str | None) -> bool:
    """True when ``claimed_by`` names a process on this host that no longer exists.

    A pool child killed mid-job (OOM, a crash) is rejected back to the queue at once; this
    lets the redelivered task take the job over immediately instead of waiting for it to go
    stale. Claimants on other hosts cannot be checked from here: staleness covers them.
    """
    host, _, pid = (claimed_by or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _give_up(session: Session, where, max_attempts: int, now: datetime) -> int:
    """Fail the matching jobs that used all their attempts, and drop their bytes."""
    ids = list(session.scalars(select(Job.id).where(where, Job.attempts >= max_attempts)))
    if not ids:
        return 0
    session.execute(
        update(Job)
        .where(Job.id.in_(ids), where)
        .values(
            status=JobStatus.failed,
            error_code="too_many_attempts",
            error_message=f"the job's process crashed or timed out {max_attempts} times",
            finished_at=now,
            updated_at=now,
        )
    )
    session.execute(delete(Payload).where(Payload.job_id.in_(ids)))
    return len(ids)


def _take(session: Session, job_id: str, claimable, max_attempts: int, now: datetime):
    """The compare-and-set itself: (source, url, attempts) if this call took the job."""
    return session.execute(
        update(Job)
        .where(Job.id == job_id, claimable, Job.attempts < max_attempts)
        .values(
            status=JobStatus.running,
            attempts=Job.attempts + 1,
            claimed_by=claimant(),
            started_at=now,
            updated_at=now,
        )
        .returning(Job.source, Job.url, Job.attempts)
    ).one_or_none()


def claim(
    session: Session, job_id: str, max_attempts: int, stale_after_s: int
) -> tuple[Claim | None, bool]:
    """Take the job for this worker. Returns (claim or None, gave_up).

    A job is claimable when ``queued``, or ``running`` but abandoned: stale (its worker died
    or hung), or held by a process of this host that is gone. ``gave_up`` is True when the job
    had used all its attempts (a poison input that kills its process each time): it is now
    ``failed`` instead of being tried forever. The usual case, a queued URL job, costs one
    statement; the holder is looked up only when the first try finds the job taken.
    """
    now = utcnow()
    claimable = or_(
        Job.status == JobStatus.queued, _abandoned(now - timedelta(seconds=stale_after_s))
    )
    taken = _take(session, job_id, claimable, max_attempts, now)
    if taken is None:
        holder = session.scalar(select(Job.claimed_by).where(Job.id == job_id))
        if _is_dead_local_process(holder):
            claimable = or_(
                claimable, and_(Job.status == JobStatus.running, Job.claimed_by == holder)
            )
            taken = _take(session, job_id, claimable, max_attempts, now)
    if taken is None:
        return None, bool(_give_up(session, and_(Job.id == job_id, claimable), max_attempts, now))
    data = None
    if taken.url is None:  # an upload: its bytes wait in the payload table
        data = session.scalar(select(Payload.data).where(Payload.job_id == job_id))
    return Claim(job_id, taken.attempts, taken.source, taken.url, data), False


def release_abandoned(session: Session, max_attempts: int, stale_after_s: int) -> tuple[int, int]:
    """Abandoned running jobs go back to ``queued``, or fail if out of attempts.

    Returns (released, given_up).
    """
    now = utcnow()
    stale = _abandoned(now - timedelta(seconds=stale_after_s))
    given_up = _give_up(session, stale, max_attempts, now)
    released = session.execute(
        update(Job).where(stale).values(status=JobStatus.queued, enqueued_at=None, updated_at=now)
    ).rowcount
    return released, given_up


def _insert_ignoring_duplicates(session: Session, rows: list[dict]) -> None:
    dialect = session.get_bind().dialect.name
    module = {"postgresql": postgresql, "sqlite": sqlite}.get(dialect)
    statement = module.insert(Face).on_conflict_do_nothing() if module else insert(Face)
    session.execute(statement, rows)


def _end(session: Session, claim_: Claim, values: dict) -> bool:
    now = utcnow()
    ended = session.execute(
        update(Job)
        .where(
            Job.id == claim_.job_id, Job.status == JobStatus.running, Job.attempts == claim_.attempt
        )
        .values(finished_at=now, updated_at=now, **values)
    ).rowcount
    if ended and claim_.url is None:  # only uploads keep bytes in the payload table
        session.execute(delete(Payload).where(Payload.job_id == claim_.job_id))
    return bool(ended)


def succeed(session: Session, claim_: Claim, faces: Sequence[FaceRow], model_version: str) -> bool:
    """Write the result once; False if this attempt no longer holds the job."""
    if not _end(session, claim_, {"status": JobStatus.succeeded, "model_version": model_version}):
        return False
    if faces:
        _insert_ignoring_duplicates(
            session,
            [{"job_id": claim_.job_id, "idx": i, **vars(face)} for i, face in enumerate(faces)],
        )
    return True


def fail(session: Session, claim_: Claim, code: str, message: str) -> bool:
    """End the job as failed with a reason a client can read."""
    return _end(
        session,
        claim_,
        {"status": JobStatus.failed, "error_code": code, "error_message": message[:2000]},
    )


def mark_enqueued(session: Session, job_ids: Sequence[str]) -> None:
    session.execute(update(Job).where(Job.id.in_(job_ids)).values(enqueued_at=utcnow()))
