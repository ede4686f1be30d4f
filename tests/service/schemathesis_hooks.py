"""schemathesis hooks for the fuzz run (loaded through SCHEMATHESIS_HOOKS)."""

import re
import uuid

import schemathesis

VALID_KEY = re.compile(r"[ -~]{1,255}")  # the header's schema in api/idempotency.py


@schemathesis.hook
def map_headers(ctx, headers: dict | None) -> dict | None:
    """A fresh valid Idempotency-Key for each generated request (an invalid one stays, for the
    negative cases). Generated keys repeat, and a repeated key replays the first answer, which
    is the header's point, not the API's fault: a person created, deleted, then "created" again
    under the same key and body is the old one, now 404, and the stateful phase would call that
    a created resource that does not exist. Replays are tested in test_idempotency."""
    key = (headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and VALID_KEY.fullmatch(key):
        headers["Idempotency-Key"] = uuid.uuid4().hex
    return headers
