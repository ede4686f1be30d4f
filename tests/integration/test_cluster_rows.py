"""Clusters of unnamed faces on SQLite and PostgreSQL: jobs' faces join as the jobs finish,
and a cluster whose faces all expired is deleted with the last of them."""

import numpy as np
from sqlalchemy import select

from db import clusters, retention
from db.models import Face, FaceCluster, Job, JobStatus, Owner, utcnow
from db.session import unit_of_work
from inference.naming import NOT_CLOSE_ENOUGH, UNCLEAR
from tests.integration.test_retention import DAY, RETENTION_S


def finished_job(url: str, vectors: list[np.ndarray], reason: str = NOT_CLOSE_ENOUGH) -> str:
    """A job of owner "t" finished eight days ago, one unknown face per vector, clustered."""
    ended = utcnow() - 8 * DAY
    with unit_of_work(url) as session:
        if session.get(Owner, "t") is None:
            session.add(Owner(owner="t"))
        job = Job(owner="t", source="upload", status=JobStatus.succeeded, finished_at=ended)
        session.add(job)
        session.flush()
        for idx, vector in enumerate(vectors):
            session.add(
                Face(
                    job_id=job.id, idx=idx, x=0, y=0, w=9, h=9, label="unknown", score=0.1,
                    probabilities={}, reason=reason, pipeline="p",
                    descriptor=vector.astype(np.float32).tobytes(),
                )
            )  # fmt: skip
    with unit_of_work(url) as session:
        clusters.absorb_job(session, job.id, 0.5, 3, retention_s=0)
    return job.id


def at(offset: float) -> np.ndarray:
    return np.array([offset, *[0.0] * 7])


def test_faces_join_as_jobs_finish_unclear_ones_never(db_url):
    finished_job(db_url, [at(0), at(0.1)])
    finished_job(db_url, [at(0.05), at(0)], reason=UNCLEAR)
    with unit_of_work(db_url) as session:
        assert session.scalars(select(FaceCluster)).all() == []
    finished_job(db_url, [at(0.2)])
    with unit_of_work(db_url) as session:
        (cluster,) = session.scalars(select(FaceCluster.id)).all()
        members = session.scalars(select(Face.reason).where(Face.cluster_id == cluster)).all()
        assert members == [NOT_CLOSE_ENOUGH] * 3


def test_a_cluster_whose_faces_all_expired_is_deleted(db_url):
    finished_job(db_url, [at(0), at(0.1), at(0.2)])
    with unit_of_work(db_url) as session:
        assert clusters.get(session, "t", session.scalar(select(FaceCluster.id)), 0)[1] == 3
        assert clusters.biggest_first(session, "t", RETENTION_S, None, 10)[0] == []
        deleted = retention.delete_chunk(session, retention.cutoff(RETENTION_S))
    assert deleted["face_clusters"] == 1 and deleted["faces"] == 3
    with unit_of_work(db_url) as session:
        assert session.scalars(select(FaceCluster)).all() == []
