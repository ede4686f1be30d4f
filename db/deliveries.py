"""Webhook deliveries as compare-and-set state changes, like db.work: each event is written
once, one worker holds an attempt, and an attempt whose worker vanished goes back to pending.

A delivery is ``pending`` (until ``next_attempt_at``) -> ``sending`` -> ``succeeded``, or back
to ``pending`` after a failed attempt, or ``failed`` once the retry schedule is spent; a
progress event whose batch's (or job's) final event exists is ``skipped`` instead of sent.
"""

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import timedelta

from sqlalchemy import and_, exists, literal, or_, select, tuple_, update
from sqlalchemy.orm import Session

from db.models import (
    TERMINAL,
    Batch,
    DeliveryStatus,
    Job,
    WebhookDelivery,
    utcnow,
)
from webhooks.sender import Attempt
from webhooks.signing import new_message_id

EVENTS = ("completed", "failed", "progress")
FINAL_EVENTS = frozenset({"completed", "failed"})
PAGE = 500


def create(session: Session, owner: str, url: str, event: str, body: str, **parent: str) -> str:
    """A new pending delivery of ``body`` (``parent``: batch_id= or job_id=); returns its id."""
    delivery = WebhookDelivery(
        id=new_message_id(),
        owner=owner,
        url=url,
        event=event,
        body=body,
        status=DeliveryStatus.pending,
        attempts=0,
        tries=[],
        next_attempt_at=utcnow(),
        created_at=utcnow(),
        **parent,
    )
    session.add(delivery)
    session.flush()
    return delivery.id


