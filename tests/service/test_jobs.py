"""Single jobs through the real service: every source kind, compared with `celebclf predict`."""

import base64

import pytest
import requests

from featurize.dlib_backend import backend, describe
from inference import Predictor, load_model
from tests.faults.checks import worker_log_entries
from tests.service.helpers import url_for_photo


@pytest.fixture(scope="module")
def reference():
    """What the shipped model says in-process (the same code `celebclf predict` runs)."""
    predictor = Predictor(load_model())
    return lambda data: predictor.predict_bytes(data).as_dict()


def assert_same_faces(api_faces: list[dict], expected: list[dict]) -> None:
    assert [f["box"] for f in api_faces] == [f["box"] for f in expected]
    assert [f["label"] for f in api_faces] == [f["label"] for f in expected]
    for got, want in zip(api_faces, expected, strict=True):
        assert got["score"] == pytest.approx(want["score"], abs=1e-5)


def test_upload_job(service, kept_photos, reference):
    path, person = kept_photos[0]
    response = requests.post(
        f"{service.base}/api/v1/jobs", files={"file": (path.name, path.read_bytes(), "image/jpeg")}
    )
    assert response.status_code == 202
    body = response.json()
    assert response.headers["Location"] == f"/api/v1/jobs/{body['id']}"
    assert body["status"] == "queued"
    job = service.wait_job(body["id"])
    assert job["status"] == "succeeded", job
    assert job["filename"] == path.name and job["source"] == "upload"
    assert job["model"] == load_model().version
    assert_same_faces(job["faces"], reference(path.read_bytes())["faces"])
    assert job["faces"][0]["label"] == person


def test_base64_job_with_data_url_prefix(service, kept_photos, reference):
    path, _ = kept_photos[1]
    encoded = "data:image/jpeg;base64," + base64.b64encode(path.read_bytes()).decode()
    response = requests.post(f"{service.base}/api/v1/jobs", json={"image_base64": encoded})
    assert response.status_code == 202
    job = service.wait_job(response.json()["id"])
    assert job["status"] == "succeeded" and job["source"] == "base64"
    assert_same_faces(job["faces"], reference(path.read_bytes())["faces"])


def test_url_job(service, photos, kept_photos, reference):
    base, root = photos
    path, _ = kept_photos[2]
    url = url_for_photo(base, root, path)
    response = requests.post(f"{service.base}/api/v1/jobs", json={"url": url})
    assert response.status_code == 202
    job = service.wait_job(response.json()["id"])
    assert job["status"] == "succeeded" and job["url"] == url
    assert_same_faces(job["faces"], reference(path.read_bytes())["faces"])


def test_photo_without_a_face_succeeds_with_no_faces(service, noise_image):
    from tests.conftest import encode

    response = requests.post(
        f"{service.base}/api/v1/jobs", files={"file": ("noise.png", encode(noise_image, ".png"))}
    )
    job = service.wait_job(response.json()["id"])
    assert job["status"] == "succeeded" and job["faces"] == [] and job["error"] is None


def test_classes_and_readiness(service):
    classes = requests.get(f"{service.base}/api/v1/classes").json()
    assert classes["model"] == load_model().version
    assert len(classes["classes"]) == 5
    ready = requests.get(f"{service.base}/readyz").json()
    assert ready["status"] == "ready"
    assert set(ready["checks"]) == {"database", "broker", "model", "dlib"}
    assert requests.get(f"{service.base}/healthz").json() == {"status": "ok"}


def test_favicon_is_served_where_browsers_ask_for_it(service):
    for path in ("/favicon.ico", "/static/favicon.svg"):
        icon = requests.get(f"{service.base}{path}", timeout=10)
        assert icon.status_code == 200, path
        assert icon.headers["Content-Type"].startswith("image/svg+xml")
        assert icon.text.startswith("<svg")


def test_api_and_worker_report_the_dlib_they_loaded(service):
    """The same venv runs the tests and the service, so all three must name the same build."""
    loaded = backend()
    assert requests.get(f"{service.base}/readyz").json()["checks"]["dlib"] == describe(loaded)
    logged = [e["dlib"] for e in worker_log_entries(service.log_dir) if "dlib" in e]
    assert logged and all(entry == loaded for entry in logged), logged


def test_openapi_describes_the_endpoints(service):
    spec = requests.get(f"{service.base}/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/jobs",
        "/api/v1/jobs/{job_id}",
        "/api/v1/batches",
        "/api/v1/batches/{batch_id}",
        "/api/v1/batches/{batch_id}/items",
        "/api/v1/batches/{batch_id}/cancel",
        "/api/v1/classes",
        "/readyz",
    ):
        assert path in spec["paths"], path
    content = spec["paths"]["/api/v1/jobs"]["post"]["requestBody"]["content"]
    assert set(content) == {"application/json", "multipart/form-data"}


def test_seed_endpoints(service, kept_photos):
    assert requests.get(f"{service.base}/hello").text == "hi"
    path, person = kept_photos[0]
    data_url = "data:image/jpeg;base64," + base64.b64encode(path.read_bytes()).decode()
    response = requests.post(f"{service.base}/classify_image", data={"image_data": data_url})
    assert response.status_code == 200
    answer = response.json()
    assert answer[0]["class"] == person
    assert answer[0]["class_dictionary"] == load_model().class_dictionary
    assert len(answer[0]["class_probability"]) == 5
    assert sum(answer[0]["class_probability"]) == pytest.approx(100, abs=0.1)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    missing = requests.post(f"{service.base}/classify_image", data={})
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "invalid_request"


def test_a_photo_is_answered_by_its_named_face_not_a_surer_stranger(service, kept_photos, seed_dir):
    """An unknown bystander whose nearest-person probability is higher must not hide the
    person who was named: the job's answer, and the seed endpoint's first face, are theirs."""
    from tests.conftest import known_beside_a_surer_stranger

    data, person = known_beside_a_surer_stranger(Predictor(load_model()), kept_photos, seed_dir)
    response = requests.post(f"{service.base}/api/v1/jobs", files={"file": ("pair.jpg", data)})
    job = service.wait_job(response.json()["id"])
    unknown = max(f["score"] for f in job["faces"] if f["label"] == "unknown")
    named = next(f for f in job["faces"] if f["label"] == person)
    assert unknown > named["score"] and job["answer"] == person
    seed = requests.post(
        f"{service.base}/classify_image",
        data={"image_data": "data:image/jpeg;base64," + base64.b64encode(data).decode()},
    ).json()
    assert seed[0]["class"] == person
    assert [f["class"] for f in seed[1:]] == ["unknown"] * (len(seed) - 1)
    assert all(p == 0 for f in seed[1:] for p in f["class_probability"])
