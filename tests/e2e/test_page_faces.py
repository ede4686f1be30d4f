"""Every face on the page says who or why: labels that never overlap or leave the photo, one
display name on the box and in the table, and a batch row that opens its photo."""

import csv
import itertools
import json
import re

import pytest
from playwright.sync_api import expect

from inference import Predictor, load_model
from inference.naming import REASONS
from tests.conftest import REPO, known_beside_a_surer_stranger
from tests.e2e.conftest import screenshot
from tests.e2e.test_page import drop
from tests.service.helpers import url_for_photo

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

CROWDS = ["roger_federer/cd9adec1bc26.jpg", "serena_williams/f9b6619de6ee.jpg"]
LABELLED = REPO / "labels" / "sports-celebrities-faces.csv"

GEOMETRY = """([image, overlay]) => {
    const box = (el) => { const r = el.getBoundingClientRect();
                          return { left: r.left, top: r.top, right: r.right, bottom: r.bottom }; };
    return {
        photo: box(document.querySelector(image)),
        boxes: document.querySelectorAll(`${overlay} rect.face-box`).length,
        labels: [...document.querySelectorAll(`${overlay} .face-label`)].map(
            (g) => ({ ...box(g), text: g.textContent })),
    };
}"""


def labels_are_readable(page, image: str, overlay: str, faces: int) -> list[str]:
    """Every face has a label; no two labels overlap; every label lies inside the photo."""
    shown = page.evaluate(GEOMETRY, [image, overlay])
    labels, photo, slack = shown["labels"], shown["photo"], 0.5
    assert shown["boxes"] == faces
    assert len(labels) == faces, "a face without a label"
    for a, b in itertools.combinations(labels, 2):
        apart = (
            a["right"] <= b["left"] + slack
            or b["right"] <= a["left"] + slack
            or a["bottom"] <= b["top"] + slack
            or b["bottom"] <= a["top"] + slack
        )
        assert apart, f"labels overlap: {a} and {b}"
    for label in labels:
        inside = (
            label["left"] >= photo["left"] - slack
            and label["top"] >= photo["top"] - slack
            and label["right"] <= photo["right"] + slack
            and label["bottom"] <= photo["bottom"] + slack
        )
        assert inside, f"label off the photo: {label} not in {photo}"
    return [label["text"] for label in labels]


def same_names(texts: list[str], table) -> None:
    """The box says what the faces table says: `n: name …`, or its number alone in a crowd."""
    rows = table.locator("tbody tr")
    assert rows.count() == len(texts)
    for number, text in enumerate(texts, start=1):
        who = rows.nth(number - 1).locator("td").nth(1).inner_text()
        assert text == str(number) or text.startswith(f"{number}: {who}"), (text, who)


def test_crowded_photo_every_face_boxed_with_a_readable_label(service, page, sports_dir):
    """Whatever the shipped detector finds in a real crowd, every face is boxed and labelled."""
    for name in CROWDS:
        path = sports_dir / name
        page.goto(service.base)
        drop(page, "#drop-zone", path.name, path.read_bytes(), "image/jpeg")
        expect(page.locator("#result")).to_be_visible(timeout=60000)
        faces = page.locator("#faces-table tbody tr").count()
        if faces:
            page.wait_for_function("document.querySelectorAll('#overlay .face-label').length")
        texts = labels_are_readable(page, "#photo", "#overlay", faces)
        same_names(texts, page.locator("#faces-table"))
        screenshot(page, f"crowd-{path.stem}")


def labelled_crowd(name: str) -> list[dict]:
    """The faces labelled by eye in ``name`` (labels/), as the API would give them: the known
    people named, every other face unknown with each reason in turn."""
    reasons = itertools.cycle(REASONS)
    folder, file = name.split("/")
    faces = []
    with LABELLED.open() as handle:
        for row in csv.DictReader(handle):
            if (row["folder"], row["file"]) != (folder, file) or row["identity"] == "not_a_face":
                continue
            box = {k: int(row[k]) for k in "xywh"}
            known = row["identity"] not in ("stranger", "unsure")
            label = row["identity"] if known else "unknown"
            faces.append(
                {
                    "box": box,
                    "label": label,
                    "person_id": None,
                    "score": 0.93,
                    "distance": 0.4,
                    "reason": None if known else next(reasons),
                    "quality": None,
                    "probabilities": {label if known else "roger_federer": 0.93},
                }
            )
    return faces


