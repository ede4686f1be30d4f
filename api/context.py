"""Per-request access to the app's settings and the loaded model."""

from functools import cache

from flask import current_app

from api.errors import ApiError
from config import Settings
from inference import ModelError, Predictor, load_model


def settings() -> Settings:
    return current_app.config["CELEBCLF_SETTINGS"]


@cache
def _predictor(model_dir: str | None, threshold: float | None) -> Predictor:
    return Predictor(load_model(model_dir), threshold)


def predictor() -> Predictor:
    """The model, loaded once per process; 503 if it cannot be loaded."""
    config = settings()
    try:
        return _predictor(config.model_dir, config.unknown_threshold)
    except ModelError as exc:
        raise ApiError(503, "model_unavailable", str(exc)) from exc
