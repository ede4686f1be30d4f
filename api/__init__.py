"""The HTTP API: an app factory that reads as the list of what it is made of."""

from flask import Flask

from api import (
    access,
    batches,
    errors,
    face_search,
    jobs,
    limits,
    meta,
    metrics,
    openapi,
    page,
    seed,
    webhooks,
)
from api.faces import clusters, crops
from api.learning import examples, models, people
from config import Settings, get_settings

BLUEPRINTS = (
    jobs.blp,
    batches.blp,
    webhooks.blp,
    people.blp,
    examples.blp,
    models.blp,
    clusters.blp,
    crops.blp,
    face_search.blp,
    meta.blp,
    metrics.blp,
    seed.blp,
)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app; tests pass their own Settings, production reads the environment."""
    settings = settings or get_settings()
    app = Flask(__name__, static_folder=None)  # the page blueprint serves /static
    app.config["CELEBCLF_SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False
    access.init_app(app, settings)  # before the limits: they count per key
    limits.init_app(app, settings)
    openapi.init_app(app, BLUEPRINTS)
    page.init_app(app)
    errors.init_app(app)  # after the Api: our error format replaces flask-smorest's
    return app
