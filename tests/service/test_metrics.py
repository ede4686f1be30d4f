"""/metrics on a running service, on SQLite and PostgreSQL: jobs run by real workers move the
workers' counters and histograms by exactly what they did; the API counts what it failed at
submit and reads the backlog; both need a key when keys are configured."""

import socket
import subprocess
import sys
import time
from datetime import timedelta

import numpy as np
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from cli.embedded_redis import free_port
from config.api_keys import digest
from db.models import Job, JobStatus, new_id, utcnow
from db.session import unit_of_work
from featurize.opencv import cv2
from tests.service.fixtures import running_service
from tests.service.helpers import photo_server

KEY = "ck_metrics_scraper_for_tests"
HEADERS = {"X-API-Key": KEY}


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of a scrape by (name, labels)."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def scrape(url: str) -> dict[tuple[str, frozenset], float]:
    response = requests.get(url, headers=HEADERS, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    return samples(response.text)


def moved(before: dict, after: dict, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0) - before.get(key, 0)


@pytest.fixture(scope="module")
def metered(own_database_url, redis_url, tmp_path_factory):
    """A keyed service whose worker (two pool processes) serves its own /metrics."""
    logs = tmp_path_factory.mktemp("metered")
    port = free_port()
    with running_service(
        own_database_url,
        redis_url,
        logs,
        workers=2,
        CELEBCLF_API_KEYS=f"scraper:{digest(KEY)}",
        CELEBCLF_WORKER_METRICS_PORT=str(port),
    ) as service:
        service.worker_metrics = f"http://127.0.0.1:{port}/metrics"
        yield service


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A loopback server with a faceless PNG (a job that succeeds) and a text file."""
    folder = tmp_path_factory.mktemp("served")
    ok, png = cv2.imencode(".png", np.full((64, 64, 3), 128, np.uint8))
    assert ok
    (folder / "grey.png").write_bytes(png.tobytes())
    (folder / "page.txt").write_text("not an image, only some text\n" * 4)
    with photo_server(folder) as base:
        yield base, len(png.tobytes())


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


def test_jobs_move_the_counters_and_histograms_by_what_happened(metered, served):
    base, png_size = served
    before_api, before_worker = scrape(f"{metered.base}/metrics"), scrape(metered.worker_metrics)
    urls = [
        f"{base}/grey.png",
        f"{base}/grey.png",
        f"http://127.0.0.1:{closed_port()}/a.jpg",
        f"{base}/page.txt",
        "ftp://example.com/a.jpg",  # failed at submit, by the API
    ]
    response = requests.post(
        f"{metered.base}/api/v1/batches", json={"urls": urls}, headers=HEADERS, timeout=30
    )
    assert response.status_code == 202, response.text
    metered.headers = HEADERS
    metered.wait_batch(response.json()["id"], timeout=120)
    items = metered.get(f"/api/v1/batches/{response.json()['id']}/items").json()["items"]
    codes = [(item["status"], (item["error"] or {}).get("code")) for item in items]
    assert codes == [
        ("succeeded", None),
        ("succeeded", None),
        ("failed", "fetch_failed"),
        ("failed", "not_an_image"),
        ("failed", "invalid_url"),
    ]
    api, worker = scrape(f"{metered.base}/metrics"), scrape(metered.worker_metrics)

    jobs = "celebclf_jobs_total"
    assert moved(before_worker, worker, jobs, status="succeeded", code="") == 2
    assert moved(before_worker, worker, jobs, status="failed", code="fetch_failed") == 1
    assert moved(before_worker, worker, jobs, status="failed", code="not_an_image") == 1
    assert moved(before_api, api, jobs, status="failed", code="invalid_url") == 1
    for histogram in ("celebclf_job_latency_seconds", "celebclf_job_processing_seconds"):
        assert moved(before_worker, worker, f"{histogram}_count") == 4
        assert moved(before_worker, worker, f"{histogram}_bucket", le="+Inf") == 4
        assert 0 < moved(before_worker, worker, f"{histogram}_sum") < 120
    failures = "celebclf_fetch_failures_total"
    assert moved(before_worker, worker, failures, code="fetch_failed") == 1
    assert moved(before_worker, worker, failures, code="not_an_image") == 1
    assert moved(before_worker, worker, "celebclf_fetched_bytes_total") == 2 * png_size


def test_the_api_reads_the_backlog_and_the_worker_names_its_model(metered):
    api = scrape(f"{metered.base}/metrics")
    queues = {dict(labels)["queue"] for name, labels in api if name == "celebclf_queue_depth"}
    queue = metered.env["CELEBCLF_QUEUE"]
    assert queues == {queue, f"{queue}.training"}
    assert api[("celebclf_jobs_unfinished", frozenset({("status", "queued")}))] >= 0
    assert ("celebclf_jobs_unfinished", frozenset({("status", "running")})) in api

    classes = requests.get(f"{metered.base}/api/v1/classes", headers=HEADERS, timeout=10)
    version = classes.json()["model"]
    worker = scrape(metered.worker_metrics)
    models = {
        dict(labels)["model_version"]: (dict(labels)["host"], value)
        for (name, labels), value in worker.items()
        if name == "celebclf_worker_model_info"
    }
    assert models == {version: (socket.gethostname(), 1.0)}


def dead_claimant() -> str:
    """``host:pid`` of a process of this host that has exited, as a killed worker leaves."""
    process = subprocess.Popen([sys.executable, "-c", ""])
    process.wait()
    return f"{socket.gethostname()}:{process.pid}"


def test_work_the_sweeper_gives_up_on_is_counted_by_the_api(metered):
    """A job whose worker died on its last attempt: the sweeper fails it too_many_attempts
    and the API's /metrics counts it (the sweeper serves no metrics of its own)."""
    before = scrape(f"{metered.base}/metrics")
    assert ("celebclf_work_given_up_total", frozenset({("kind", "job")})) in before
    attempts, now = int(metered.env.get("CELEBCLF_MAX_ATTEMPTS", "3")), utcnow()
    with unit_of_work(metered.env["DATABASE_URL"]) as session:
        job = Job(
            id=new_id(),
            owner="scraper",
            source="url",
            url="http://127.0.0.1:9/crashed.jpg",
            status=JobStatus.running,
            attempts=attempts,
            claimed_by=dead_claimant(),
            created_at=now - timedelta(minutes=1),
            started_at=now,
            updated_at=now,
        )
        session.add(job)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with unit_of_work(metered.env["DATABASE_URL"]) as session:
            row = session.get(Job, job.id)
            ended = (row.status, row.error_code)
        if ended != (JobStatus.running, None):
            break
        time.sleep(0.2)
    assert ended == (JobStatus.failed, "too_many_attempts")
    after = scrape(f"{metered.base}/metrics")
    given_up = "celebclf_work_given_up_total"
    assert moved(before, after, given_up, kind="job") == 1
    assert moved(before, after, given_up, kind="example") == 0


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "ck_wrong"}])
def test_metrics_need_a_key_when_keys_are_configured(metered, headers):
    for url in (f"{metered.base}/metrics", metered.worker_metrics):
        response = requests.get(url, headers=headers, timeout=10)
        assert response.status_code == 401, url
        assert response.json()["error"]["code"] == "unauthorized"
        assert "celebclf_" not in response.text
