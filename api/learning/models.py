"""Models: training runs on the queue, their figures, and which one answers your jobs."""

from flask import request, url_for
from flask_smorest import Blueprint
from sqlalchemy import select

from api.context import settings
from api.errors import ApiError
from api.idempotency import bind_work, idempotent
from api.jobs import read_json
from api.learning.context import owner
from api.learning.schemas import ModelCreateSchema, ModelListSchema, ModelSchema
from api.learning.serializers import serialize_model
from api.listing import newest_first
from api.schemas import ErrorSchema, ListQuerySchema
from db import model_versions
from db.models import ModelVersion, Owner, RunStatus
from db.session import unit_of_work

blp = Blueprint("models", __name__, url_prefix="/api/v1", description="Trained models")


def _active_id(session, name: str) -> str | None:
    return session.scalar(select(Owner.active_model_id).where(Owner.owner == name))


def _own_model(session, name: str, version: str) -> ModelVersion:
    run = model_versions.get(session, name, version)
    if run is None:
        raise ApiError(404, "not_found", f"no model {version}")
    return run


@blp.route("/models", methods=["POST"])
@idempotent(blp)
@blp.doc(
    requestBody={
        "required": False,
        "content": {"application/json": {"schema": ModelCreateSchema}},
    }
)
@blp.response(202, ModelSchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(415, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def train_now():
    """Train a model on every accepted example now; a run already waiting is returned instead."""
    from tasks.dispatch import enqueue_committed

    if not request.data:
        body = {}
    elif not request.is_json:
        raise ApiError(415, "unsupported_media_type", "send JSON, or no body at all")
    else:
        body = ModelCreateSchema().load(read_json())
    activate = body.get("activate", settings().auto_activate)
    with unit_of_work(settings().database_url) as session:
        name = owner()
        run, created = model_versions.request(session, name, "manual", activate)
        run_id, version = run.id, run.version
        bind_work(session, url_for("models.get_model", version=version))
    if created:
        enqueue_committed(settings(), model_versions.KIND, [run_id])
    with unit_of_work(settings().database_url) as session:
        run = session.get(ModelVersion, run_id)
        answer = serialize_model(run, _active_id(session, run.owner))
    return answer, 202, {"Location": url_for("models.get_model", version=version)}


@blp.route("/models")
@blp.arguments(ListQuerySchema, location="query")
@blp.response(200, ModelListSchema)
def list_models(query):
    """Your models, newest first, with status, people, figures and the unknown rule."""
    with unit_of_work(settings().database_url) as session:
        name = owner()
        rows, cursor = newest_first(session, ModelVersion, name, query)
        active = _active_id(session, name)
        return {"items": [serialize_model(r, active) for r in rows], "next_cursor": cursor}


@blp.route("/models/<string:version>")
@blp.response(200, ModelSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_model(version):
    """One model: its training run's status and figures."""
    with unit_of_work(settings().database_url) as session:
        name = owner()
        return serialize_model(_own_model(session, name, version), _active_id(session, name))


@blp.route("/models/<string:version>/activate", methods=["POST"])
@blp.response(200, ModelSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def activate_model(version):
    """Make this model answer your jobs from the next one on (also how to roll back)."""
    with unit_of_work(settings().database_url) as session:
        name = owner()
        run = _own_model(session, name, version)
        if run.status != RunStatus.ready:
            raise ApiError(
                409, "not_ready", f"model {version} is {run.status}: only a ready model can serve"
            )
        model_versions.activate(session, run)
        session.flush()
        return serialize_model(run, run.id)
