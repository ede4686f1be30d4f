"""Queued work as compare-and-set state changes: safe with many workers, redeliveries, sweeps.

Jobs (photos to name), examples (photos to learn from) and training runs live the same life:
``queued`` -> running (claimed: ``attempts`` + 1, ``claimed_by`` = host:pid) -> an end state,
back to ``queued`` when its worker vanished (its host stopped beating, or the item went
stale), and failed after ``max_attempts`` crashes. Only the holder of the current attempt may
end an item, so a task that runs twice writes once: a late result from an old attempt is
refused.
"""

import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from db import given_up
from db.heartbeats import claimant_silent
from db.models import utcnow

QUEUED = "queued"


@dataclass(frozen=True, eq=False)  # compared by identity: columns do not compare as values
class WorkKind:
    """How one table lives the queued-work life.

    ``model`` has the db.models.QueuedWork columns; ``running`` and ``failed`` are its status
    names for those states; ``payload`` is the column, keyed by the item's id, of a table of
    uploaded bytes that goes when the item ends; ``failed_values`` are columns cleared when
    it fails for good.
    """

    model: type
    noun: str
    running: str = "running"
    failed: str = "failed"
    payload: InstrumentedAttribute | None = None
    failed_values: tuple[tuple[str, object], ...] = ()  # also set when it gives up

    @property
    def label(self) -> str:
        """The kind as a metric label: ``job``, ``example``, ``training_run``."""
        return self.noun.replace(" ", "_")


def claimant() -> str:
    """This process, as recorded on the items it claims."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _is_dead_local_process(claimed_by: str | None) -> bool:
    """True when ``claimed_by`` names a process on this host that no longer exists.

    A pool child killed mid-task (OOM, a crash) is rejected back to the queue at once; this
    lets the redelivered task take the item over immediately instead of waiting for it to go
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


def _abandoned(kind: WorkKind, stale_before: datetime):
    """Running, but not touched since ``stale_before``: its worker died or hung."""
    model = kind.model
    return and_(model.status == kind.running, model.updated_at < stale_before)


def _held_by_dead_local_processes(session: Session, kind: WorkKind):
    """Running items still held by a process on this host that is gone, as a condition: a
    worker killed and restarted here (``celebclf up``) beats for the host again, so its silence
    says nothing. Each item is matched with the claimant found dead, so an item a live process
    claimed again since it was read (the next attempt) is left alone. None: there are none."""
    model, host = kind.model, socket.gethostname()
    rows = session.execute(
        select(model.id, model.claimed_by).where(
            model.status == kind.running, model.claimed_by.startswith(f"{host}:")
        )
    )
    held = [
        and_(model.id == item_id, model.claimed_by == claimed_by)
        for item_id, claimed_by in rows
        if _is_dead_local_process(claimed_by)
    ]
    return and_(model.status == kind.running, or_(*held)) if held else None


def _drop_payloads(session: Session, kind: WorkKind, ids) -> None:
    if kind.payload is not None:
        session.execute(delete(kind.payload.class_).where(kind.payload.in_(ids)))


def _give_up(session: Session, kind: WorkKind, where, max_attempts: int, now: datetime) -> int:
    """Fail the matching items that used all their attempts, drop their bytes, and count them
    (db.given_up, in this transaction: whoever notices, the sweeper or a worker's claim)."""
    model = kind.model
    ids = list(session.scalars(select(model.id).where(where, model.attempts >= max_attempts)))
    if not ids:
        return 0
    failed = session.scalars(
        update(model)
        .where(model.id.in_(ids), where)
        .values(
            status=kind.failed,
            error_code="too_many_attempts",
            error_message=f"the {kind.noun}'s process crashed or timed out {max_attempts} times",
            finished_at=now,
            updated_at=now,
            **dict(kind.failed_values),
        )
        .returning(model.id)
    ).all()
    if not failed:
        return 0
    _drop_payloads(session, kind, failed)
    given_up.add(session, kind.label, len(failed))
    return len(failed)


def _take(session, kind: WorkKind, item_id: str, claimable, max_attempts, now, returning):
    """The compare-and-set itself: the ``returning`` columns if this call took the item."""
    model = kind.model
    return session.execute(
        update(model)
        .where(model.id == item_id, claimable, model.attempts < max_attempts)
        .values(
            status=kind.running,
            attempts=model.attempts + 1,
            claimed_by=claimant(),
            started_at=now,
            updated_at=now,
        )
        .returning(model.attempts, *returning)
    ).one_or_none()


