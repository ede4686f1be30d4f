"""/openapi.json: generated from the endpoints, plus what every protected endpoint shares."""

from apispec import BasePlugin
from flask import Flask
from flask_smorest import Api

from api.access import PROTECTED_PREFIXES
from api.schemas import ErrorSchema
from config.api_keys import HEADER

SHARED_ANSWERS = {
    "401": "no API key, or a wrong one (only when keys are configured)",
    "429": "over a rate limit; see Retry-After",
    "503": "the database is unavailable; see Retry-After",
}


class ProtectedOperations(BasePlugin):
    """Documents the API key and the 401 / 429 / 503 answers on every protected operation."""

    def operation_helper(self, path=None, operations=None, **_kwargs) -> None:
        if not path or not path.startswith(PROTECTED_PREFIXES):
            return
        for operation in operations.values():
            operation.setdefault("security", [{"ApiKey": []}])
            responses = operation.setdefault("responses", {})
            for status, description in SHARED_ANSWERS.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": "Error"}},
                    },
                )


class CelebclfApi(Api):
    """flask-smorest, documenting our error body instead of its own."""

    ERROR_SCHEMA = ErrorSchema


def init_app(app: Flask, blueprints) -> None:
    app.config.update(
        API_TITLE="celebclf",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = CelebclfApi(
        app,
        spec_kwargs={
            "info": {"description": "Which known person's face is in a photo"},
            "extra_plugins": [ProtectedOperations()],
        },
    )
    api.spec.components.security_scheme(
        "ApiKey", {"type": "apiKey", "in": "header", "name": HEADER}
    )
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
