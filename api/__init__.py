"""The HTTP API: an app factory that reads as the list of what it is made of."""

from flask import Flask
from flask_smorest import Api

from api import access, batches, errors, jobs, limits, meta, page, seed
from api.schemas import ErrorSchema
from config import Settings, get_settings


class CelebclfApi(Api):
    """flask-smorest, documenting our error body instead of its own."""

    ERROR_SCHEMA = ErrorSchema


BLUEPRINTS = (jobs.blp, batches.blp, meta.blp, seed.blp)


def _init_openapi(app: Flask) -> None:
    app.config.update(
        API_TITLE="celebclf",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = CelebclfApi(
        app, spec_kwargs={"info": {"description": "Which known person's face is in a photo"}}
    )
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app; tests pass their own Settings, production reads the environment."""
    settings = settings or get_settings()
    app = Flask(__name__, static_folder=None)  # the page blueprint serves /static
    app.config["CELEBCLF_SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False
    access.init_app(app, settings)  # before the limits: they count per key
    limits.init_app(app, settings)
    _init_openapi(app)
    page.init_app(app)
    errors.init_app(app)  # after the Api: our error format replaces flask-smorest's
    return app
