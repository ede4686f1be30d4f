"""Issue 23: an accepted example names its person on the next job, before any training run,
and stops naming them as soon as it or the person is deleted; search by face finds a person's
jobs among the owner's faces, and another owner's faces stay out of reach."""

import base64

import numpy as np
import pytest

from inference import Predictor, load_model
from tests.conftest import encode
from tests.service.learning import one_face_photos

NEW = "alexandra_daddario"  # in seed-celebrities, unknown to the shipped model
STRANGERS = ("charles_leclerc", "lisa_vicari", "max_verstappen")


@pytest.fixture(scope="module")
def shipped():
    return Predictor(load_model())


@pytest.fixture(scope="module")
def new_person(seed_dir, shipped):
    """(photos to enrol, photos to ask about) of a person the shipped model lacks."""
    photos = one_face_photos(seed_dir / NEW, shipped, 9)
    return photos[:5], photos[5:]


def answers(client, probes) -> list[dict]:
    return [client.classify(p) for p in probes]


def enrol(client, photos, person: dict | None = None) -> tuple[dict, list[dict]]:
    person = person or client.person(NEW)
    client.upload(person["id"], photos)
    examples = client.wait_examples(person["id"])
    assert all(e["status"] == "accepted" for e in examples), examples
    return person, examples


def test_an_accepted_example_names_its_person_at_once_and_deletion_undoes_it(
    owner_client, new_person, kept_photos
):
    client = owner_client()
    photos, probes = new_person
    shipped_version = load_model().version
    assert all(job["answer"] == "unknown" for job in answers(client, probes))

    person, examples = enrol(client, photos)
    jobs = answers(client, probes)
    assert sum(job["answer"] == NEW for job in jobs) >= len(probes) - 1, jobs
    named = [f for job in jobs for f in job["faces"] if f["label"] == NEW]
    assert all(f["rule"] == "gallery" and f["person_id"] == person["id"] for f in named)
    assert all(job["model"] == shipped_version for job in jobs), "no training run"
    assert [m["version"] for m in client.get("/api/v1/models").json()["items"]] == [shipped_version]
    known = client.classify(kept_photos[0][0])
    assert known["answer"] == kept_photos[0][1] and known["faces"][0]["rule"] == "model"

    for example in examples:
        path = f"/api/v1/people/{person['id']}/examples/{example['id']}"
        assert client.request("DELETE", path).status_code == 204
    assert all(job["answer"] == "unknown" for job in answers(client, probes)), "examples gone"

    enrol(client, photos, person)
    assert sum(job["answer"] == NEW for job in answers(client, probes)) >= len(probes) - 1
    assert client.request("DELETE", f"/api/v1/people/{person['id']}").status_code == 204
    assert all(job["answer"] == "unknown" for job in answers(client, probes)), "person gone"


@pytest.fixture(scope="module")
def strangers(seed_dir, shipped):
    """Per person of seed-celebrities: (photos to submit as jobs, a photo to search with)."""
    chosen = {}
    for name in (NEW, *STRANGERS):
        photos = one_face_photos(seed_dir / name, shipped, 4)
        chosen[name] = (photos[:3], photos[3])
    return chosen


def test_search_by_face_finds_the_persons_jobs_first(owner_client, strangers, kept_photos):
    client, other = owner_client(), owner_client()
    submitted = [p for photos, _ in strangers.values() for p in photos]
    items = client.classify_many(submitted + [p for p, _ in kept_photos[::60]])
    job_of = {item["filename"]: item["id"] for item in items}

    for name, (photos, probe) in strangers.items():
        response = client.post(
            "/api/v1/faces/search", params={"limit": 5}, files={"file": probe.read_bytes()}
        )
        assert response.status_code == 200, response.text
        found = response.json()["items"]
        assert len(found) == 5
        assert [f["distance"] for f in found] == sorted(f["distance"] for f in found)
        assert {f["job_id"] for f in found[:3]} == {job_of[p.name] for p in photos}, name
        assert all(f["label"] == "unknown" and f["batch_id"] for f in found[:3])

    probe = strangers[NEW][1]
    by_base64 = client.post(
        "/api/v1/faces/search", json={"image_base64": base64.b64encode(probe.read_bytes()).decode()}
    )
    assert by_base64.status_code == 200 and len(by_base64.json()["items"]) == 10
    crop = client.get(by_base64.json()["items"][0]["crop_url"])
    assert crop.headers["Content-Type"] == "image/jpeg" and crop.content[:3] == b"\xff\xd8\xff"

    assert other.get(by_base64.json()["items"][0]["crop_url"]).status_code == 404
    theirs = other.post("/api/v1/faces/search", files={"file": probe.read_bytes()})
    assert theirs.status_code == 200 and theirs.json()["items"] == []


def test_search_by_face_answers_bad_input_with_4xx(owner_client):
    client = owner_client()
    search = "/api/v1/faces/search"
    blank = encode(np.full((200, 200, 3), 128, dtype=np.uint8), ".jpg")
    cases = [
        (client.post(search, files={"file": blank}), 422, "no_face"),
        (client.post(search, files={"file": b"not an image"}), 400, "not_an_image"),
        (client.post(search, files={"photo": blank}), 422, "invalid_request"),
        (client.post(search, json={"image_base64": "!!"}), 400, "invalid_base64"),
        (client.post(search, json={}), 422, None),
        (client.post(search, data="x", headers={"Content-Type": "text/plain"}), 415, None),
        (client.post(search, params={"limit": 0}, files={"file": blank}), 422, None),
        (client.post(search, json={"url": "http://169.254.169.254/a.jpg"}), 422, "blocked_address"),
        (client.get("/api/v1/faces/999999999/crop"), 404, "not_found"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, response.text
        assert "error" in response.json()
        if code:
            assert response.json()["error"]["code"] == code
