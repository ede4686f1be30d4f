"""Helpers for the people-and-models tests: a client per API key, and waits on real work."""

import time
from pathlib import Path

import requests

from tests.service.helpers import ApiClient, Service

TERMINAL_EXAMPLE = ("accepted", "rejected")
TERMINAL_MODEL = ("ready", "failed", "active", "retired")


class Client(ApiClient):
    """Requests to a running service as one owner (its X-API-Key), and waits on their work."""

    def __init__(self, service: Service, key: str) -> None:
        super().__init__(service.base)
        self.service, self.headers = service, {"X-API-Key": key}

    def request(self, method: str, path: str, headers=None, **kwargs) -> requests.Response:
        return requests.request(
            method,
            f"{self.base}{path}",
            headers={**self.headers, **(headers or {})},
            timeout=60,
            **kwargs,
        )

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def person(self, name: str) -> dict:
        response = self.post("/api/v1/people", json={"name": name})
        assert response.status_code == 201, response.text
        return response.json()

    def people(self) -> dict[str, dict]:
        items = self.get("/api/v1/people", params={"limit": 100}).json()["items"]
        return {p["name"]: p for p in items}

    def upload(self, person_id: str, photos: list[Path | tuple[str, bytes]]) -> list[dict]:
        """Examples from photo paths, or (file name, bytes) pairs."""
        named = [(p.name, p.read_bytes()) if isinstance(p, Path) else p for p in photos]
        files = [("files", (name, data, "image/jpeg")) for name, data in named]
        response = self.post(f"/api/v1/people/{person_id}/examples", files=files)
        assert response.status_code == 202, response.text
        return response.json()["items"]

    def wait_examples(self, person_id: str, timeout: float = 120) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            page = self.get(f"/api/v1/people/{person_id}/examples", params={"limit": 100})
            items = page.json()["items"]
            if all(e["status"] in TERMINAL_EXAMPLE for e in items):
                return items
            time.sleep(0.3)
        raise TimeoutError(f"examples of {person_id} not done: {items}")

    def train(self, **body) -> dict:
        response = self.post("/api/v1/models", json=body)
        assert response.status_code == 202, response.text
        assert response.headers["Location"] == f"/api/v1/models/{response.json()['version']}"
        return response.json()

    def wait_model(self, version: str, timeout: float = 180) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            model = self.get(f"/api/v1/models/{version}").json()
            if model["status"] in TERMINAL_MODEL:
                return model
            time.sleep(0.3)
        raise TimeoutError(f"model {version} not trained: {model}")

    def classify_many(self, paths: list[Path], timeout: float = 180) -> list[dict]:
        """One batch of uploaded photos, waited for; its items in order."""
        files = [("files", (p.name, p.read_bytes(), "image/jpeg")) for p in paths]
        response = self.post("/api/v1/batches", files=files)
        assert response.status_code == 202, response.text
        batch_id = response.json()["id"]
        assert self.wait_batch(batch_id, timeout)["status"] == "completed"
        items = self.get(f"/api/v1/batches/{batch_id}/items", params={"limit": 1000}).json()
        return items["items"]

    def classify(self, path: Path) -> dict:
        response = self.post("/api/v1/jobs", files={"file": (path.name, path.read_bytes())})
        assert response.status_code == 202, response.text
        return self.wait_job(response.json()["id"])


def one_face_photos(folder: Path, predictor, n: int) -> list[Path]:
    """The first ``n`` photos of a folder in which the detector finds exactly one face."""
    chosen = []
    for path in sorted(folder.iterdir()):
        if len(predictor.predict_bytes(path.read_bytes()).faces) == 1:
            chosen.append(path)
        if len(chosen) == n:
            break
    return chosen
