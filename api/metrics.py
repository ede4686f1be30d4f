"""GET /metrics: Prometheus text for the API's processes, and the backlog read at scrape time.

Behind an API key when keys are configured (api.access lists it as protected). Job counts
and timings are the workers' and served by each worker (metrics.exporter): docs/metrics.md.
"""

from flask import Response
from flask_smorest import Blueprint

from api.context import settings

blp = Blueprint("metrics", __name__, description="Prometheus metrics")

TEXT = {"text/plain": {"schema": {"type": "string"}}}


@blp.route("/metrics")
@blp.doc(responses={"200": {"description": "Prometheus text exposition", "content": TEXT}})
def metrics_text() -> Response:
    """Counters and histograms of the API's processes, queue depth, unfinished jobs, work
    given up."""
    from metrics.backlog import Backlog  # prometheus_client: only once the app serves
    from metrics.exposition import render
    from metrics.given_up import GivenUp
    from tasks.queue_depth import queue_length

    body, content_type = render(Backlog(settings(), queue_length), GivenUp(settings()))
    return Response(body, content_type=content_type)
