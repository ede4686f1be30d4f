"""Webhooks through the real service: signed events a Standard Webhooks library accepts,
retries with one webhook-id, attempts visible, private receivers refused at submit."""

import itertools
import json
import threading
import time
from datetime import datetime, timedelta

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from cli.embedded_redis import free_port
from config.api_keys import digest
from db.deliveries import EVENTS
from db.models import DeliveryStatus, Job, JobStatus, WebhookDelivery, new_id, utcnow
from db.session import unit_of_work
from tests.service.fixtures import running_service
from tests.service.helpers import url_for_photo
from tests.service.learning import Client
from tests.service.receiver import receiver
from webhooks.signing import new_message_id

OWNERS = 12
RETRY_WAITS = "1,1"  # three attempts in all
OVERLAP_S = 6  # a rotated secret signs next to the new one this long


def owner_key(index: int) -> str:
    return f"ck_hooks_owner{index}_for_tests"


@pytest.fixture(scope="module")
def hooked(own_database_url, redis_url, tmp_path_factory):
    """A keyed service (one owner per test) with quick retries and progress events."""
    logs, port = tmp_path_factory.mktemp("hooks"), free_port()
    keys = ",".join(f"hooks{i}:{digest(owner_key(i))}" for i in range(OWNERS))
    with running_service(
        own_database_url,
        redis_url,
        logs,
        CELEBCLF_API_KEYS=keys,
        CELEBCLF_WEBHOOK_RETRY_SCHEDULE=RETRY_WAITS,
        CELEBCLF_WEBHOOK_PROGRESS_INTERVAL="0",
        CELEBCLF_WEBHOOK_TIMEOUT="3",
        CELEBCLF_WEBHOOK_SECRET_OVERLAP=str(OVERLAP_S),
        CELEBCLF_RATE_LIMIT_ITEMS="1000000/minute",
        CELEBCLF_WORKER_METRICS_PORT=str(port),
    ) as service:
        service.owners_taken = 0
        service.worker_metrics = f"http://127.0.0.1:{port}/metrics"
        yield service


@pytest.fixture
def client(hooked) -> Client:
    index = hooked.owners_taken
    hooked.owners_taken += 1
    return Client(hooked, owner_key(index))


@pytest.fixture
def hook():
    """A receiver per test: what it records is that test's alone."""
    with receiver() as running:
        yield running


def secret_for(client: Client) -> str:
    response = client.post("/api/v1/webhooks/secret")
    assert response.status_code == 201, response.text
    secret = response.json()["secret"]
    assert secret.startswith("whsec_")
    assert response.json()["previous_valid_until"] is None, "a first secret replaces none"
    return secret


