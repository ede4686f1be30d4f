"""The worker's liveness beat: what its watchdog (cli.watchdog) reads to tell a worker that
works from one that is alive but takes no work.

The beat is written by a step of Celery's consumer on the event loop's own timer, not by a
thread of its own: a main process that is frozen (SIGSTOP), deadlocked or stuck in its
consumer stops beating, while the heartbeat thread (tasks.heartbeat) would beat on. A consumer
that stopped consuming (its queue cancelled, the kombu class of bug after a broker outage)
still beats, but its ``taken`` count stands still while it has room: the watchdog compares
that with the queue's length.
"""

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from celery import bootsteps, signals
from celery.worker import state


@dataclass(frozen=True)
class Beat:
    """One beat. ``at`` is ``time.monotonic()`` (one clock for every process of the machine)."""

    at: float
    taken: int  # tasks received since the worker started
    held: int  # received and not finished yet
    capacity: int  # how many it may hold (its prefetch limit); 0 means no limit

    @property
    def has_room(self) -> bool:
        return self.capacity == 0 or self.held < self.capacity


def write_beat(path: Path, beat: Beat) -> None:
    """Replace the beat at ``path`` whole, so a reader never sees half of one."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(asdict(beat)))
    os.replace(partial, path)


def read_beat(path: Path) -> Beat | None:
    """The last beat, or None before the first one."""
    try:
        return Beat(**json.loads(path.read_text()))
    except FileNotFoundError:
        return None


_taken = [0]  # tasks received by this (main) process


@signals.task_received.connect
def _count_taken(**_kwargs) -> None:
    _taken[0] += 1


def liveness_step(path: Path, interval_s: float) -> type[bootsteps.StartStopStep]:
    """A consumer step that writes a beat to ``path`` every ``interval_s`` seconds while the
    consumer runs (``celery_app.steps["consumer"].add(...)``)."""

    class LivenessBeat(bootsteps.StartStopStep):
        requires = ("celery.worker.consumer.tasks:Tasks",)  # it sets the consumer's qos

        def start(self, consumer) -> None:
            self._beat(consumer)
            self.timer_entry = consumer.timer.call_repeatedly(
                interval_s, self._beat, (consumer,), priority=10
            )

        def stop(self, consumer) -> None:
            if entry := getattr(self, "timer_entry", None):
                entry.cancel()

        @staticmethod
        def _beat(consumer) -> None:
            held, capacity = len(state.reserved_requests), consumer.qos.value
            write_beat(path, Beat(time.monotonic(), _taken[0], held, capacity))

    return LivenessBeat
