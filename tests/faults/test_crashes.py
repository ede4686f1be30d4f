"""Processes killed by PID mid-batch: nothing accepted is lost, nothing is done twice.

The database is PostgreSQL (as in compose); workers are real Celery processes.
"""

import os
import signal
import time

import pytest
import requests

from tests.faults.checks import (
    assert_each_item_done_once,
    batch_of,
    running_item_holder,
    running_item_pid,
)
from tests.service.fixtures import running_service
from tests.service.helpers import (
    pool_processes,
    postgres_database,
    postgres_reachable,
    url_for_photo,
)

pytestmark = pytest.mark.slow
# s; a vanished worker's job goes stale after this + 30 s. Its soft limit (10 s less) must fit
# a photo served 4 s late and classified on two loaded cores.
TIME_LIMIT = 20


@pytest.fixture(scope="module")
def crashable(redis_url, tmp_path_factory):
    if not postgres_reachable():
        pytest.skip("PostgreSQL is not reachable (set CELEBCLF_TEST_POSTGRES_URL)")
    logs = tmp_path_factory.mktemp("crashes")
    with (
        postgres_database() as url,
        running_service(url, redis_url, logs, CELEBCLF_TASK_TIME_LIMIT=str(TIME_LIMIT)) as service,
    ):
        yield service


def test_worker_killed_mid_batch_then_replaced(crashable, photos, kept_photos):
    """The worker dies while the batch's first photo, which the photo server holds back for
    4 s, is in flight, and the rest of the batch is queued or running: killed when some
    number of items were done, it often fell between two jobs (a photo takes well under a
    second)."""
    batch_id = batch_of(crashable, photos, kept_photos, 200, first_delay_s=4)
    database_url = crashable.env["DATABASE_URL"]
    running_item_holder(database_url, batch_id, seq=0)
    worker = crashable.processes["worker-0"]
    os.killpg(worker.pid, signal.SIGKILL)  # the worker and its pool, as when a machine dies
    worker.wait()
    crashable.spawn("worker-replacement", "worker", "--concurrency", "2", "--name", "replacement")
    batch = crashable.wait_batch(batch_id, timeout=300)
    assert batch["counts"]["succeeded"] == 200
    rows = assert_each_item_done_once(database_url, batch_id, crashable.log_dir)
    assert any(attempts == 2 for _, _, attempts, _ in rows), "the kill hit no job in flight"


def test_pool_child_killed_mid_batch(crashable, photos, kept_photos):
    """As the OOM killer does: the task is rejected back to the queue and taken over at once.

    The victim is the process fetching the batch's first photo, which the photo server holds
    back for 4 s, so the kill always lands on a job in flight while the batch goes on.
    """
    batch_id = batch_of(crashable, photos, kept_photos, 60, first_delay_s=4)
    database_url = crashable.env["DATABASE_URL"]
    os.kill(running_item_pid(database_url, batch_id, seq=0), signal.SIGKILL)
    started = time.monotonic()
    batch = crashable.wait_batch(batch_id, timeout=300)
    assert batch["counts"]["succeeded"] == 60
    rows = assert_each_item_done_once(database_url, batch_id, crashable.log_dir)
    assert any(attempts == 2 for _, _, attempts, _ in rows), "the kill hit no job in flight"
    assert time.monotonic() - started < TIME_LIMIT + 30, "waited for staleness, not the claimant"


def test_poison_job_that_kills_its_process_fails_after_max_attempts(crashable, photos, kept_photos):
    """Each time the job runs, its process is killed (the test plays the OOM killer): after
    CELEBCLF_MAX_ATTEMPTS (3) tries it ends failed, and the worker goes on with other work."""
    base, root = photos
    path = kept_photos[0][0]
    slow = url_for_photo(base, root, path, delay_s=4)
    job_id = requests.post(f"{crashable.base}/api/v1/jobs", json={"url": slow}).json()["id"]
    port, kills = int(base.rsplit(":", 1)[1]), 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = crashable.get(f"/api/v1/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed"):
            break
        if job["status"] == "running" and job["attempts"] > kills:
            for child in pool_processes(crashable):
                if any(c.raddr and c.raddr.port == port for c in child.net_connections("tcp")):
                    child.send_signal(signal.SIGKILL)  # the one fetching the poison
                    kills += 1
        time.sleep(0.1)
    assert job["status"] == "failed", job
    assert job["error"]["code"] == "too_many_attempts"
    assert job["attempts"] == kills == 3
    after = requests.post(
        f"{crashable.base}/api/v1/jobs", json={"url": url_for_photo(base, root, path)}
    ).json()
    assert crashable.wait_job(after["id"])["status"] == "succeeded"