@pytest.mark.parametrize("name", CROWDS)
def test_labels_of_every_face_found_by_eye_in_a_crowd_fit(service, page, sports_dir, name):
    """The page's layout on the real photo with all its faces (~35, labelled by eye in labels/):
    the shipped detector may find far fewer there, so the job's faces are replaced by those
    boxes on their way to the page; the drawing is what is tested."""
    path = sports_dir / name
    crowd = labelled_crowd(name)
    assert len(crowd) >= 30

    def with_crowd(route):
        response = route.fetch()
        body = response.json()
        if body["status"] == "succeeded":
            body["faces"] = crowd
            body["answer"] = next((f["label"] for f in crowd if f["label"] != "unknown"), None)
        route.fulfill(response=response, body=json.dumps(body))

    page.route(re.compile(r".*/api/v1/jobs/[0-9a-f-]{36}$"), with_crowd)
    page.goto(service.base)
    drop(page, "#drop-zone", path.name, path.read_bytes(), "image/jpeg")
    expect(page.locator("#faces-table tbody tr")).to_have_count(len(crowd), timeout=60000)
    page.wait_for_function("document.querySelectorAll('#overlay .face-label').length > 0")
    texts = labels_are_readable(page, "#photo", "#overlay", len(crowd))
    same_names(texts, page.locator("#faces-table"))
    assert not any("%" in text for text in texts if "unknown" in text or text.isdigit())
    screenshot(page, f"crowd-labelled-{path.stem}")


def test_unknown_face_shows_its_reason_and_no_percentage(service, page, kept_photos, seed_dir):
    """A known person beside a stranger: the stranger's box and row give no percentage but a
    reason in words; the known person's box and row say the same display name."""
    data, person = known_beside_a_surer_stranger(Predictor(load_model()), kept_photos, seed_dir)
    page.goto(service.base)
    drop(page, "#drop-zone", "two.jpg", data, "image/jpeg")
    rows = page.locator("#faces-table tbody tr")
    expect(rows).to_have_count(2, timeout=60000)
    expect(rows.nth(0).locator("td").nth(1)).to_have_text(person.replace("_", " "))
    expect(rows.nth(0).locator("td").nth(2)).to_have_text(re.compile(r"^\d+\.\d%$"))
    expect(rows.nth(1).locator("td").nth(1)).to_have_text("unknown")
    expect(rows.nth(1).locator("td").nth(2)).to_have_text("")
    expect(rows.nth(1).locator("td").nth(3)).to_have_text(re.compile(r"\w+"))
    labels = page.locator("#overlay .face-label")
    expect(labels.nth(0)).to_have_text(re.compile(rf"^1: {person.replace('_', ' ')} \d+\.\d%$"))
    expect(labels.nth(1)).to_have_text(re.compile(r"^2: unknown( — \w[\w ]+)?$"))
    reason = rows.nth(1).locator("td").nth(3).inner_text()
    expect(labels.nth(1)).not_to_contain_text("%")
    assert labels.nth(1).text_content() in (f"2: unknown — {reason}", "2: unknown")
    expect(page.locator("#scores thead th")).to_have_count(2)  # the named face only
    screenshot(page, "single-known-and-stranger")


def test_batch_row_opens_its_photo_with_every_face_boxed(service, page, photos):
    base, root = photos
    group = root / "roger_federer" / "5f3cfe2f815c.jpg"  # several faces, a known one among them
    alone = root / CROWDS[0]
    urls = [url_for_photo(base, root, p) for p in (alone, group)]
    created = page.request.post(f"{service.base}/api/v1/batches", data={"urls": urls})
    assert created.status == 202
    batch_id = created.json()["id"]
    page.goto(f"{service.base}/batches/{batch_id}")
    expect(page.locator("#batch-state")).to_have_text("completed", timeout=60000)
    items = page.request.get(f"{service.base}/api/v1/batches/{batch_id}/items").json()["items"]
    faces = len(items[1]["faces"])
    assert faces >= 2, "the group photo should show more than its answer"
    page.locator("#items tbody tr").nth(1).locator("td").nth(1).click()
    viewer = page.locator("#item-viewer")
    expect(viewer).to_be_visible()
    expect(page.locator("#viewer-faces tbody tr")).to_have_count(faces)
    page.wait_for_function("document.querySelector('#viewer-photo').naturalWidth > 0")
    expect(page.locator("#viewer-overlay rect.face-box")).to_have_count(faces)
    expect(page.locator("#viewer-overlay .face-label")).to_have_count(faces)
    texts = labels_are_readable(page, "#viewer-photo", "#viewer-overlay", faces)
    same_names(texts, page.locator("#viewer-faces"))
    screenshot(page, "batch-item-viewer")
    page.get_by_role("button", name="Close").click()
    expect(viewer).to_be_hidden()
