"""People: who the service knows, renamed, merged, deleted, and where each was seen."""

from flask import url_for
from flask_smorest import Blueprint
from sqlalchemy import select

from api.context import settings
from api.errors import ApiError
from api.idempotency import bind_work, idempotent
from api.learning.context import own_person, owner
from api.learning.schemas import (
    AppearanceListSchema,
    MergeSchema,
    PersonCreateSchema,
    PersonListSchema,
    PersonSchema,
)
from api.learning.serializers import serialize_appearance, serialize_person
from api.listing import newest_first
from api.schemas import ErrorSchema, ListQuerySchema
from bodies.serializers import faces_by_job
from db import people
from db.models import Face, Job, Person
from db.retention import live_jobs
from db.session import unit_of_work

blp = Blueprint("people", __name__, url_prefix="/api/v1", description="People the service knows")


def _body(session, person: Person) -> dict:
    return serialize_person(person, people.example_counts(session, [person.id])[person.id])


def name_taken(name: str) -> ApiError:
    return ApiError(409, "name_taken", f"you already have a person called {name!r}")


@blp.route("/people", methods=["POST"])
@idempotent(blp)
@blp.arguments(PersonCreateSchema)
@blp.response(201, PersonSchema)
@blp.alt_response(409, schema=ErrorSchema)
def create_person(body):
    """Add a person; then give them example photos (POST .../examples)."""
    with unit_of_work(settings().database_url) as session:
        try:
            person = people.create(session, owner(), body["name"], settings().max_people)
        except people.NameTaken as exc:
            raise name_taken(body["name"]) from exc
        except people.TooMany as exc:
            raise ApiError(400, "too_many_people", str(exc)) from exc
        location = url_for("people.get_person", person_id=person.id)
        bind_work(session, location)
        created = _body(session, person)
    return created, 201, {"Location": location}


@blp.route("/people")
@blp.arguments(ListQuerySchema, location="query")
@blp.response(200, PersonListSchema)
def list_people(query):
    """Your people, newest first, each with their examples counted by status."""
    with unit_of_work(settings().database_url) as session:
        rows, cursor = newest_first(session, Person, owner(), query)
        counts = people.example_counts(session, [p.id for p in rows])
        return {"items": [serialize_person(p, counts[p.id]) for p in rows], "next_cursor": cursor}


@blp.route("/people/<uuid:person_id>")
@blp.response(200, PersonSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_person(person_id):
    """One person and their example counts."""
    with unit_of_work(settings().database_url) as session:
        return _body(session, own_person(session, person_id))


@blp.route("/people/<uuid:person_id>", methods=["PATCH"])
@blp.arguments(PersonCreateSchema)
@blp.response(200, PersonSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def rename_person(body, person_id):
    """Rename; the next model trained uses the new name."""
    with unit_of_work(settings().database_url) as session:
        person = own_person(session, person_id)
        try:
            people.rename(session, person, body["name"])
        except people.NameTaken as exc:
            raise name_taken(body["name"]) from exc
        return _body(session, person)


@blp.route("/people/<uuid:person_id>", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(404, schema=ErrorSchema)
def delete_person(person_id):
    """Forget a person and their examples; from the next job on nobody is named as them."""
    with unit_of_work(settings().database_url) as session:
        people.remove(session, own_person(session, person_id))


@blp.route("/people/<uuid:person_id>/merge", methods=["POST"])
@blp.arguments(MergeSchema)
@blp.response(200, PersonSchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
def merge_person(body, person_id):
    """Two entries that are one person: this one's examples and appearances move ``into``."""
    with unit_of_work(settings().database_url) as session:
        source = own_person(session, person_id)
        if body["into"] == person_id:
            raise ApiError(400, "invalid_merge", "a person cannot be merged into themselves")
        target = people.get(session, source.owner, str(body["into"]))
        if target is None:  # the body names nobody of yours: the request, not the URL, is wrong
            raise ApiError(400, "invalid_merge", f"you have no person {body['into']} to merge into")
        return _body(session, people.merge(session, source, target))


@blp.route("/people/<uuid:person_id>/appearances")
@blp.arguments(ListQuerySchema, location="query")
@blp.response(200, AppearanceListSchema)
@blp.alt_response(404, schema=ErrorSchema)
def list_appearances(query, person_id):
    """Every job (and its batch) where this person was named, newest first."""
    with unit_of_work(settings().database_url) as session:
        person = own_person(session, person_id)
        named = select(Face.job_id).where(Face.person_id == person.id)
        live = live_jobs(settings().retention_s)
        jobs, cursor = newest_first(session, Job, person.owner, query, Job.id.in_(named), live)
        faces = faces_by_job(session, [job.id for job in jobs])
        items = [
            serialize_appearance(job, [f for f in faces[job.id] if f["person_id"] == person.id])
            for job in jobs
        ]
    return {"items": items, "next_cursor": cursor}
