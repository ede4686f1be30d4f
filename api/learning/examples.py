"""Examples: the photos a person is learned from, enrolled by the workers, inspected here."""

from flask import Response, request
from flask_smorest import Blueprint
from sqlalchemy import select

from api.context import settings
from api.docs import accepts_json_or_upload
from api.errors import ApiError
from api.idempotency import bind_work, idempotent
from api.intake import bytes_item, decode_base64
from api.jobs import read_json
from api.learning.context import own_person
from api.learning.schemas import (
    EXAMPLE_CREATE_DOC,
    ExampleCreateSchema,
    ExampleListSchema,
    ExampleSchema,
    ExamplesCreatedSchema,
)
from api.learning.serializers import serialize_example
from api.limits import submission_limit
from api.listing import newest_first
from api.schemas import ErrorSchema, FilesUploadSchema, ListQuerySchema
from api.uploads import listed_urls, uploaded_files
from db import examples
from db.items import Item
from db.models import Example
from db.session import unit_of_work

blp = Blueprint(
    "examples", __name__, url_prefix="/api/v1", description="Example photos of each person"
)


def _read_items() -> list[Item]:
    if request.mimetype == "multipart/form-data":
        return uploaded_files()
    if request.is_json:
        body = ExampleCreateSchema().load(read_json())
        if "image_base64" in body:
            return [bytes_item("base64", decode_base64(body["image_base64"]))]
        return listed_urls(body["urls"])
    raise ApiError(
        415,
        "unsupported_media_type",
        "send multipart/form-data with 'files', or JSON with 'urls' or 'image_base64'",
    )


@blp.route("/people/<uuid:person_id>/examples", methods=["POST"])
@idempotent(blp)
@accepts_json_or_upload(blp, EXAMPLE_CREATE_DOC, FilesUploadSchema, ExamplesCreatedSchema)
@blp.alt_response(404, schema=ErrorSchema)
@submission_limit
def add_examples(person_id):
    """Photos to learn a person from: each is enrolled by a worker (one usable face kept)."""
    from tasks.dispatch import enqueue_committed

    items = _read_items()
    with unit_of_work(settings().database_url) as session:
        person = own_person(session, person_id)
        adding = sum(1 for item in items if item.error is None)
        try:
            examples.check_room(session, person, adding, settings().max_examples_per_person)
        except examples.TooMany as exc:
            raise ApiError(400, "too_many_examples", str(exc)) from exc
        created, queued = examples.add(session, person, items)
        bind_work(session, None)  # several new resources: no one Location to read them at
        rows = {e.id: e for e in session.scalars(select(Example).where(Example.id.in_(created)))}
        accepted = [serialize_example(rows[i]) for i in created]  # as accepted: before any worker
    enqueue_committed(settings(), examples.KIND, queued)
    return {"items": accepted}, 202


@blp.route("/people/<uuid:person_id>/examples")
@blp.arguments(ListQuerySchema, location="query")
@blp.response(200, ExampleListSchema)
@blp.alt_response(404, schema=ErrorSchema)
def list_examples(query, person_id):
    """The person's examples, newest first: status, reason, box and crop of each."""
    with unit_of_work(settings().database_url) as session:
        person = own_person(session, person_id)
        rows, cursor = newest_first(
            session, Example, person.owner, query, Example.person_id == person.id
        )
        return {"items": [serialize_example(e) for e in rows], "next_cursor": cursor}


def _own_example(session, person_id, example_id) -> Example:
    example = examples.get(session, own_person(session, person_id), str(example_id))
    if example is None:
        raise ApiError(404, "not_found", f"no example {example_id}")
    return example


@blp.route("/people/<uuid:person_id>/examples/<uuid:example_id>")
@blp.response(200, ExampleSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_example(person_id, example_id):
    """One example (poll it while it is queued or running)."""
    with unit_of_work(settings().database_url) as session:
        return serialize_example(_own_example(session, person_id, example_id))


@blp.route("/people/<uuid:person_id>/examples/<uuid:example_id>/crop.jpg")
@blp.doc(responses={"200": {"description": "the face crop", "content": {"image/jpeg": {}}}})
@blp.alt_response(404, schema=ErrorSchema)
def crop(person_id, example_id):
    """The accepted face, as a small JPEG."""
    with unit_of_work(settings().database_url) as session:
        jpeg = _own_example(session, person_id, example_id).crop
    if not jpeg:
        raise ApiError(404, "not_found", f"example {example_id} has no face crop")
    return Response(jpeg, mimetype="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})


@blp.route("/people/<uuid:person_id>/examples/<uuid:example_id>", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(404, schema=ErrorSchema)
def delete_example(person_id, example_id):
    """Remove an example (a wrong or poor crop); the next model forgets it."""
    with unit_of_work(settings().database_url) as session:
        examples.remove(session, _own_example(session, person_id, example_id))
