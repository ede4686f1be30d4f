"""Newest-first pages of one owner's rows, with the last row's id as the cursor."""

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from api.errors import ApiError


def newest_first(
    session: Session, model: type, owner: str, query: dict, *where
) -> tuple[list, str | None]:
    """Rows of ``owner`` (plus ``where``) by (created_at, id) descending, ``limit`` at a time.

    ``model`` has ``id``, ``owner`` and ``created_at``. The cursor is the id of the last row of
    the previous page; an id that is not one of the owner's rows is refused, so a cursor
    cannot probe other owners' rows.
    """
    statement = select(model).where(model.owner == owner, *where)
    if query["cursor"] is not None:
        last = session.get(model, str(query["cursor"]))
        if last is None or last.owner != owner:
            raise ApiError(400, "invalid_cursor", "cursor must be a value from next_cursor")
        statement = statement.where(
            or_(
                model.created_at < last.created_at,
                and_(model.created_at == last.created_at, model.id < last.id),
            )
        )
    limit = query["limit"]
    rows = list(
        session.scalars(
            statement.order_by(model.created_at.desc(), model.id.desc()).limit(limit + 1)
        )
    )
    return rows[:limit], rows[limit - 1].id if len(rows) > limit else None
