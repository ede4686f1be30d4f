"""The unnamed people: an owner's unknown faces, clustered per pipeline (inference.clustering).

Only faces answered ``unknown`` because they are nobody the model knows are clustered
(``CLUSTERED_REASONS``); ``unclear`` faces (too small, blurred, turned) would make mush. A face
the user rejected or whose cluster they named carries that verdict in ``Face.review`` and is
never clustered again. Every change holds the owner's row lock (db.owners.lock), so two
workers finishing jobs of one owner at once cluster one after the other.
"""

from collections.abc import Iterable, Sequence

import numpy as np
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from db.models import Face, FaceCluster, Job, ModelVersion, Owner, new_id, utcnow
from db.owners import lock
from db.retention import live_jobs
from inference import clustering
from inference.naming import NAMED_ELSEWHERE, NOT_CLOSE_ENOUGH, NOT_SURE
from inference.predictor import UNKNOWN

CLUSTERED_REASONS = (NOT_CLOSE_ENOUGH, NAMED_ELSEWHERE, NOT_SURE)
REJECTED = "rejected"  # "not this person": out of its cluster or appearances for good
NAMED = "named"  # its cluster was named: it is an example of that person now
SAMPLES = 6


def open_faces(owner: str, retention_s: int):
    """The owner's living faces no verdict took out of clustering."""
    return (
        select(Face.id)
        .join(Job, Job.id == Face.job_id)
        .where(Job.owner == owner, Face.review.is_(None), live_jobs(retention_s))
    )


def _candidates(session: Session, owner: str, pipeline: str, retention_s: int):
    """(face ids, cluster ids, n x d float32 descriptors) of the faces to cluster."""
    rows = session.execute(
        open_faces(owner, retention_s)
        .add_columns(Face.cluster_id, Face.descriptor)
        .where(
            Face.pipeline == pipeline,
            Face.reason.in_(CLUSTERED_REASONS),
            Face.descriptor.is_not(None),
        )
        .order_by(Face.id)
    ).all()
    vectors = np.stack([np.frombuffer(r.descriptor, np.float32) for r in rows]) if rows else None
    return [r.id for r in rows], [r.cluster_id for r in rows], vectors


def _write(
    session: Session, owner: str, pipeline: str, ids: list[int], old: list, new: list
) -> None:
    """Store ``new`` labels: clusters created, faces moved, clusters merged away deleted."""
    now = utcnow()
    for cluster in set(new) - set(old) - {None}:
        session.add(FaceCluster(id=cluster, owner=owner, pipeline=pipeline, created_at=now))
    session.flush()
    moved: dict[str | None, list[int]] = {}
    for face_id, before, after in zip(ids, old, new, strict=True):
        if before != after:
            moved.setdefault(after, []).append(face_id)
    for cluster, faces in moved.items():
        session.execute(update(Face).where(Face.id.in_(faces)).values(cluster_id=cluster))
    grown = [c for c in moved if c is not None]
    if grown:
        session.execute(update(FaceCluster).where(FaceCluster.id.in_(grown)).values(updated_at=now))
    _drop(session, set(old) - set(new) - {None})


def _drop(session: Session, clusters: Iterable[str]) -> None:
    clusters = list(clusters)
    if clusters:
        session.execute(update(Face).where(Face.cluster_id.in_(clusters)).values(cluster_id=None))
        session.execute(delete(FaceCluster).where(FaceCluster.id.in_(clusters)))


def eps_for(configured: float | None, manifest: dict) -> float | None:
    """The neighbourhood radius: ``CELEBCLF_CLUSTER_EPS``, else the model's calibrated
    distance between two faces of one person (models that measure a face against several
    examples record it apart: training.gate), None for a closed-set model without one:
    nothing is clustered."""
    if configured is not None:
        return configured
    return manifest.get("pair_distance_threshold", manifest.get("distance_threshold"))


def absorb_job(session: Session, job_id: str, eps: float, min_size: int, retention_s: int) -> int:
    """Cluster a finished job's unknown faces into its owner's clusters; returns how many of
    them are in a cluster now."""
    job = session.get(Job, job_id)
    lock(session, job.owner)
    pipelines = session.scalars(
        select(Face.pipeline)
        .where(Face.job_id == job_id, Face.reason.in_(CLUSTERED_REASONS), Face.review.is_(None))
        .distinct()
    )
    clustered = 0
    for pipeline in [p for p in pipelines if p is not None]:
        ids, old, vectors = _candidates(session, job.owner, pipeline, retention_s)
        mine = set(session.scalars(select(Face.id).where(Face.job_id == job_id)))
        new_rows = [i for i, face_id in enumerate(ids) if face_id in mine]
        new = clustering.absorb(vectors, old, new_rows, eps, min_size, new_id)
        _write(session, job.owner, pipeline, ids, old, new)
        clustered += sum(1 for i in new_rows if new[i] is not None)
    return clustered


def recompute(
    session: Session, owner: str, pipeline: str, eps: float, min_size: int, retention_s: int
) -> int:
    """Cluster the owner's open faces of ``pipeline`` afresh (DBSCAN); returns the clusters."""
    lock(session, owner)
    ids, old, vectors = _candidates(session, owner, pipeline, retention_s)
    new = clustering.recompute(vectors, old, eps, min_size, new_id) if ids else []
    _write(session, owner, pipeline, ids, old, new)
    stale = select(FaceCluster.id).where(
        FaceCluster.owner == owner, FaceCluster.pipeline == pipeline, FaceCluster.id.not_in(new)
    )
    _drop(session, session.scalars(stale))
    return len(set(new) - {None})


