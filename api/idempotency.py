"""``Idempotency-Key`` on every POST that creates work: a client that retries a submit whose
answer it never got gets that first answer again, not a second batch.

The key is taken in the database before the work is written, so of concurrent duplicates
exactly one runs; the others wait for its answer and replay it. A 2xx answer is kept for
``CELEBCLF_IDEMPOTENCY_TTL`` seconds per owner; an error answer is not kept, so a retry runs
again. The same key with a different body is 422 ``idempotency_mismatch``.
"""

import hashlib
import json
import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from flask import Response, make_response, request
from flask_smorest import Blueprint

from api.access import current_owner
from api.context import settings
from api.errors import ApiError
from api.schemas import ErrorSchema
from db import idempotency
from db.models import utcnow
from db.session import unit_of_work

HEADER = "Idempotency-Key"
WAIT_S = 10.0  # how long a duplicate waits for the first request's answer
ABANDONED_S = 300  # a key in progress this long lost its request (the API process died)
KEPT_HEADERS = ("Location", "Content-Type")


def _request_hash() -> str:
    """What makes two requests the same: path and content, not a multipart boundary."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    if request.mimetype == "multipart/form-data":
        for name in sorted(request.form):
            digest.update(json.dumps([name, request.form.getlist(name)]).encode())
        for name in sorted(request.files):
            for upload in request.files.getlist(name):
                content = hashlib.sha256(upload.read()).hexdigest()
                upload.seek(0)
                digest.update(json.dumps([name, upload.filename, content]).encode())
    else:
        parsed = request.get_json(silent=True) if request.is_json else None
        digest.update(
            json.dumps(parsed, sort_keys=True).encode() if parsed is not None else request.data
        )
    return digest.hexdigest()


def _checked_key() -> str | None:
    key = request.headers.get(HEADER)
    if key is not None and not (1 <= len(key) <= 255 and key.isascii() and key.isprintable()):
        raise ApiError(
            400, "invalid_idempotency_key", f"{HEADER} must be 1-255 printable ASCII characters"
        )
    return key


def _replay(row) -> Response:
    response = Response(row.body, status=row.status_code)
    response.headers.update(row.headers or {})
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _take_or_replay(owner: str, key: str, request_hash: str) -> Response | None:
    """None once this request holds the key; else the first request's answer to replay."""
    deadline = time.monotonic() + WAIT_S
    ttl = timedelta(seconds=settings().idempotency_ttl_s)
    while True:
        with unit_of_work(settings().database_url) as session:
            if idempotency.take(session, owner, key, request_hash):
                return None
            row = idempotency.get(session, owner, key)
            if row is None:
                continue  # forgotten meanwhile: take it on the next turn
            age = utcnow() - row.created_at
            if age > ttl or (row.status_code is None and age.total_seconds() > ABANDONED_S):
                if idempotency.take_over(session, row):
                    return None
                continue
            if row.request_hash != request_hash:
                raise ApiError(
                    422,
                    "idempotency_mismatch",
                    f"this {HEADER} was used for a different request",
                )
            if row.status_code is not None:
                return _replay(row)
        if time.monotonic() > deadline:
            raise ApiError(
                409,
                "idempotency_in_progress",
                f"a request with this {HEADER} is still being answered; retry shortly",
                {"Retry-After": "1"},
            )
        time.sleep(0.1)


HEADER_DOC = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
    "description": "retry-safe submit: a retry with the same key replays the first 2xx answer "
    "(header Idempotent-Replayed: true) for CELEBCLF_IDEMPOTENCY_TTL seconds; the same key with "
    "another body is 422 idempotency_mismatch; 409 idempotency_in_progress while the first is "
    "still being answered",
}


def idempotent(blp: Blueprint) -> Callable:
    """Give a POST view ``Idempotency-Key`` semantics (a no-op without the header)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            key = _checked_key()
            if key is None:
                return view(*args, **kwargs)
            owner = current_owner()
            replay = _take_or_replay(owner, key, _request_hash())
            if replay is not None:
                return replay
            try:
                response = make_response(view(*args, **kwargs))
            except BaseException:
                _settle(owner, key, None)
                raise
            _settle(owner, key, response)
            return response

        documented = blp.doc(parameters=[HEADER_DOC])(wrapper)
        for status in (409, 422):
            documented = blp.alt_response(status, schema=ErrorSchema)(documented)
        return documented

    return decorate


def _settle(owner: str, key: str, response: Response | None) -> None:
    """Keep a 2xx answer for the retries; forget the key otherwise, so a retry runs again."""
    with unit_of_work(settings().database_url) as session:
        if response is None or not 200 <= response.status_code < 300:
            idempotency.forget(session, owner, key)
            return
        headers = {h: response.headers[h] for h in KEPT_HEADERS if h in response.headers}
        body = response.get_data(as_text=True)
        idempotency.keep(session, owner, key, response.status_code, body, headers)
