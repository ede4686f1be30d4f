"""What the service knows and whether it can work: classes, liveness, readiness."""

from flask_smorest import Blueprint
from sqlalchemy import text

from api.context import predictor, settings
from api.errors import ApiError
from api.schemas import ClassesSchema, ErrorSchema, HealthSchema, ReadySchema
from db.session import get_engine
from featurize.dlib_backend import backend, describe

blp = Blueprint("meta", __name__, description="Model and service status")


@blp.route("/api/v1/classes")
@blp.response(200, ClassesSchema)
@blp.alt_response(503, schema=ErrorSchema)
def classes():
    """The people your active model names, its version and its ``unknown`` thresholds."""
    model = predictor()
    return {
        "model": model.bundle.version,
        "classes": [c for i, c in enumerate(model.bundle.classes) if i not in model.hidden],
        "unknown_threshold": model.threshold,
        "distance_threshold": model.distance_threshold,
    }


@blp.route("/healthz")
@blp.response(200, HealthSchema)
def healthz():
    """The process answers."""
    return {"status": "ok"}


def _check_database() -> str:
    with get_engine(settings().database_url).connect() as connection:
        connection.execute(text("SELECT 1"))
    return "ok"


def _check_broker() -> str:
    from tasks.celery_app import celery_app

    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def _check_model() -> str:
    from tasks.serving import shipped_model

    return shipped_model(settings().model_dir).manifest["model_version"]


def _check_dlib() -> str:
    """The dlib build this process classifies with (BLAS or not), loading it if need be."""
    return describe(backend())


@blp.route("/readyz")
@blp.response(200, ReadySchema)
@blp.alt_response(503, schema=ErrorSchema)
def readyz():
    """Database, broker, model and dlib all usable; 503 naming what is not."""
    checks, failing = {}, []
    for name, check in (
        ("database", _check_database),
        ("broker", _check_broker),
        ("model", _check_model),
        ("dlib", _check_dlib),
    ):
        try:
            checks[name] = check()
        except Exception as exc:  # any failure means "not ready", and says why
            checks[name] = f"error: {str(getattr(exc, 'message', exc))[:200]}"
            failing.append(name)
    if failing:
        raise ApiError(
            503, "not_ready", f"not ready: {', '.join(failing)} ({checks})", {"Retry-After": "5"}
        )
    return {"status": "ready", "checks": checks}
