"""Job state changes (see db.work): claim a photo to name, then write its faces once.

A job is ``queued`` -> ``running`` -> ``succeeded``/``failed``, or ``canceled`` while still
queued.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db import work
from db.models import Face, Job, JobStatus, Payload

KIND = work.WorkKind(Job, "job", payload=Payload.job_id)


@dataclass(frozen=True)
class Claim:
    """A job this worker now holds, with what it needs to do the work."""

    job_id: str
    attempt: int
    owner: str
    source: str
    url: str | None
    data: bytes | None
    submitted_at: datetime
    batch_id: str | None
    webhook_url: str | None

    @property
    def has_events(self) -> bool:
        """Whether its end can make a webhook event (its own, or its batch's if subscribed)."""
        return self.batch_id is not None or self.webhook_url is not None


@dataclass(frozen=True)
class FaceRow:
    x: int
    y: int
    w: int
    h: int
    label: str
    score: float
    probabilities: dict[str, float]
    person_id: str | None = None
    distance: float | None = None
    reason: str | None = None
    quality: dict | None = None
    pipeline: str | None = None  # what made ``descriptor``: faces compare only within one
    descriptor: bytes | None = None  # float32, for search by face and clustering
    crop: bytes | None = None  # a small JPEG of the face (featurize.decode.face_thumbnail)
    rule: str | None = None  # which rule named it (inference.naming.RULES)


def claim(
    session: Session, job_id: str, max_attempts: int, stale_after_s: int
) -> tuple[Claim | None, bool]:
    """Take the job for this worker (db.work.claim); an upload comes with its bytes."""
    taken, gave_up = work.claim(
        session,
        KIND,
        job_id,
        max_attempts,
        stale_after_s,
        (Job.owner, Job.source, Job.url, Job.created_at, Job.batch_id, Job.webhook_url),
    )
    if taken is None:
        return None, gave_up
    data = None
    if taken.url is None:  # an upload: its bytes wait in the payload table
        data = session.scalar(select(Payload.data).where(Payload.job_id == job_id))
    return (
        Claim(
            job_id,
            taken.attempts,
            taken.owner,
            taken.source,
            taken.url,
            data,
            taken.created_at,
            taken.batch_id,
            taken.webhook_url,
        ),
        False,
    )


def release_abandoned(
    session: Session, max_attempts: int, stale_after_s: int, silent_after_s: int
) -> tuple[list[str], int]:
    """Abandoned running jobs go back to ``queued``, or fail; returns (released ids, given_up)."""
    return work.release_abandoned(session, KIND, max_attempts, stale_after_s, silent_after_s)


def _insert_ignoring_duplicates(session: Session, rows: list[dict]) -> None:
    dialect = session.get_bind().dialect.name
    module = {"postgresql": postgresql, "sqlite": sqlite}.get(dialect)
    statement = module.insert(Face).on_conflict_do_nothing() if module else insert(Face)
    session.execute(statement, rows)


def _end(session: Session, claim_: Claim, values: dict) -> bool:
    # only uploads keep bytes in the payload table
    return work.end(session, KIND, claim_.job_id, claim_.attempt, values, claim_.url is None)


def succeed(session: Session, claim_: Claim, faces: Sequence[FaceRow], model_version: str) -> bool:
    """Write the result once; False if this attempt no longer holds the job."""
    if not _end(session, claim_, {"status": JobStatus.succeeded, "model_version": model_version}):
        return False
    if faces:
        _insert_ignoring_duplicates(
            session,
            [{"job_id": claim_.job_id, "idx": i, **vars(face)} for i, face in enumerate(faces)],
        )
    return True


def fail(session: Session, claim_: Claim, code: str, message: str) -> bool:
    """End the job as failed with a reason a client can read."""
    return _end(
        session,
        claim_,
        {"status": JobStatus.failed, "error_code": code, "error_message": message[:2000]},
    )


def unfinished_counts(session: Session) -> dict[str, int]:
    """Jobs ``queued`` and ``running`` (an index count: cheap enough for every scrape)."""
    counts = {str(JobStatus.queued): 0, str(JobStatus.running): 0}
    statement = select(Job.status, func.count()).where(Job.status.in_(list(counts)))
    for status, count in session.execute(statement.group_by(Job.status)):
        counts[str(status)] = count
    return counts


def mark_enqueued(session: Session, job_ids: Sequence[str]) -> None:
    work.mark_enqueued(session, KIND, job_ids)
