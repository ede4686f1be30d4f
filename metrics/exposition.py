"""The text a scrape gets: every process of this service merged, plus scrape-time gauges."""

from prometheus_client import REGISTRY, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector

from metrics import directory


class _Together:
    def __init__(self, *collectors) -> None:
        self.collectors = collectors

    def collect(self):
        for collector in self.collectors:
            yield from collector.collect()


def render(*extra) -> tuple[bytes, str]:
    """(body, content type) for ``/metrics``: this service's processes and ``extra`` collectors.

    Without a metrics directory (tests calling the app in-process) only this process counts.
    """
    path = directory.current()
    if path is None:
        base = REGISTRY
    else:
        directory.forget_dead_processes()
        base = MultiProcessCollector(None, str(path))
    return generate_latest(_Together(base, *extra)), CONTENT_TYPE_PLAIN_0_0_4