def wait_until(found, timeout: float = 60):
    """``found()`` once it is truthy; fails the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := found():
            return result
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s")


OPEN_STATUSES = (DeliveryStatus.pending, DeliveryStatus.sending)


def settled_deliveries(client: Client, path: str) -> list[dict]:
    """The deliveries listed at ``path`` once none is still pending or sending: a receiver
    has answered before the worker records the answer, so reading at once can race it."""

    def listed():
        items = client.get(path).json()["items"]
        return items if all(d["status"] not in OPEN_STATUSES for d in items) else None

    return wait_until(listed, timeout=30)


def verified(secret: str, request) -> dict:
    """The event, checked by the Standard Webhooks reference library (raises if forged)."""
    return Webhook(secret).verify(request.body, request.headers)


def test_batch_events_are_signed_and_carry_the_batch_as_get_returns_it(
    client, hook, photos, kept_photos
):
    secret = secret_for(client)
    base, root = photos
    urls = [url_for_photo(base, root, path) for path, _ in kept_photos[:2]]
    # the last to end: progress events go while it is held (a progress event still unsent
    # when the final one is written is skipped, not sent)
    urls.append(url_for_photo(base, root, kept_photos[2][0], delay_s=3))
    urls.append("http://127.0.0.1:9/gone.jpg")
    response = client.post(
        "/api/v1/batches",
        json={
            "urls": urls,
            "webhook": f"{hook.base}/batch",
            "webhook_events": ["completed", "progress"],
        },
    )
    assert response.status_code == 202, response.text
    batch = response.json()
    assert batch["webhook"] == {"url": f"{hook.base}/batch", "events": ["completed", "progress"]}
    final = client.wait_batch(batch["id"])

    def events():
        return [verified(secret, r) for r in hook.at("/batch")]

    completed = wait_until(lambda: [e for e in events() if e["type"] == "batch.completed"])
    assert len(completed) == 1
    assert completed[0]["data"] == json.loads(json.dumps(final))
    assert completed[0]["data"]["counts"]["failed"] == 1
    progress = [e for e in events() if e["type"] == "batch.progress"]
    assert progress, "progress events, at most every 0 s, while items ended"
    assert all(e["data"]["status"] in ("queued", "running") for e in progress)
    ids = [r.headers["webhook-id"] for r in hook.at("/batch")]
    assert len(set(ids)) == len(ids), "one webhook-id per event"

    listed = settled_deliveries(client, f"/api/v1/batches/{batch['id']}/deliveries")
    sent = [d for d in listed if d["status"] != "skipped"]
    skipped = [d["event"] for d in listed if d["status"] == "skipped"]
    assert set(skipped) <= {"batch.progress"}, "only a progress event the final one made stale"
    assert sorted(d["id"] for d in sent) == sorted(ids)
    assert all(d["status"] == "succeeded" and d["attempts"] == 1 for d in sent)
    assert all(d["tries"][0]["status_code"] == 200 for d in sent)


def test_a_progress_event_never_reaches_the_receiver_after_the_final_one(
    client, hook, photos, kept_photos
):
    """The receiver holds the first progress event until the final one arrives (or its sender
    gives up on it), then answers 500: its retry would come after the final event. It must not
    come at all, and the final event must not overtake the held one."""
    secret = secret_for(client)
    final_seen, held = threading.Event(), []

    def answer(request) -> int:
        event = json.loads(request.body)["type"]
        if event == "batch.progress" and not held:
            held.append(request)
            final_seen.wait(timeout=15)
            return 500
        if event in ("batch.completed", "batch.failed"):
            final_seen.set()
        return 200

    hook.answer_with = answer
    base, root = photos
    urls = ["http://127.0.0.1:9/gone.jpg", url_for_photo(base, root, kept_photos[0][0], delay_s=2)]
    response = client.post(
        "/api/v1/batches",
        json={"urls": urls, "webhook": f"{hook.base}/order", "webhook_events": list(EVENTS)},
    )
    assert response.status_code == 202, response.text
    batch = client.wait_batch(response.json()["id"])
    assert batch["counts"]["succeeded"] == 1
    listed = settled_deliveries(client, f"/api/v1/batches/{batch['id']}/deliveries")
    assert held, "a progress event was sent while the batch ran"
    types = [verified(secret, r)["type"] for r in hook.at("/order")]
    assert types.count("batch.completed") == 1
    assert "batch.progress" not in types[types.index("batch.completed") :], types
    by_event = {d["event"]: d for d in listed}
    assert by_event["batch.completed"]["status"] == "succeeded"
    progress = [d for d in listed if d["event"] == "batch.progress"]
    assert [d["status"] for d in progress] == ["skipped"], "its retry was dropped, not sent"


def delivery_counts(client: Client) -> dict[str, float]:
    """The worker's celebclf_webhook_deliveries_total by outcome."""
    response = requests.get(client.service.worker_metrics, headers=client.headers, timeout=10)
    return {
        s.labels["outcome"]: s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
        if s.name == "celebclf_webhook_deliveries_total"
    }


