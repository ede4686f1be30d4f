"""Every new endpoint against bad input and other owners: a 4xx JSON error, never a 500."""

import uuid

import pytest

from inference import load_model
from tests.conftest import png_bomb

MISSING = str(uuid.uuid4())


def assert_error(response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    error = response.json()["error"]
    assert set(error) == {"code", "message"} and error["message"]
    if code:
        assert error["code"] == code, error


@pytest.fixture(scope="module")
def alice_and_bob(learning):
    """Two owners; alice has a person with an example and a model run of her own."""
    from tests.service.fixtures import learning_key
    from tests.service.learning import Client

    index = learning.owners_taken
    learning.owners_taken += 2
    return Client(learning, learning_key(index)), Client(learning, learning_key(index + 1))


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "invalid_request"),
        ({"name": ""}, "invalid_request"),
        ({"name": "x" * 129}, "invalid_request"),
        ({"name": "tab\there"}, "invalid_request"),
        ({"name": 7}, "invalid_request"),
        ({"name": "ok", "extra": 1}, "invalid_request"),
        ([], "invalid_request"),
    ],
)
def test_person_bodies(alice_and_bob, body, code):
    alice, _ = alice_and_bob
    assert_error(alice.post("/api/v1/people", json=body), 422, code)


def test_people_edge_cases(alice_and_bob):
    alice, _ = alice_and_bob
    assert_error(
        alice.post(
            "/api/v1/people", data="{not json", headers={"Content-Type": "application/json"}
        ),
        400,
    )
    person = alice.person("Ada Lovelace ✓")
    assert person["name"] == "Ada Lovelace ✓"
    assert_error(alice.post("/api/v1/people", json={"name": "Ada Lovelace ✓"}), 409, "name_taken")
    other = alice.person("Grace")
    renamed = alice.request(
        "PATCH", f"/api/v1/people/{other['id']}", json={"name": "Ada Lovelace ✓"}
    )
    assert_error(renamed, 409, "name_taken")
    assert_error(
        alice.post(f"/api/v1/people/{other['id']}/merge", json={"into": other["id"]}),
        400,
        "invalid_merge",
    )
    assert_error(
        alice.post(f"/api/v1/people/{other['id']}/merge", json={"into": MISSING}),
        400,
        "invalid_merge",
    )
    assert_error(alice.post(f"/api/v1/people/{other['id']}/merge", json={"into": "nope"}), 422)
    assert_error(alice.get(f"/api/v1/people/{MISSING}"), 404, "not_found")
    assert_error(alice.get("/api/v1/people/not-a-uuid"), 404)
    assert_error(alice.get("/api/v1/people", params={"cursor": MISSING}), 400, "invalid_cursor")
    assert_error(alice.get("/api/v1/people", params={"limit": 0}), 422)


def test_example_uploads(alice_and_bob, noise_image):
    from tests.conftest import encode

    alice, _ = alice_and_bob
    person = alice.person("Examples")
    path = f"/api/v1/people/{person['id']}/examples"
    assert_error(alice.post(path, data=b"raw", headers={"Content-Type": "text/plain"}), 415)
    assert_error(alice.post(path, json={}), 422)
    assert_error(alice.post(path, json={"urls": []}), 422)
    assert_error(alice.post(path, json={"urls": ["http://a/x.jpg"], "image_base64": "eA=="}), 422)
    assert_error(alice.post(path, json={"image_base64": "%%%"}), 400, "invalid_base64")
    assert_error(alice.post(path, files={"file": ("a.jpg", b"x")}), 400, "missing_files")
    assert_error(alice.post(path, data={"other": "1"}, files={"files": ("a.jpg", b"x")}), 422)
    tiny = encode(noise_image[:8, :8], ".png")
    too_many = [("files", (f"{i}.png", tiny)) for i in range(101)]
    assert_error(alice.post(path, files=too_many), 400, "too_many_files")
    assert_error(
        alice.post(f"/api/v1/people/{MISSING}/examples", json={"urls": ["https://x.test/a.jpg"]}),
        404,
    )

    items = alice.upload(
        person["id"],
        [
            ("notes.txt", b"just text"),
            ("empty.jpg", b""),
            ("bomb.png", png_bomb()),
            ("noise.png", encode(noise_image, ".png")),
        ],
    )
    assert [e["status"] for e in items[:2]] == ["rejected", "rejected"]
    assert [e["reason"]["code"] for e in items[:2]] == ["not_an_image", "empty_image"]
    done = {e["filename"]: e for e in alice.wait_examples(person["id"])}
    assert done["bomb.png"]["reason"]["code"] == "image_too_large"
    assert done["noise.png"]["reason"]["code"] == "no_face"
    assert all(e["crop_url"] is None for e in done.values())
    urls = alice.post(path, json={"urls": ["ftp://x.test/a.jpg", "http://127.0.0.1:9/none.jpg"]})
    assert urls.status_code == 202
    reasons = {e["url"]: e for e in alice.wait_examples(person["id"]) if e["url"]}
    assert reasons["ftp://x.test/a.jpg"]["reason"]["code"] == "invalid_url"
    assert reasons["http://127.0.0.1:9/none.jpg"]["reason"]["code"] == "fetch_failed"
    example = done["noise.png"]
    assert_error(alice.get(f"{path}/{example['id']}/crop.jpg"), 404, "not_found")
    assert alice.request("DELETE", f"{path}/{example['id']}").status_code == 204
    assert_error(alice.get(f"{path}/{example['id']}"), 404)
    assert_error(alice.request("DELETE", f"{path}/{example['id']}"), 404)


