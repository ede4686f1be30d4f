"""The web page: static files under api/web, no build step, nothing fetched from a CDN."""

from pathlib import Path

from flask import Blueprint, Flask, send_from_directory

WEB = Path(__file__).resolve().parent / "web"

blueprint = Blueprint(
    "page", __name__, static_folder=str(WEB / "static"), static_url_path="/static"
)


@blueprint.route("/")
@blueprint.route("/batches/<uuid:_batch_id>")
@blueprint.route("/people")
@blueprint.route("/people/<uuid:_person_id>")
def index(_batch_id=None, _person_id=None):
    """One page; a batch and a person have their own URLs so they can be reopened and shared."""
    response = send_from_directory(WEB, "index.html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.route("/favicon.ico")
def favicon():
    """Browsers and feed readers ask for /favicon.ico whatever the page links: the same icon."""
    return send_from_directory(WEB / "static", "favicon.svg", mimetype="image/svg+xml")


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
