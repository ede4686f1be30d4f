"""Idempotency keys: one row per (owner, key), taken by exactly one request, then holding its
answer for the retries (see api.idempotency)."""

from datetime import datetime

from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import IdempotencyKey, utcnow


def take(session: Session, owner: str, key: str, request_hash: str) -> bool:
    """Insert the key as in progress; False when another request holds it already."""
    dialect = session.get_bind().dialect.name
    module = {"postgresql": postgresql, "sqlite": sqlite}.get(dialect)
    values = {"owner": owner, "key": key, "request_hash": request_hash, "created_at": utcnow()}
    if module is None:
        session.execute(insert(IdempotencyKey), [values])
        return True
    statement = module.insert(IdempotencyKey).values(**values).on_conflict_do_nothing()
    return session.execute(statement).rowcount == 1


def get(session: Session, owner: str, key: str) -> IdempotencyKey | None:
    return session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.owner == owner, IdempotencyKey.key == key)
    )


def take_over(session: Session, row: IdempotencyKey) -> bool:
    """Take a key whose holder is presumed gone (expired, or in progress for too long)."""
    return (
        session.execute(
            update(IdempotencyKey)
            .where(
                IdempotencyKey.owner == row.owner,
                IdempotencyKey.key == row.key,
                IdempotencyKey.created_at == row.created_at,
            )
            .values(created_at=utcnow(), status_code=None, body=None, headers=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def keep(session: Session, owner: str, key: str, status: int, body: str, headers: dict) -> None:
    session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.owner == owner, IdempotencyKey.key == key)
        .values(status_code=status, body=body, headers=headers)
    )


def forget(session: Session, owner: str, key: str) -> None:
    session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.owner == owner, IdempotencyKey.key == key)
    )


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
