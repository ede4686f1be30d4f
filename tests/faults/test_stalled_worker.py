"""A worker that is alive but takes no work is replaced (cli.watchdog), under `celebclf up`.

Two ways to stall: the Celery worker's main process frozen with SIGSTOP mid-batch (its
liveness beat stops), and its consumer cancelled through Celery's remote control while the
process runs on and beats (the queue has work, it has room, it takes nothing). Either way its
watchdog kills it, up starts it again, and the batch completes with every item once.
"""

import os
import signal
import subprocess
import time

import pytest
from celery import Celery

from cli.watchdog import STALLED_EXIT
from tests.faults.checks import assert_each_item_done_once, batch_of, wait_done
from tests.service.helpers import ApiClient, free_port
from tests.service.test_up import (
    QUICK_SWEEPS,
    alive,
    celery_worker,
    ctrl_c_stops_everything,
    restarts,
    start_up,
    wait_ready,
    wait_restarted,
)

pytestmark = pytest.mark.slow
STALL_AFTER_S = 8
# From the stall to the last item done: the stall (8 s), a look, up's 1 s backoff, the
# worker's start (model check, dlib: ~10 s on loaded cores), the rest of the batch, and the
# sweeper re-sending what the killed worker had prefetched (3 s after the queue empties).
BOUND_S = 60
ITEMS = 20
STALLING = {**QUICK_SWEEPS, "CELEBCLF_WORKER_STALL_AFTER": str(STALL_AFTER_S)}


@pytest.fixture
def up(tmp_path):
    port = free_port()
    log = tmp_path / "worker-up.log"  # named so tests.faults.checks reads the workers' lines
    process = start_up(tmp_path / "data", port, log, **STALLING)
    try:
        wait_ready(process, log)
        yield process, ApiClient(f"http://127.0.0.1:{port}"), log
    finally:
        if process.poll() is None:
            process.kill()


def broker_url(up: subprocess.Popen) -> str:
    """The URL of up's embedded Redis, as its worker was given it."""
    return celery_worker(up).environ()["REDIS_URL"]


def completed_within(service: ApiClient, batch_id: str, bound_s: float) -> float:
    """Seconds until the batch completed; fails past ``bound_s``."""
    started = time.monotonic()
    while service.get(f"/api/v1/batches/{batch_id}").json()["status"] != "completed":
        assert time.monotonic() - started < bound_s, "batch not completed within the bound"
        time.sleep(0.5)
    return time.monotonic() - started


def assert_replaced_once(log, stalled_pid: int, why: str, tmp_path, batch_id: str) -> None:
    """The watchdog said why, exited STALLED_EXIT, up restarted only the worker, the stalled
    process is gone, and every item was done once."""
    restarted = wait_restarted(log, "worker")
    assert restarted["exit_code"] == STALLED_EXIT, restarted
    assert [e["component"] for e in restarts(log)] == ["worker"], "nothing else restarted"
    assert why in log.read_text(), log.read_text()[-3000:]
    assert not alive(stalled_pid)
    rows = assert_each_item_done_once(
        f"sqlite:///{tmp_path / 'data' / 'celebclf.sqlite3'}", batch_id, tmp_path
    )
    assert len(rows) == ITEMS
    assert all(attempts <= 2 for _, _, attempts, _ in rows), rows


def test_a_frozen_worker_is_killed_and_its_batch_completes(up, tmp_path, photos, kept_photos):
    process, service, log = up
    batch_id = batch_of(service, photos, kept_photos, ITEMS)
    wait_done(service, batch_id, 4)
    frozen = celery_worker(process)
    os.kill(frozen.pid, signal.SIGSTOP)
    took_s = completed_within(service, batch_id, BOUND_S)
    print(f"batch completed {took_s:.1f} s after the SIGSTOP")
    assert_replaced_once(log, frozen.pid, "no liveness beat", tmp_path, batch_id)
    ctrl_c_stops_everything(process)


def test_a_worker_whose_consumer_stopped_is_replaced(up, tmp_path, photos, kept_photos):
    process, service, log = up
    batch_id = batch_of(service, photos, kept_photos, ITEMS)
    wait_done(service, batch_id, 4)
    wedged = celery_worker(process)
    control = Celery(broker=broker_url(process)).control
    replies = control.cancel_consumer("celebclf", reply=True, timeout=5)
    assert replies and all("ok" in next(iter(r.values())) for r in replies), replies
    took_s = completed_within(service, batch_id, BOUND_S)
    print(f"batch completed {took_s:.1f} s after its consumer was cancelled")
    assert_replaced_once(log, wedged.pid, "took no task", tmp_path, batch_id)
    ctrl_c_stops_everything(process)
