"""Request and response shapes; flask-smorest turns them into /openapi.json."""

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from db.models import JobStatus

STATUSES = [s.value for s in JobStatus]


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class ErrorDetailSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


class BoxSchema(Schema):
    x = fields.Integer()
    y = fields.Integer()
    w = fields.Integer()
    h = fields.Integer()


class FaceSchema(Schema):
    box = fields.Nested(BoxSchema)
    label = fields.String(metadata={"description": 'a known person, or "unknown"'})
    score = fields.Float()
    probabilities = fields.Dict(keys=fields.String(), values=fields.Float())


class JobCreateSchema(StrictSchema):
    """Validates the JSON body; documented as one of the two shapes below."""

    image_base64 = fields.String(
        metadata={"description": "image bytes, base64; a data: URL prefix is allowed"}
    )
    url = fields.String(metadata={"description": "http(s) URL of an image"})

    @validates_schema
    def _exactly_one(self, data, **_kwargs):
        if len(data) != 1:
            raise ValidationError("give exactly one of image_base64, url")


class JobFromUrlSchema(StrictSchema):
    url = fields.String(required=True, metadata={"description": "http(s) URL of an image"})


class JobFromBase64Schema(StrictSchema):
    image_base64 = fields.String(
        required=True,
        validate=validate.Length(min=1),
        metadata={
            "format": "byte",
            "description": "image bytes, base64; a data: URL prefix is allowed",
        },
    )


JOB_CREATE_DOC = {"oneOf": [JobFromUrlSchema, JobFromBase64Schema]}


class UploadSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class JobSchema(Schema):
    id = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES))
    source = fields.String()
    url = fields.String(allow_none=True)
    filename = fields.String(allow_none=True)
    batch_id = fields.String(allow_none=True)
    faces = fields.List(fields.Nested(FaceSchema))
    error = fields.Nested(ErrorDetailSchema, allow_none=True)
    model = fields.String(allow_none=True)
    attempts = fields.Integer()
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


class JobCreatedSchema(Schema):
    id = fields.String()
    status = fields.String()


class BatchCreateSchema(StrictSchema):
    urls = fields.List(fields.String(), required=True, validate=validate.Length(min=1))


class BatchUploadSchema(Schema):
    files = fields.List(
        fields.Raw(metadata={"type": "string", "format": "binary"}),
        required=True,
        validate=validate.Length(min=1),
    )


class BatchSchema(Schema):
    id = fields.String()
    status = fields.String(validate=validate.OneOf(["queued", "running", "completed", "canceled"]))
    total = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    progress = fields.Float()
    created_at = fields.DateTime()
    canceled_at = fields.DateTime(allow_none=True)


class ItemsQuerySchema(StrictSchema):
    cursor = fields.Integer(
        load_default=-1,
        validate=validate.Range(min=-1, max=2**31 - 1),
        metadata={"description": "next_cursor of the previous page; omit for the first"},
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class JobPageSchema(Schema):
    items = fields.List(fields.Nested(JobSchema))
    next_cursor = fields.String(allow_none=True)


class ListQuerySchema(StrictSchema):
    cursor = fields.UUID(
        load_default=None,
        metadata={"description": "next_cursor of the previous page; omit for the first"},
    )
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class BatchListSchema(Schema):
    items = fields.List(fields.Nested(BatchSchema))
    next_cursor = fields.String(allow_none=True)


class HealthSchema(Schema):
    status = fields.String()


class ReadySchema(Schema):
    status = fields.String()
    checks = fields.Dict(keys=fields.String(), values=fields.String())


class ClassesSchema(Schema):
    model = fields.String()
    classes = fields.List(fields.String())
    unknown_threshold = fields.Float()
