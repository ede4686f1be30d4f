"""Training runs and the models they make (see db.work for their queued life), and which
model answers an owner's jobs.

A run is ``queued`` -> ``training`` -> ``ready`` (bytes, manifest and report stored in one
write) or ``failed``. Activation moves the owner's one pointer, so a half-written model can
never be active, and the previous one answers until the pointer moves.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from db import work
from db.models import (
    Example,
    ExampleDescriptor,
    ExampleStatus,
    ModelVersion,
    Owner,
    Person,
    RunStatus,
    utcnow,
)
from db.owners import lock

KIND = work.WorkKind(ModelVersion, "training run", RunStatus.training, RunStatus.failed)


def new_version() -> str:
    """A version name that sorts by time and says when it was asked for."""
    return f"{utcnow():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def request(
    session: Session, owner: str, trigger: str, activate: bool
) -> tuple[ModelVersion, bool]:
    """A queued run for the owner: the one already waiting (runs asked for while one is
    pending coalesce), or a new one. Returns (run, created)."""
    lock(session, owner)
    waiting = session.scalars(
        select(ModelVersion)
        .where(ModelVersion.owner == owner, ModelVersion.status == RunStatus.queued)
        .order_by(ModelVersion.created_at)
    ).first()
    if waiting is not None:
        return waiting, False
    run = ModelVersion(
        owner=owner,
        version=new_version(),
        trigger=trigger,
        activate_when_ready=activate,
        status=RunStatus.queued,
        attempts=0,
    )
    session.add(run)
    session.flush()
    return run, True


@dataclass(frozen=True)
class RunClaim:
    run_id: str
    attempt: int
    owner: str
    version: str


def claim(
    session: Session, run_id: str, max_attempts: int, stale_after_s: int
) -> tuple[RunClaim | None, bool]:
    returning = (ModelVersion.owner, ModelVersion.version)
    taken, gave_up = work.claim(session, KIND, run_id, max_attempts, stale_after_s, returning)
    if taken is None:
        return None, gave_up
    return RunClaim(run_id, taken.attempts, taken.owner, taken.version), False


@dataclass(frozen=True)
class Snapshot:
    """The examples a run trains on: people (class index order) and the ones left out."""

    people: list[dict[str, Any]]
    excluded: list[dict[str, Any]]
    vectors: np.ndarray
    labels: np.ndarray


def snapshot(session: Session, claim_: RunClaim, pipeline: str, min_examples: int) -> Snapshot:
    """Read every accepted example's ``pipeline`` descriptor of the owner's people, and note
    when (``snapshot_at``). Examples ``pipeline`` could not describe are left out.

    People with fewer than ``min_examples`` accepted examples are left out, and said so.
    """
    people = session.execute(
        select(Person.id, Person.name)
        .where(Person.owner == claim_.owner)
        .order_by(Person.created_at, Person.id)
    ).all()
    rows = session.execute(
        select(Example.person_id, ExampleDescriptor.descriptor)
        .join(ExampleDescriptor, ExampleDescriptor.example_id == Example.id)
        .where(
            Example.owner == claim_.owner,
            Example.status == ExampleStatus.accepted,
            ExampleDescriptor.pipeline == pipeline,
            ExampleDescriptor.descriptor.isnot(None),
        )
        .order_by(Example.created_at, Example.id)
    ).all()
    by_person: dict[str, list[bytes]] = {}
    for person_id, descriptor in rows:
        by_person.setdefault(person_id, []).append(descriptor)
    kept, excluded, vectors, labels = [], [], [], []
    for person_id, name in people:
        found = by_person.get(person_id, [])
        entry = {"id": person_id, "name": name, "examples": len(found)}
        if len(found) < min_examples:
            excluded.append(
                {**entry, "reason": f"fewer than {min_examples} accepted examples: left out"}
            )
            continue
        vectors += [np.frombuffer(d, dtype=np.float32) for d in found]
        labels += [len(kept)] * len(found)
        kept.append(entry)
    session.get(ModelVersion, claim_.run_id).snapshot_at = utcnow()
    matrix = np.array(vectors, dtype=np.float64) if vectors else np.empty((0, 0))
    return Snapshot(kept, excluded, matrix, np.array(labels, dtype=int))


def finish(
    session: Session,
    claim_: RunClaim,
    model_bytes: bytes,
    manifest: dict[str, Any],
    report: dict[str, Any],
    people: list[dict[str, Any]],
) -> bool:
    """The run is ``ready`` with its model, in one write; False if this attempt lost it."""
    values = {
        "status": RunStatus.ready,
        "model_bytes": model_bytes,
        "model_sha256": manifest["model_sha256"],
        "manifest": manifest,
        "report": report,
        "people": people,
    }
    return work.end(session, KIND, claim_.run_id, claim_.attempt, values, drop_payload=False)


def fail(session: Session, claim_: RunClaim, code: str, message: str) -> bool:
    values = {"status": RunStatus.failed, "error_code": code, "error_message": message[:2000]}
    return work.end(session, KIND, claim_.run_id, claim_.attempt, values, drop_payload=False)


def activate(session: Session, run: ModelVersion) -> None:
    """Point the owner at ``run``; every worker's next job of theirs uses it."""
    owner, now = lock(session, run.owner), utcnow()
    owner.active_model_id, owner.activated_at = run.id, now
    run.activated_at = run.activated_at or now


