"""The Celery task for one job: a thin shell around tasks.processing."""

from config import get_settings
from tasks.celery_app import celery_app
from tasks.processing import process_job
from tasks.runtime import get_predictor


@celery_app.task(name="celebclf.classify")
def classify(job_id: str) -> str:
    return process_job(job_id, get_predictor(), get_settings())
