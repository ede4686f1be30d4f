"""Gauges read at scrape time: how much work waits. Two cheap reads, each allowed to fail.

The broker's queue lengths (one LLEN each) and the jobs not finished yet (an indexed count of
the ``queued`` and ``running`` rows). A source that cannot be read is left out of the scrape
and logged, so the rest of /metrics still answers while Redis or the database is away.
The broker is read through the function the caller passes (the API passes the sweeper's), so
this layer needs no Celery app and imports nothing above it (docs/layers.md).
"""

import logging
from collections.abc import Callable

from prometheus_client.core import GaugeMetricFamily

from config import Settings
from db import jobs
from db.session import unit_of_work

log = logging.getLogger("celebclf.metrics")


class Backlog:
    def __init__(self, settings: Settings, queue_length: Callable[[str], int]) -> None:
        self.settings = settings
        self.queue_length = queue_length

    def collect(self):
        depth = GaugeMetricFamily(
            "celebclf_queue_depth", "Messages waiting in a broker queue", labels=["queue"]
        )
        try:
            for queue in (self.settings.queue, self.settings.training_queue):
                depth.add_metric([queue], self.queue_length(queue))
            yield depth
        except Exception as exc:
            log.warning("queue depth not read", extra={"error": str(exc)[:200]})
        unfinished = GaugeMetricFamily(
            "celebclf_jobs_unfinished",
            "Jobs queued or running, from the database",
            labels=["status"],
        )
        try:
            with unit_of_work(self.settings.database_url) as session:
                for status, count in jobs.unfinished_counts(session).items():
                    unfinished.add_metric([status], count)
            yield unfinished
        except Exception as exc:
            log.warning("unfinished jobs not counted", extra={"error": str(exc)[:200]})
