"""Faults across hosts: each container is a host on the compose network, broken mid-batch the
way a machine, a broker or a database goes away in production. After each, every item ends
terminal with exactly one result (tests/faults/checks.py)."""

import secrets
import time

import pytest
from sqlalchemy import select

from db.models import Job, JobStatus
from db.session import unit_of_work
from tests.compose.stack import PHOTOS, build_app_image
from tests.faults.checks import (
    assert_each_item_done_once,
    batch_of,
    late_results,
    probe,
    running_item_holder,
    sweeper_requeued,
    wait_done,
    wait_taken_over,
)
from tests.service.helpers import url_for_photo

pytestmark = [pytest.mark.compose, pytest.mark.slow]
# A cut-off worker's job is taken over within: the heartbeat timeout (20 s) + a sweep (15 s) +
# the other worker reaching it, with room for 2 loaded cores. By staleness it took 150 s.
TAKEOVER_BOUND_S = 60
# A reconnected worker reads its broker again within: the socket timeout or the keepalive
# probes (celery_app: 30 s at most), a reconnect, with room for 2 loaded cores.
RECOVERY_BOUND_S = 90


@pytest.fixture
def served(sports_dir):
    """(base URL, root) of the photos as the workers see them: the photo server container."""
    return PHOTOS, sports_dir


def running_jobs(database_url: str, batch_id: str) -> dict[str, str]:
    """``{job id: claimed_by}`` of the batch's jobs running right now."""
    with unit_of_work(database_url) as session:
        rows = session.execute(
            select(Job.id, Job.claimed_by).where(
                Job.batch_id == batch_id, Job.status == JobStatus.running
            )
        )
        return dict(rows.all())


def item_id(database_url: str, batch_id: str, seq: int) -> str:
    with unit_of_work(database_url) as session:
        return session.scalar(select(Job.id).where(Job.batch_id == batch_id, Job.seq == seq))


def test_worker_cut_off_the_network_mid_batch(stack, served, kept_photos):
    """`docker network disconnect` takes away the host of the worker holding the first photo
    (served 4 s late, so the cut lands while it holds it): its heartbeat stops, the sweeper
    hands the job back and the other worker takes it over. Reconnected, the cut worker's late
    result is refused, and every item ends with exactly one result. The batch is short enough
    for the other worker to have finished the rest by then (a job sent again queues last)."""
    stack.up(workers=2)
    batch_id = batch_of(stack.api, served, kept_photos, 30, first_delay_s=4)
    host = running_item_holder(stack.database_url, batch_id, seq=0).rpartition(":")[0]
    container = next(c for c in stack.containers("worker") if c.startswith(host))
    stack.engine.run("network", "disconnect", stack.network, container)
    cut = time.monotonic()
    try:
        takeover_s = wait_taken_over(stack.database_url, batch_id, 0, host) - cut
    finally:
        stack.engine.run("network", "connect", stack.network, container)
    assert takeover_s < TAKEOVER_BOUND_S, f"taken over after {takeover_s:.1f} s"
    first = item_id(stack.database_url, batch_id, 0)
    deadline = time.monotonic() + 120  # its fetch times out, its write waits for the network
    while not (late := late_results(stack.logs, first)) and time.monotonic() < deadline:
        time.sleep(1)
    assert [entry["attempt"] for entry in late] == [1], "no late result from the cut-off worker"
    assert stack.api.wait_batch(batch_id, timeout=240)["counts"]["succeeded"] == 30
    rows = assert_each_item_done_once(stack.database_url, batch_id, stack.logs)
    assert [attempts for job_id, _, attempts, _ in rows if job_id == first] == [2]
    # Its broker connections died with the cut and nothing said so (no reset reaches a host
    # that is gone): the socket timeout and TCP keepalive make it reconnect and serve again.
    wait_serving_again(stack, container)


def wait_serving_again(stack, container: str) -> None:
    """The worker answers a ping through its broker within RECOVERY_BOUND_S, and the engine
    marks it healthy again at its next check: `up --wait` in the next test would take the
    stale "unhealthy" of the fault for an answer."""
    deadline = time.monotonic() + RECOVERY_BOUND_S
    while not stack.worker_answers(container):
        assert time.monotonic() < deadline, "the worker never read its broker again"
        time.sleep(2)
    deadline = time.monotonic() + 75
    while (health := stack.health(container)) != "healthy":
        assert time.monotonic() < deadline, f"the worker stays {health}"
        time.sleep(2)


