"""A job's face as a small JPEG: what the lists of faces (clusters, search) show."""

from flask import Response
from flask_smorest import Blueprint

from api.context import settings
from api.errors import ApiError
from api.faces.schemas import FACE_ID_MAX
from api.learning.context import owner
from api.schemas import ErrorSchema
from db import clusters
from db.models import Face
from db.session import unit_of_work

blp = Blueprint("face_crops", __name__, url_prefix="/api/v1", description="Faces of your jobs")


def own_face(session, face_id: int) -> Face:
    """The caller's face; 404 for another owner's, an expired one, or none."""
    face = None
    if face_id <= FACE_ID_MAX:
        face = clusters.own_face(session, owner(), face_id, settings().retention_s)
    if face is None:
        raise ApiError(404, "not_found", f"no face {face_id}")
    return face


@blp.route("/faces/<int:face_id>/crop")
@blp.doc(responses={"200": {"description": "the face crop", "content": {"image/jpeg": {}}}})
@blp.alt_response(404, schema=ErrorSchema)
def crop(face_id):
    """The face with a margin, at most 96 px: kept as long as its job."""
    with unit_of_work(settings().database_url) as session:
        jpeg = own_face(session, face_id).crop
    if not jpeg:
        raise ApiError(404, "not_found", f"face {face_id} has no crop")
    return Response(jpeg, mimetype="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})