def auto_activate(session: Session, run_id: str) -> str | None:
    """Activate a run that just became ready, unless that would be wrong; returns why not.

    Not when the run was asked not to, when a person it names was deleted while it trained
    (it would name them again), when a model was activated since the run was asked for
    (a rollback by hand, or a newer run, must not be undone by an older run finishing), or
    when it is of a new pipeline and leaves out someone the active model names.
    """
    owner = lock(session, session.get(ModelVersion, run_id).owner)
    run = session.get(ModelVersion, run_id)
    if not run.activate_when_ready:
        return "ready; not activated: automatic activation is off"
    ids = [p["id"] for p in run.people]
    living = set(session.scalars(select(Person.id).where(Person.id.in_(ids))))
    gone = [p["name"] for p in run.people if p["id"] not in living]
    if gone:
        return f"ready; not activated: {', '.join(gone)} deleted while it trained"
    if owner.activated_at is not None and owner.activated_at > run.created_at:
        return "ready; not activated: another model was activated after this run was asked for"
    if dropped := _dropped_by_pipeline(session, owner, run):
        return dropped
    activate(session, run)
    return None


def _dropped_by_pipeline(session: Session, owner: Owner, run: ModelVersion) -> str | None:
    """Why a run of another pipeline than the active model's must not replace it: it does not
    name a living person the active model names (too few of their examples could be described
    with the new pipeline), and changing pipelines must not lose anyone unasked."""
    current = session.get(ModelVersion, owner.active_model_id) if owner.active_model_id else None
    old, new = (m.manifest.get("pipeline") if m and m.manifest else None for m in (current, run))
    if current is None or old == new:
        return None
    named = {p["id"] for p in run.people}
    missing = [p for p in current.people or [] if p["id"] not in named]
    living = set(
        session.scalars(select(Person.id).where(Person.id.in_([p["id"] for p in missing])))
    )
    lost = [p["name"] for p in missing if p["id"] in living]
    if not lost:
        return None
    return (
        f"ready; not activated: the active {old} model names {', '.join(lost)}, whom this {new} "
        f"model does not (too few of their examples have a {new} descriptor); activate it by "
        "hand to drop them"
    )


def get(session: Session, owner: str, version: str) -> ModelVersion | None:
    return session.scalars(
        select(ModelVersion).where(ModelVersion.owner == owner, ModelVersion.version == version)
    ).one_or_none()


@dataclass(frozen=True)
class ActiveModel:
    """What a job needs to know to pick its model (read with every job: one indexed row).

    ``changed_at`` moves with every change of the owner's people or examples (db.owners
    .note_change): the examples the model lacks are read again when it moved."""

    model_id: str
    people_epoch: int
    changed_at: datetime | None = None


def active(session: Session, owner: str) -> ActiveModel | None:
    row = session.execute(
        select(Owner.active_model_id, Owner.people_epoch, Owner.changed_at).where(
            Owner.owner == owner
        )
    ).one_or_none()
    if row is None or row.active_model_id is None:
        return None
    return ActiveModel(row.active_model_id, row.people_epoch, row.changed_at)


@dataclass(frozen=True)
class StoredModel:
    model_id: str
    version: str
    model_bytes: bytes
    manifest: dict[str, Any]
    people: list[dict[str, Any]]


def load(session: Session, model_id: str) -> StoredModel:
    run = session.get(ModelVersion, model_id)
    return StoredModel(run.id, run.version, run.model_bytes, run.manifest, run.people)


def living_people(session: Session, owner: str) -> frozenset[str]:
    return frozenset(session.scalars(select(Person.id).where(Person.owner == owner)))


def due_for_training(session: Session, quiet_s: float) -> list[str]:
    """Owners whose people or examples changed at least ``quiet_s`` ago, with nothing still
    being enrolled, and no run that will see the change (one waiting, or one that read the
    examples after it: that run's outcome, even a failure, answers the change)."""
    quiet_since = utcnow() - timedelta(seconds=quiet_s)
    enrolling = exists().where(
        Example.owner == Owner.owner,
        Example.status.in_([ExampleStatus.queued, ExampleStatus.running]),
    )
    covered = exists().where(
        ModelVersion.owner == Owner.owner,
        or_(ModelVersion.status == RunStatus.queued, ModelVersion.snapshot_at >= Owner.changed_at),
    )
    return list(
        session.scalars(
            select(Owner.owner).where(
                Owner.changed_at.isnot(None), Owner.changed_at <= quiet_since, ~enrolling, ~covered
            )
        )
    )
