"""The shapes job and batch bodies are dumped with: the API documents and answers them,
webhooks send them (bodies.serializers builds the dicts)."""

from marshmallow import Schema, fields, validate

from db.models import JobStatus

STATUSES = [s.value for s in JobStatus]

EXPIRES_AT = (
    "when it and its results are deleted (CELEBCLF_RETENTION_S after it finished; 404 from "
    "then on); null while unfinished or when kept forever"
)


class WebhookSchema(Schema):
    url = fields.String()
    events = fields.List(fields.String())


class ErrorDetailSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)


class BoxSchema(Schema):
    x = fields.Integer()
    y = fields.Integer()
    w = fields.Integer()
    h = fields.Integer()


class FaceSchema(Schema):
    box = fields.Nested(BoxSchema)
    label = fields.String(metadata={"description": 'a known person, or "unknown"'})
    person_id = fields.String(
        allow_none=True, metadata={"description": "the person named (null: unknown)"}
    )
    score = fields.Float(
        metadata={"description": "probability of the most likely person, even when unknown"}
    )
    distance = fields.Float(
        allow_none=True,
        metadata={
            "description": "descriptor distance to that person's nearest example; the face is "
            "named only within the model's threshold (GET /api/v1/classes); lower is surer"
        },
    )
    probabilities = fields.Dict(keys=fields.String(), values=fields.Float())


class JobSchema(Schema):
    id = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES))
    source = fields.String()
    url = fields.String(allow_none=True)
    filename = fields.String(allow_none=True)
    batch_id = fields.String(allow_none=True)
    faces = fields.List(fields.Nested(FaceSchema))
    answer = fields.String(
        allow_none=True,
        metadata={
            "description": 'the photo in one label: its best named face, "unknown" if no face '
            "is named, null without faces"
        },
    )
    error = fields.Nested(ErrorDetailSchema, allow_none=True)
    model = fields.String(allow_none=True)
    attempts = fields.Integer()
    webhook = fields.Nested(WebhookSchema, allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(
        allow_none=True,
        metadata={"description": f"{EXPIRES_AT}; a batch's item expires with its batch"},
    )


class BatchSchema(Schema):
    id = fields.String()
    status = fields.String(validate=validate.OneOf(["queued", "running", "completed", "canceled"]))
    total = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    progress = fields.Float()
    webhook = fields.Nested(WebhookSchema, allow_none=True)
    created_at = fields.DateTime()
    canceled_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True, metadata={"description": EXPIRES_AT})
