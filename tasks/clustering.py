"""A finished job's unknown faces join their owner's clusters of unnamed faces (db.clusters)."""

import logging

from config import Settings
from db import clusters
from db.session import unit_of_work

log = logging.getLogger("celebclf.clusters")


def cluster_job_faces(settings: Settings, job_id: str, manifest: dict) -> None:
    """Never fails the job, whose outcome is stored: a face missed here is clustered by the
    next ``celebclf faces recluster``."""
    eps = clusters.eps_for(settings.cluster_eps, manifest)
    if eps is None:
        return
    try:
        with unit_of_work(settings.database_url) as session:
            clustered = clusters.absorb_job(
                session, job_id, eps, settings.cluster_min_size, settings.retention_s
            )
    except Exception as exc:
        log.warning("faces not clustered", extra={"job_id": job_id, "error": str(exc)[:300]})
        return
    if clustered:
        log.info("faces clustered", extra={"job_id": job_id, "clustered": clustered})
