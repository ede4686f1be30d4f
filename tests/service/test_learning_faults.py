"""Training runs that go wrong: killed by PID, too few people, a person deleted mid-run.
Whatever happens, nothing half-written is activated and the previous model keeps answering."""

import os
import signal
import time

import pytest
from sqlalchemy import select

from db.models import ModelVersion
from db.session import unit_of_work
from inference import load_model
from tests.service.fixtures import fresh_database, running_service
from tests.service.learning import Client

SHIPPED = load_model().version


def run_row(service, version: str) -> ModelVersion:
    with unit_of_work(service.env["DATABASE_URL"]) as session:
        return session.scalars(select(ModelVersion).where(ModelVersion.version == version)).one()


def wait_snapshot(service, version: str, timeout: float = 60) -> ModelVersion:
    """The run once it is training and has read its examples: killed or changed now, it is
    mid-way."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = run_row(service, version)
        if row.status == "training" and row.snapshot_at is not None:
            return row
        assert row.status in ("queued", "training"), (
            f"the run ended before it could be caught: {row.status}"
        )
        time.sleep(0.02)
    raise TimeoutError(f"run {version} never started training")


def test_training_killed_by_pid_is_retried_and_the_old_model_answers_meanwhile(
    owner_client, learning
):
    client = owner_client()
    assert client.get("/api/v1/classes").json()["model"] == SHIPPED
    version = client.train()["version"]
    row = wait_snapshot(learning, version)
    pid = int(row.claimed_by.rpartition(":")[2])
    os.kill(pid, signal.SIGKILL)
    answered_before_ready = []
    deadline = time.monotonic() + 120
    while True:
        # The model that answers is read before the run's status, so a new model seen here
        # must already be active when the status is read.
        answering = client.get("/api/v1/classes").json()["model"]
        status = client.get(f"/api/v1/models/{version}").json()["status"]
        if status in ("active", "failed"):
            break
        assert time.monotonic() < deadline, status
        answered_before_ready.append(answering)
        time.sleep(0.2)
    assert answered_before_ready and set(answered_before_ready) == {SHIPPED}, (
        "the previous model answered until the run was ready"
    )
    model = client.get(f"/api/v1/models/{version}").json()
    assert model["status"] == "active" and model["attempts"] == 2, model
    assert client.get("/api/v1/classes").json()["model"] == version


def test_fewer_than_two_people_fails_clearly_and_the_active_model_stays(owner_client):
    client = owner_client()
    people = client.people()
    for name in list(people)[1:]:
        assert client.request("DELETE", f"/api/v1/people/{people[name]['id']}").status_code == 204
    client.person("No examples yet")
    model = client.wait_model(client.train()["version"])
    assert model["status"] == "failed" and model["error"]["code"] == "too_few_people"
    assert "at least 2 people" in model["error"]["message"]
    assert "No examples yet (0)" in model["error"]["message"]
    assert client.get("/api/v1/classes").json()["model"] == SHIPPED


def test_a_person_deleted_while_the_run_trains_is_never_named_again(
    owner_client, learning, kept_photos
):
    client = owner_client()
    sharapova = client.people()["maria_sharapova"]
    photo = next(p for p, name in kept_photos if name == "maria_sharapova")
    assert client.classify(photo)["answer"] == "maria_sharapova"
    version = client.train()["version"]
    wait_snapshot(learning, version)
    assert client.request("DELETE", f"/api/v1/people/{sharapova['id']}").status_code == 204
    model = client.wait_model(version)
    assert model["status"] == "ready", "a model that names a deleted person is not activated"
    assert "maria_sharapova" in model["note"]
    assert client.get("/api/v1/classes").json()["model"] == SHIPPED
    assert client.classify(photo)["answer"] == "unknown"


@pytest.fixture(scope="module")
def auto_training(learning, redis_url, tmp_path_factory):
    """A service that trains on its own 2 s after a change, on a database like learning's."""
    from config.api_keys import digest

    logs = tmp_path_factory.mktemp("auto")
    kind = learning.env["DATABASE_URL"].split(":", 1)[0].split("+")[0]
    key = "ck_auto_training_owner"
    with (
        fresh_database(kind, logs) as url,
        running_service(
            url,
            redis_url,
            logs,
            workers=1,
            CELEBCLF_API_KEYS=f"auto-owner:{digest(key)}",
            CELEBCLF_AUTO_TRAIN_AFTER_S="2",
        ) as service,
    ):
        yield Client(service, key)


def test_changes_train_and_activate_after_a_quiet_period(auto_training, seed_dir):
    client = auto_training
    assert [m["trigger"] for m in client.get("/api/v1/models").json()["items"]] == ["shipped"]
    person = client.person("lisa_vicari")
    client.upload(person["id"], sorted((seed_dir / "lisa_vicari").iterdir())[:6])
    client.wait_examples(person["id"])
    deadline = time.monotonic() + 120
    while True:
        models = client.get("/api/v1/models").json()["items"]
        if models[0]["trigger"] == "auto" and models[0]["status"] in ("active", "failed"):
            break
        assert time.monotonic() < deadline, models
        time.sleep(0.5)
    assert models[0]["status"] == "active", models[0]
    assert "lisa_vicari" in client.get("/api/v1/classes").json()["classes"]
    time.sleep(5)  # quiet: nothing changed since that run read the examples
    assert len(client.get("/api/v1/models").json()["items"]) == 2, "one run for many changes"
