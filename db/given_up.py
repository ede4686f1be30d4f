"""The count of work failed ``too_many_attempts``, per kind: a row per kind, added to in the
transaction that fails the items, so the count and the failures commit (or vanish) together."""

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import GivenUpCount


def add(session: Session, kind: str, count: int) -> None:
    """``count`` more items of ``kind`` given up (an upsert: the first one makes the row)."""
    module = {"postgresql": postgresql, "sqlite": sqlite}[session.get_bind().dialect.name]
    statement = module.insert(GivenUpCount).values(kind=kind, count=count)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[GivenUpCount.kind],
            set_={"count": GivenUpCount.count + statement.excluded.count},
        )
    )


def counts(session: Session) -> dict[str, int]:
    """Every kind that ever gave up, with how many items."""
    return dict(session.execute(select(GivenUpCount.kind, GivenUpCount.count)).tuples().all())
