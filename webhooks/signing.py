"""Standard Webhooks signatures (https://www.standardwebhooks.com): a receiver checks
``webhook-signature`` with any of the scheme's libraries and its ``whsec_`` secret. After a
rotation both the new and the replaced secret sign, for an overlap (docs/webhooks.md)."""

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime

PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` + base64 of 24 random bytes."""
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def new_message_id() -> str:
    """The ``webhook-id`` of one event: the same on every attempt, so repeats can be dropped."""
    return f"msg_{secrets.token_hex(16)}"


def signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """``v1,`` + base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}``, keyed with the secret's
    base64 part decoded."""
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{message_id}.{timestamp}.{body}".encode()
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(
    secrets_: Sequence[str], message_id: str, timestamp: int, body: str
) -> dict[str, str]:
    """The headers of one attempt, signed with each secret (space-separated, as the scheme
    allows): a receiver holding any one of them accepts it."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret, message_id, timestamp, body) for secret in secrets_
        ),
    }


def signing_secrets(
    current: str | None, previous: str | None, previous_until: datetime | None, now: datetime
) -> list[str]:
    """The owner's secrets that sign at ``now``: the current one, and during the overlap
    after a rotation (``previous_until``) the one it replaced."""
    secrets_ = [current] if current else []
    if previous and previous_until is not None and now < previous_until:
        secrets_.append(previous)
    return secrets_
