"""The shapes job and batch bodies are dumped with: the API documents and answers them,
webhooks send them (bodies.serializers builds the dicts)."""

from marshmallow import Schema, fields, validate

from db.models import JobStatus
from inference.naming import REASONS, RULES

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


class QualitySchema(Schema):
    side = fields.Integer(metadata={"description": "the face box's shorter side, in pixels"})
    score = fields.Float(metadata={"description": "the detector's confidence, 0-1"})
    sharpness = fields.Float(
        metadata={"description": "variance of the Laplacian of the aligned crop; higher is sharper"}
    )
    turn = fields.Float(
        metadata={"description": "head turn from the landmarks: 0 frontal, about 0.5+ in profile"}
    )


class FaceSchema(Schema):
    box = fields.Nested(BoxSchema)
    label = fields.String(metadata={"description": 'a known person, or "unknown"'})
    person_id = fields.String(
        allow_none=True, metadata={"description": "the person named (null: unknown)"}
    )
    score = fields.Float(
        metadata={
            "description": "probability of the most likely person, even when unknown: then it is "
            "the refused person's, not a confidence in the face (the CSV leaves it empty and the "
            "page shows no percentage)"
        }
    )
    distance = fields.Float(
        allow_none=True,
        metadata={
            "description": "descriptor distance to that person's nearest example; the face is "
            "named only within the model's threshold (GET /api/v1/classes); lower is surer"
        },
    )
    reason = fields.String(
        allow_none=True,
        validate=validate.OneOf(REASONS),
        metadata={
            "description": "why an unknown face was not named: unclear (too small, blurred or "
            "turned), person_deleted, not_sure (under the model's probability threshold), "
            "not_close_enough (farther from the person's examples than the model's threshold), "
            "named_elsewhere_in_photo (a closer face of the photo got that name). Null when "
            "named, and for a face stored before reasons were kept: its reason is not derived "
            "then, since a stored unknown face may have been refused for any of them"
        },
    )
    quality = fields.Nested(
        QualitySchema,
        allow_none=True,
        metadata={
            "description": "how clearly the face was seen (what the unclear rule judges); null "
            "for pipelines that do not measure it and faces stored before it was kept"
        },
    )
    rule = fields.String(
        allow_none=True,
        validate=validate.OneOf(RULES),
        metadata={
            "description": "which rule named the face: model (the job's model) or gallery (an "
            "example accepted since that model was trained, the nearest within its distance "
            "threshold: known at once, before any training run). Null when unknown, and for a "
            "face stored before rules were kept"
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
