"""``celebclf worker`` watches the Celery worker it runs, and ends it when it stalls.

The Celery worker runs as this process's child and beats (tasks.liveness); cli.stall says
when it is stalled. Then its main process is killed (SIGKILL: a frozen process cannot be
asked to stop), and with it its pool, and this process exits with ``STALLED_EXIT``, so
whatever runs ``celebclf worker`` starts it again: ``celebclf up``'s supervisor, compose's
restart policy, systemd's ``Restart=``. The work it held is handed back as for any worker
killed -9: the sweeper re-sends it (db.work), and a stale redelivery finds it done.

The watchdog is a separate process so it still runs when the worker is frozen. SIGTERM or
SIGINT is passed on as SIGTERM, a warm shutdown (a second SIGINT, as when Ctrl-C reaches both
processes, would be a cold one), and judging stops: the shutdown finishes tasks unbeating;
a worker that exits on its own is mirrored: the same exit code, or killed by the same signal.
"""

import argparse
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
from kombu.exceptions import OperationalError

from cli.children import spawn
from cli.stall import StallJudge, look_interval_s
from config import Settings
from tasks.liveness import read_beat

STALLED_EXIT = 70  # EX_SOFTWARE: restart me
FORWARDED = (signal.SIGTERM, signal.SIGINT)

log = logging.getLogger("celebclf.watchdog")


def _waiting(queues: list[str]) -> int | None:
    """Messages waiting in ``queues``; None when the broker cannot be asked."""
    from tasks.queue_depth import queue_length

    try:
        return sum(queue_length(queue) for queue in queues)
    except (OSError, OperationalError, redis.RedisError):
        return None


def _mirror(returncode: int) -> int:
    """The worker's exit, as this process's own: its code, or death by its signal."""
    if returncode >= 0:
        return returncode
    if -returncode in FORWARDED:
        signal.signal(-returncode, signal.SIG_DFL)
    os.kill(os.getpid(), -returncode)
    return 128 - returncode  # not killed: PID 1 of a container ignores it


def run_watched(args: argparse.Namespace, queues: list[str], settings: Settings) -> int:
    """Run the Celery worker as a child under the stall rule; returns the exit code."""
    with tempfile.TemporaryDirectory(prefix="celebclf-worker-") as scratch:
        returncode = _watch(args, queues, settings, Path(scratch) / "liveness.json")
    return STALLED_EXIT if returncode is None else _mirror(returncode)


def _watch(
    args: argparse.Namespace, queues: list[str], settings: Settings, beat_path: Path
) -> int | None:
    """The worker's return code, or None once it stalled and was killed."""
    command = [sys.executable, "-m", "cli.main", "worker", "--liveness-file", str(beat_path)]
    options = ["--concurrency", str(args.concurrency), "--name", args.name]
    worker = spawn([*command, *options, "--queues", args.queues])
    judge = StallJudge(settings.worker_stall_after_s, time.monotonic())
    stopping = []

    def forward(signum: int, _frame) -> None:
        stopping.append(signum)
        worker.send_signal(signal.SIGTERM)

    for signum in FORWARDED:
        signal.signal(signum, forward)
    while True:
        try:
            return worker.wait(look_interval_s(settings.worker_stall_after_s))
        except subprocess.TimeoutExpired:
            pass
        if stopping:
            continue
        beat, waiting = read_beat(beat_path), _waiting(queues)
        if reason := judge.look(time.monotonic(), beat, waiting):
            log.error("worker stalled; killed", extra={"reason": reason, "pid": worker.pid})
            worker.kill()  # its pool follows: Celery sets the children's parent-death signal
            worker.wait()
            return None
