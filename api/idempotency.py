"""``Idempotency-Key`` on every POST that creates work: a client that retries a submit whose
answer it never got gets that first answer again, not a second batch.

The key is taken in the database before the work is written, so of concurrent duplicates
exactly one runs; the others wait for its answer and replay it. A 2xx answer is kept for
``CELEBCLF_IDEMPOTENCY_TTL`` seconds per owner; an error answer is not kept, so a retry runs
again. The same key with a different body is 422 ``idempotency_mismatch``.

A key in progress for ``CELEBCLF_IDEMPOTENCY_ABANDONED`` seconds is presumed lost with its
request and may be taken over, but only while its work is unwritten: the transaction that
writes the work binds it to the key (``bind_work``) under the key's fence, so of a slow first
request and its takeover only one can commit work. The other rolls back and replays the
answer, or gets 409 ``idempotency_in_progress``.
"""

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps

from flask import Response, current_app, g, make_response, request
from flask_smorest import Blueprint
from sqlalchemy.orm import Session

from api.access import current_owner
from api.context import settings
from api.errors import ApiError
from api.schemas import ErrorSchema
from db import idempotency
from db.models import utcnow
from db.session import unit_of_work

HEADER = "Idempotency-Key"
WAIT_S = 10.0  # how long a duplicate waits for the first request's answer
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


@dataclass(frozen=True)
class Claim:
    """This request's hold on a key: the row, and the fence its writes must name."""

    owner: str
    key: str
    taken_at: datetime


class Superseded(Exception):
    """The key was taken over before this request wrote its work: write nothing."""


def bind_work(session: Session, location: str | None) -> None:
    """Inside the transaction that writes the work: tie it to this request's key, if any.
    Raises ``Superseded`` (so the transaction rolls back) when the key is no longer ours.
    ``location`` is where the work can be read again if the answer is lost; every view under
    ``idempotent`` must call this, or a takeover could do its work twice."""
    claim: Claim | None = g.get("idempotency_claim")
    if claim and not idempotency.bind(session, claim.owner, claim.key, claim.taken_at, location):
        raise Superseded


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


def _replay_written(location: str | None) -> Response:
    """The answer of a request that wrote its work but died before keeping its answer: the
    work as it is now, read from its ``Location`` with this request's credentials."""
    if location is None:
        raise ApiError(
            409,
            "idempotency_answer_lost",
            f"the request with this {HEADER} did its work but its answer was lost; "
            "list what it made instead of retrying",
        )
    headers = {k: v for k, v in request.headers if k.lower() != HEADER.lower()}
    with current_app.test_request_context(location, method="GET", headers=headers):
        response = current_app.full_dispatch_request()
    if response.status_code == 200:
        response.status_code = 202
        response.headers["Location"] = location
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _take_or_replay(
    owner: str, key: str, request_hash: str, may_take: bool = True
) -> Claim | Response:
    """This request's claim on the key, or the first request's answer to replay."""
    deadline = time.monotonic() + WAIT_S
    ttl = timedelta(seconds=settings().idempotency_ttl_s)
    abandoned = timedelta(seconds=settings().idempotency_abandoned_s)
    while True:
        with unit_of_work(settings().database_url) as session:
            taken_at = may_take and idempotency.take(session, owner, key, request_hash)
            row = None if taken_at else idempotency.get(session, owner, key)
            if row is not None:
                age = utcnow() - row.created_at
                if may_take and (age > ttl or (row.status_code is None and age > abandoned)):
                    taken_at = idempotency.take_over(session, row, expired=age > ttl)
        if taken_at:
            return Claim(owner, key, taken_at)
        if row is not None and row.request_hash != request_hash:
            raise ApiError(
                422, "idempotency_mismatch", f"this {HEADER} was used for a different request"
            )
        if row is not None and row.status_code is not None:
            return _replay(row)
        if row is not None and row.headers is not None and utcnow() - row.created_at > abandoned:
            return _replay_written(row.headers.get("Location"))
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
            owner, request_hash = current_owner(), _request_hash()
            claim = _take_or_replay(owner, key, request_hash)
            if isinstance(claim, Response):
                return claim
            g.idempotency_claim = claim
            try:
                response = make_response(view(*args, **kwargs))
            except Superseded:  # a takeover wrote the work: answer as its duplicate
                return _take_or_replay(owner, key, request_hash, may_take=False)
            except BaseException:
                _settle(claim, None)
                raise
            _settle(claim, response)
            return response

        documented = blp.doc(parameters=[HEADER_DOC])(wrapper)
        for status in (409, 422):
            documented = blp.alt_response(status, schema=ErrorSchema)(documented)
        return documented

    return decorate


def _settle(claim: Claim, response: Response | None) -> None:
    """Keep a 2xx answer for the retries; forget the key otherwise, so a retry runs again.
    Either only while the key is still this request's."""
    with unit_of_work(settings().database_url) as session:
        if response is None or not 200 <= response.status_code < 300:
            idempotency.forget(session, claim.owner, claim.key, claim.taken_at)
            return
        headers = {h: response.headers[h] for h in KEPT_HEADERS if h in response.headers}
        answer = (response.status_code, response.get_data(as_text=True), headers)
        idempotency.keep(session, claim.owner, claim.key, claim.taken_at, answer)
