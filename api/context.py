"""Per-request access to the app's settings and the caller's model."""

from flask import current_app

from api.access import current_owner
from api.errors import ApiError
from config import Settings
from db.session import unit_of_work
from inference import ModelError, Predictor


def settings() -> Settings:
    return current_app.config["CELEBCLF_SETTINGS"]


def predictor() -> Predictor:
    """The caller's active model (loaded once per process); 503 if it cannot be loaded."""
    from tasks.serving import predictor_for

    config = settings()
    try:
        with unit_of_work(config.database_url) as session:
            return predictor_for(session, config, current_owner())
    except ModelError as exc:
        raise ApiError(503, "model_unavailable", str(exc)) from exc
