"""A worker host that goes silent mid-batch is noticed by its heartbeat, not by staleness.

The silent host is a worker frozen with SIGSTOP, as a host cut off the network is: alive,
holding its job, unable to say so. It has a host name of its own (a UTS namespace), so the
same-host dead-process check cannot help: only the heartbeat can. Its job must be taken over
by the other host within the bound, and its late result, when it wakes up, refused.
"""

import os
import shutil
import signal
import time

import pytest
from sqlalchemy import select

from db.models import Job, WorkerHeartbeat
from db.session import unit_of_work
from tests.faults.checks import (
    assert_each_item_done_once,
    batch_of,
    late_results,
    running_item_holder,
    wait_taken_over,
)
from tests.service.fixtures import fresh_database, running_service

pytestmark = pytest.mark.slow
TIME_LIMIT = 60  # s: by staleness the job would come back after TIME_LIMIT + 30 = 90 s
HEARTBEAT_TIMEOUT = 4
BOUND_S = 30  # timeout + a sweep + the other worker's start and one photo, with room
SILENT = "silent-host"


@pytest.fixture(params=["sqlite", "postgresql"])
def own_database(request, tmp_path):
    """A database of this test's own: the session's is shared with other running services,
    whose sweepers would send this batch's jobs to their own workers."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


def own_host_name(host: str) -> list[str]:
    """A command prefix that runs the command under its own host name."""
    return ["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', host]


def freeze_after_a_beat(database_url: str, pid: int) -> float:
    """SIGSTOP the process group right after its host's heartbeat committed (so no write of its
    is left half done), and return when."""
    beat_at = select(WorkerHeartbeat.beat_at).where(WorkerHeartbeat.host == SILENT)

    def last_beat():
        with unit_of_work(database_url) as session:
            return session.scalar(beat_at)

    first, deadline = last_beat(), time.monotonic() + 30
    while last_beat() == first and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(pid, signal.SIGSTOP)
    return time.monotonic()


def test_a_silent_host_is_taken_over_and_its_late_result_refused(
    own_database, redis_url, tmp_path, photos, kept_photos
):
    if not shutil.which("unshare") or os.geteuid() != 0:
        pytest.skip("giving a worker a host name of its own needs unshare and root")
    with running_service(
        own_database, redis_url, tmp_path, workers=1, worker_processes=0,
        CELEBCLF_TASK_TIME_LIMIT=str(TIME_LIMIT),
        CELEBCLF_HEARTBEAT_INTERVAL="1",
        CELEBCLF_HEARTBEAT_TIMEOUT=str(HEARTBEAT_TIMEOUT),
    ) as service:  # fmt: skip
        silent = service.spawn(
            "worker-silent", "worker", "--concurrency", "1", "--name", "silent",
            wrap=own_host_name(SILENT),
        )  # fmt: skip
        batch_id = batch_of(service, photos, kept_photos, 20, first_delay_s=3)
        assert running_item_holder(own_database, batch_id, seq=0).startswith(f"{SILENT}:")
        service.spawn("worker-live", "worker", "--concurrency", "1", "--name", "live")
        frozen = freeze_after_a_beat(own_database, silent.pid)
        try:
            takeover_s = wait_taken_over(own_database, batch_id, 0, SILENT) - frozen
        finally:
            os.killpg(silent.pid, signal.SIGCONT)
        assert takeover_s < BOUND_S, f"taken over after {takeover_s:.1f} s"
        assert service.wait_batch(batch_id, timeout=180)["counts"]["succeeded"] == 20
        with unit_of_work(own_database) as session:
            first = session.scalar(select(Job.id).where(Job.batch_id == batch_id, Job.seq == 0))
        deadline = time.monotonic() + 60
        while not (late := late_results(tmp_path, first)) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert [entry["attempt"] for entry in late] == [1], "no late result of the silent host"
        rows = assert_each_item_done_once(own_database, batch_id, tmp_path)
        assert [attempts for job_id, _, attempts, _ in rows if job_id == first] == [2]
