"""The faces an owner's jobs found, as search by face reads them: descriptors and crops.

Only faces of live jobs (db.retention) count, and only those described by one pipeline:
descriptors of two pipelines do not compare.
"""

from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Face, Job
from db.retention import live_jobs


@dataclass(frozen=True)
class StoredFaces:
    """Row i of ``vectors`` is face ``face_ids[i]`` of job ``job_ids[i]``."""

    face_ids: list[int]
    job_ids: list[str]
    batch_ids: list[str | None]
    labels: list[str]
    vectors: np.ndarray  # (faces, dimensions) float32


def stored_faces(session: Session, owner: str, pipeline: str, retention_s: int) -> StoredFaces:
    """Every described face of the owner's live jobs, by ``pipeline``."""
    rows = session.execute(
        select(Face.id, Face.job_id, Job.batch_id, Face.label, Face.descriptor)
        .join(Job, Job.id == Face.job_id)
        .where(
            Job.owner == owner,
            live_jobs(retention_s),
            Face.pipeline == pipeline,
            Face.descriptor.isnot(None),
        )
        .order_by(Face.id)
    ).all()
    vectors = (
        np.stack([np.frombuffer(r.descriptor, dtype=np.float32) for r in rows])
        if rows
        else np.empty((0, 0), dtype=np.float32)
    )
    return StoredFaces(
        [r.id for r in rows],
        [r.job_id for r in rows],
        [r.batch_id for r in rows],
        [r.label for r in rows],
        vectors,
    )
