"""``celebclf_work_given_up_total``: work failed ``too_many_attempts``, read at scrape time.

The sweeper, which fails most of it, serves no metrics, and a worker's counters die with it;
the count lives in the database (db.given_up), so any API process serves the same total,
across restarts and replicas. A database out of reach leaves it out of the scrape.
"""

import logging

from prometheus_client.core import CounterMetricFamily

from config import Settings
from db import examples, given_up, jobs, model_versions
from db.session import unit_of_work

log = logging.getLogger("celebclf.metrics")
# every kind from 0, so the first give-up is an increase Prometheus sees
KINDS = tuple(kind.label for kind in (jobs.KIND, examples.KIND, model_versions.KIND))


class GivenUp:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def collect(self):
        total = CounterMetricFamily(
            "celebclf_work_given_up",
            "Items failed too_many_attempts: their process crashed or timed out every attempt",
            labels=["kind"],
        )
        try:
            with unit_of_work(self.settings.database_url) as session:
                counts = given_up.counts(session)
        except Exception as exc:
            log.warning("given-up work not counted", extra={"error": str(exc)[:200]})
            return
        for kind in KINDS:
            total.add_metric([kind], counts.get(kind, 0))
        yield total
