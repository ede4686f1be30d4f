"""Request and response shapes; flask-smorest turns them into /openapi.json."""

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from bodies.schemas import BatchSchema, ErrorDetailSchema, JobSchema
from db.models import DeliveryStatus


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


WEBHOOK_EVENTS_DOC = (
    "events to send among completed, failed, progress (default completed, failed); a "
    "comma-separated string in a form"
)


class WebhookFieldsSchema(StrictSchema):
    """The webhook fields every submit accepts (see docs: webhooks)."""

    webhook = fields.String(
        metadata={"description": "http(s) URL that receives this work's signed events"}
    )
    webhook_events = fields.List(
        fields.String(validate=validate.OneOf(["completed", "failed", "progress"])),
        metadata={"description": WEBHOOK_EVENTS_DOC},
    )


class WebhookFormSchema(Schema):
    """The webhook fields as multipart form parts."""

    webhook = fields.String(metadata={"description": "as in the JSON body"})
    webhook_events = fields.String(metadata={"description": WEBHOOK_EVENTS_DOC})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


class ImageSchema(StrictSchema):
    """An image in a JSON body, as base64 or a URL: exactly one (jobs, search by face).
    Validates the body; each endpoint documents it as one of the two shapes below."""

    image_base64 = fields.String(
        metadata={"description": "image bytes, base64; a data: URL prefix is allowed"}
    )
    url = fields.String(metadata={"description": "http(s) URL of an image"})

    @validates_schema
    def _exactly_one(self, data, **_kwargs):
        if len({"image_base64", "url"} & set(data)) != 1:
            raise ValidationError("give exactly one of image_base64, url")


class ImageFromUrlSchema(StrictSchema):
    url = fields.String(required=True, metadata={"description": "http(s) URL of an image"})


class ImageFromBase64Schema(StrictSchema):
    image_base64 = fields.String(
        required=True,
        validate=validate.Length(min=1),
        metadata={
            "format": "byte",
            "description": "image bytes, base64; a data: URL prefix is allowed",
        },
    )


class JobCreateSchema(WebhookFieldsSchema, ImageSchema):
    """Validates the JSON body; documented as one of the two shapes below."""


class JobFromUrlSchema(WebhookFieldsSchema, ImageFromUrlSchema):
    pass


class JobFromBase64Schema(WebhookFieldsSchema, ImageFromBase64Schema):
    pass


JOB_CREATE_DOC = {"oneOf": [JobFromUrlSchema, JobFromBase64Schema]}


class UploadSchema(WebhookFormSchema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class JobCreatedSchema(Schema):
    id = fields.String()
    status = fields.String()


class BatchCreateSchema(WebhookFieldsSchema):
    urls = fields.List(fields.String(), required=True, validate=validate.Length(min=1))


class FilesUploadSchema(Schema):
    files = fields.List(
        fields.Raw(metadata={"type": "string", "format": "binary"}),
        required=True,
        validate=validate.Length(min=1),
    )


class BatchUploadSchema(FilesUploadSchema, WebhookFormSchema):
    pass


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
    distance_threshold = fields.Float(allow_none=True)


class WebhookSecretSchema(Schema):
    secret = fields.String(metadata={"description": "whsec_ + base64 key; shown only once"})
    created_at = fields.DateTime()
    previous_valid_until = fields.DateTime(
        allow_none=True,
        metadata={"description": "the replaced secret signs too until then; null: none replaced"},
    )


class DeliveryTrySchema(Schema):
    at = fields.String()
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    duration_ms = fields.Integer()


class DeliverySchema(Schema):
    id = fields.String(metadata={"description": "the webhook-id header of every attempt"})
    event = fields.String(metadata={"description": "e.g. batch.completed, job.failed"})
    url = fields.String()
    status = fields.String(
        validate=validate.OneOf(list(DeliveryStatus)),
        metadata={"description": "skipped: a progress event its final event made stale"},
    )
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    tries = fields.List(fields.Nested(DeliveryTrySchema))


class DeliveryListSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema))
    next_cursor = fields.String(allow_none=True)


class DeliveryQuerySchema(StrictSchema):
    cursor = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^msg_[0-9a-f]{32}$"),
        metadata={"description": "next_cursor of the previous page; omit for the first"},
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