def settled_counts(client: Client) -> dict[str, float]:
    """The counters once every delivery so far has ended and each of its attempts is counted:
    a change after this is the next test's alone (a batch's last progress event, say, can
    still be on its way when the batch's test has ended)."""

    def settled():
        with unit_of_work(client.service.env["DATABASE_URL"]) as session:
            still_open = session.scalar(
                select(func.count()).where(WebhookDelivery.status.in_(OPEN_STATUSES))
            )
            attempts = session.scalar(select(func.coalesce(func.sum(WebhookDelivery.attempts), 0)))
        counts = delivery_counts(client)
        return (counts,) if still_open == 0 and sum(counts.values()) == attempts else None

    return wait_until(settled, timeout=30)[0]


def test_a_failing_receiver_gets_the_same_event_again_until_it_answers(client, hook):
    secret = secret_for(client)
    before = settled_counts(client)
    hook.answers["/flaky"] = [500, 503]
    job = client.post(
        "/api/v1/jobs",
        json={"url": "http://127.0.0.1:9/gone.jpg", "webhook": f"{hook.base}/flaky"},
    ).json()
    requests_seen = hook.wait_for("/flaky", 3)
    assert len({r.headers["webhook-id"] for r in requests_seen}) == 1
    assert all(verified(secret, r)["type"] == "job.failed" for r in requests_seen)
    gaps = [b.at - a.at for a, b in itertools.pairwise(requests_seen)]
    assert all(gap >= 0.9 for gap in gaps), f"retries wait their schedule: {gaps}"
    (delivery,) = settled_deliveries(client, f"/api/v1/jobs/{job['id']}/deliveries")
    assert delivery["status"] == "succeeded"
    assert [t["status_code"] for t in delivery["tries"]] == [500, 503, 200]

    def moved():
        after = delivery_counts(client)
        return {o: n - before.get(o, 0) for o, n in after.items() if n != before.get(o, 0)}

    assert wait_until(lambda: moved() == {"delivered": 1, "retry": 2}, timeout=10)


def test_a_receiver_that_never_answers_2xx_is_given_up_after_the_schedule(client, hook):
    secret_for(client)
    hook.answers["/down"] = [500] * 10
    job = client.post(
        "/api/v1/jobs",
        json={
            "url": "http://127.0.0.1:9/gone.jpg",
            "webhook": f"{hook.base}/down",
            "webhook_events": ["failed"],
        },
    ).json()
    hook.wait_for("/down", 3)

    def delivery():
        (only,) = client.get(f"/api/v1/jobs/{job['id']}/deliveries").json()["items"]
        return only

    wait_until(lambda: delivery()["status"] == "failed")
    delivery = delivery()
    assert delivery["status"] == "failed"
    assert delivery["attempts"] == 3
    assert delivery["next_attempt_at"] is None
    assert len(hook.at("/down")) == 3


