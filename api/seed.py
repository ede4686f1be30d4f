"""The seed project's endpoints, for its existing client: synchronous, as it was."""

import numpy as np
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.context import predictor
from api.errors import ApiError
from api.intake import check_image_bytes, decode_base64
from api.limits import submission_limit
from api.schemas import ErrorSchema
from featurize import ImageError, decode_image
from inference.predictor import best_named

blp = Blueprint("seed", __name__, description="Compatibility with the seed's client")


class SeedFormSchema(Schema):
    image_data = fields.String(
        required=True, validate=validate.Length(min=1), metadata={"description": "base64 data URL"}
    )


@blp.route("/hello")
@blp.doc(responses={"200": {"description": "hi", "content": {"text/plain": {}}}})
def hello():
    """The seed's liveness check."""
    return "hi", 200, {"Content-Type": "text/plain; charset=utf-8"}


@blp.route("/classify_image", methods=["POST"])
@blp.arguments(SeedFormSchema, location="form")
@blp.alt_response(400, schema=ErrorSchema)
@submission_limit
def classify_image(form):
    """The seed's answer: per face, the best class, percent per class index, the class map.

    The best named face comes first, and a face answered ``unknown`` has class "unknown" and
    no percentages: the seed's client shows the face with the highest percentage, which must
    never be an unrecognised bystander's nearest guess.
    """
    data = decode_base64(form["image_data"])
    if bad := check_image_bytes(data):
        raise ApiError(400, *bad)
    try:
        image = decode_image(data)
    except ImageError as exc:
        raise ApiError(400, exc.code, exc.message) from exc
    model = predictor()
    names = model.bundle.classes
    faces = model.predict_image(image)
    best = best_named(faces)
    answer = [
        {
            "class": face.label,
            "class_probability": np.around(
                [face.probabilities[n] * 100 if face.named else 0.0 for n in names], 2
            ).tolist(),
            "class_dictionary": model.bundle.class_dictionary,
        }
        for face in sorted(faces, key=lambda f: f is not best)
    ]
    return answer, 200, {"Access-Control-Allow-Origin": "*"}
