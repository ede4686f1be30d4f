"""Worker hosts' heartbeats: each worker host records that it is alive every few seconds
(tasks.heartbeat); a host whose last beat is too old is taken for gone, and db.work hands its
running items back without waiting for them to go stale."""

from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import Session

from db.models import WorkerHeartbeat


def beat(session: Session, host: str, now: datetime) -> None:
    """Record that ``host`` is alive at ``now``."""
    beaten = session.execute(
        update(WorkerHeartbeat).where(WorkerHeartbeat.host == host).values(beat_at=now)
    ).rowcount
    if not beaten:
        session.add(WorkerHeartbeat(host=host, beat_at=now))


def forget(session: Session, host: str) -> None:
    """A host that stops cleanly says so: its (finished) work needs no judging."""
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.host == host))


def prune(session: Session, silent_before: datetime) -> int:
    """Drop hosts silent since ``silent_before``: past the longest staleness, their work (if
    any) is handed back by its age alone. Returns how many were dropped."""
    return session.execute(
        delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < silent_before)
    ).rowcount


def claimant_silent(model: type, silent_before: datetime) -> ColumnElement[bool]:
    """True where ``model.claimed_by`` (host:pid) names a host last heard of before
    ``silent_before``. A host that never beat is not judged (an older worker, say)."""
    heartbeat = WorkerHeartbeat
    claimant_host = func.substr(model.claimed_by, 1, func.length(heartbeat.host) + 1)
    return (
        select(heartbeat.host)
        .where(heartbeat.beat_at < silent_before, claimant_host == heartbeat.host + ":")
        .correlate(model)
        .exists()
    )
