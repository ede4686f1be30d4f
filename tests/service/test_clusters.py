"""Unknown faces become people: photos of four strangers cluster one person per cluster as
their jobs finish; a cluster is named in one step; a rejected face stays out, even after a
recluster; another owner sees none of it."""

import collections

import pytest

from inference import Predictor, load_model
from tests.service.learning import one_face_photos
from tests.service.test_learning_cli import celebclf

STRANGERS = ("alexandra_daddario", "charles_leclerc", "lisa_vicari", "max_verstappen")
PER_PERSON = 5


@pytest.fixture(scope="module")
def strangers(seed_dir) -> dict[str, list]:
    """Per stranger: PER_PERSON photos to cluster, then one to ask about later."""
    shipped = Predictor(load_model())
    return {name: one_face_photos(seed_dir / name, shipped, PER_PERSON + 1) for name in STRANGERS}


def clusters_of(client) -> list[dict]:
    response = client.get("/api/v1/faces/clusters", params={"limit": 100})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def faces_of(client, cluster_id: str) -> list[dict]:
    response = client.get(f"/api/v1/faces/clusters/{cluster_id}", params={"limit": 200})
    assert response.status_code == 200, response.text
    return response.json()["items"]


@pytest.fixture(scope="module")
def clustered(learning, strangers):
    """(client, the clusters, person of each job) after one batch of the strangers' photos."""
    from tests.service.fixtures import take_owner

    client = take_owner(learning)[0]
    photos = [path for paths in strangers.values() for path in paths[:PER_PERSON]]
    items = client.classify_many(photos)
    assert all(item["answer"] in ("unknown", None) for item in items), items
    person_of = {item["id"]: item["filename"] for item in items}
    person_of = {
        job: name
        for job, file in person_of.items()
        for name in STRANGERS
        for path in strangers[name]
        if path.name == file
    }
    return client, clusters_of(client), person_of


def test_each_cluster_holds_one_person(clustered):
    client, found, person_of = clustered
    assert len(found) >= 3, found
    sizes = [cluster["size"] for cluster in found]
    assert sizes == sorted(sizes, reverse=True) and min(sizes) >= 3
    seen = collections.Counter()
    for cluster in found:
        faces = faces_of(client, cluster["id"])
        assert len(faces) == cluster["size"]
        assert 1 <= len(cluster["samples"]) <= 6
        people = {person_of[face["job_id"]] for face in faces}
        assert len(people) == 1, (cluster["id"], people)
        seen[people.pop()] += 1
    assert max(seen.values()) == 1, f"one person split over clusters: {seen}"
    crop = client.get(found[0]["samples"][0]["crop_url"])
    assert crop.headers["Content-Type"] == "image/jpeg" and crop.content[:3] == b"\xff\xd8\xff"


def test_naming_a_cluster_makes_its_faces_examples_and_removes_it(clustered):
    client, found, person_of = clustered
    cluster = found[-1]
    name = person_of[cluster["samples"][0]["job_id"]]
    response = client.post(f"/api/v1/faces/clusters/{cluster['id']}/name", json={"name": name})
    assert response.status_code == 202, response.text
    created = response.json()["items"]
    assert len(created) == cluster["size"] and {e["source"] for e in created} == {"face"}
    person_id = created[0]["person_id"]
    examples = client.wait_examples(person_id)
    accepted = [e for e in examples if e["status"] == "accepted"]
    assert len(accepted) >= cluster["size"] - 1, examples  # the cleaning path may refuse one
    assert all(e["reason"]["code"] for e in examples if e["status"] == "rejected")
    assert cluster["id"] not in {c["id"] for c in clusters_of(client)}
    gone = client.get(f"/api/v1/faces/clusters/{cluster['id']}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"


def test_a_rejected_face_stays_out_after_a_recluster(clustered, learning):
    client, found, _ = clustered
    cluster = found[0]
    face = faces_of(client, cluster["id"])[0]
    response = client.post(f"/api/v1/faces/{face['face_id']}/reject", json={})
    assert response.status_code == 200 and response.json()["review"] == "rejected"
    remaining = {f["face_id"] for c in clusters_of(client) for f in faces_of(client, c["id"])}
    assert face["face_id"] not in remaining
    done = celebclf(learning, "faces", "recluster")
    assert done.returncode == 0, done.stderr
    after = clusters_of(client)
    assert face["face_id"] not in {f["face_id"] for c in after for f in faces_of(client, c["id"])}
    assert cluster["id"] in {c["id"] for c in after}, "a recluster keeps a cluster's id"


def test_another_owner_sees_no_cluster_or_face(clustered, owner_client):
    _, found, _ = clustered
    stranger = owner_client()
    cluster_id = found[0]["id"]
    face_id = found[0]["samples"][0]["face_id"]
    assert stranger.get("/api/v1/faces/clusters").json() == {"items": [], "next_cursor": None}
    for method, path, body in (
        ("GET", f"/api/v1/faces/clusters/{cluster_id}", None),
        ("POST", f"/api/v1/faces/clusters/{cluster_id}/name", {"name": "x"}),
        ("GET", f"/api/v1/faces/{face_id}/crop", None),
        ("POST", f"/api/v1/faces/{face_id}/reject", {}),
    ):
        response = stranger.request(method, path, json=body)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/api/v1/faces/clusters/{cluster}/name", {}, 422, None),
        ("/api/v1/faces/clusters/{cluster}/name", {"name": "a", "person_id": "{uuid}"}, 422, None),
        ("/api/v1/faces/clusters/{cluster}/name", {"person_id": "{uuid}"}, 404, "not_found"),
        ("/api/v1/faces/clusters/{uuid}/name", {"name": "a"}, 404, "not_found"),
        ("/api/v1/faces/99999999999/reject", {}, 404, "not_found"),
        ("/api/v1/faces/{face}/reject", {"person_id": "nope"}, 422, None),
    ],
)
def test_bad_input_is_4xx_json(clustered, path, body, status, code):
    client, found, _ = clustered
    uuid = "00000000-0000-4000-8000-000000000000"
    fill = {"cluster": found[0]["id"], "uuid": uuid, "face": found[0]["samples"][0]["face_id"]}
    body = {k: v.format(**fill) for k, v in body.items()}
    response = client.post(path.format(**fill), json=body)
    assert response.status_code == status, response.text
    assert code is None or response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def test_the_named_cluster_names_its_person_on_their_next_photo_with_no_training(
    clustered, strangers
):
    client, _, _ = clustered
    named = {p["name"]: p for p in client.people().values() if p["name"] in STRANGERS}
    assert named, "test_naming_a_cluster_... names one cluster first"
    name = next(iter(named))
    job = client.classify(strangers[name][PER_PERSON])
    models = client.get("/api/v1/models").json()["items"]
    assert all(m["trigger"] == "shipped" for m in models), "no training run"
    assert job["answer"] == name, job
    named_face = next(f for f in job["faces"] if f["label"] == name)
    assert named_face["rule"] == "gallery", "named by its examples, before any model has them"
