"""Per-owner state: their active model, when their people last changed, and the start every
owner gets — the shipped model's people, their descriptors, and the shipped model itself."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db import descriptors
from db.models import (
    Example,
    ExampleDescriptor,
    ExampleStatus,
    ModelVersion,
    Owner,
    Person,
    RunStatus,
    SourceKind,
    new_id,
    utcnow,
)


@dataclass(frozen=True)
class ShippedModel:
    """What a new owner starts with (read from the model directory, verified)."""

    model_bytes: bytes
    manifest: dict[str, Any]
    class_names: list[str]  # class index order
    report: dict[str, Any] | None
    vectors: np.ndarray | None  # the gallery: the descriptors the model was trained on
    names: np.ndarray | None
    sha256: np.ndarray | None
    boxes: np.ndarray | None
    outsiders: np.ndarray | None = None  # faces of nobody it knows, for later calibrations


def _insert_owner(session: Session, owner: str) -> bool:
    """Insert the owner's row; False when it already exists (another request won the race)."""
    module = {"postgresql": postgresql, "sqlite": sqlite}[session.get_bind().dialect.name]
    statement = module.insert(Owner).on_conflict_do_nothing().values(owner=owner, people_epoch=0)
    return bool(session.execute(statement).rowcount)


def _seed_people(session: Session, owner: str, shipped: ShippedModel, now: datetime) -> list[dict]:
    """The shipped people and their examples, stamped ``now``: the shipped model's snapshot
    time, so that none of them counts as accepted since (db.examples.not_in_model)."""
    people = [{"id": new_id(), "name": name} for name in shipped.class_names]
    session.execute(
        insert(Person),
        [
            {**p, "owner": owner, "shipped_name": p["name"], "created_at": now, "updated_at": now}
            for p in people
        ],
    )
    if shipped.vectors is None:
        return [{**p, "examples": 0} for p in people]
    ids = {p["name"]: p["id"] for p in people}
    rows = [
        {
            "id": new_id(),
            "person_id": ids[str(name)],
            "owner": owner,
            "source": SourceKind.shipped,
            "sha256": str(digest),
            "status": ExampleStatus.accepted,
            "attempts": 0,
            "x": int(box[0]),
            "y": int(box[1]),
            "w": int(box[2]),
            "h": int(box[3]),
            "created_at": now,
            "updated_at": now,
            "finished_at": now,
        }
        for vector, name, digest, box in zip(
            shipped.vectors, shipped.names, shipped.sha256, shipped.boxes, strict=True
        )
    ]
    session.execute(insert(Example), rows)
    pipeline = shipped.manifest["pipeline"]
    session.execute(
        insert(ExampleDescriptor),
        [
            descriptors.row(row["id"], pipeline, vector)
            for row, vector in zip(rows, shipped.vectors, strict=True)
        ],
    )
    counts = {name: int(np.sum(shipped.names == name)) for name in ids}
    return [{**p, "examples": counts[p["name"]]} for p in people]


def ensure_owner(session: Session, owner: str, shipped: ShippedModel) -> bool:
    """Give a new owner the shipped people and model, active; True if this call did it.

    Safe to race: the owner row is inserted first with ON CONFLICT DO NOTHING, so exactly one
    caller seeds (PostgreSQL makes the others wait for its commit; SQLite has one writer).
    """
    if session.get(Owner, owner) is not None or not _insert_owner(session, owner):
        return False
    now = utcnow()
    model = ModelVersion(
        owner=owner,
        version=shipped.manifest["model_version"],
        trigger="shipped",
        activate_when_ready=True,
        status=RunStatus.ready,
        people=_seed_people(session, owner, shipped, now),
        report=shipped.report,
        manifest=shipped.manifest,
        model_sha256=shipped.manifest["model_sha256"],
        model_bytes=shipped.model_bytes,
        snapshot_at=now,
        finished_at=now,
        activated_at=now,
    )
    session.add(model)
    session.flush()
    session.execute(
        update(Owner)
        .where(Owner.owner == owner)
        .values(active_model_id=model.id, activated_at=now, created_at=now)
    )
    return True


def lock(session: Session, owner: str) -> Owner:
    """The owner's row, locked until commit: serialises coalescing and activation per owner
    (a row lock on PostgreSQL; on SQLite the write takes the database's one write lock)."""
    session.execute(update(Owner).where(Owner.owner == owner).values(owner=owner))
    return session.scalars(select(Owner).where(Owner.owner == owner)).one()


def note_change(session: Session, owner: str, person_removed: bool = False) -> None:
    """People or examples changed: automatic training waits for a quiet period after this.
    A removed person also bumps ``people_epoch``, so workers stop naming them at once."""
    values: dict[str, Any] = {"changed_at": utcnow()}
    if person_removed:
        values["people_epoch"] = Owner.people_epoch + 1
    session.execute(update(Owner).where(Owner.owner == owner).values(**values))
