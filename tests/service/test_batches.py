"""Batches through the real service: ≥ 50 real photos by URL, counts, paging, cancel, exports."""

import csv
import io
import json
import time

import requests

from inference import Predictor, load_model
from inference.naming import REASONS
from tests.service.helpers import url_for_photo

BATCH_SIZE = 60


def test_batch_of_urls_matches_predict_for_every_photo(service, photos):
    base, root = photos
    paths = sorted(p for p in root.rglob("*") if p.is_file())[::4][:BATCH_SIZE]
    urls = [url_for_photo(base, root, p) for p in paths]
    response = requests.post(f"{service.base}/api/v1/batches", json={"urls": urls})
    assert response.status_code == 202
    created = response.json()
    assert created["total"] == len(urls) == BATCH_SIZE
    assert response.headers["Location"] == f"/api/v1/batches/{created['id']}"

    final = service.wait_batch(created["id"])
    assert final["status"] == "completed" and final["progress"] == 1.0
    assert sum(final["counts"].values()) == BATCH_SIZE
    assert final["counts"]["queued"] == final["counts"]["running"] == 0

    items, cursor, pages = [], None, 0
    while True:
        params = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        page = requests.get(
            f"{service.base}/api/v1/batches/{created['id']}/items", params=params
        ).json()
        items += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == -(-BATCH_SIZE // 7)
    assert [item["url"] for item in items] == urls, "stable order, every URL exactly once"

    predictor = Predictor(load_model())
    for item, path in zip(items, paths, strict=True):
        expected = predictor.predict_bytes(path.read_bytes()).as_dict()
        assert item["status"] == "succeeded", item
        assert [(f["box"], f["label"]) for f in item["faces"]] == [
            (f["box"], f["label"]) for f in expected["faces"]
        ], path.name
    assert sum(1 for item in items if item["faces"]) >= BATCH_SIZE // 3

    lines = requests.get(f"{service.base}/api/v1/batches/{created['id']}/results.jsonl").text
    assert [json.loads(line) for line in lines.splitlines()] == items, "as /items, ISO 8601"
    assert "T" in items[0]["finished_at"]
    exported = list(
        csv.DictReader(
            io.StringIO(
                requests.get(f"{service.base}/api/v1/batches/{created['id']}/results.csv").text
            )
        )
    )
    assert len(exported) == sum(max(1, len(i["faces"])) for i in items)
    assert {row["item_id"] for row in exported} == {i["id"] for i in items}


def test_batch_of_uploaded_files(service, kept_photos):
    files = [("files", (p.name, p.read_bytes(), "image/jpeg")) for p, _ in kept_photos[:3]]
    files.append(("files", ("notes.txt", b"hello", "text/plain")))
    response = requests.post(f"{service.base}/api/v1/batches", files=files)
    assert response.status_code == 202
    final = service.wait_batch(response.json()["id"])
    assert final["counts"]["succeeded"] == 3 and final["counts"]["failed"] == 1
    items = requests.get(f"{service.base}/api/v1/batches/{final['id']}/items").json()["items"]
    assert [i["filename"] for i in items] == [p.name for p, _ in kept_photos[:3]] + ["notes.txt"]
    assert items[3]["error"]["code"] == "not_an_image"
    assert [i["faces"][0]["label"] for i in items[:3]] == [person for _, person in kept_photos[:3]]


def test_cancel_stops_queued_items(service, photos, kept_photos):
    base, root = photos
    slow = [url_for_photo(base, root, p, delay_s=2) for p, _ in kept_photos[: service.workers]]
    rest = [url_for_photo(base, root, p) for p, _ in kept_photos[10:40]]
    created = requests.post(f"{service.base}/api/v1/batches", json={"urls": slow + rest}).json()
    time.sleep(0.5)
    canceled = requests.post(f"{service.base}/api/v1/batches/{created['id']}/cancel")
    assert canceled.status_code == 200
    assert canceled.json()["canceled_at"] is not None
    final = service.wait_batch(created["id"])
    assert final["status"] == "canceled"
    assert final["counts"]["canceled"] >= len(rest) - 2
    assert final["counts"]["queued"] == final["counts"]["running"] == 0
    assert sum(final["counts"].values()) == len(slow) + len(rest)


def test_unknown_batch_is_404(service):
    missing = "00000000-0000-4000-8000-000000000000"
    for suffix in ("", "/items", "/results.csv"):
        response = requests.get(f"{service.base}/api/v1/batches/{missing}{suffix}")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


STRANGERS = ("alexandra_daddario", "charles_leclerc", "lisa_vicari", "max_verstappen")


def test_every_face_says_why_in_the_json_and_the_csv(service, seed_dir, kept_photos):
    """People the model never learned, and one it knows: every unknown face has a reason in the
    JSON, and in the CSV its score cell is empty; a named face keeps its score, no reason."""
    strangers = [sorted((seed_dir / person).iterdir())[0] for person in STRANGERS]
    paths = [*strangers, kept_photos[0][0]]
    files = [("files", (p.name, p.read_bytes(), "image/jpeg")) for p in paths]
    response = requests.post(f"{service.base}/api/v1/batches", files=files)
    assert response.status_code == 202
    batch_id = service.wait_batch(response.json()["id"])["id"]
    items = requests.get(f"{service.base}/api/v1/batches/{batch_id}/items").json()["items"]
    faces = {(item["id"], i): face for item in items for i, face in enumerate(item["faces"])}
    unknown = [face for face in faces.values() if face["label"] == "unknown"]
    assert unknown, "no stranger's face was unknown: nothing to check"
    assert all(face["reason"] in REASONS for face in unknown), unknown
    assert all(face["reason"] is None for face in faces.values() if face["label"] != "unknown")

    text = requests.get(f"{service.base}/api/v1/batches/{batch_id}/results.csv").text
    assert text.splitlines()[0] == (
        "item_id,url,filename,status,error_code,error_message,face,label,score,x,y,w,h,"
        "answer,distance,reason"
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    answers = {item["id"]: item["answer"] or "" for item in items}
    assert {row["item_id"]: row["answer"] for row in rows} == answers
    for row in rows:
        if not row["face"]:
            continue
        face = faces[row["item_id"], int(row["face"])]
        assert row["label"] == face["label"]
        assert row["reason"] == (face["reason"] or "")
        assert row["distance"] == ("" if face["distance"] is None else str(face["distance"]))
        named = face["label"] != "unknown"
        assert row["score"] == (str(face["score"]) if named else ""), row
