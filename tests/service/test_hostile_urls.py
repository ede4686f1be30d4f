"""Hostile URLs against a running service whose fetcher may reach only 127.0.0.2 (the hostile
server); a canary listening on every loopback address must see no request at all."""

import socket
from datetime import datetime

import psutil
import pytest
import requests

from tests.conftest import png_bomb
from tests.service.fixtures import running_service, sqlite_url
from tests.service.helpers import Service
from tests.service.hostile import Canary, hostile_server, unaccepting_server

FETCH_TIMEOUT = 5
FETCH_CONNECT_TIMEOUT = 1
FETCH_READ_TIMEOUT = 2
FETCH_MAX_BYTES = 20 * 1024 * 1024


@pytest.fixture(scope="module")
def guarded(redis_url, tmp_path_factory):
    logs = tmp_path_factory.mktemp("guarded")
    with running_service(
        sqlite_url(logs),
        redis_url,
        logs,
        CELEBCLF_FETCH_ALLOW_PRIVATE="127.0.0.2/32",
        CELEBCLF_FETCH_TIMEOUT=str(FETCH_TIMEOUT),
        CELEBCLF_FETCH_CONNECT_TIMEOUT=str(FETCH_CONNECT_TIMEOUT),
        CELEBCLF_FETCH_READ_TIMEOUT=str(FETCH_READ_TIMEOUT),
        CELEBCLF_FETCH_MAX_BYTES=str(FETCH_MAX_BYTES),
        CELEBCLF_MAX_BATCH_URLS="10000",
    ) as service:
        yield service


@pytest.fixture(scope="module")
def canary():
    with Canary() as running:
        requests.get(f"http://127.0.0.1:{running.port}/control", timeout=5)
        assert running.hits == ["/control"], "the canary must be reachable when not guarded"
        running.hits.clear()
        yield running


@pytest.fixture(scope="module")
def hostile():
    with hostile_server("127.0.0.2") as server:
        yield server


def loopback_names() -> list[str]:
    """Every name this machine's resolver maps to a loopback address (/etc/hosts and the like)."""
    names = {"localhost"}
    try:
        with open("/etc/hosts") as hosts:
            for line in hosts:
                fields = line.split("#", 1)[0].split()
                if fields and fields[0] in ("127.0.0.1", "::1"):
                    names.update(fields[1:])
    except OSError:
        pass
    return sorted(n for n in names if socket.gethostbyname(n).startswith("127."))


def ssrf_matrix(port: int, redirect: str) -> list[tuple[str, str]]:
    loopback = [
        "127.0.0.1", "[::1]", "2130706433", "0x7f000001", "017700000001", "127.1", "0.0.0.0",
        "[::ffff:127.0.0.1]", "[::]", *loopback_names(),
    ]  # fmt: skip
    private = [
        "10.0.0.1", "172.16.0.1", "192.168.1.1", "100.64.0.1", "169.254.169.254",
        "[fd00::1]", "[fe80::1]",
    ]  # fmt: skip
    cases = [(f"http://{host}:{port}/direct", "blocked_address") for host in loopback]
    cases += [(f"http://{host}/latest/meta-data/", "blocked_address") for host in private]
    for target in (
        f"http://127.0.0.1:{port}/via-redirect",
        f"http://localhost:{port}/via-redirect",
        f"http://[::1]:{port}/via-redirect",
        f"http://2130706433:{port}/via-redirect",
        "http://169.254.169.254/latest/meta-data/",
    ):
        cases.append((f"{redirect}?to={target}", "blocked_address"))
    for target in ("file:///etc/passwd", f"gopher://127.0.0.1:{port}/via-redirect"):
        cases.append((f"{redirect}?to={target}", "invalid_url"))
        cases.append((target, "invalid_url"))
    return cases


def test_ssrf_matrix_every_item_blocked_and_the_canary_sees_nothing(guarded, canary, hostile):
    base, _ = hostile
    cases = ssrf_matrix(canary.port, f"{base}/redirect")
    created = requests.post(
        f"{guarded.base}/api/v1/batches", json={"urls": [url for url, _ in cases]}, timeout=30
    )
    assert created.status_code == 202
    batch = guarded.wait_batch(created.json()["id"], timeout=120)
    assert batch["counts"]["failed"] == len(cases)
    items = guarded.get(f"/api/v1/batches/{batch['id']}/items", params={"limit": 1000}).json()
    got = {item["url"]: item["error"]["code"] for item in items["items"]}
    assert got == dict(cases)
    assert canary.hits == []


