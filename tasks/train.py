"""The Celery task for one training run (on the training queue): see tasks.training_run."""

from config import get_settings
from tasks.celery_app import celery_app
from tasks.classify import RETRY
from tasks.training_run import train_run


@celery_app.task(name="celebclf.train", **RETRY)
def train(run_id: str) -> str:
    return train_run(run_id, get_settings())
