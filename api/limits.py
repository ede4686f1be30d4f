"""Rate limits per API key (per client address when the API runs open), kept in Redis.

Two budgets: requests of any kind, and images submitted, where a batch costs its item count,
so a 10,000-URL batch spends what 10,000 single jobs would. A breach answers 429 with
``Retry-After``. If Redis is unreachable the limits fall back to per-process memory rather
than refusing work.
"""

from flask import Flask, Response, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from api.access import PROTECTED_PREFIXES
from config import Settings


def _settings() -> Settings:
    from api.context import settings

    return settings()


def _client() -> str:
    """The key's owner when keys are configured; the client address when the API is open."""
    if _settings().api_keys:
        return f"owner:{g.get('owner', '-')}"
    return f"addr:{get_remote_address()}"


def item_count() -> int:
    """What a submission costs: its number of images (URLs or files), at least 1."""
    if request.mimetype == "multipart/form-data":
        return max(1, len(request.files.getlist("files")))
    body = request.get_json(silent=True)
    urls = body.get("urls") if isinstance(body, dict) else None
    return max(1, len(urls)) if isinstance(urls, list) else 1


def _unprotected() -> bool:
    return not request.path.startswith(PROTECTED_PREFIXES)


limiter = Limiter(key_func=_client, default_limits_exempt_when=_unprotected)


submission_limit = limiter.shared_limit(
    lambda: _settings().rate_limit_items,
    scope="images",
    cost=item_count,
    override_defaults=False,
    error_message=lambda: (
        f"too many images submitted (this request has {item_count()}; "
        f"the limit is {_settings().rate_limit_items}); retry after the time in Retry-After"
    ),
)


def init_app(app: Flask, settings: Settings) -> None:
    app.config.update(
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 1, "socket_timeout": 1},
        RATELIMIT_KEY_PREFIX=f"{settings.queue}:limits",
        RATELIMIT_DEFAULT=settings.rate_limit_requests,
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
    )
    app.after_request(_retry_after_only_when_refused)  # runs after the limiter's own hook
    limiter.init_app(app)


def _retry_after_only_when_refused(response: Response) -> Response:
    """flask-limiter sets ``Retry-After`` on every response; keep it where it means something."""
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response