def finished_in(job: dict) -> float:
    started, finished = (datetime.fromisoformat(job[k]) for k in ("started_at", "finished_at"))
    return (finished - started).total_seconds()


def submit_url(service: Service, url: str) -> dict:
    created = requests.post(f"{service.base}/api/v1/jobs", json={"url": url}, timeout=30)
    assert created.status_code == 202, created.text
    return service.wait_job(created.json()["id"], timeout=60)


def worker_tree_rss(service: Service) -> int:
    root = psutil.Process(service.processes["worker-0"].pid)
    return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])


def test_drip_fails_within_the_deadline(guarded, hostile):
    base, sent = hostile
    job = submit_url(guarded, f"{base}/drip")
    assert job["status"] == "failed" and job["error"]["code"] == "fetch_timeout", job
    assert job["error"]["message"] == f"the download took over {FETCH_TIMEOUT} s"
    assert finished_in(job) < FETCH_TIMEOUT + 2
    assert sent["/drip"] <= FETCH_TIMEOUT + 2


def test_a_server_that_never_answers_fails_at_the_read_timeout_saying_so(guarded, hostile):
    base, _ = hostile
    job = submit_url(guarded, f"{base}/silent")
    assert job["status"] == "failed" and job["error"]["code"] == "fetch_timeout", job
    assert job["error"]["message"] == f"127.0.0.2 sent nothing for {FETCH_READ_TIMEOUT} s"
    assert FETCH_READ_TIMEOUT <= finished_in(job) < FETCH_READ_TIMEOUT + 1.5


def test_a_host_that_never_accepts_fails_at_the_connect_timeout_saying_so(guarded):
    with unaccepting_server("127.0.0.2") as base:
        job = submit_url(guarded, f"{base}/photo.jpg")
    assert job["status"] == "failed" and job["error"]["code"] == "fetch_timeout", job
    message = f"127.0.0.2 did not accept a connection in {FETCH_CONNECT_TIMEOUT} s"
    assert job["error"]["message"] == message
    assert FETCH_CONNECT_TIMEOUT <= finished_in(job) < FETCH_CONNECT_TIMEOUT + 1.5


def test_blocked_address_says_which_setting_allows_it(guarded, canary):
    job = submit_url(guarded, f"http://127.0.0.1:{canary.port}/photo.jpg")
    assert job["error"]["code"] == "blocked_address", job
    assert "CELEBCLF_FETCH_ALLOW_PRIVATE" in job["error"]["message"]
    assert "--allow-private" in job["error"]["message"]
    assert canary.hits == []


@pytest.mark.parametrize("path", ["/flood", "/flood-chunked"])
def test_a_gigabyte_fails_at_the_cap_with_bounded_memory(guarded, hostile, path):
    base, sent = hostile
    before = worker_tree_rss(guarded)
    job = submit_url(guarded, f"{base}{path}")
    assert job["status"] == "failed" and job["error"]["code"] == "too_large", job
    assert sent.get(path, 0) < FETCH_MAX_BYTES + 16 * 1024 * 1024  # the cap + socket buffers
    assert worker_tree_rss(guarded) - before < 3 * FETCH_MAX_BYTES


def test_pixel_bomb_by_url_and_by_upload_fails_fast(guarded, hostile):
    base, _ = hostile
    before = worker_tree_rss(guarded)
    by_url = submit_url(guarded, f"{base}/bomb.png")
    upload = requests.post(
        f"{guarded.base}/api/v1/jobs", files={"file": ("bomb.png", png_bomb())}, timeout=30
    )
    assert upload.status_code == 202
    by_upload = guarded.wait_job(upload.json()["id"])
    for job in (by_url, by_upload):
        assert job["status"] == "failed" and job["error"]["code"] == "image_too_large", job
        assert "30000 x 30000" in job["error"]["message"], job
        assert finished_in(job) < 2
    assert worker_tree_rss(guarded) - before < 100 * 1024 * 1024


def test_ten_thousand_and_one_urls_are_refused(guarded):
    urls = [f"http://example.com/{i}.jpg" for i in range(10_001)]
    response = requests.post(f"{guarded.base}/api/v1/batches", json={"urls": urls}, timeout=30)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_urls"


def test_workers_survived_everything(guarded, kept_photos):
    assert all(p.poll() is None for p in guarded.processes.values())
    path, person = kept_photos[0]
    created = requests.post(
        f"{guarded.base}/api/v1/jobs", files={"file": (path.name, path.read_bytes())}, timeout=30
    )
    job = guarded.wait_job(created.json()["id"])
    assert job["status"] == "succeeded" and job["faces"][0]["label"] == person
