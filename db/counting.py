"""Rows per status under many parents in one grouped query (no N+1)."""

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session


def status_counts(
    session: Session,
    parent: InstrumentedAttribute,
    status: InstrumentedAttribute,
    parent_ids: Sequence[str],
    statuses: Iterable[str],
) -> dict[str, dict[str, int]]:
    """{parent id: {status: rows}}, every status present (0 when none), for every id given."""
    names = [str(s) for s in statuses]
    counts = {parent_id: dict.fromkeys(names, 0) for parent_id in parent_ids}
    if parent_ids:
        rows = session.execute(
            select(parent, status, func.count())
            .where(parent.in_(parent_ids))
            .group_by(parent, status)
        )
        for parent_id, name, n in rows:
            counts[parent_id][name] = n
    return counts
