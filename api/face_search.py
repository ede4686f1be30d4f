"""Search by face: a photo's largest face against every face the owner's jobs found, and the
stored crop of each of those faces."""

from flask import request, url_for
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.access import current_owner
from api.context import predictor, settings
from api.errors import ApiError
from api.intake import bytes_item, decode_base64, require_ok, url_item
from api.jobs import read_json, reject_unknown_parts
from api.limits import submission_limit
from api.schemas import (
    ErrorSchema,
    ImageFromBase64Schema,
    ImageFromUrlSchema,
    ImageSchema,
    StrictSchema,
)
from db.face_search import stored_faces
from db.session import unit_of_work
from featurize import ImageError, analyze, decode_image
from fetch import FetchError, fetch_image
from inference.nearest import nearest
from tasks.processing import fetch_policy

blp = Blueprint("face_search", __name__, url_prefix="/api/v1", description="Search by face")


class SearchQuerySchema(StrictSchema):
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))


class SearchUploadSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class FoundFaceSchema(Schema):
    face_id = fields.Integer()
    job_id = fields.String()
    batch_id = fields.String(allow_none=True)
    distance = fields.Float(metadata={"description": "descriptor distance; lower is nearer"})
    label = fields.String(metadata={"description": 'what the job answered: a name or "unknown"'})
    crop_url = fields.String()


class SearchResultSchema(Schema):
    box = fields.Dict(metadata={"description": "the searched face in the photo (x, y, w, h)"})
    items = fields.List(fields.Nested(FoundFaceSchema))


def _photo() -> bytes:
    """The photo's bytes, as jobs take them: multipart ``file``, JSON base64 or URL."""
    if request.mimetype == "multipart/form-data":
        reject_unknown_parts({"file"})
        upload = request.files.get("file")
        if upload is None:
            raise ApiError(400, "missing_file", "a multipart request needs a 'file' field")
        return require_ok(bytes_item("upload", upload.read())).data
    if not request.is_json:
        raise ApiError(
            415,
            "unsupported_media_type",
            "send multipart/form-data with 'file', or JSON with 'image_base64' or 'url'",
        )
    data = ImageSchema().load(read_json())
    if "image_base64" in data:
        return require_ok(bytes_item("base64", decode_base64(data["image_base64"]))).data
    try:
        return fetch_image(require_ok(url_item(data["url"])).url, fetch_policy(settings()))
    except FetchError as exc:
        raise ApiError(422, exc.code, exc.message) from exc


@blp.route("/faces/search", methods=["POST"])
@blp.arguments(SearchQuerySchema, location="query")
@blp.doc(
    requestBody={
        "required": True,
        "content": {
            "application/json": {"schema": {"oneOf": [ImageFromUrlSchema, ImageFromBase64Schema]}},
            "multipart/form-data": {"schema": SearchUploadSchema},
        },
    }
)
@blp.response(200, SearchResultSchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(413, schema=ErrorSchema)
@blp.alt_response(415, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
@submission_limit
def search(query):
    """The faces of your jobs nearest the photo's largest face, nearest first, named or not.

    Answered at once (the photo is read here, not queued); 422 ``no_face`` if it has none."""
    data = _photo()
    try:
        image = decode_image(data)
    except ImageError as exc:
        raise ApiError(400, exc.code, exc.message) from exc
    pipeline = predictor().bundle.pipeline
    faces = analyze(image, pipeline).faces
    if not faces:
        raise ApiError(422, "no_face", "no face was found in the photo")
    face = faces[0]  # largest first
    config = settings()
    with unit_of_work(config.database_url) as session:
        stored = stored_faces(session, current_owner(), pipeline.name, config.retention_s)
    items = []
    if stored.face_ids:
        distances, rows = nearest(face.vector[None, :], stored.vectors, query["limit"])
        items = [
            _found(stored, int(row), float(d)) for d, row in zip(distances[0], rows[0], strict=True)
        ]
    return {"box": face.box.as_dict(), "items": items}


def _found(stored, row: int, distance: float) -> dict:
    face_id = stored.face_ids[row]
    return {
        "face_id": face_id,
        "job_id": stored.job_ids[row],
        "batch_id": stored.batch_ids[row],
        "distance": round(distance, 4),
        "label": stored.labels[row],
        "crop_url": url_for("face_crops.crop", face_id=face_id),
    }
