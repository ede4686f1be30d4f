"""The Celery task for one example photo: a thin shell around tasks.enrolment."""

from config import get_settings
from tasks.celery_app import celery_app
from tasks.classify import RETRY
from tasks.enrolment import enrol_example


@celery_app.task(name="celebclf.enrol", **RETRY)
def enrol(example_id: str) -> str:
    return enrol_example(example_id, get_settings())
