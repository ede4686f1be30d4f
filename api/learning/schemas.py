"""Request and response shapes of people, examples and models (in /openapi.json)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.schemas import StrictSchema
from bodies.schemas import BoxSchema, ErrorDetailSchema
from db.models import ExampleStatus

NAME_HELP = "1-128 characters, no control characters; unique among your people"
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f-\x9f]+$"
MODEL_STATUSES = ["queued", "training", "ready", "failed", "active", "retired"]


def _storable(text: str) -> None:
    """JSON can carry lone surrogates, which no database can store."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationError("not valid Unicode text") from exc


def person_name(required: bool = True) -> fields.String:
    """A person's name, as every request that names one takes it."""
    return fields.String(
        required=required,
        validate=[
            validate.Length(min=1, max=128),
            validate.Regexp(NO_CONTROL_CHARACTERS, error="a name cannot hold control characters"),
            _storable,
        ],
        metadata={"description": NAME_HELP},
    )


class PersonCreateSchema(StrictSchema):
    name = person_name()


class MergeSchema(StrictSchema):
    into = fields.UUID(required=True, metadata={"description": "the person this one really is"})


class CountsSchema(Schema):
    queued = fields.Integer()
    running = fields.Integer()
    accepted = fields.Integer()
    rejected = fields.Integer()


class PersonSchema(Schema):
    id = fields.String()
    name = fields.String()
    shipped = fields.Boolean(metadata={"description": "came with the shipped model"})
    examples = fields.Nested(CountsSchema)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PersonListSchema(Schema):
    items = fields.List(fields.Nested(PersonSchema))
    next_cursor = fields.String(allow_none=True)


class ExampleCreateSchema(StrictSchema):
    """Validates the JSON body; documented as one of the two shapes below."""

    urls = fields.List(fields.String(), validate=validate.Length(min=1))
    image_base64 = fields.String(validate=validate.Length(min=1))

    @validates_schema
    def _exactly_one(self, data, **_kwargs):
        if len(data) != 1:
            raise ValidationError("give exactly one of urls, image_base64")


class ExampleUrlsSchema(StrictSchema):
    urls = fields.List(fields.String(), required=True, validate=validate.Length(min=1))


class ExampleBase64Schema(StrictSchema):
    image_base64 = fields.String(
        required=True,
        validate=validate.Length(min=1),
        metadata={"format": "byte", "description": "image bytes, base64; data: URL prefix ok"},
    )


EXAMPLE_CREATE_DOC = {"oneOf": [ExampleUrlsSchema, ExampleBase64Schema]}


class ExampleDescriptorSchema(Schema):
    pipeline = fields.String(metadata={"description": "the feature pipeline, e.g. dlib, sface"})
    status = fields.String(
        validate=validate.OneOf(["described", "not_described"]),
        metadata={
            "description": "not_described: this pipeline found no face in what was kept of the "
            "photo (the example still counts for models of other pipelines, not for this "
            "one's; add the photo again)"
        },
    )
    reason = fields.Nested(ErrorDetailSchema, allow_none=True)


class ExampleSchema(Schema):
    id = fields.String()
    person_id = fields.String()
    status = fields.String(validate=validate.OneOf([s.value for s in ExampleStatus]))
    reason = fields.Nested(ErrorDetailSchema, allow_none=True)
    source = fields.String()
    url = fields.String(allow_none=True)
    filename = fields.String(allow_none=True)
    box = fields.Nested(BoxSchema, allow_none=True)
    crop_url = fields.String(allow_none=True)
    descriptors = fields.List(
        fields.Nested(ExampleDescriptorSchema),
        metadata={
            "description": "an accepted example's face as each pipeline described it: training "
            "of a pipeline uses the examples it described"
        },
    )
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


class ExampleListSchema(Schema):
    items = fields.List(fields.Nested(ExampleSchema))
    next_cursor = fields.String(allow_none=True)


class ExamplesCreatedSchema(Schema):
    items = fields.List(fields.Nested(ExampleSchema))


class AppearanceFaceSchema(Schema):
    box = fields.Nested(BoxSchema)
    score = fields.Float()
    distance = fields.Float(allow_none=True)


class AppearanceSchema(Schema):
    job_id = fields.String()
    batch_id = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    filename = fields.String(allow_none=True)
    model = fields.String(allow_none=True)
    created_at = fields.DateTime()
    faces = fields.List(fields.Nested(AppearanceFaceSchema))


class AppearanceListSchema(Schema):
    items = fields.List(fields.Nested(AppearanceSchema))
    next_cursor = fields.String(allow_none=True)


class StrictBoolean(fields.Boolean):
    """JSON true or false only (marshmallow's Boolean also takes 0, 1, "yes"...)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class ModelCreateSchema(StrictSchema):
    activate = StrictBoolean(
        metadata={
            "description": "activate when it trains cleanly (default: CELEBCLF_AUTO_ACTIVATE)"
        }
    )


class ModelPersonSchema(Schema):
    id = fields.String()
    name = fields.String()
    examples = fields.Integer()
    reason = fields.String()


class ModelRowSchema(Schema):
    model = fields.String()
    best_params = fields.Dict()
    cv_accuracy = fields.Float()
    held_out_accuracy = fields.Float()


class ModelSchema(Schema):
    version = fields.String()
    status = fields.String(validate=validate.OneOf(MODEL_STATUSES))
    trigger = fields.String(metadata={"description": "manual, auto, pipeline or shipped"})
    pipeline = fields.String(
        allow_none=True,
        metadata={
            "description": "how faces are found and described (sface: YuNet + SFace; dlib; "
            "seed); null until the run is ready"
        },
    )
    people = fields.List(fields.Nested(ModelPersonSchema))
    excluded = fields.List(fields.Nested(ModelPersonSchema))
    examples = fields.Integer(allow_none=True)
    model_table = fields.List(fields.Nested(ModelRowSchema))
    held_out_accuracy = fields.Float(allow_none=True)
    held_out = fields.Dict(allow_none=True)
    unknown_rule = fields.Dict(allow_none=True)
    error = fields.Nested(ErrorDetailSchema, allow_none=True)
    note = fields.String(allow_none=True)
    attempts = fields.Integer()
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    activated_at = fields.DateTime(allow_none=True)


class ModelListSchema(Schema):
    items = fields.List(fields.Nested(ModelSchema))
    next_cursor = fields.String(allow_none=True)
