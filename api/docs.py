"""OpenAPI documentation shared by the endpoints that accept JSON or multipart uploads."""

from collections.abc import Callable

from flask_smorest import Blueprint
from marshmallow import Schema

from api.schemas import ErrorSchema


def accepts_json_or_upload(
    blp: Blueprint,
    json_schema: type[Schema] | dict,
    upload_schema: type[Schema],
    response: type[Schema],
) -> Callable:
    """Document a 202 endpoint whose body is JSON or multipart, and its 4xx answers."""
    decorators = [
        blp.doc(
            requestBody={
                "required": True,
                "content": {
                    "application/json": {"schema": json_schema},
                    "multipart/form-data": {"schema": upload_schema},
                },
            }
        ),
        blp.response(202, response),
        *(blp.alt_response(status, schema=ErrorSchema) for status in (400, 413, 415, 422)),
    ]

    def apply(view: Callable) -> Callable:
        for decorator in reversed(decorators):
            view = decorator(view)
        return view

    return apply
