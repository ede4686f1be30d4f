"""API keys and rate limits on a running service: who may see what, and how much they may send."""

import re

import pytest
import requests

from tests.service.fixtures import ITEMS_PER_MINUTE, KEYS


def as_(owner: str) -> dict[str, str]:
    return {"X-API-Key": KEYS[owner]}


def post(service, path: str, owner: str | None, **kwargs) -> requests.Response:
    headers = as_(owner) if owner else {}
    return requests.post(f"{service.base}{path}", headers=headers, timeout=30, **kwargs)


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "ck_wrong"}, {"X-API-Key": ""}])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/jobs"),
        ("POST", "/api/v1/batches"),
        ("GET", "/api/v1/jobs"),
        ("GET", "/api/v1/batches"),
        ("GET", "/api/v1/jobs/00000000-0000-4000-8000-000000000000"),
        ("GET", "/api/v1/classes"),
        ("POST", "/classify_image"),
    ],
)
def test_no_key_or_a_bad_key_is_401(keyed, headers, method, path):
    response = requests.request(
        method, keyed.base + path, headers=headers, json={"url": "http://x/y.jpg"}, timeout=10
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == "X-API-Key"


def test_health_page_and_openapi_need_no_key(keyed):
    for path in ("/healthz", "/readyz", "/", "/openapi.json", "/static/app.js"):
        assert requests.get(keyed.base + path, timeout=10).status_code == 200, path


def test_another_owners_job_and_batch_are_404_and_absent_from_lists(keyed):
    job = post(keyed, "/api/v1/jobs", "alice", json={"url": "ftp://x/y.jpg"})
    assert job.status_code == 400  # bad URLs never become single jobs
    job = post(keyed, "/api/v1/jobs", "alice", json={"url": "http://127.0.0.1:9/a.jpg"}).json()
    batch = post(keyed, "/api/v1/batches", "alice", json={"urls": ["ftp://x/y.jpg"]}).json()

    for path in (
        f"/api/v1/jobs/{job['id']}",
        f"/api/v1/batches/{batch['id']}",
        f"/api/v1/batches/{batch['id']}/items",
        f"/api/v1/batches/{batch['id']}/results.csv",
        f"/api/v1/batches/{batch['id']}/results.jsonl",
    ):
        assert requests.get(keyed.base + path, headers=as_("alice")).status_code == 200, path
        mine_not = requests.get(keyed.base + path, headers=as_("bob"))
        assert mine_not.status_code == 404, path
        assert mine_not.json()["error"]["code"] == "not_found"
    cancel = post(keyed, f"/api/v1/batches/{batch['id']}/cancel", "bob")
    assert cancel.status_code == 404

    def listed(owner: str, kind: str) -> set[str]:
        body = requests.get(f"{keyed.base}/api/v1/{kind}", headers=as_(owner)).json()
        return {item["id"] for item in body["items"]}

    assert job["id"] in listed("alice", "jobs") and job["id"] not in listed("bob", "jobs")
    assert batch["id"] in listed("alice", "batches")
    assert batch["id"] not in listed("bob", "batches")


def test_lists_page_newest_first_and_refuse_foreign_cursors(keyed):
    ids = [
        post(keyed, "/api/v1/jobs", "bob", json={"url": f"http://127.0.0.1:9/{i}.jpg"}).json()["id"]
        for i in range(3)
    ]
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = requests.get(f"{keyed.base}/api/v1/jobs", headers=as_("bob"), params=params).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen[:3] == ids[::-1]
    foreign = requests.get(
        f"{keyed.base}/api/v1/jobs", headers=as_("alice"), params={"cursor": ids[0]}
    )
    assert foreign.status_code == 400 and foreign.json()["error"]["code"] == "invalid_cursor"


def test_a_batch_costs_its_url_count_and_limits_are_per_key(keyed):
    """carol's budget: ITEMS_PER_MINUTE images. A batch of all of it passes, one more image is
    429 with Retry-After; bob's budget is untouched by carol's."""
    urls = [f"ftp://x/{i}.jpg" for i in range(ITEMS_PER_MINUTE)]
    first = post(keyed, "/api/v1/batches", "carol", json={"urls": urls})
    assert first.status_code == 202, first.text
    refused = post(keyed, "/api/v1/batches", "carol", json={"urls": ["ftp://x/a.jpg"] * 5})
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert "5" in refused.json()["error"]["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    single = post(keyed, "/api/v1/jobs", "carol", json={"url": "http://127.0.0.1:9/b.jpg"})
    assert single.status_code == 429
    polling = requests.get(f"{keyed.base}/api/v1/batches", headers=as_("carol"))
    assert polling.status_code == 200, "reading is not limited by the image budget"
    assert "Retry-After" not in polling.headers
    other = post(keyed, "/api/v1/batches", "bob", json={"urls": ["ftp://x/a.jpg"] * 5})
    assert other.status_code == 202


def test_start_says_whether_keys_are_required(keyed, service):
    assert re.search(r"API keys required", (keyed.log_dir / "api.log").read_text())
    open_log = (service.log_dir / "api.log").read_text()
    assert "no API keys configured" in open_log and "open to anyone" in open_log
