"""``celebclf worker`` watches the Celery worker it runs, and ends it when it stalls.

The Celery worker runs as this process's child and beats (tasks.liveness); cli.stall says
when it is stalled. Then its main process and pool are killed (SIGKILL: a frozen process
cannot be asked) and this process exits with ``STALLED_EXIT``, so whatever runs
``celebclf worker`` starts it again: ``celebclf up``'s supervisor, compose's restart policy,
systemd's ``Restart=``. The work it held is handed back as for any worker killed -9: the
sweeper re-sends it (db.work), and a stale redelivery finds it done.

The watchdog is a separate process so it still runs when the worker is frozen. It forwards
SIGTERM and SIGINT and stops judging (a warm shutdown finishes its tasks without beating);
a worker that exits on its own is mirrored: the same exit code, or killed by the same signal.
"""

import argparse
import contextlib
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

from cli.children import become_subreaper, children_of, spawn
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


def _kill_all(pid: int) -> None:
    """SIGKILL a process and its children, which a frozen process cannot hand on."""
    for target in [pid, *children_of(pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(target, signal.SIGKILL)


def _end_leftovers() -> None:
    """Kill and reap what the dead worker left behind (its pool: ours, as subreaper)."""
    for pid in children_of(os.getpid()):
        _kill_all(pid)
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, 0):
            pass


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
    become_subreaper()
    with tempfile.TemporaryDirectory(prefix="celebclf-worker-") as scratch:
        returncode = _watch(args, queues, settings, Path(scratch) / "liveness.json")
    _end_leftovers()
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
        worker.send_signal(signum)

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
            _kill_all(worker.pid)
            worker.wait()
            return None
