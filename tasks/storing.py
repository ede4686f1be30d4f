"""Writing an outcome that must not be lost while the database is briefly out of reach."""

import logging
import time
from collections.abc import Callable

from sqlalchemy.exc import OperationalError

from config import Settings
from db.session import unit_of_work

log = logging.getLogger("celebclf.jobs")


def store_with_retry(settings: Settings, write: Callable, what: dict) -> bool:
    """Run ``write(session)`` in a unit of work, retrying while the database is unreachable.

    The item is held under this attempt, so no one else may write it: giving up early would
    leave it for the sweeper to hand back minutes later. Bounded by half the time limit.
    """
    delay, deadline = 0.5, time.monotonic() + settings.task_time_limit_s / 2
    while True:
        try:
            with unit_of_work(settings.database_url) as session:
                return write(session)
        except OperationalError as exc:
            if time.monotonic() + delay > deadline:
                raise
            log.warning(
                "result write failed; retrying",
                extra={**what, "retry_in_s": delay, "error": str(exc.orig)[:200]},
            )
            time.sleep(delay)
            delay = min(delay * 2, 8)
