"""A worker's own /metrics: an HTTP server in its main process, over its pool's samples.

Workers run in containers and on machines of their own, so they cannot share the API's
metrics directory; each worker is a scrape target, as the API is. Off unless
``CELEBCLF_WORKER_METRICS_PORT`` is set; with API keys configured it asks for one too.
"""

import json
import logging
import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client.exposition import ThreadingWSGIServer

from config import Settings
from config.api_keys import HEADER, owner_of
from metrics.exposition import render

log = logging.getLogger("celebclf.metrics")


class _Quiet(WSGIRequestHandler):
    def log_message(self, *_args) -> None:
        """Scrapes every few seconds are not news."""


def _error(start_response, status: str, code: str, message: str, headers=()) -> list[bytes]:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    start_response(status, [("Content-Type", "application/json"), *headers])
    return [body]


def metrics_app(settings: Settings):
    """The WSGI app: GET /metrics, behind an API key when keys are configured."""

    def app(environ, start_response):
        presented = environ.get("HTTP_" + HEADER.upper().replace("-", "_"), "")
        if settings.api_keys and not (presented and owner_of(presented, settings.api_keys)):
            message = f"send a valid API key in the {HEADER} header"
            return _error(
                start_response, "401 Unauthorized", "unauthorized", message,
                [("WWW-Authenticate", HEADER)],
            )  # fmt: skip
        if environ.get("PATH_INFO") != "/metrics":
            return _error(start_response, "404 Not Found", "not_found", "only /metrics is here")
        body, content_type = render()
        start_response("200 OK", [("Content-Type", content_type)])
        return [body]

    return app


def serve(settings: Settings) -> ThreadingWSGIServer | None:
    """Start serving on the configured port; None when off or the port cannot be had (the
    worker still works: its target shows down in Prometheus, and the log says why)."""
    if not settings.worker_metrics_port:
        return None
    address = (settings.worker_metrics_host, settings.worker_metrics_port)
    try:
        server = make_server(*address, metrics_app(settings), ThreadingWSGIServer, _Quiet)
    except OSError as exc:
        log.error("worker metrics not served", extra={"address": address, "error": str(exc)})
        return None
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    log.info("worker metrics served", extra={"url": f"http://{address[0]}:{address[1]}/metrics"})
    return server
