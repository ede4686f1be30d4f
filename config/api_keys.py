"""API keys: how one is made, sent and matched. Below every layer that checks one (the API,
a worker's /metrics exporter, ``celebclf keys``), so none imports another for it.

Keys are stored as SHA-256 digests (``CELEBCLF_API_KEYS``, parsed in config.settings).
"""

import hashlib
import hmac
import secrets

from config.settings import ApiKey

HEADER = "X-API-Key"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    """A random key: 256 bits, so a plain SHA-256 digest is safe to store."""
    return "ck_" + secrets.token_urlsafe(32)


def owner_of(presented: str, keys: tuple[ApiKey, ...]) -> str | None:
    """The owner of a presented key, comparing against every digest in constant time."""
    presented_digest = digest(presented)
    owner = None
    for key in keys:
        if hmac.compare_digest(presented_digest, key.sha256):
            owner = key.owner
    return owner
