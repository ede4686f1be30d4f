"""The worker's heartbeat: while ``celebclf worker`` runs, its main process records every
``CELEBCLF_HEARTBEAT_INTERVAL`` seconds that its host is alive, so the sweeper can hand back
the work of a host that went away (powered off, cut off the network) once it has been silent
for ``CELEBCLF_HEARTBEAT_TIMEOUT`` seconds, instead of after the task time limit.

A thread of the main process, which is idle, rather than of the pool children, which spend
seconds in C code; a child killed mid-task is taken over at once already (db.work).
"""

import logging
import socket
import threading

from db import heartbeats
from db.models import utcnow
from db.session import unit_of_work

log = logging.getLogger("celebclf.heartbeat")


class Heartbeat:
    """Beats for this host from start() until stop(), which also forgets the host."""

    def __init__(self, database_url: str, interval_s: float) -> None:
        self.database_url = database_url
        self.interval_s = interval_s
        self.host = socket.gethostname()
        self._stopped = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._beat_until_stopped, name="heartbeat", daemon=True).start()

    def _beat_until_stopped(self) -> None:
        while True:
            try:
                with unit_of_work(self.database_url) as session:
                    heartbeats.beat(session, self.host, utcnow())
            except Exception as exc:  # the database is away: say so, beat again next time
                log.warning("heartbeat not recorded", extra={"error": str(exc)[:200]})
            if self._stopped.wait(self.interval_s):
                return

    def stop(self) -> None:
        self._stopped.set()
        try:
            with unit_of_work(self.database_url) as session:
                heartbeats.forget(session, self.host)
        except Exception as exc:
            log.warning("heartbeat not withdrawn", extra={"error": str(exc)[:200]})
