"""The compose topology with local processes: API, two separate workers (as `--scale worker=2`
gives), the sweeper, Redis and PostgreSQL, each its own process sharing only Redis and SQL."""

import json

import pytest
import requests

from tests.service.fixtures import running_service
from tests.service.helpers import postgres_database, postgres_reachable, url_for_photo


@pytest.fixture(scope="module")
def scaled(redis_url, tmp_path_factory):
    if not postgres_reachable():
        pytest.skip("PostgreSQL is not reachable (set CELEBCLF_TEST_POSTGRES_URL)")
    logs = tmp_path_factory.mktemp("scaled")
    with (
        postgres_database() as url,
        running_service(url, redis_url, logs, workers=1, worker_processes=2) as service,
    ):
        yield service


def jobs_done_by(log_path) -> int:
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    return sum(1 for line in lines if line.get("msg") == "job finished")


def test_two_worker_processes_share_one_batch(scaled, photos):
    base, root = photos
    paths = sorted(p for p in root.rglob("*") if p.is_file())[1::9][:24]
    urls = [url_for_photo(base, root, p) for p in paths]
    created = requests.post(f"{scaled.base}/api/v1/batches", json={"urls": urls}).json()
    final = scaled.wait_batch(created["id"])
    assert final["status"] == "completed"
    assert final["counts"]["succeeded"] == len(urls)
    done = [jobs_done_by(scaled.log_dir / f"worker-{i}.log") for i in range(2)]
    assert sum(done) == len(urls), "each job finished exactly once"
    assert all(n > 0 for n in done), f"both workers took work: {done}"