def _sizes(session: Session, owner: str, retention_s: int, *where) -> list[tuple]:
    """(cluster, living faces) of the owner's clusters with at least one, biggest first."""
    size = func.count(Face.id)
    statement = (
        select(FaceCluster, size)
        .join(Face, Face.cluster_id == FaceCluster.id)
        .where(FaceCluster.owner == owner, Face.id.in_(open_faces(owner, retention_s)), *where)
        .group_by(FaceCluster.id)
        .order_by(size.desc(), FaceCluster.id)
    )
    return [tuple(row) for row in session.execute(statement)]


def biggest_first(
    session: Session, owner: str, retention_s: int, after: str | None, limit: int
) -> tuple[list[tuple], str | None, bool]:
    """A page of (cluster, size) after the cluster ``after``; (rows, next cursor, cursor ok)."""
    everything = _sizes(session, owner, retention_s)
    start = 0
    if after is not None:
        ids = [cluster.id for cluster, _ in everything]
        if after not in ids:
            return [], None, False
        start = ids.index(after) + 1
    page = everything[start : start + limit]
    more = len(everything) > start + limit
    return page, page[-1][0].id if more else None, True


def get(session: Session, owner: str, cluster_id: str, retention_s: int) -> tuple | None:
    """(cluster, size), or None: another owner's, or every face of it expired."""
    found = _sizes(session, owner, retention_s, FaceCluster.id == cluster_id)
    return found[0] if found else None


def faces(
    session: Session,
    owner: str,
    cluster_ids: Sequence[str],
    retention_s: int,
    after: int | None = None,
    limit: int | None = None,
) -> list[Face]:
    """The living faces of these clusters, oldest first; only those after face id ``after``,
    at most ``limit`` of them, when given (a page is read, not the whole cluster)."""
    statement = select(Face).where(
        Face.cluster_id.in_(cluster_ids), Face.id.in_(open_faces(owner, retention_s))
    )
    if after is not None:
        statement = statement.where(Face.id > after)
    return list(session.scalars(statement.order_by(Face.id).limit(limit)))


def samples(session: Session, owner: str, cluster_ids: Sequence[str], retention_s: int) -> dict:
    """Up to ``SAMPLES`` faces of each cluster, oldest first: the first few of each, ranked in
    the database, not every face of every cluster read to keep six."""
    ranked = (
        select(
            Face.id,
            func.row_number().over(partition_by=Face.cluster_id, order_by=Face.id).label("n"),
        )
        .where(Face.cluster_id.in_(cluster_ids), Face.id.in_(open_faces(owner, retention_s)))
        .subquery()
    )
    first = select(Face).join(ranked, ranked.c.id == Face.id).where(ranked.c.n <= SAMPLES)
    found: dict[str, list[Face]] = {cluster: [] for cluster in cluster_ids}
    for face in session.scalars(first.order_by(Face.id)):
        found[face.cluster_id].append(face)
    return found


def take_for_naming(session: Session, owner: str, cluster_id: str, retention_s: int) -> list:
    """The cluster's faces, marked ``named`` (never clustered again), and the cluster gone;
    returns (face id, crop) of each face with a crop."""
    lock(session, owner)
    members = faces(session, owner, [cluster_id], retention_s)
    ids = [face.id for face in members]
    crops = dict(session.execute(select(Face.id, Face.crop).where(Face.id.in_(ids))).all())
    session.execute(update(Face).where(Face.id.in_(ids)).values(review=NAMED))
    _drop(session, [cluster_id])
    return [(face_id, crops[face_id]) for face_id in ids if crops.get(face_id)]


def own_face(session: Session, owner: str, face_id: int, retention_s: int) -> Face | None:
    """The owner's face, or None: another owner's, expired, or no such face."""
    found = session.scalar(
        select(Face)
        .join(Job, Job.id == Face.job_id)
        .where(Face.id == face_id, Job.owner == owner, live_jobs(retention_s))
    )
    return found


def reject(session: Session, face: Face, owner: str) -> None:
    """ "Not this person": the face leaves its appearances (it is unknown now) or its cluster,
    and no later clustering or naming puts it back."""
    lock(session, owner)
    face.review, face.cluster_id = REJECTED, None
    if face.person_id is not None:
        face.person_id, face.label, face.distance, face.reason = None, UNKNOWN, None, REJECTED
    session.flush()


def recompute_owner(
    session: Session, owner: str, configured_eps: float | None, min_size: int, retention_s: int
) -> dict[str, int]:
    """``recompute`` for each pipeline of the owner's faces, with the active model's eps (or
    the configured one); returns clusters per pipeline."""
    active = session.scalar(
        select(ModelVersion.manifest)
        .join(Owner, Owner.active_model_id == ModelVersion.id)
        .where(Owner.owner == owner)
    )
    eps = eps_for(configured_eps, active or {})
    if eps is None:
        return {}
    pipelines = session.scalars(
        select(Face.pipeline)
        .where(Face.id.in_(open_faces(owner, retention_s)), Face.pipeline.is_not(None))
        .distinct()
    )
    return {p: recompute(session, owner, p, eps, min_size, retention_s) for p in list(pipelines)}


def owners(session: Session) -> list[str]:
    return list(session.scalars(select(Owner.owner).order_by(Owner.owner)))
