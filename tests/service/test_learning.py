"""The service learns a person end to end: enrol through the API, train on the queue, activate,
and every worker process answers with the new model without a restart."""

import pytest

from db.models import Job
from db.session import unit_of_work
from featurize import decode_image
from inference import Predictor, load_model
from tests.conftest import encode
from tests.service.helpers import pool_processes
from tests.service.learning import one_face_photos

NEW = "alexandra_daddario"  # in seed-celebrities, unknown to the shipped model
SHIPPED = load_model().pipeline  # what the service enrols and trains with


@pytest.fixture(scope="module")
def shipped():
    return Predictor(load_model())


@pytest.fixture(scope="module")
def new_person_photos(seed_dir, shipped):
    """(photos to enrol, photos to ask about later) of a person the shipped model lacks."""
    photos = one_face_photos(seed_dir / NEW, shipped, 14)
    return photos[:9], photos[9:]


def pool_pids(service) -> set[int]:
    return {process.pid for process in pool_processes(service)}


def test_enrol_train_activate_then_the_new_person_is_named(
    owner_client, new_person_photos, kept_photos
):
    client = owner_client()
    enrol, probes = new_person_photos
    before = [client.classify(p) for p in probes]
    assert all(job["answer"] in ("unknown", None) for job in before), before
    people = client.people()
    assert len(people) == 5, "an owner starts with the shipped model's people"
    shipped_examples = sum(p["examples"]["accepted"] for p in people.values())

    person = client.person(NEW)
    created = client.upload(person["id"], enrol)
    assert [e["status"] for e in created] == ["queued"] * len(enrol)
    examples = client.wait_examples(person["id"])
    accepted = [e for e in examples if e["status"] == "accepted"]
    assert len(accepted) == len(enrol), examples
    crop = client.get(accepted[0]["crop_url"])
    assert crop.headers["Content-Type"] == "image/jpeg" and crop.content[:3] == b"\xff\xd8\xff"
    assert client.get(f"/api/v1/people/{person['id']}").json()["examples"]["accepted"] == 9

    model = client.wait_model(client.train()["version"])
    assert model["status"] == "active", model
    assert sorted(p["name"] for p in model["people"])[0] == NEW
    assert len(model["people"]) == 6 and model["examples"] == shipped_examples + 9
    assert [row["model"] for row in model["model_table"]] == [
        "svm",
        "random_forest",
        "logistic_regression",
    ]
    assert model["held_out_accuracy"] >= 0.9
    assert model["pipeline"] == SHIPPED.name, "trained on the shipped model's pipeline"
    threshold = model["unknown_rule"]["distance_threshold"]
    assert SHIPPED.gate_prior / 2 <= threshold <= SHIPPED.gate_prior

    after = [client.classify(p) for p in probes]
    assert sum(job["answer"] == NEW for job in after) >= len(probes) - 1, after
    assert all(job["model"] == model["version"] for job in after)
    named = next(f for job in after for f in job["faces"] if f["label"] == NEW)
    assert named["person_id"] == person["id"] and named["distance"] <= threshold
    for path, name in kept_photos[::50]:
        assert client.classify(path)["answer"] == name, path


def test_two_workers_switch_without_restart_and_roll_back(owner_client, learning, kept_photos):
    """Both worker processes, started before the activation, answer with the new model; the
    same processes answer with the old one again after the older version is activated."""
    client = owner_client()
    shipped = load_model().version
    pids = pool_pids(learning)
    assert len(pids) == 2

    def batch_versions() -> tuple[set[str], set[int], list[str]]:
        items = client.classify_many([p for p, _ in kept_photos[::17][:12]])
        with unit_of_work(learning.env["DATABASE_URL"]) as session:
            holders = {session.get(Job, item["id"]).claimed_by for item in items}
        return (
            {item["model"] for item in items},
            {int(h.rpartition(":")[2]) for h in holders},
            [item["answer"] for item in items],
        )

    versions, served_by, answers = batch_versions()
    assert versions == {shipped} and served_by == pids, "both serve the old model first"
    federer = client.people()["roger_federer"]["id"]
    renamed = client.request("PATCH", f"/api/v1/people/{federer}", json={"name": "Roger"})
    assert renamed.status_code == 200
    model = client.wait_model(client.train()["version"])
    assert model["status"] == "active"

    versions, served_by, answers = batch_versions()
    assert versions == {model["version"]} and served_by == pids
    assert "Roger" in answers and "roger_federer" not in answers

    rolled = client.post(f"/api/v1/models/{shipped}/activate")
    assert rolled.status_code == 200 and rolled.json()["status"] == "active"
    assert client.get(f"/api/v1/models/{model['version']}").json()["status"] == "retired"
    versions, served_by, answers = batch_versions()
    assert versions == {shipped} and served_by == pids
    assert "Roger" not in answers
    assert pool_pids(learning) == pids, "no worker process was restarted"


def test_people_crud_merge_and_appearances(owner_client, kept_photos):
    client = owner_client()
    people = client.people()
    assert set(people) == set(load_model().classes)
    assert all(p["shipped"] and p["examples"]["accepted"] > 20 for p in people.values())
    assert client.post("/api/v1/people", json={"name": "virat_kohli"}).status_code == 409

    twin = client.person("Virat (second entry)")
    kohli_photos = [p for p, name in kept_photos if name == "virat_kohli"][:3]
    mirrored = encode(decode_image(kohli_photos[1].read_bytes())[:, ::-1].copy(), ".jpg")
    client.upload(twin["id"], [kohli_photos[0], ("mirrored.jpg", mirrored)])
    examples = {e["filename"]: e for e in client.wait_examples(twin["id"])}
    duplicate, fresh = examples[kohli_photos[0].name], examples["mirrored.jpg"]
    assert (
        duplicate["reason"]["code"] == "duplicate"
        and "virat_kohli" in duplicate["reason"]["message"]
    )
    assert fresh["status"] == "accepted"
    kohli = people["virat_kohli"]["id"]
    merged = client.post(f"/api/v1/people/{twin['id']}/merge", json={"into": kohli})
    assert merged.status_code == 200 and merged.json()["name"] == "virat_kohli"
    assert (
        merged.json()["examples"]["accepted"] == people["virat_kohli"]["examples"]["accepted"] + 1
    )
    assert client.get(f"/api/v1/people/{twin['id']}").status_code == 404

    jobs = [client.classify(p) for p in kohli_photos]
    assert all(job["answer"] == "virat_kohli" for job in jobs)
    page = client.get(f"/api/v1/people/{kohli}/appearances", params={"limit": 2}).json()
    assert [a["job_id"] for a in page["items"]] == [jobs[2]["id"], jobs[1]["id"]]
    rest = client.get(
        f"/api/v1/people/{kohli}/appearances", params={"limit": 2, "cursor": page["next_cursor"]}
    ).json()
    assert [a["job_id"] for a in rest["items"]] == [jobs[0]["id"]] and rest["next_cursor"] is None
    assert all(
        a["faces"] and a["faces"][0]["distance"] <= SHIPPED.gate_prior for a in page["items"]
    )

    assert client.request("DELETE", f"/api/v1/people/{kohli}").status_code == 204
    assert client.get(f"/api/v1/people/{kohli}/appearances").status_code == 404
    after = client.classify(kohli_photos[0])
    assert after["answer"] == "unknown", "a deleted person is not named from the next job on"
    assert "virat_kohli" not in client.get("/api/v1/classes").json()["classes"]
