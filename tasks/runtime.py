"""What a worker process keeps loaded: the verified model, and OpenCV's thread count.

``celebclf worker`` loads the model in the main process before the pool forks (children share
it copy-on-write); a model that fails its digest check stops the worker there, saying why.
"""

import logging
from functools import cache

from celery import signals

from config import get_settings
from config.logs import setup_logging
from db.session import dispose_engines
from featurize.opencv import cv2
from inference import Predictor, load_model

log = logging.getLogger("celebclf.worker")


@cache
def get_predictor() -> Predictor:
    settings = get_settings()
    predictor = Predictor(load_model(settings.model_dir), settings.unknown_threshold)
    log.info(
        "model loaded",
        extra={"model_version": predictor.bundle.version, "classes": predictor.bundle.classes},
    )
    return predictor


@signals.setup_logging.connect
def _logging(**_kwargs) -> None:
    setup_logging(get_settings().log_level)


@signals.worker_process_init.connect
def _child_init(**_kwargs) -> None:
    cv2.setNumThreads(get_settings().opencv_threads)
    dispose_engines()
