"""One function per resource turns rows into the JSON clients read."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import retention
from db.counting import status_counts
from db.models import TERMINAL, Batch, Face, Job, JobStatus
from inference.predictor import UNKNOWN


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
                "person_id": face.person_id,
                "score": face.score,
                "distance": face.distance,
                "reason": face.reason,
                "quality": face.quality,
                "rule": face.rule,
                "probabilities": face.probabilities,
            }
        )
    return grouped


def photo_answer(faces: list[dict]) -> str | None:
    """A photo summed up in one label: its best *named* face (as inference.best_named),
    ``unknown`` when no face is named, None when it has no face."""
    named = [face for face in faces if face["label"] != UNKNOWN]
    if named:
        return max(named, key=lambda face: face["score"])["label"]
    return UNKNOWN if faces else None


def webhook_of(row: Batch | Job) -> dict | None:
    if not row.webhook_url:
        return None
    return {"url": row.webhook_url, "events": row.webhook_events.split(",")}


def serialize_job(job: Job, faces: list[dict], expires_at: datetime | None) -> dict:
    error = {"code": job.error_code, "message": job.error_message} if job.error_code else None
    return {
        "id": job.id,
        "status": job.status,
        "source": job.source,
        "url": job.url,
        "filename": job.filename,
        "batch_id": job.batch_id,
        "faces": faces,
        "answer": photo_answer(faces),
        "error": error,
        "model": job.model_version,
        "attempts": job.attempts,
        "webhook": webhook_of(job),
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "expires_at": expires_at,
    }


def job_bodies(session: Session, jobs: Sequence[Job], retention_s: int) -> list[dict]:
    """Jobs as clients read them, faces in one query; a batch's item expires with its batch."""
    faces = faces_by_job(session, [job.id for job in jobs])
    ends = retention.batch_ends(session, sorted({job.batch_id for job in jobs if job.batch_id}))
    return [
        serialize_job(
            job,
            faces[job.id],
            retention.expires_at(
                ends[job.batch_id] if job.batch_id else retention.job_end(job), retention_s
            ),
        )
        for job in jobs
    ]


def counts_by_batch(session: Session, batch_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Items per status of many batches in one grouped query (no N+1)."""
    return status_counts(session, Job.batch_id, Job.status, batch_ids, JobStatus)


def batch_counts(session: Session, batch_id: str) -> dict[str, int]:
    return counts_by_batch(session, [batch_id])[batch_id]


def batch_status(batch: Batch, counts: dict[str, int]) -> str:
    """Derived from item counts, never stored: it cannot drift from the items."""
    if counts["queued"] + counts["running"] == 0:
        return "canceled" if batch.canceled_at else "completed"
    if counts["running"] == 0 and sum(counts[s] for s in TERMINAL) == 0:
        return "queued"
    return "running"


def serialize_batch(batch: Batch, counts: dict[str, int], expires_at: datetime | None) -> dict:
    done = sum(counts[s] for s in TERMINAL)
    return {
        "id": batch.id,
        "status": batch_status(batch, counts),
        "total": batch.total,
        "counts": counts,
        "progress": round(done / batch.total, 4) if batch.total else 1.0,
        "webhook": webhook_of(batch),
        "created_at": batch.created_at,
        "canceled_at": batch.canceled_at,
        "expires_at": expires_at,
    }


def batch_bodies(session: Session, batches: Sequence[Batch], retention_s: int) -> list[dict]:
    """Batches as clients read them: counts and ends in grouped queries (no N+1)."""
    ids = [batch.id for batch in batches]
    counts, ends = counts_by_batch(session, ids), retention.batch_ends(session, ids)
    return [
        serialize_batch(batch, counts[batch.id], retention.expires_at(ends[batch.id], retention_s))
        for batch in batches
    ]