def take_final(session: Session, model: type[Batch] | type[Job], row_id: str) -> bool:
    """True for exactly one caller: the one that writes this row's final event."""
    taken = session.execute(
        update(model)
        .where(model.id == row_id, model.webhook_due.is_(True))
        .values(webhook_due=False)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def take_progress(session: Session, batch_id: str, interval_s: float) -> bool:
    """True when a progress event may go now: none went in the last ``interval_s``."""
    now = utcnow()
    taken = session.execute(
        update(Batch)
        .where(
            Batch.id == batch_id,
            or_(
                Batch.progress_sent_at.is_(None),
                Batch.progress_sent_at <= now - timedelta(seconds=interval_s),
            ),
        )
        .values(progress_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def _siblings(delivery: WebhookDelivery, events: Iterable[str]):
    """The other deliveries of the delivery's batch (or job) whose event is one of ``events``."""
    column = WebhookDelivery.batch_id if delivery.batch_id else WebhookDelivery.job_id
    kind = delivery.event.split(".")[0]
    return and_(
        column == (delivery.batch_id or delivery.job_id),
        WebhookDelivery.id != delivery.id,
        WebhookDelivery.event.in_([f"{kind}.{event}" for event in events]),
    )


def _lock_parent(session: Session, delivery_id: str) -> None:
    """Hold the delivery's batch (or job) row until commit, so claims of its deliveries happen
    one at a time (a row lock on PostgreSQL; on SQLite the write takes the one write lock)."""
    for model, column in ((Batch, WebhookDelivery.batch_id), (Job, WebhookDelivery.job_id)):
        parent = select(column).where(WebhookDelivery.id == delivery_id).scalar_subquery()
        session.execute(
            update(model)
            .where(model.id == parent)
            .values(webhook_due=model.webhook_due)
            .execution_options(synchronize_session=False)
        )


def _out_of_order(session: Session, delivery: WebhookDelivery, now) -> bool:
    """True when sending now could put a progress event after the final one: a progress
    event whose final event exists is skipped for good; a final event waits (for the next
    sweep) while a progress attempt of its batch or job is under way."""
    if delivery.event.endswith(".progress"):
        if not session.scalar(select(exists().where(_siblings(delivery, FINAL_EVENTS)))):
            return False
        values = {"status": DeliveryStatus.skipped, "finished_at": now, "enqueued_at": None}
    else:
        sending = _siblings(delivery, ("progress",))
        sending = and_(sending, WebhookDelivery.status == DeliveryStatus.sending)
        if not session.scalar(select(exists().where(sending))):
            return False
        values = {"enqueued_at": None}  # due again: the sweeper sends it once the way is clear
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery.id, WebhookDelivery.status == DeliveryStatus.pending)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return True


def claim(session: Session, delivery_id: str) -> WebhookDelivery | None:
    """Hold the delivery for one attempt, if it is pending, due, and in order (a receiver
    never gets a progress event after its batch's or job's final one); else None."""
    now = utcnow()
    _lock_parent(session, delivery_id)
    delivery = session.get(WebhookDelivery, delivery_id, populate_existing=True)
    if delivery is None or delivery.status != DeliveryStatus.pending:
        return None
    if _out_of_order(session, delivery, now):
        return None
    taken = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == DeliveryStatus.pending,
            WebhookDelivery.next_attempt_at <= now,
        )
        .values(
            status=DeliveryStatus.sending,
            claimed_at=now,
            attempts=WebhookDelivery.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return None
    return session.get(WebhookDelivery, delivery_id, populate_existing=True)


def record(
    session: Session, delivery: WebhookDelivery, attempt: Attempt, waits_s: Sequence[float]
) -> str:
    """Write one attempt's outcome; the next is ``waits_s[attempts - 1]`` later, if any."""
    now = utcnow()
    tries = [*delivery.tries, {"at": now.isoformat(), **asdict(attempt)}]
    values: dict = {"tries": tries, "claimed_at": None, "enqueued_at": None}
    if attempt.delivered:
        values |= {"status": DeliveryStatus.succeeded, "finished_at": now}
    elif delivery.attempts > len(waits_s):
        values |= {"status": DeliveryStatus.failed, "finished_at": now}
    else:
        wait = timedelta(seconds=waits_s[delivery.attempts - 1])
        values |= {"status": DeliveryStatus.pending, "next_attempt_at": now + wait}
    session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery.id,
            WebhookDelivery.status == DeliveryStatus.sending,
            WebhookDelivery.attempts == delivery.attempts,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return values["status"]


def release_stuck(session: Session, stale_after_s: float) -> int:
    """Attempts whose worker vanished mid-send go back to pending (the receiver may get the
    event twice: at least once, with the same ``webhook-id``)."""
    stale = utcnow() - timedelta(seconds=stale_after_s)
    return session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.status == DeliveryStatus.sending,
            WebhookDelivery.claimed_at < stale,
        )
        .values(status=DeliveryStatus.pending, claimed_at=None, enqueued_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount


def due(session: Session, resend_after_s: float, limit: int = PAGE) -> list[str]:
    """Pending deliveries whose time has come and that are not on the queue already."""
    now = utcnow()
    return list(
        session.scalars(
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.status == DeliveryStatus.pending,
                WebhookDelivery.next_attempt_at <= now,
                or_(
                    WebhookDelivery.enqueued_at.is_(None),
                    WebhookDelivery.enqueued_at < now - timedelta(seconds=resend_after_s),
                ),
            )
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
        )
    )


def mark_enqueued(session: Session, ids: Sequence[str]) -> None:
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(ids))
        .values(enqueued_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def finished_but_unannounced(session: Session, limit: int = PAGE) -> tuple[list[str], list[str]]:
    """(batch ids, standalone job ids) that ended while their final event is still due: a
    worker died between ending the last item and writing the event."""
    unfinished = exists().where(Job.batch_id == Batch.id, Job.status.not_in(TERMINAL))
    batches = session.scalars(
        select(Batch.id).where(Batch.webhook_due.is_(True), ~unfinished).limit(limit)
    )
    jobs = session.scalars(
        select(Job.id)
        .where(Job.webhook_due.is_(True), Job.batch_id.is_(None), Job.status.in_(TERMINAL))
        .limit(limit)
    )
    return list(batches), list(jobs)


def of_parent(
    session: Session, column, parent_id: str, after_id: str | None, limit: int
) -> list[WebhookDelivery]:
    """A batch's or job's deliveries, oldest first, ``limit`` after the delivery ``after_id``."""
    order = tuple_(WebhookDelivery.created_at, WebhookDelivery.id)
    query = select(WebhookDelivery).where(column == parent_id)
    if after_id is not None:
        last = session.get(WebhookDelivery, after_id)
        if last is not None:
            since = literal(last.created_at, WebhookDelivery.created_at.type)
            query = query.where(order > tuple_(since, literal(last.id)))
    return list(
        session.scalars(query.order_by(WebhookDelivery.created_at, WebhookDelivery.id).limit(limit))
    )
