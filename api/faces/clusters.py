"""Clusters of the unknown faces of the owner's jobs: proposed people, named in one step."""

from flask import url_for
from flask_smorest import Blueprint

from api.context import settings
from api.errors import ApiError
from api.faces.crops import own_face
from api.faces.schemas import (
    ClusterFaceSchema,
    ClusterFacesQuerySchema,
    ClusterFacesSchema,
    ClusterListSchema,
    ClusterNameSchema,
    RejectSchema,
)
from api.faces.serializers import serialize_cluster, serialize_cluster_face
from api.idempotency import bind_work, idempotent
from api.learning.context import own_person, owner
from api.learning.people import name_taken
from api.learning.schemas import ExamplesCreatedSchema
from api.learning.serializers import serialize_example
from api.schemas import ErrorSchema, ListQuerySchema
from db import clusters, examples, people
from db.items import Item
from db.models import Example, SourceKind
from db.session import unit_of_work
from featurize.redescribe import photo_of_thumbnail

blp = Blueprint(
    "clusters", __name__, url_prefix="/api/v1", description="Unknown faces, grouped by person"
)


def _own_cluster(session, cluster_id) -> tuple:
    found = clusters.get(session, owner(), str(cluster_id), settings().retention_s)
    if found is None:
        raise ApiError(404, "not_found", f"no cluster {cluster_id}")
    return found


@blp.route("/faces/clusters")
@blp.arguments(ListQuerySchema, location="query")
@blp.response(200, ClusterListSchema)
def list_clusters(query):
    """Your clusters of unnamed faces, biggest first, each with a few sample faces."""
    cursor = None if query["cursor"] is None else str(query["cursor"])
    with unit_of_work(settings().database_url) as session:
        name, retention_s = owner(), settings().retention_s
        page, after, valid = clusters.biggest_first(
            session, name, retention_s, cursor, query["limit"]
        )
        if not valid:
            raise ApiError(400, "invalid_cursor", "cursor must be a value from next_cursor")
        samples = clusters.samples(session, name, [c.id for c, _ in page], retention_s)
        items = [serialize_cluster(c, size, samples[c.id]) for c, size in page]
    return {"items": items, "next_cursor": after}


@blp.route("/faces/clusters/<uuid:cluster_id>")
@blp.arguments(ClusterFacesQuerySchema, location="query")
@blp.response(200, ClusterFacesSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_cluster(query, cluster_id):
    """One cluster and its faces, oldest first, ``limit`` at a time."""
    with unit_of_work(settings().database_url) as session:
        cluster, size = _own_cluster(session, cluster_id)
        name, retention_s, limit = owner(), settings().retention_s, query["limit"]
        first = clusters.faces(session, name, [cluster.id], retention_s, limit=clusters.SAMPLES)
        after = clusters.faces(
            session, name, [cluster.id], retention_s, after=query["cursor"], limit=limit + 1
        )
        page = after[:limit]
        return {
            "cluster": serialize_cluster(cluster, size, first),
            "items": [serialize_cluster_face(f) for f in page],
            "next_cursor": page[-1].id if len(after) > len(page) else None,
        }


def _person(session, body: dict):
    if "person_id" in body:
        return own_person(session, body["person_id"])
    try:
        return people.create(session, owner(), body["name"], settings().max_people)
    except people.NameTaken as exc:
        raise name_taken(body["name"]) from exc
    except people.TooMany as exc:
        raise ApiError(400, "too_many_people", str(exc)) from exc


@blp.route("/faces/clusters/<uuid:cluster_id>/name", methods=["POST"])
@idempotent(blp)
@blp.arguments(ClusterNameSchema)
@blp.response(202, ExamplesCreatedSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def name_cluster(body, cluster_id):
    """The cluster is this person: each face becomes an example, enrolled as uploaded ones
    are (accepted or rejected with its reason), and the cluster is gone."""
    from tasks.dispatch import enqueue_committed

    with unit_of_work(settings().database_url) as session:
        cluster, size = _own_cluster(session, cluster_id)
        person = _person(session, body)
        try:
            examples.check_room(session, person, size, settings().max_examples_per_person)
        except examples.TooMany as exc:
            raise ApiError(400, "too_many_examples", str(exc)) from exc
        taken = clusters.take_for_naming(session, owner(), cluster.id, settings().retention_s)
        items = [
            Item(SourceKind.face, photo_of_thumbnail(crop), filename=f"face-{face_id}.jpg")
            for face_id, crop in taken
        ]
        created, queued = examples.add(session, person, items)
        location = url_for("examples.list_examples", person_id=person.id)
        bind_work(session, location)
        rows = {e.id: e for e in session.query(Example).filter(Example.id.in_(created))}
        accepted = [serialize_example(rows[i]) for i in created]
    enqueue_committed(settings(), examples.KIND, queued)
    return {"items": accepted}, 202, {"Location": location}


@blp.route("/faces/<int:face_id>/reject", methods=["POST"])
@blp.arguments(RejectSchema)
@blp.response(200, ClusterFaceSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def reject_face(body, face_id):
    """ "Not this person": the face leaves its cluster, or the appearances of ``person_id``,
    and no later clustering or naming puts it back."""
    with unit_of_work(settings().database_url) as session:
        face = own_face(session, face_id)
        if body["person_id"] is not None:
            person = own_person(session, body["person_id"])
            if face.person_id not in (None, person.id):
                raise ApiError(409, "named_otherwise", f"face {face_id} is named someone else")
        clusters.reject(session, face, owner())
        return serialize_cluster_face(face)
