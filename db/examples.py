"""Example photos of a person (see db.work for their queued life): accept one face, or reject.

``queued`` -> ``running`` -> ``accepted`` (box, crop, face source and descriptor stored) or
``rejected`` with a reason. A photo's SHA-256 is unique per owner among examples being enrolled
or accepted, so the same bytes twice are rejected as a ``duplicate`` even when two workers race.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import descriptors, work
from db.items import Item
from db.models import (
    Example,
    ExampleDescriptor,
    ExamplePayload,
    ExampleStatus,
    ModelVersion,
    Person,
    new_id,
    utcnow,
)
from db.owners import note_change

KIND = work.WorkKind(
    Example,
    "example",
    failed=ExampleStatus.rejected,
    payload=ExamplePayload.example_id,
    failed_values=(("sha256", None),),
)


@dataclass(frozen=True)
class ExampleClaim:
    example_id: str
    attempt: int
    owner: str
    person_id: str
    url: str | None
    data: bytes | None


@dataclass(frozen=True)
class EnrolledFace:
    """The one usable face of an accepted example."""

    box: tuple[int, int, int, int]
    descriptor: np.ndarray
    crop_jpeg: bytes
    face_source_jpeg: bytes
    pipeline: str


def add(session: Session, person: Person, items: Sequence[Item]) -> tuple[list[str], list[str]]:
    """Rows for ``items``: queued, or rejected at once with their reason.

    Returns (every new id in ``items`` order, the queued ones).
    """
    now = utcnow()
    rows = [
        {
            "id": new_id(),
            "person_id": person.id,
            "owner": person.owner,
            "source": item.source,
            "url": item.url,
            "filename": item.filename,
            "status": ExampleStatus.rejected if item.error else ExampleStatus.queued,
            "attempts": 0,
            "error_code": item.error[0] if item.error else None,
            "error_message": item.error[1] if item.error else None,
            "created_at": now,
            "updated_at": now,
            "finished_at": now if item.error else None,
        }
        for item in items
    ]
    session.execute(insert(Example), rows)
    payloads = [
        {"example_id": row["id"], "data": item.data}
        for row, item in zip(rows, items, strict=True)
        if item.data is not None and item.error is None
    ]
    if payloads:
        session.execute(insert(ExamplePayload), payloads)
    queued = [row["id"] for row in rows if row["status"] == ExampleStatus.queued]
    return [row["id"] for row in rows], queued


class TooMany(Exception):
    """Adding these examples would pass the per-person limit."""


def check_room(session: Session, person: Person, adding: int, limit: int) -> None:
    """Examples per person are bounded; rejected ones do not count. Raises TooMany."""
    held = session.scalar(
        select(func.count())
        .select_from(Example)
        .where(Example.person_id == person.id, Example.status != ExampleStatus.rejected)
    )
    if held + adding > limit:
        raise TooMany(
            f"{person.name} has {held} examples; adding {adding} would pass the limit of {limit}"
        )


def claim(
    session: Session, example_id: str, max_attempts: int, stale_after_s: int
) -> tuple[ExampleClaim | None, bool]:
    returning = (Example.owner, Example.person_id, Example.url)
    taken, gave_up = work.claim(session, KIND, example_id, max_attempts, stale_after_s, returning)
    if taken is None:
        return None, gave_up
    data = None
    if taken.url is None:
        data = session.scalar(
            select(ExamplePayload.data).where(ExamplePayload.example_id == example_id)
        )
    return ExampleClaim(
        example_id, taken.attempts, taken.owner, taken.person_id, taken.url, data
    ), False


def reserve_digest(session: Session, claim_: ExampleClaim, sha256: str) -> str | None:
    """Record the photo's digest on the example; the name of the person who already has
    these bytes when it is a duplicate (None: reserved, or the example is no longer ours)."""
    try:
        with session.begin_nested():
            session.execute(
                update(Example)
                .where(Example.id == claim_.example_id, Example.attempts == claim_.attempt)
                .values(sha256=sha256, updated_at=utcnow())
            )
    except IntegrityError:
        return (
            session.scalar(
                select(Person.name)
                .join(Example, Example.person_id == Person.id)
                .where(Example.owner == claim_.owner, Example.sha256 == sha256)
            )
            or "another person"
        )
    return None


def accept(session: Session, claim_: ExampleClaim, face: EnrolledFace) -> bool:
    x, y, w, h = face.box
    values = {
        "status": ExampleStatus.accepted,
        "x": x,
        "y": y,
        "w": w,
        "h": h,
        "crop": face.crop_jpeg,
        "face_source": face.face_source_jpeg,
    }
    if not work.end(session, KIND, claim_.example_id, claim_.attempt, values, claim_.url is None):
        return False
    session.execute(
        insert(ExampleDescriptor),
        [descriptors.row(claim_.example_id, face.pipeline, face.descriptor)],
    )
    note_change(session, claim_.owner)
    return True


def reject(session: Session, claim_: ExampleClaim, code: str, message: str) -> bool:
    values = {
        "status": ExampleStatus.rejected,
        "sha256": None,
        "error_code": code,
        "error_message": message[:2000],
    }
    return work.end(session, KIND, claim_.example_id, claim_.attempt, values, claim_.url is None)


def get(session: Session, person: Person, example_id: str) -> Example | None:
    example = session.get(Example, example_id)
    return example if example is not None and example.person_id == person.id else None


def remove(session: Session, example: Example) -> None:
    """The seed's manual inspection: a bad crop goes, and training forgets it."""
    session.delete(example)
    session.flush()
    if example.status == ExampleStatus.accepted:
        note_change(session, example.owner)


def mark_enqueued(session: Session, ids: Sequence[str]) -> None:
    work.mark_enqueued(session, KIND, ids)


def not_in_model(session: Session, owner: str, model_id: str, pipeline: str) -> list[tuple]:
    """(person id, name, descriptor) of the owner's accepted examples with a ``pipeline``
    descriptor that the model ``model_id`` was not trained on: accepted after its snapshot,
    or of a person it does not name (too few examples then, or created since)."""
    model = session.get(ModelVersion, model_id)
    trained_on = [p["id"] for p in model.people or []]
    newer = [Example.finished_at > model.snapshot_at] if model.snapshot_at else []
    return list(
        session.execute(
            select(Person.id, Person.name, ExampleDescriptor.descriptor)
            .join(Example, Example.person_id == Person.id)
            .join(ExampleDescriptor, ExampleDescriptor.example_id == Example.id)
            .where(
                Example.owner == owner,
                Example.status == ExampleStatus.accepted,
                ExampleDescriptor.pipeline == pipeline,
                ExampleDescriptor.descriptor.isnot(None),
                or_(Person.id.not_in(trained_on), *newer),
            )
            .order_by(Example.created_at, Example.id)
        ).tuples()
    )