def claim(
    session: Session,
    kind: WorkKind,
    item_id: str,
    max_attempts: int,
    stale_after_s: int,
    returning: Sequence = (),
):
    """Take the item for this process. Returns (row of attempt + ``returning``, or None; gave_up).

    An item is claimable when ``queued``, or running but abandoned: stale (its worker died or
    hung), or held by a process of this host that is gone. ``gave_up`` is True when the item
    had used all its attempts (a poison input that kills its process each time): it is now
    failed instead of being tried forever. The usual case, a queued item, costs one
    statement; the holder is looked up only when the first try finds the item taken.
    """
    model, now = kind.model, utcnow()
    claimable = or_(
        model.status == QUEUED, _abandoned(kind, now - timedelta(seconds=stale_after_s))
    )
    taken = _take(session, kind, item_id, claimable, max_attempts, now, returning)
    if taken is None:
        holder = session.scalar(select(model.claimed_by).where(model.id == item_id))
        if _is_dead_local_process(holder):
            claimable = or_(
                claimable, and_(model.status == kind.running, model.claimed_by == holder)
            )
            taken = _take(session, kind, item_id, claimable, max_attempts, now, returning)
    if taken is None:
        where = and_(model.id == item_id, claimable)
        return None, bool(_give_up(session, kind, where, max_attempts, now))
    return taken, False


def end(
    session: Session,
    kind: WorkKind,
    item_id: str,
    attempt: int,
    values: dict,
    drop_payload: bool = True,
) -> bool:
    """End the item with ``values`` if ``attempt`` still holds it, and drop its uploaded bytes
    (``drop_payload=False`` spares the statement when the caller knows there are none)."""
    model, now = kind.model, utcnow()
    ended = session.execute(
        update(model)
        .where(model.id == item_id, model.status == kind.running, model.attempts == attempt)
        .values(finished_at=now, updated_at=now, **values)
    ).rowcount
    if ended and drop_payload:
        _drop_payloads(session, kind, [item_id])
    return bool(ended)


def release_abandoned(
    session: Session,
    kind: WorkKind,
    max_attempts: int,
    stale_after_s: int,
    silent_after_s: int | None,
) -> tuple[list[str], int]:
    """Abandoned running items go back to ``queued``, or fail if out of attempts: stale ones,
    and those whose claimant's host has not beaten for ``silent_after_s`` (a host that went
    away, powered off or cut off the network, is noticed in seconds, not after the time limit).
    ``silent_after_s`` None: heartbeats are not judged (the database was just out of reach, so
    every host's silence may be the database's).

    Returns (ids released, to send again at once; how many gave up).
    """
    now, model = utcnow(), kind.model
    abandoned = _abandoned(kind, now - timedelta(seconds=stale_after_s))
    if (dead := _held_by_dead_local_processes(session, kind)) is not None:
        abandoned = or_(abandoned, dead)
    if silent_after_s is not None:
        silent = claimant_silent(model, now - timedelta(seconds=silent_after_s))
        abandoned = or_(abandoned, and_(model.status == kind.running, silent))
    given_up = _give_up(session, kind, abandoned, max_attempts, now)
    released = session.scalars(
        update(model)
        .where(abandoned)
        .values(status=QUEUED, enqueued_at=None, updated_at=now)
        .returning(model.id)
    ).all()
    return list(released), given_up


def lost_queued(
    session: Session, kind: WorkKind, requeue_after_s: int, queue_empty: bool, limit: int
) -> list[str]:
    """Queued items whose message the broker may have lost, oldest first.

    Never sent; or last sent over ``requeue_after_s`` ago while the queue is empty (the message
    cannot be waiting); or over ten times that even when it is not (a long queue must not hide
    a lost message for ever).
    """
    model, now = kind.model, utcnow()
    age = timedelta(seconds=requeue_after_s)
    last_sent = func.coalesce(model.enqueued_at, model.created_at)
    lost = or_(model.enqueued_at.is_(None), last_sent < now - age * 10)
    if queue_empty:
        lost = or_(lost, last_sent < now - age)
    return list(
        session.scalars(
            select(model.id)
            .where(model.status == QUEUED, last_sent < now - age, lost)
            .order_by(model.created_at)
            .limit(limit)
        )
    )


def mark_enqueued(session: Session, kind: WorkKind, ids: Sequence[str]) -> None:
    session.execute(update(kind.model).where(kind.model.id.in_(ids)).values(enqueued_at=utcnow()))
