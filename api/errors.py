"""Every error answers ``{"error": {"code", "message"}}`` with its status: never an HTML page."""

import logging

from flask import Flask, jsonify
from marshmallow import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger("celebclf.api")

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
}


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _validation_message(messages) -> str:
    if isinstance(messages, dict):
        return "; ".join(f"{field}: {_validation_message(m)}" for field, m in messages.items())
    if isinstance(messages, list):
        return " ".join(str(m) for m in messages)
    return str(messages)


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.errorhandler(ValidationError)
    def _invalid(exc: ValidationError):
        return error_response(422, "invalid_request", _validation_message(exc.messages))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        messages = getattr(exc, "data", {}).get("messages")  # webargs / smorest validation
        message = _validation_message(messages) if messages else exc.description
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}  # Allow
        return error_response(status, HTTP_CODES.get(status, "http_error"), str(message), headers)

    @app.errorhandler(DBAPIError)
    def _database_down(exc: DBAPIError):
        if not (isinstance(exc, OperationalError) or exc.connection_invalidated):
            return _unexpected(exc)  # a bug (bad parameter, bad SQL), not an outage
        log.error("database unavailable", extra={"error": str(exc.orig)[:300]})
        return error_response(
            503,
            "database_unavailable",
            "the database is unavailable; retry shortly",
            {"Retry-After": "5"},
        )

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return error_response(500, "internal_error", "an unexpected error occurred")
