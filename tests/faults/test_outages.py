"""The broker and the database go away mid-batch and come back: work resumes, nothing is lost,
and the API meanwhile answers 202 or 503 (with Retry-After), never 500."""

import pytest

from tests.faults.checks import (
    assert_each_item_done_once,
    batch_of,
    probe,
    sweeper_requeued,
    wait_done,
)
from tests.faults.servers import (
    RedisServer,
    postgres_cluster,
    postgres_cluster_unavailable,
)
from tests.service.fixtures import running_service
from tests.service.helpers import postgres_database, postgres_reachable, url_for_photo

pytestmark = pytest.mark.slow
TIME_LIMIT = "30"


@pytest.mark.parametrize("fault", ["kill", "flushall"])
def test_redis_lost_mid_batch(fault, tmp_path, photos, kept_photos):
    if not postgres_reachable():
        pytest.skip("PostgreSQL is not reachable (set CELEBCLF_TEST_POSTGRES_URL)")
    broker = RedisServer(tmp_path).start()
    try:
        with (
            postgres_database() as url,
            running_service(
                url, broker.url, tmp_path, CELEBCLF_TASK_TIME_LIMIT=TIME_LIMIT
            ) as service,
        ):
            base, root = photos
            batch_id = batch_of(service, photos, kept_photos, 80)
            wait_done(service, batch_id, 10)
            job_url = url_for_photo(base, root, kept_photos[3][0])
            if fault == "kill":
                broker.kill()  # no persistence: every queued message is gone
                seen, accepted = probe(service, batch_id, job_url, 5)
                assert seen[503] > 0, "readiness must say the broker is down"
                broker.start()
            else:
                broker.flushall()
                seen, accepted = probe(service, batch_id, job_url, 2)
            assert set(seen) <= {200, 202, 503}, seen
            assert accepted, f"no submission was accepted while the broker was {fault}ed: {seen}"
            batch = service.wait_batch(batch_id, timeout=240)
            assert batch["counts"]["succeeded"] == 80
            assert_each_item_done_once(url, batch_id, tmp_path)
            for job_id in accepted:
                assert service.wait_job(job_id, timeout=120)["status"] == "succeeded"
            assert sweeper_requeued(tmp_path) > 0, "the lost messages came back another way?"
    finally:
        broker.kill()


def test_postgresql_stopped_and_started_mid_batch(redis_url, tmp_path, photos, kept_photos):
    if reason := postgres_cluster_unavailable():
        pytest.skip(reason)
    with (
        postgres_cluster(tmp_path / "pg") as database,
        running_service(
            database.url,
            redis_url,
            tmp_path,
            CELEBCLF_TASK_TIME_LIMIT=TIME_LIMIT,
            # The outage outlasts the heartbeat timeout: the live workers' silence is the
            # database's, and their running jobs must not be handed back when it returns.
            CELEBCLF_HEARTBEAT_INTERVAL="2",
            CELEBCLF_HEARTBEAT_TIMEOUT="4",
        ) as service,
    ):
        base, root = photos
        batch_id = batch_of(service, photos, kept_photos, 60)
        wait_done(service, batch_id, 10)
        database.stop()
        seen, _ = probe(service, batch_id, url_for_photo(base, root, kept_photos[3][0]), 6)
        assert seen[503] > 0 and set(seen) <= {503}, seen
        database.start()
        batch = service.wait_batch(batch_id, timeout=240)
        assert batch["counts"]["succeeded"] == 60
        rows = assert_each_item_done_once(database.url, batch_id, tmp_path)
        assert {attempts for _, _, attempts, _ in rows} == {1}, "a live worker's job was taken"
