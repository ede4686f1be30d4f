"""Who is asking: the API key sent in the ``X-API-Key`` header (config.api_keys matches it).

With keys configured every ``/api/`` request (and ``/metrics``) needs a valid key, and its
owner name stamps and filters every row, so another owner's ids answer 404. With none
configured the API runs open under one owner, ``public``, and says so at start.
"""

import logging

from flask import Flask, g, request

from api.errors import ApiError
from config import Settings
from config.api_keys import HEADER, owner_of

PUBLIC_OWNER = "public"
PROTECTED_PREFIXES = ("/api/", "/classify_image", "/metrics")
log = logging.getLogger("celebclf.api")


def _authenticate(settings: Settings) -> None:
    if not request.path.startswith(PROTECTED_PREFIXES):
        return
    if not settings.api_keys:
        g.owner = PUBLIC_OWNER
        return
    presented = request.headers.get(HEADER, "")
    owner = owner_of(presented, settings.api_keys) if presented else None
    if owner is None:
        reason = "a valid" if presented else "an"
        raise ApiError(
            401,
            "unauthorized",
            f"send {reason} API key in the {HEADER} header",
            {"WWW-Authenticate": HEADER},
        )
    g.owner = owner


def current_owner() -> str:
    """Who is asking; every row is stamped with it and every query filters on it.

    Set for every protected path; reading it anywhere else is a bug, so it is not defaulted.
    """
    return g.owner


def init_app(app: Flask, settings: Settings) -> None:
    """Register the check before anything else looks at the request (rate limits key on it)."""
    app.before_request(lambda: _authenticate(settings))
    if settings.api_keys:
        log.info("API keys required", extra={"owners": len({k.owner for k in settings.api_keys})})
    else:
        log.warning(
            "no API keys configured (CELEBCLF_API_KEYS): the API is open to anyone who can "
            "reach it, and every job belongs to one owner, 'public'"
        )
