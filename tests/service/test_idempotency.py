"""Idempotency-Key through the real service (gunicorn with several processes, both
databases): retries replay the first answer, concurrent duplicates make one batch, and a
slow or dead first request and the retry that takes its key over make one batch too."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.service.fixtures import running_service
from tests.service.helpers import url_for_photo

PARALLEL = 8
ABANDONED_S = 2  # a key in progress this long may be taken over (300 s by default)


@pytest.fixture(scope="module")
def api(own_database_url, redis_url, tmp_path_factory):
    """The service with an API of four processes, so duplicates really run side by side."""
    logs = tmp_path_factory.mktemp("idempotency")
    with running_service(
        own_database_url,
        redis_url,
        logs,
        api_processes=4,
        CELEBCLF_RATE_LIMIT_ITEMS="1000000/minute",
        CELEBCLF_IDEMPOTENCY_ABANDONED=str(ABANDONED_S),
    ) as service:
        yield service


def post(service, path: str, key: str | None = None, **kwargs) -> requests.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return requests.post(f"{service.base}{path}", headers=headers, timeout=30, **kwargs)


def batches(service) -> list[str]:
    ids, cursor = [], None
    while True:
        page = service.get("/api/v1/batches", params={"limit": 100, "cursor": cursor}).json()
        ids += [batch["id"] for batch in page["items"]]
        if not (cursor := page["next_cursor"]):
            return ids


def test_a_retry_replays_the_first_answer(api, photos, kept_photos):
    base, root = photos
    body = {"urls": [url_for_photo(base, root, kept_photos[0][0])]}
    first = post(api, "/api/v1/batches", "retry-1", json=body)
    again = post(api, "/api/v1/batches", "retry-1", json=body)
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert batches(api).count(first.json()["id"]) == 1
    other = post(api, "/api/v1/batches", "retry-2", json=body)
    assert other.json()["id"] != first.json()["id"], "another key is another batch"


def test_the_same_key_with_another_body_is_refused(api):
    first = post(api, "/api/v1/jobs", "mismatch", json={"url": "http://127.0.0.1:9/a.jpg"})
    assert first.status_code == 202
    other = post(api, "/api/v1/jobs", "mismatch", json={"url": "http://127.0.0.1:9/b.jpg"})
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_mismatch"
    reordered = post(api, "/api/v1/jobs", "mismatch", json={"url": "http://127.0.0.1:9/a.jpg"})
    assert reordered.json() == first.json()


def test_an_upload_retried_with_a_new_multipart_boundary_is_the_same_request(api, kept_photos):
    path = kept_photos[1][0]
    answers = [
        post(api, "/api/v1/jobs", "upload-1", files={"file": (path.name, path.read_bytes())})
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json()["id"] == answers[1].json()["id"]


def test_an_error_answer_is_not_kept(api):
    bad = post(api, "/api/v1/jobs", "fix-and-retry", json={"url": "ftp://nowhere"})
    assert bad.status_code == 400
    fixed = post(api, "/api/v1/jobs", "fix-and-retry", json={"url": "http://127.0.0.1:9/c.jpg"})
    assert fixed.status_code == 202, "the key was released with the error"


def test_a_bad_key_is_a_clear_error(api):
    response = post(api, "/api/v1/jobs", "x" * 256, json={"url": "http://127.0.0.1:9/d.jpg"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"


def test_concurrent_duplicates_create_exactly_one_batch(api, photos, kept_photos):
    base, root = photos
    body = {"urls": [url_for_photo(base, root, path) for path, _ in kept_photos[:5]]}
    before = set(batches(api))
    with ThreadPoolExecutor(PARALLEL) as pool:
        answers = list(
            pool.map(lambda _: post(api, "/api/v1/batches", "race-1", json=body), range(PARALLEL))
        )
    assert [a.status_code for a in answers] == [202] * PARALLEL, [a.text for a in answers]
    created = set(batches(api)) - before
    assert len(created) == 1
    assert {a.json()["id"] for a in answers} == created
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == PARALLEL - 1
    assert api.wait_batch(created.pop())["counts"]["succeeded"] == 5


def test_a_slow_first_request_and_its_takeover_make_one_batch(
    api, own_database_url, photos, kept_photos
):
    """The first request holds its key but waits inside its transaction (a table lock) past
    the takeover time; a retry takes the key over; then both go on. Before the work was bound
    to the key in its own transaction, both committed a batch."""
    if not own_database_url.startswith("postgresql"):
        pytest.skip("needs a lock that stops inserts but not the key's row: PostgreSQL's")
    base, root = photos
    body = {"urls": [url_for_photo(base, root, kept_photos[2][0])]}
    before = set(batches(api))
    engine = create_engine(own_database_url)
    with engine.connect() as lock, ThreadPoolExecutor(2) as pool:
        lock.execute(text("LOCK TABLE batches IN SHARE MODE"))  # held until the rollback
        first = pool.submit(post, api, "/api/v1/batches", "slow-1", json=body)
        time.sleep(ABANDONED_S + 1.5)  # the first holds the key, stuck on its insert
        second = pool.submit(post, api, "/api/v1/batches", "slow-1", json=body)
        time.sleep(1.5)  # the second has taken the key over and is stuck on its insert too
        lock.rollback()
        answers = [first.result(), second.result()]
    engine.dispose()
    assert [a.status_code for a in answers] == [202, 202], [a.text for a in answers]
    created = set(batches(api)) - before
    assert len(created) == 1, "a slow request and its takeover both wrote a batch"
    assert {a.json()["id"] for a in answers} == created
    assert answers[0].headers.get("Idempotent-Replayed") == "true", "the slow one lost the key"


def test_a_request_that_died_after_writing_its_work_is_answered_with_that_work(
    api, own_database_url, photos, kept_photos
):
    """The first request's work is committed but it died before keeping its answer (made so
    by clearing the kept answer): a retry past the takeover time gets that work, not a new
    batch."""
    base, root = photos
    body = {"urls": [url_for_photo(base, root, kept_photos[3][0])]}
    first = post(api, "/api/v1/batches", "died-1", json=body)
    assert first.status_code == 202
    engine = create_engine(own_database_url)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE idempotency_keys SET status_code = NULL, body = NULL WHERE key = 'died-1'")
        )
    engine.dispose()
    before = set(batches(api))
    retry = post(api, "/api/v1/batches", "died-1", json=body)
    assert retry.status_code == 202, retry.text
    assert retry.json()["id"] == first.json()["id"]
    assert retry.headers["Location"] == first.headers["Location"]
    assert set(batches(api)) == before, "no second batch"
