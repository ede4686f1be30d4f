"""schemathesis hooks for the fuzz run (loaded through SCHEMATHESIS_HOOKS)."""

import re
import uuid

import schemathesis

VALID_KEY = re.compile(r"[ -~]{1,255}")  # the header's schema in api/idempotency.py


@schemathesis.hook
def map_headers(ctx, headers: dict | None) -> dict | None:
    """A fresh valid Idempotency-Key per request (invalid ones stay, for the negative phase).
    A generated key that repeats replays the first answer, which is the header's point: a person
    created, deleted, then "created" again under the same key and body is the old person, now
    404, and the stateful phase calls that a created resource that does not exist. Replays and
    mismatches are tested in test_idempotency."""
    key = (headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and VALID_KEY.fullmatch(key):
        headers["Idempotency-Key"] = uuid.uuid4().hex
    return headers
