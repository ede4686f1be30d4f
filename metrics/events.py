"""What celebclf counts: every metric it records, and the one call that moves each.

The metrics are made at the first call, not at import: prometheus_client picks its storage
when imported, and it must see the directory ``metrics.directory.prepare`` set, while any
module may import this one early. docs/metrics.md lists every metric.
"""

import socket
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from db.models import utcnow

LATENCY_BUCKETS = (0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600)
PROCESSING_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120)


@dataclass(frozen=True)
class _Metrics:
    jobs: Any
    job_latency: Any
    job_processing: Any
    fetch_failures: Any
    fetched_bytes: Any
    worker_model: Any
    webhook_deliveries: Any


@cache
def _metrics() -> _Metrics:
    from prometheus_client import Counter, Gauge, Histogram

    return _Metrics(
        jobs=Counter(
            "celebclf_jobs_total", "Jobs finished, by status and error code", ["status", "code"]
        ),
        job_latency=Histogram(
            "celebclf_job_latency_seconds",
            "Seconds from a job's submission to its result, for jobs a worker ran",
            buckets=LATENCY_BUCKETS,
        ),
        job_processing=Histogram(
            "celebclf_job_processing_seconds",
            "Seconds a worker spent on one job: claim, fetch, detect, classify, write",
            buckets=PROCESSING_BUCKETS,
        ),
        fetch_failures=Counter(
            "celebclf_fetch_failures_total",
            "URL downloads that gave no image, by error code",
            ["code"],
        ),
        fetched_bytes=Counter("celebclf_fetched_bytes_total", "Bytes of images downloaded"),
        worker_model=Gauge(
            "celebclf_worker_model_info",
            "1 for each model version a live worker process on this host has answered with",
            ["host", "model_version"],
            multiprocess_mode="livemax",
        ),
        webhook_deliveries=Counter(
            "celebclf_webhook_deliveries_total",
            "Webhook delivery attempts, by outcome",
            ["outcome"],
        ),
    )


def record_job_finished(status: str, code: str | None = None) -> None:
    """One job ended (``code`` is its error code; none for a success)."""
    _metrics().jobs.labels(status=status, code=code or "").inc()


def record_job_run(
    status: str, code: str | None, submitted_at: datetime, processing_s: float
) -> None:
    """A worker ran a job to its end: count it and time it."""
    record_job_finished(status, code)
    _metrics().job_latency.observe(max(0.0, (utcnow() - submitted_at).total_seconds()))
    _metrics().job_processing.observe(processing_s)


def record_fetch(size: int | None = None, failure: str | None = None) -> None:
    """A URL download ended: ``size`` bytes fetched, or failed with error code ``failure``."""
    if failure is not None:
        _metrics().fetch_failures.labels(code=failure).inc()
    else:
        _metrics().fetched_bytes.inc(size or 0)


def record_model_served(model_version: str) -> None:
    """This worker process holds ``model_version`` and answers with it."""
    _metrics().worker_model.labels(host=socket.gethostname(), model_version=model_version).set(1)


def record_webhook_delivery(outcome: str) -> None:
    """One webhook delivery attempt ended with ``outcome`` (e.g. delivered, failed, gave_up)."""
    _metrics().webhook_deliveries.labels(outcome=outcome).inc()
