"""The production path for real: the image built, `docker compose up --wait`, a batch of real
photos over the compose network, `--scale worker=3`. Each container is a host of its own."""

import json
import subprocess
import sys

import pytest
import requests
from sqlalchemy import select

from config.api_keys import HEADER
from db.models import Job
from db.session import unit_of_work
from inference import load_model
from tests.compose.engine import network_state
from tests.compose.stack import PHOTOS, Stack
from tests.faults.checks import worker_log_entries
from tests.service.helpers import url_for_photo

pytestmark = [pytest.mark.compose, pytest.mark.slow]


def submit_batch(stack: Stack, urls: list[str]) -> str:
    api = stack.api
    response = requests.post(
        f"{api.base}/api/v1/batches", json={"urls": urls}, headers=api.headers, timeout=30
    )
    assert response.status_code == 202, response.text
    return response.json()["id"]


def test_ready_with_every_dependency(stack):
    response = stack.api.get("/readyz")
    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    assert checks["database"] == checks["broker"] == "ok"
    assert checks["model"] == load_model().version, "the image serves the shipped model"


def test_a_request_without_a_key_is_refused(stack):
    """The stack runs with an API key, as production must: the API refuses to start without
    one (tests/unit/test_cli.py), and a request that sends none is answered 401, not served."""
    api = stack.api
    refused = requests.get(f"{api.base}/api/v1/batches", timeout=10)
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"]["code"] == "unauthorized"
    wrong = requests.get(f"{api.base}/api/v1/batches", headers={HEADER: "ck_wrong"}, timeout=10)
    assert wrong.status_code == 401
    assert api.get("/api/v1/batches").status_code == 200


def test_the_engine_leaves_the_host_network_alone(engine, stack, host_network_before):
    if engine.process is None:
        pytest.skip("the engine is not this run's: its network settings are its owner's")
    before, now = dict(host_network_before), network_state()
    links_before, links_now = before.pop("links").split(), now.pop("links").split()
    assert now == before, "iptables or forwarding changed while the stack runs"
    assert "docker0" not in links_now and "docker0" not in links_before


def dlib_builds(stack: Stack) -> str:
    """Which dlib each side ran: the workers' (their `dlib loaded` line), the API's (/readyz)
    and this host's (what `celebclf predict` below loads)."""
    workers = {
        entry["msg"].removeprefix("dlib loaded: ")
        for entry in worker_log_entries(stack.logs)
        if entry.get("msg", "").startswith("dlib loaded: ")
    }
    api = stack.api.get("/readyz").json()["checks"]["dlib"]
    probe = "from featurize.dlib_backend import backend, describe; print(describe(backend()))"
    host = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    ).stdout.strip()
    return f"compose workers: {sorted(workers)}; compose API: {api}; host: {host}"


def test_batch_of_real_photos_matches_celebclf_predict(stack, sports_dir):
    """The same faces, names and boxes as `celebclf predict` on this host, whichever dlib each
    links (the image's OpenBLAS build, the host's maybe PyPI's dlib-bin: both compute HOG
    without fused multiply-adds, so they find the same boxes: scripts/build-dlib-wheel);
    scores agree within 0.01 (the descriptor's sums run in another order with BLAS)."""
    paths = sorted(p for p in sports_dir.rglob("*") if p.is_file())[::9][:30]
    batch_id = submit_batch(stack, [url_for_photo(PHOTOS, sports_dir, p) for p in paths])
    assert stack.api.wait_batch(batch_id)["counts"]["succeeded"] == len(paths)
    compared = dlib_builds(stack)
    print(compared)
    items = stack.api.get(f"/api/v1/batches/{batch_id}/items", params={"limit": 100}).json()
    predicted = subprocess.run(
        [sys.executable, "-m", "cli.main", "predict", *map(str, paths)],
        capture_output=True, text=True, timeout=300, check=True,
    ).stdout.splitlines()  # fmt: skip
    assert len(items["items"]) == len(predicted) == len(paths)
    for item, line in zip(items["items"], map(json.loads, predicted), strict=True):
        expected = line["faces"]
        assert [(f["label"], f["box"]) for f in item["faces"]] == [
            (f["label"], f["box"]) for f in expected
        ], f"{line['path']} ({compared})"
        for got, want in zip(item["faces"], expected, strict=True):
            assert got["score"] == pytest.approx(want["score"], abs=0.01), (
                f"{line['path']} ({compared})"
            )
    assert sum(len(item["faces"]) for item in items["items"]) >= len(paths) * 0.8


def test_three_worker_containers_all_take_work(stack, sports_dir):
    stack.up(workers=3)
    workers = {container[:12] for container in stack.containers("worker")}
    assert len(workers) == 3
    paths = sorted(p for p in sports_dir.rglob("*") if p.is_file())[1::4][:30]
    batch_id = submit_batch(stack, [url_for_photo(PHOTOS, sports_dir, p) for p in paths])
    assert stack.api.wait_batch(batch_id)["counts"]["succeeded"] == len(paths)
    with unit_of_work(stack.database_url) as session:
        holders = session.scalars(select(Job.claimed_by).where(Job.batch_id == batch_id))
        hosts = [holder.rpartition(":")[0] for holder in holders]
    assert set(hosts) == workers, {host: hosts.count(host) for host in set(hosts)}
