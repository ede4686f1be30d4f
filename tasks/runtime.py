"""What a worker keeps loaded (the verified shipped model, dlib, OpenCV's threads), its
heartbeat and its /metrics (metrics.exporter).

``celebclf worker`` verifies the shipped model in the main process before the pool forks (a
model that fails its digest check stops the worker there, saying why); its estimator is put
in the model registry so every pool child shares it copy-on-write. Trained models are loaded
from the database by each process on first use (tasks.serving). dlib is loaded there too, and
its build (BLAS or not) logged: the two builds differ 3x in speed.
"""

import logging
import os

from celery import signals

from config import Settings, get_settings
from config.logs import setup_logging
from db.session import dispose_engines
from featurize.dlib_backend import backend, describe
from featurize.opencv import cv2
from inference import load_model
from metrics import directory, exporter
from metrics.events import record_model_served
from tasks.heartbeat import Heartbeat
from tasks.serving import registry, shipped_model

log = logging.getLogger("celebclf.worker")


def preload(settings: Settings) -> str:
    """Verify and load the shipped model (raises ModelError); returns its version."""
    shipped = shipped_model(settings.model_dir)
    registry(settings.unknown_threshold).keep(load_model(settings.model_dir))
    log.info(
        "model loaded",
        extra={"model_version": shipped.manifest["model_version"], "classes": shipped.class_names},
    )
    record_model_served(shipped.manifest["model_version"])
    dlib = backend()
    log.info("dlib loaded: %s", describe(dlib), extra={"dlib": dlib})
    return shipped.manifest["model_version"]


@signals.setup_logging.connect
def _logging(**_kwargs) -> None:
    setup_logging(get_settings().log_level)


@signals.worker_process_init.connect
def _child_init(**_kwargs) -> None:
    cv2.setNumThreads(get_settings().opencv_threads)
    dispose_engines()


@signals.worker_process_shutdown.connect
def _child_exit(**_kwargs) -> None:
    directory.process_gone(os.getpid())


_heartbeat: list[Heartbeat] = []  # the main process's, from the worker's start to its stop
_metrics_server: list = []  # likewise: its /metrics (metrics.exporter), when configured


@signals.worker_ready.connect
def _main_process_ready(**_kwargs) -> None:
    settings = get_settings()
    _heartbeat.append(Heartbeat(settings.database_url, settings.heartbeat_interval_s))
    _heartbeat[-1].start()
    if server := exporter.serve(settings):
        _metrics_server.append(server)


@signals.worker_shutdown.connect
def _main_process_shutdown(**_kwargs) -> None:
    for heartbeat in _heartbeat:
        heartbeat.stop()
    for server in _metrics_server:
        server.shutdown()
    directory.remove()
