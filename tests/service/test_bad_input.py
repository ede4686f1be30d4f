"""Every bad request gets a clear 4xx or a failed item with a reason; never a 500."""

import base64
import os

import pytest
import requests

from tests.conftest import encode


def post_job(service, **kwargs) -> requests.Response:
    return requests.post(f"{service.base}/api/v1/jobs", timeout=30, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"json": {}}, 422, "invalid_request"),
        ({"json": {"url": 42}}, 422, "invalid_request"),
        ({"json": ["http://x/y.jpg"]}, 422, "invalid_request"),
        ({"json": {"url": "http://a/b.jpg", "image_base64": "AAAA"}}, 422, "invalid_request"),
        ({"json": {"url": "http://a/b.jpg", "extra": 1}}, 422, "invalid_request"),
        ({"json": {"image_base64": "not base64!!"}}, 400, "invalid_base64"),
        (
            {"json": {"image_base64": base64.b64encode(b"<html></html>").decode()}},
            400,
            "not_an_image",
        ),
        ({"json": {"image_base64": ""}}, 400, "empty_image"),
        ({"json": {"url": "file:///etc/passwd"}}, 400, "invalid_url"),
        ({"json": {"url": "gopher://127.0.0.1/"}}, 400, "invalid_url"),
        (
            {"data": "{not json", "headers": {"Content-Type": "application/json"}},
            400,
            "invalid_json",
        ),
        (
            {"data": b"raw", "headers": {"Content-Type": "image/jpeg"}},
            415,
            "unsupported_media_type",
        ),
        ({"files": {"other": ("a.jpg", b"x")}}, 422, "invalid_request"),
        (
            {"data": b"--b--\r\n", "headers": {"Content-Type": "multipart/form-data; boundary=b"}},
            400,
            "missing_file",
        ),
        ({"files": {"file": ("empty.jpg", b"")}}, 400, "empty_image"),
        ({"files": {"file": ("page.jpg", b"<!doctype html><p>hi</p>")}}, 400, "not_an_image"),
        (
            {"files": {"file": ("a.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>')}},
            400,
            "not_an_image",
        ),
        ({"files": {"file": ("random.bin", os.urandom(4096))}}, 400, "not_an_image"),
        (
            {"files": {"file": ("big.jpg", b"\xff\xd8\xff" + b"\0" * (5 * 1024 * 1024))}},
            413,
            "payload_too_large",
        ),
    ],
)
def test_bad_job_requests(service, kwargs, status, code):
    response = post_job(service, **kwargs)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def test_truncated_image_fails_as_an_item(service, noise_image):
    data = encode(noise_image, ".jpg")
    response = post_job(service, files={"file": ("cut.jpg", data[: len(data) // 2])})
    assert response.status_code == 202
    job = service.wait_job(response.json()["id"])
    assert job["status"] == "failed" and job["error"]["code"] == "corrupt_image"


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/does-not-exist.jpg", "http_error"),
        ("/", "not_an_image"),
    ],
)
def test_bad_urls_fail_as_items(service, photos, path, code):
    base, _ = photos
    job = service.wait_job(post_job(service, json={"url": base + path}).json()["id"])
    assert job["status"] == "failed" and job["error"]["code"] == code


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://127.0.0.1:9/photo.jpg", "fetch_failed"),
        ("http://169.254.169.254/latest/meta-data/", "blocked_address"),
        ("http://10.1.2.3/photo.jpg", "blocked_address"),
        ("http://no-such-host.invalid/photo.jpg", "fetch_failed"),
    ],
)
def test_unreachable_and_private_urls_fail_as_items(service, url, code):
    job = service.wait_job(post_job(service, json={"url": url}).json()["id"])
    assert job["status"] == "failed" and job["error"]["code"] == code, job


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"urls": []}, 422, "invalid_request"),
        ({"urls": "http://x/y.jpg"}, 422, "invalid_request"),
        ({"urls": [1, 2]}, 422, "invalid_request"),
        ({"urls": ["http://x/y.jpg"], "callback": "http://x/"}, 422, "invalid_request"),
        ({"urls": [None]}, 422, "invalid_request"),
        ({"urls": [f"http://127.0.0.1:9/{i}.jpg" for i in range(501)]}, 400, "too_many_urls"),
    ],
)
def test_bad_batch_requests(service, body, status, code):
    response = requests.post(f"{service.base}/api/v1/batches", json=body, timeout=30)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_unknown_job_ids(service):
    assert (
        requests.get(f"{service.base}/api/v1/jobs/not-a-uuid").json()["error"]["code"]
        == "not_found"
    )
    response = requests.get(f"{service.base}/api/v1/jobs/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_bad_cursor_and_limit(service):
    created = requests.post(f"{service.base}/api/v1/batches", json={"urls": ["ftp://x/y"]}).json()
    items = f"{service.base}/api/v1/batches/{created['id']}/items"
    bad_cursor = requests.get(items, params={"cursor": "abc"})
    assert bad_cursor.status_code == 422 and bad_cursor.json()["error"]["code"] == "invalid_request"
    bad_limit = requests.get(items, params={"limit": 0})
    assert bad_limit.status_code == 422 and bad_limit.json()["error"]["code"] == "invalid_request"


def test_wrong_method_is_json_405(service):
    response = requests.delete(f"{service.base}/api/v1/jobs")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_oversized_body_without_content_length_is_413(service):
    """A chunked body has no Content-Length to refuse up front: it is cut off while read."""

    def chunks():
        for _ in range(6):
            yield b"\0" * (1024 * 1024)

    response = requests.post(
        f"{service.base}/api/v1/jobs",
        data=chunks(),
        headers={"Content-Type": "multipart/form-data; boundary=x"},
        timeout=30,
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