def test_a_frozen_worker_mid_batch_has_its_work_taken_over(stack, served, kept_photos):
    """`docker pause` (the cgroup freezer, what `docker compose pause` does to every replica)
    freezes one of two worker replicas while it holds the first photo (served 4 s late): the
    process lives, its connections stay open, its heartbeat stops. The sweeper hands the job
    back and the other replica takes it over within TAKEOVER_BOUND_S, and the batch completes
    while the frozen one is still frozen: nothing waits for it. Thawed, it may finish its
    stale run, whose result is refused; every item ends with exactly one result."""
    stack.up(workers=2)
    batch_id = batch_of(stack.api, served, kept_photos, 30, first_delay_s=4)
    host = running_item_holder(stack.database_url, batch_id, seq=0).rpartition(":")[0]
    container = next(c for c in stack.containers("worker") if c.startswith(host))
    stack.engine.run("pause", container)
    frozen = time.monotonic()
    try:
        takeover_s = wait_taken_over(stack.database_url, batch_id, 0, host) - frozen
        assert takeover_s < TAKEOVER_BOUND_S, f"taken over after {takeover_s:.1f} s"
        assert stack.api.wait_batch(batch_id, timeout=240)["counts"]["succeeded"] == 30
        completed_s = time.monotonic() - frozen
    finally:
        stack.engine.run("unpause", container)
    print(f"frozen worker: taken over after {takeover_s:.1f} s, batch done {completed_s:.1f} s")
    first = item_id(stack.database_url, batch_id, 0)
    deadline = time.monotonic() + 60  # the thawed run fetches, classifies, tries to write
    while not (late := late_results(stack.logs, first)) and time.monotonic() < deadline:
        time.sleep(1)
    # none if something ended the thawed process first (its stale run then never writes)
    assert [entry["attempt"] for entry in late] in ([], [1]), late
    rows = assert_each_item_done_once(stack.database_url, batch_id, stack.logs)
    assert [attempts for job_id, _, attempts, _ in rows if job_id == first] == [2]
    wait_serving_again(stack, container)


def test_redis_killed_and_started_mid_batch_loses_nothing_queued(stack, served, kept_photos):
    """With the append-only file the queue survives SIGKILL: every item completes without the
    sweeper re-sending a single job (it would, after CELEBCLF_REQUEUE_AFTER, for lost ones)."""
    stack.up(workers=2)
    batch_id = batch_of(stack.api, served, kept_photos, 100)
    wait_done(stack.api, batch_id, 10)
    stack.compose("kill", "-s", "KILL", "redis")
    stack.compose("start", "redis")
    assert stack.api.wait_batch(batch_id, timeout=240)["counts"]["succeeded"] == 100
    assert_each_item_done_once(stack.database_url, batch_id, stack.logs)
    stack.service_log("sweeper")
    assert sweeper_requeued(stack.logs) == 0, "a queued message was lost with the broker"


def test_postgres_restarted_mid_batch(stack, served, kept_photos):
    """PostgreSQL stopped mid-batch and started again (`compose restart` is over in about a
    second, too quick to be sure a request lands while it is down): meanwhile the API answers
    only 503 (with Retry-After), never 500; then every item completes exactly once."""
    batch_id = batch_of(stack.api, served, kept_photos, 80)
    wait_done(stack.api, batch_id, 10)
    stack.compose("stop", "postgres")
    try:
        seen, _ = probe(stack.api, batch_id, url_for_photo(*served, kept_photos[3][0]), 6)
    finally:
        stack.compose("start", "postgres")
    assert seen[503] > 0 and set(seen) <= {503}, seen
    assert stack.api.wait_batch(batch_id, timeout=240)["counts"]["succeeded"] == 80
    assert_each_item_done_once(stack.database_url, batch_id, stack.logs)


def test_rolling_upgrade_of_the_workers_mid_batch(stack, engine, images, served, kept_photos):
    """A new image, then `up -d` for the workers while a batch runs: each old worker finishes
    the task it is running within its stop grace period, the new ones take the rest. Nothing is
    lost, and no job was claimed twice (every attempt count is 1). The first photo is served
    4 s late (the stack fetches with a 5 s timeout), so the upgrade lands while it is in
    flight: a photo takes well under a second, and a batch caught at some number of items done
    may have had none running (CI saw it)."""
    stack.up(workers=2)
    old = {container[:12] for container in stack.containers("worker")}
    build_app_image(engine, images["PYTHON_IMAGE"], f"celebclf.test.upgrade={secrets.token_hex(4)}")
    batch_id = batch_of(stack.api, served, kept_photos, 120, first_delay_s=4)
    running_item_holder(stack.database_url, batch_id, seq=0)
    in_flight = running_jobs(stack.database_url, batch_id)
    stack.up("--no-deps", "worker")
    new = {container[:12] for container in stack.containers("worker")}
    assert len(new) == 2 and not old & new, "the workers were not replaced"
    assert in_flight and {h.rpartition(":")[0] for h in in_flight.values()} <= old, in_flight
    assert stack.api.wait_batch(batch_id, timeout=240)["counts"]["succeeded"] == 120
    rows = assert_each_item_done_once(stack.database_url, batch_id, stack.logs)
    assert {attempts for _, _, attempts, _ in rows} == {1}, "a job was taken over or run twice"
    with unit_of_work(stack.database_url) as session:
        finished_by = dict(
            session.execute(select(Job.id, Job.claimed_by).where(Job.id.in_(in_flight))).all()
        )
    assert finished_by == in_flight, "a task running at the upgrade was not finished by its worker"
