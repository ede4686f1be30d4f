"""Request and response shapes of clusters of unnamed faces (in /openapi.json)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.learning.schemas import person_name
from api.schemas import StrictSchema
from bodies.schemas import BoxSchema

FACE_ID_MAX = 2**31 - 1  # faces.id is a 32-bit integer


class FaceSchema(Schema):
    face_id = fields.Integer()
    job_id = fields.String()
    crop_url = fields.String()


class ClusterFaceSchema(FaceSchema):
    box = fields.Nested(BoxSchema)
    reason = fields.String(allow_none=True)
    person_id = fields.String(allow_none=True)
    review = fields.String(allow_none=True, metadata={"description": "rejected or named"})


class ClusterSchema(Schema):
    id = fields.String()
    size = fields.Integer(metadata={"description": "its faces whose jobs have not expired"})
    samples = fields.List(fields.Nested(FaceSchema), metadata={"description": "up to 6"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ClusterListSchema(Schema):
    items = fields.List(fields.Nested(ClusterSchema))
    next_cursor = fields.String(allow_none=True)


class ClusterFacesQuerySchema(StrictSchema):
    cursor = fields.Integer(
        load_default=None,
        validate=validate.Range(min=0, max=FACE_ID_MAX),
        metadata={"description": "next_cursor of the previous page; omit for the first"},
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ClusterFacesSchema(Schema):
    cluster = fields.Nested(ClusterSchema)
    items = fields.List(fields.Nested(ClusterFaceSchema))
    next_cursor = fields.Integer(allow_none=True)


class ClusterNameSchema(StrictSchema):
    """One of the two: an existing person, or the name of a new one."""

    person_id = fields.UUID()
    name = person_name(required=False)

    @validates_schema
    def _one_of(self, data: dict, **_kwargs) -> None:
        if ("person_id" in data) == ("name" in data):
            raise ValidationError("give either person_id or name")


class RejectSchema(StrictSchema):
    person_id = fields.UUID(
        load_default=None,
        metadata={"description": "the person the face is not (it leaves their appearances)"},
    )
