"""One function per resource turns rows into the JSON clients read."""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import TERMINAL, Batch, Face, Job, JobStatus


def faces_by_job(session: Session, job_ids: Sequence[str]) -> dict[str, list[dict]]:
    """Faces of many jobs in one query (no N+1), each job's in index order."""
    grouped: dict[str, list[dict]] = defaultdict(list)
    if not job_ids:
        return grouped
    rows = session.scalars(
        select(Face).where(Face.job_id.in_(job_ids)).order_by(Face.job_id, Face.idx)
    )
    for face in rows:
        grouped[face.job_id].append(
            {
                "box": {"x": face.x, "y": face.y, "w": face.w, "h": face.h},
                "label": face.label,
                "score": face.score,
                "probabilities": face.probabilities,
            }
        )
    return grouped


def serialize_job(job: Job, faces: list[dict]) -> dict:
    error = {"code": job.error_code, "message": job.error_message} if job.error_code else None
    return {
        "id": job.id,
        "status": job.status,
        "source": job.source,
        "url": job.url,
        "filename": job.filename,
        "batch_id": job.batch_id,
        "faces": faces,
        "error": error,
        "model": job.model_version,
        "attempts": job.attempts,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def counts_by_batch(session: Session, batch_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Items per status of many batches in one grouped query (no N+1)."""
    counts = {batch_id: dict.fromkeys((s.value for s in JobStatus), 0) for batch_id in batch_ids}
    if batch_ids:
        rows = session.execute(
            select(Job.batch_id, Job.status, func.count())
            .where(Job.batch_id.in_(batch_ids))
            .group_by(Job.batch_id, Job.status)
        )
        for batch_id, status, n in rows:
            counts[batch_id][status] = n
    return counts


def batch_counts(session: Session, batch_id: str) -> dict[str, int]:
    return counts_by_batch(session, [batch_id])[batch_id]


def batch_status(batch: Batch, counts: dict[str, int]) -> str:
    """Derived from item counts, never stored: it cannot drift from the items."""
    if counts["queued"] + counts["running"] == 0:
        return "canceled" if batch.canceled_at else "completed"
    if counts["running"] == 0 and sum(counts[s] for s in TERMINAL) == 0:
        return "queued"
    return "running"


def serialize_batch(batch: Batch, counts: dict[str, int]) -> dict:
    done = sum(counts[s] for s in TERMINAL)
    return {
        "id": batch.id,
        "status": batch_status(batch, counts),
        "total": batch.total,
        "counts": counts,
        "progress": round(done / batch.total, 4) if batch.total else 1.0,
        "created_at": batch.created_at,
        "canceled_at": batch.canceled_at,
    }
