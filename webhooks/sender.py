"""One attempt to hand an event to a receiver: a signed POST to the address the guard allows.

Only a 2xx answer counts: a redirect is not followed (a receiver moves by changing its URL).
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass

import urllib3

from fetch.client import FetchError, pinned_pool
from fetch.guard import Network
from webhooks.signing import signed_headers

USER_AGENT = "celebclf/0.1 (+webhooks)"


@dataclass(frozen=True)
class Attempt:
    """What one attempt saw: the HTTP status, or the error that stopped it before one."""

    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post_event(
    url: str,
    body: str,
    secrets: Sequence[str],
    message_id: str,
    timeout_s: float,
    allow_private: tuple[Network, ...],
) -> Attempt:
    """POST ``body`` signed for this moment with each of ``secrets``; never raises for the
    receiver's faults."""
    started = time.monotonic()

    def took() -> int:
        return round((time.monotonic() - started) * 1000)

    headers = {
        **signed_headers(secrets, message_id, int(time.time()), body),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    try:
        timeout = urllib3.Timeout(total=timeout_s, connect=min(5.0, timeout_s))
        pool, path, host = pinned_pool(url, allow_private, timeout)
        response = pool.urlopen(
            "POST",
            path,
            body=body.encode(),
            headers={**headers, "Host": host},
            redirect=False,
            retries=False,
            preload_content=False,  # the answer's body is not ours to read
        )
        response.close()
    except FetchError as exc:
        return Attempt(None, f"{exc.code}: {exc.message}", took())
    except urllib3.exceptions.HTTPError as exc:
        return Attempt(None, f"cannot reach the receiver: {exc}"[:500], took())
    return Attempt(response.status, None if response.status < 300 else "not a 2xx answer", took())
