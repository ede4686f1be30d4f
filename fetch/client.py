"""Fetch image bytes over HTTP(S) with a total deadline, a byte cap and checked redirects.

A read timeout alone lets a server that drips one byte a second hold a worker for hours, so
the deadline is checked between reads of whatever has arrived (``read1``), and no wait for a
byte may outlast it; the cap is counted while streaming, whatever Content-Length claims.
Messages say what happened in words a user can act on, never the HTTP library's internals.
"""

import time
from dataclasses import dataclass
from urllib.parse import SplitResult, urljoin, urlsplit

import urllib3

from featurize import sniff_format
from fetch.guard import BlockedAddress, IPAddress, Network, resolve_pinned

CHUNK = 64 * 1024
USER_AGENT = "celebclf/0.1 (+image fetcher)"


class FetchError(Exception):
    """The URL could not give an image; ``code`` is stable, ``message`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


ALLOW_PRIVATE_HINT = (
    "to fetch from such addresses, allow them with CELEBCLF_FETCH_ALLOW_PRIVATE "
    "(e.g. 127.0.0.0/8; celebclf up --allow-private 127.0.0.0/8)"
)


@dataclass(frozen=True)
class FetchPolicy:
    """``timeout_s`` bounds the whole download, redirects included; ``connect_timeout_s`` one
    connection; ``read_timeout_s`` a wait for the next byte. Each is cut to what is left of the
    whole."""

    timeout_s: float = 20.0
    max_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 3
    allow_private: tuple[Network, ...] = ()
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 10.0


def validate_url(url: str) -> None:
    """Cheap checks an API can make before accepting a URL (scheme, host, length)."""
    if len(url) > 2048:
        raise FetchError("invalid_url", "the URL is longer than 2048 characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(
            "invalid_url", f"only http and https URLs are fetched, not {parts.scheme!r}"
        )
    if not parts.hostname:
        raise FetchError("invalid_url", "the URL has no host")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise FetchError("invalid_url", f"the URL's port is invalid: {exc}") from exc


def checked_address(url: str, allow: tuple[Network, ...]) -> tuple[SplitResult, int, IPAddress]:
    """(parts, port, the one address to connect to) of a URL the guard allows.

    Raises FetchError invalid_url, blocked_address, fetch_failed (the name did not resolve).
    """
    validate_url(url)
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        return parts, port, resolve_pinned(parts.hostname, port, allow)
    except BlockedAddress as exc:
        raise FetchError("blocked_address", f"{exc}; {ALLOW_PRIVATE_HINT}") from exc
    except OSError as exc:
        raise FetchError("fetch_failed", f"cannot resolve {parts.hostname}: {exc}") from exc


def pinned_pool(
    url: str, allow: tuple[Network, ...], timeout: urllib3.Timeout
) -> tuple[urllib3.HTTPConnectionPool, str, str]:
    """(pool connected to the address the guard approved, request path, Host header) for ``url``.

    Raises as ``checked_address``.
    """
    parts, port, ip = checked_address(url, allow)
    if parts.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            str(ip),
            port,
            server_hostname=parts.hostname,
            assert_hostname=parts.hostname,
            timeout=timeout,
        )
    else:
        pool = urllib3.HTTPConnectionPool(str(ip), port, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return pool, path, parts.netloc.rsplit("@", 1)[-1]


def _remaining(deadline: float) -> float:
    return max(0.01, deadline - time.monotonic())


def _open(url: str, policy: FetchPolicy, deadline: float) -> urllib3.BaseHTTPResponse:
    remaining = _remaining(deadline)
    timeout = urllib3.Timeout(
        connect=min(policy.connect_timeout_s, remaining),
        read=min(policy.read_timeout_s, remaining),
    )
    pool, path, host_header = pinned_pool(url, policy.allow_private, timeout)
    return pool.urlopen(
        "GET",
        path,
        headers={"Host": host_header, "User-Agent": USER_AGENT, "Accept": "image/*"},
        redirect=False,
        retries=False,
        preload_content=False,
    )


def _read_capped(response: urllib3.BaseHTTPResponse, policy: FetchPolicy, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes:
        raise FetchError("too_large", f"the file is {declared} bytes, over {policy.max_bytes}")
    body = bytearray()
    while chunk := _read_next(response, policy, deadline):
        body += chunk
        if len(body) > policy.max_bytes:
            raise FetchError("too_large", f"the file is over {policy.max_bytes} bytes")
        if len(body) >= 12 and len(body) - len(chunk) < 12 and sniff_format(bytes(body)) is None:
            raise FetchError("not_an_image", "the URL does not serve a JPEG, PNG, WEBP or GIF")
        if time.monotonic() > deadline:
            raise FetchError("fetch_timeout", f"the download took over {policy.timeout_s:g} s")
    return bytes(body)


def _read_next(response: urllib3.BaseHTTPResponse, policy: FetchPolicy, deadline: float) -> bytes:
    """What has arrived, waiting at most the read timeout and never past the deadline."""
    connection = response.connection
    if connection is not None and connection.sock is not None:
        connection.sock.settimeout(min(policy.read_timeout_s, _remaining(deadline)))
    return response.read1(CHUNK)


def _timed_out(url: str, policy: FetchPolicy, deadline: float, connecting: bool) -> FetchError:
    """The plain reason a wait ended: the whole deadline, the connection, or a silent server."""
    host = urlsplit(url).hostname
    if time.monotonic() >= deadline - 0.05:
        return FetchError("fetch_timeout", f"the download took over {policy.timeout_s:g} s")
    if connecting:
        return FetchError(
            "fetch_timeout", f"{host} did not accept a connection in {policy.connect_timeout_s:g} s"
        )
    return FetchError("fetch_timeout", f"{host} sent nothing for {policy.read_timeout_s:g} s")


def _failed(url: str, exc: urllib3.exceptions.HTTPError) -> FetchError:
    """A plain message for a connection that failed otherwise (refused, reset, TLS)."""
    host = urlsplit(url).hostname
    cause = exc.__cause__ or exc.__context__
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        if isinstance(cause, ConnectionRefusedError):
            return FetchError("fetch_failed", f"{host} refused the connection")
        return FetchError("fetch_failed", f"cannot connect to {host}")
    if isinstance(exc, urllib3.exceptions.SSLError):
        return FetchError("fetch_failed", f"the secure connection to {host} failed")
    if isinstance(exc, urllib3.exceptions.ProtocolError):
        return FetchError("fetch_failed", f"{host} closed the connection before the whole file")
    return FetchError("fetch_failed", f"cannot fetch the URL from {host}")


def fetch_image(url: str, policy: FetchPolicy) -> bytes:
    """The bytes at ``url`` after at most ``max_redirects`` checked redirects.

    Raises FetchError: invalid_url, blocked_address, fetch_failed, http_error,
    too_many_redirects, fetch_timeout, too_large, not_an_image.
    """
    deadline = time.monotonic() + policy.timeout_s
    for _ in range(policy.max_redirects + 1):
        try:
            response = _open(url, policy, deadline)
            try:
                if response.status in (301, 302, 303, 307, 308) and response.headers.get(
                    "Location"
                ):
                    url = urljoin(url, response.headers["Location"])
                    continue
                if response.status >= 400:
                    raise FetchError("http_error", f"the server answered HTTP {response.status}")
                return _read_capped(response, policy, deadline)
            finally:
                response.release_conn()
        except urllib3.exceptions.NewConnectionError as exc:  # a ConnectTimeoutError subclass
            raise _failed(url, exc) from exc
        except urllib3.exceptions.ConnectTimeoutError as exc:
            raise _timed_out(url, policy, deadline, connecting=True) from exc
        except (urllib3.exceptions.TimeoutError, TimeoutError) as exc:
            raise _timed_out(url, policy, deadline, connecting=False) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise _failed(url, exc) from exc
    raise FetchError("too_many_redirects", f"more than {policy.max_redirects} redirects")
