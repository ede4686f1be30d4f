"""Servers a hostile URL can point at: a canary that must never be reached, and a server on
an allow-listed address that redirects, drips, floods, never answers or serves a pixel bomb;
and one that never accepts a connection."""

import contextlib
import http.server
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

from tests.conftest import png_bomb


class DualStackServer(http.server.ThreadingHTTPServer):
    """Listens on every IPv4 and IPv6 address, so every spelling of loopback reaches it."""

    address_family = socket.AF_INET6
    daemon_threads = True

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


class Canary:
    """Counts every connection and request that reaches it."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        canary = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:
                pass

            def do_GET(self) -> None:
                canary.hits.append(self.path)
                self.send_response(200)
                self.end_headers()

        self.server = DualStackServer(("::", 0), Handler)
        self.port = self.server.server_address[1]

    def __enter__(self) -> "Canary":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()


JPEG_HEAD = b"\xff\xd8\xff\xe0" + b"\0" * 60
GIB = 1024**3


class Hostile(http.server.BaseHTTPRequestHandler):
    """/redirect?to=URL, /drip (a byte a second), /flood (1 GiB, declared or chunked),
    /silent (reads the request, sends nothing for a minute), /bomb.png."""

    sent: dict[str, int]  # bytes sent per path, set per server

    def log_message(self, *_args) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        route = {
            "/redirect": self._redirect,
            "/drip": self._drip,
            "/silent": self._silent,
            "/flood": self._flood,
            "/flood-chunked": self._flood_chunked,
            "/bomb.png": self._bomb,
        }.get(parts.path)
        if route is None:
            self.send_error(404)
            return
        with contextlib.suppress(OSError):  # the fetcher hangs up on purpose
            route(parse_qs(parts.query))

    def _count(self, n: int) -> None:
        self.sent[self.path] = self.sent.get(self.path, 0) + n

    def _redirect(self, query) -> None:
        self.send_response(302)
        self.send_header("Location", query["to"][0])
        self.end_headers()

    def _drip(self, _query) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        for byte in (JPEG_HEAD * 2000)[:100000]:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            self._count(1)
            time.sleep(1)

    def _silent(self, _query) -> None:
        time.sleep(60)

    def _flood(self, _query) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(GIB))
        self.end_headers()
        self._stream(GIB, chunked=False)

    def _flood_chunked(self, _query) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._stream(GIB, chunked=True)

    def _stream(self, total: int, chunked: bool) -> None:
        block = JPEG_HEAD + b"\0" * (64 * 1024 - len(JPEG_HEAD))
        while self.sent.get(self.path, 0) < total:
            data = b"%x\r\n%s\r\n" % (len(block), block) if chunked else block
            self.wfile.write(data)
            self._count(len(block))

    def _bomb(self, _query) -> None:
        body = png_bomb()
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def hostile_server(host: str) -> Iterator[tuple[str, dict[str, int]]]:
    """Yields (base URL, bytes sent per path)."""
    sent: dict[str, int] = {}
    handler = type("HostileHandler", (Hostile,), {"sent": sent})
    server = http.server.ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{host}:{server.server_address[1]}", sent
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def unaccepting_server(host: str) -> Iterator[str]:
    """Yields the base URL of a port whose backlog is full: Linux drops further SYNs, so a
    connection attempt hangs as it does to a host that is down or firewalled."""
    listener = socket.socket()
    listener.bind((host, 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    filler = socket.create_connection((host, port), timeout=5)  # takes the one backlog slot
    try:
        yield f"http://{host}:{port}"
    finally:
        filler.close()
        listener.close()