def test_model_endpoints(alice_and_bob):
    alice, _ = alice_and_bob
    assert_error(alice.post("/api/v1/models", json={"activate": "yes"}), 422)
    assert_error(alice.post("/api/v1/models", json={"activate": 0}), 422)
    assert_error(alice.post("/api/v1/models", json={"other": True}), 422)
    assert_error(
        alice.post("/api/v1/models", data="x", headers={"Content-Type": "text/plain"}), 415
    )
    assert_error(alice.get("/api/v1/models/no-such-version"), 404, "not_found")
    assert_error(alice.post("/api/v1/models/no-such-version/activate"), 404)
    run = alice.post("/api/v1/models", json={"activate": False})
    assert run.status_code == 202 and run.json()["status"] in ("queued", "training")
    version = run.json()["version"]
    assert_error(alice.post(f"/api/v1/models/{version}/activate"), 409, "not_ready")
    assert alice.wait_model(version)["status"] == "ready", "activate: false leaves it ready"
    models = alice.get("/api/v1/models").json()["items"]
    assert [m["version"] for m in models][:1] == [version]
    assert models[-1]["trigger"] == "shipped" and models[-1]["status"] == "active"
    activated = alice.post(f"/api/v1/models/{version}/activate")
    assert activated.status_code == 200 and activated.json()["status"] == "active"
    assert alice.get("/api/v1/classes").json()["model"] == version


def test_another_owners_ids_are_404(alice_and_bob, kept_photos):
    alice, bob = alice_and_bob
    person = alice.person("Alice's own")
    alice.upload(person["id"], [kept_photos[0][0]])
    example = alice.wait_examples(person["id"])[0]
    version = alice.get("/api/v1/models").json()["items"][0]["version"]
    base = f"/api/v1/people/{person['id']}"
    for method, path in [
        ("GET", base),
        ("PATCH", base),
        ("DELETE", base),
        ("POST", f"{base}/merge"),
        ("GET", f"{base}/examples"),
        ("POST", f"{base}/examples"),
        ("GET", f"{base}/examples/{example['id']}"),
        ("GET", f"{base}/examples/{example['id']}/crop.jpg"),
        ("DELETE", f"{base}/examples/{example['id']}"),
        ("GET", f"{base}/appearances"),
        ("GET", f"/api/v1/models/{version}"),
        ("POST", f"/api/v1/models/{version}/activate"),
    ]:
        body = {
            ("PATCH", base): {"name": "stolen"},
            ("POST", f"{base}/merge"): {"into": person["id"]},
            ("POST", f"{base}/examples"): {"urls": ["https://photos.test/a.jpg"]},
        }.get((method, path))
        response = bob.request(method, path, json=body) if body else bob.request(method, path)
        assert_error(response, 404)
    names = set(bob.people())
    assert "Alice's own" not in names and "roger_federer" in names
    for client in (alice, bob):  # each owner's jobs use that owner's active model
        active = client.get("/api/v1/classes").json()["model"]
        assert client.classify(kept_photos[1][0])["model"] == active
    assert bob.get("/api/v1/classes").json()["model"] == load_model().version
    assert bob.people()["roger_federer"]["id"] != alice.people()["roger_federer"]["id"]
    assert_error(bob.get("/api/v1/people", params={"cursor": person["id"]}), 400, "invalid_cursor")


def test_without_a_key_every_new_endpoint_is_401(learning):
    import requests

    for method, path in [
        ("GET", "/api/v1/people"),
        ("POST", "/api/v1/people"),
        ("GET", f"/api/v1/people/{MISSING}/examples"),
        ("GET", "/api/v1/models"),
        ("POST", "/api/v1/models"),
    ]:
        assert_error(
            requests.request(method, f"{learning.base}{path}", timeout=10), 401, "unauthorized"
        )