def test_submit_refuses_a_webhook_it_could_not_sign_or_must_not_reach(client, hook):
    url = "http://127.0.0.1:9/gone.jpg"
    response = client.post("/api/v1/jobs", json={"url": url, "webhook": f"{hook.base}/x"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "no_webhook_secret"
    secret_for(client)
    for webhook, code in [
        ("http://169.254.169.254/latest", "webhook_blocked"),  # not in the allowed networks
        ("http://10.1.2.3/hook", "webhook_blocked"),
        ("ftp://example.org/hook", "invalid_webhook"),
    ]:
        response = client.post("/api/v1/batches", json={"urls": [url], "webhook": webhook})
        assert response.status_code == 422, (webhook, response.text)
        assert response.json()["error"]["code"] == code
    response = client.post(
        "/api/v1/jobs",
        json={"url": url, "webhook": f"{hook.base}/x", "webhook_events": ["finished"]},
    )
    assert response.status_code == 422
    listed = client.get("/api/v1/batches").json()["items"]
    assert listed == [], "a refused submit creates nothing"


def test_multipart_submit_takes_the_webhook_fields(client, hook, kept_photos):
    secret = secret_for(client)
    path, person = kept_photos[0]
    response = client.post(
        "/api/v1/jobs",
        files={"file": (path.name, path.read_bytes())},
        data={"webhook": f"{hook.base}/upload", "webhook_events": "completed,failed"},
    )
    assert response.status_code == 202, response.text
    job = client.wait_job(response.json()["id"])
    (request,) = hook.wait_for("/upload", 1)
    event = verified(secret, request)
    assert event["type"] == "job.completed"
    assert event["data"]["answer"] == person == job["answer"]


def test_a_rotated_secret_signs_next_to_the_new_one_until_the_overlap_ends(client, hook):
    """During the overlap a receiver holding either secret accepts every attempt (a retry of
    an older event too); after it, only the new secret's."""
    old = secret_for(client)
    hook.answers["/rotate"] = [500]
    client.post(
        "/api/v1/jobs",
        json={"url": "http://127.0.0.1:9/gone.jpg", "webhook": f"{hook.base}/rotate"},
    )
    first = hook.wait_for("/rotate", 1)[0]
    verified(old, first)
    assert len(first.headers["webhook-signature"].split()) == 1, "one secret before a rotation"
    rotated = client.post("/api/v1/webhooks/secret").json()
    new = rotated["secret"]
    until = datetime.fromisoformat(rotated["previous_valid_until"])
    assert until - datetime.fromisoformat(rotated["created_at"]) == timedelta(seconds=OVERLAP_S)
    second = hook.wait_for("/rotate", 2)[1]
    assert second.at < until.timestamp(), "the retry came after the overlap: make it longer"
    assert verified(old, second) == verified(new, second)
    assert len(second.headers["webhook-signature"].split()) == 2

    time.sleep(max(0.0, until.timestamp() - time.time()) + 0.5)
    client.post(
        "/api/v1/jobs",
        json={"url": "http://127.0.0.1:9/gone.jpg", "webhook": f"{hook.base}/after"},
    )
    (after,) = hook.wait_for("/after", 1)
    verified(new, after)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        verified(old, after)


def test_another_owners_deliveries_are_not_found(hooked, client, hook):
    secret_for(client)
    job = client.post(
        "/api/v1/jobs",
        json={"url": "http://127.0.0.1:9/gone.jpg", "webhook": f"{hook.base}/mine"},
    ).json()
    other = Client(hooked, owner_key(OWNERS - 1))  # no test before takes the last owner
    assert other.get(f"/api/v1/jobs/{job['id']}/deliveries").status_code == 404


def test_events_whose_writer_died_are_written_and_sent_by_the_sweeper(hooked, client, hook):
    """A worker that died after ending a job but before writing its event, and one that died
    mid-send: the sweeper writes the first event and sends the second again, same id."""
    secret = secret_for(client)
    owner, now = f"hooks{hooked.owners_taken - 1}", utcnow()  # the client's owner
    with unit_of_work(hooked.env["DATABASE_URL"]) as session:
        orphan = Job(
            id=new_id(),
            owner=owner,
            source="url",
            url="http://127.0.0.1:9/e.jpg",
            status=JobStatus.failed,
            error_code="fetch_failed",
            error_message="cannot connect",
            finished_at=now,
            webhook_url=f"{hook.base}/orphan",
            webhook_events="completed,failed",
            webhook_due=True,
        )
        session.add(orphan)
        session.flush()
        stuck = WebhookDelivery(
            id=new_message_id(),
            owner=owner,
            job_id=orphan.id,
            event="job.failed",
            url=f"{hook.base}/stuck",
            body=json.dumps({"type": "job.failed", "data": {"id": orphan.id}}),
            status=DeliveryStatus.sending,
            attempts=1,
            tries=[],
            next_attempt_at=now - timedelta(minutes=10),
            claimed_at=now - timedelta(minutes=10),
        )
        session.add(stuck)
    (written,) = hook.wait_for("/orphan", 1)
    event = verified(secret, written)
    assert event["type"] == "job.failed"
    assert event["data"]["error"]["code"] == "fetch_failed"
    (resent,) = hook.wait_for("/stuck", 1)
    assert resent.headers["webhook-id"] == stuck.id
    assert verified(secret, resent)["data"] == {"id": orphan.id}
