"""Each accepted example's face described by each pipeline (or why one could not describe it).

Training reads the descriptors of the service's pipeline (db.model_versions.snapshot). When
that pipeline changes, accepted examples lack a row for it: a training run describes them
again first (tasks.redescription), and the sweeper asks for such a run for every owner whose
own examples lack one (``owners_lacking``). Rows are only ever added, once per (example,
pipeline), so two workers describing the same example race harmlessly.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, undefer

from db.models import (
    Example,
    ExampleDescriptor,
    ExampleStatus,
    ModelVersion,
    RunStatus,
    SourceKind,
    utcnow,
)

NOT_DESCRIBED = "not_described"


@dataclass(frozen=True)
class Described:
    """What one pipeline made of one example: a descriptor, or an error (code, message)."""

    example_id: str
    descriptor: np.ndarray | None = None
    error: tuple[str, str] | None = None


def row(example_id: str, pipeline: str, descriptor: np.ndarray) -> dict:
    """The values of a described example's row (for enrolment and the shipped seed)."""
    return {
        "example_id": example_id,
        "pipeline": pipeline,
        "descriptor": np.asarray(descriptor, dtype=np.float32).tobytes(),
        "created_at": utcnow(),
    }


def record(session: Session, pipeline: str, results: Sequence[Described]) -> None:
    """Add each result; an example another worker described meanwhile keeps its row."""
    if not results:
        return
    module = {"postgresql": postgresql, "sqlite": sqlite}[session.get_bind().dialect.name]
    now = utcnow()
    values = [
        {
            "example_id": r.example_id,
            "pipeline": pipeline,
            "descriptor": None
            if r.descriptor is None
            else np.asarray(r.descriptor, dtype=np.float32).tobytes(),
            "error_code": r.error[0] if r.error else None,
            "error_message": r.error[1] if r.error else None,
            "created_at": now,
        }
        for r in results
    ]
    session.execute(module.insert(ExampleDescriptor).values(values).on_conflict_do_nothing())


def _lacking(pipeline: str):
    return ~exists().where(
        ExampleDescriptor.example_id == Example.id, ExampleDescriptor.pipeline == pipeline
    )


def undescribed(
    session: Session, owner: str, pipeline: str, limit: int, shipped: bool
) -> list[Example]:
    """Up to ``limit`` of the owner's accepted examples with no row for ``pipeline`` yet
    (shipped ones only if ``shipped``), their crop and face source loaded."""
    conditions = [
        Example.owner == owner,
        Example.status == ExampleStatus.accepted,
        _lacking(pipeline),
    ]
    if not shipped:
        conditions.append(Example.source != SourceKind.shipped)
    return list(
        session.scalars(
            select(Example)
            .options(undefer(Example.crop), undefer(Example.face_source))
            .where(*conditions)
            .order_by(Example.created_at, Example.id)
            .limit(limit)
        )
    )


def owners_lacking(session: Session, pipeline: str) -> list[str]:
    """Owners with an accepted example of their own (not shipped: those wait for a shipped
    gallery of the pipeline) lacking a row for ``pipeline``, and no run queued or training
    (that run will describe them)."""
    running = exists().where(
        ModelVersion.owner == Example.owner,
        ModelVersion.status.in_([RunStatus.queued, RunStatus.training]),
    )
    return list(
        session.scalars(
            select(Example.owner)
            .where(
                Example.status == ExampleStatus.accepted,
                Example.source != SourceKind.shipped,
                _lacking(pipeline),
                ~running,
            )
            .distinct()
        )
    )
