"""The Celery task for one job: a thin shell around tasks.processing."""

from sqlalchemy.exc import OperationalError

from config import get_settings
from tasks.celery_app import celery_app
from tasks.processing import process_job

RETRY = {
    "autoretry_for": (OperationalError,),  # the database is down: try again shortly, not never
    "retry_backoff": 1,
    "retry_backoff_max": 30,
    "retry_jitter": True,
    "max_retries": 20,  # about 10 minutes; after that the row is still queued for the sweeper
}


@celery_app.task(name="celebclf.classify", **RETRY)
def classify(job_id: str) -> str:
    return process_job(job_id, get_settings())
