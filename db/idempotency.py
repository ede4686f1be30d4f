"""Idempotency keys: one row per (owner, key), taken by exactly one request, then holding its
answer for the retries (see api.idempotency).

A request holds the key by its ``created_at`` (the fence): every write it makes to the row
names that value, so a request whose key was taken over changes nothing. The transaction that
writes the work also writes the answer's ``Location`` into the row (``bind``): once bound, a
key is never taken over, because its work exists."""

from datetime import datetime

from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import IdempotencyKey, utcnow


def take(session: Session, owner: str, key: str, request_hash: str) -> datetime | None:
    """Insert the key as in progress; its fence, or None when another request holds it."""
    dialect = session.get_bind().dialect.name
    module = {"postgresql": postgresql, "sqlite": sqlite}.get(dialect)
    now = utcnow()
    values = {"owner": owner, "key": key, "request_hash": request_hash, "created_at": now}
    if module is None:
        session.execute(insert(IdempotencyKey), [values])
        return now
    statement = module.insert(IdempotencyKey).values(**values).on_conflict_do_nothing()
    return now if session.execute(statement).rowcount == 1 else None


def get(session: Session, owner: str, key: str) -> IdempotencyKey | None:
    return session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.owner == owner, IdempotencyKey.key == key)
    )


def _held(owner: str, key: str, taken_at: datetime):
    return (
        IdempotencyKey.owner == owner,
        IdempotencyKey.key == key,
        IdempotencyKey.created_at == taken_at,
    )


def _changed(session: Session, where, **values) -> bool:
    statement = update(IdempotencyKey).where(*where).values(**values)
    return session.execute(statement.execution_options(synchronize_session=False)).rowcount == 1


def take_over(session: Session, row: IdempotencyKey, expired: bool) -> datetime | None:
    """Take a key whose holder is presumed gone: an ``expired`` answer, or a request in
    progress too long whose work was never written (unbound). Returns the new fence."""
    now = utcnow()
    unbound = () if expired else (IdempotencyKey.headers.is_(None),)
    where = (*_held(row.owner, row.key, row.created_at), *unbound)
    cleared = {"status_code": None, "body": None, "headers": None}
    return now if _changed(session, where, created_at=now, **cleared) else None


def bind(session: Session, owner: str, key: str, taken_at: datetime, location: str | None) -> bool:
    """In the work's own transaction: mark the key's work as written. False when the key was
    taken over meanwhile (the caller must roll its work back)."""
    where = (*_held(owner, key, taken_at), IdempotencyKey.status_code.is_(None))
    return _changed(session, where, headers={"Location": location} if location else {})


def keep(
    session: Session, owner: str, key: str, taken_at: datetime, answer: tuple[int, str, dict]
) -> None:
    status, body, headers = answer
    _changed(session, _held(owner, key, taken_at), status_code=status, body=body, headers=headers)


def forget(session: Session, owner: str, key: str, taken_at: datetime) -> None:
    session.execute(delete(IdempotencyKey).where(*_held(owner, key, taken_at)))


def prune(session: Session, before: datetime, limit: int = 5000) -> int:
    """Drop up to ``limit`` keys created before ``before`` (bounded: a short transaction)."""
    old = (
        select(IdempotencyKey.owner, IdempotencyKey.key)
        .where(IdempotencyKey.created_at < before)
        .limit(limit)
    )
    rows = [tuple(row) for row in session.execute(old)]
    if rows:
        session.execute(
            delete(IdempotencyKey).where(tuple_(IdempotencyKey.owner, IdempotencyKey.key).in_(rows))
        )
    return len(rows)
