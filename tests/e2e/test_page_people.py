"""The People and Models views in a real browser, against the learning service (API keys, real
workers): a new person enrolled by dropping photos, crops inspected and deleted, a model
trained with "Train now", its figures drawn, activated, and its answers on the other views."""

import base64
import json
import re
import uuid

import pytest
from playwright.sync_api import expect

from inference import Predictor, load_model
from tests.conftest import encode
from tests.e2e.conftest import screenshot
from tests.service.fixtures import take_owner
from tests.service.helpers import photo_server, url_for_photo
from tests.service.learning import Client, one_face_photos

pytestmark = pytest.mark.parametrize("learning", ["sqlite"], indirect=True)

NEW = "alexandra_daddario"  # in seed-celebrities, unknown to the shipped model
ENROL = 4
TRAINED = 180_000  # ms: a training run on a busy 2-core machine
CHECKED = 120_000  # ms: a few photos through the enrolment worker

DROP_FILES = """(zone, files) => {
    const transfer = new DataTransfer();
    for (const [name, type, b64] of files) {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        transfer.items.add(new File([bytes], name, { type }));
    }
    for (const kind of ["dragover", "drop"]) {
        zone.dispatchEvent(new DragEvent(kind, { dataTransfer: transfer, bubbles: true }));
    }
}"""


def drop_files(page, selector: str, files: list[tuple[str, bytes, str]]) -> None:
    """One real drop event carrying several Files, as dragging a selection from a folder does."""
    payload = [[name, mime, base64.b64encode(data).decode()] for name, data, mime in files]
    page.locator(selector).evaluate(DROP_FILES, payload)


def open_as(page, key: str, url: str) -> None:
    """The page with ``key`` already entered in this browser (the key form is test_page_keys')."""
    page.add_init_script(f"localStorage.setItem('celebclf.apiKey', {json.dumps(key)})")
    page.goto(url)


@pytest.fixture(scope="module")
def new_photos(seed_dir) -> list:
    """Photos of the new person with one face each: ENROL to enrol, then one to ask about."""
    return one_face_photos(seed_dir / NEW, Predictor(load_model()), ENROL + 1)


@pytest.fixture(scope="module")
def enrolled(learning, new_photos):
    """An owner whose new person has ENROL accepted examples (enrolled through the API: the
    page's enrolment is the first test's), not trained yet."""
    client, key = take_owner(learning)
    person = client.person(NEW)
    client.upload(person["id"], new_photos[:ENROL])
    examples = client.wait_examples(person["id"])
    assert [e["status"] for e in examples] == ["accepted"] * ENROL, examples
    return client, key, person


def trained_version(client: Client) -> str:
    """The owner's model that knows the new person, trained now unless a test already did."""
    for model in client.get("/api/v1/models", params={"limit": 100}).json()["items"]:
        if model["status"] in ("ready", "active", "retired") and any(
            p["name"] == NEW for p in model["people"]
        ):
            return model["version"]
    model = client.wait_model(client.train()["version"])
    assert model["status"] == "active", model
    return model["version"]


def counts(page, person_id: str) -> dict[str, str]:
    row = page.locator(f"#people-table tr[data-person-id='{person_id}']")
    return {k: row.locator(f"[data-count={k}]").inner_text() for k in ("accepted", "rejected")}


def test_people_page_enrols_dropped_photos_shows_reasons_deletes_renames(
    learning, page, new_photos, noise_image
):
    client, key = take_owner(learning)
    open_as(page, key, learning.base + "/people")
    expect(page.locator("#tab-people")).to_have_attribute("aria-current", "page")
    expect(page.locator("#people-table tbody tr")).to_have_count(5)  # the shipped five
    expect(page.locator("#models-table tbody tr")).to_have_count(1)

    page.get_by_label("Add a person").fill("roger_federer")
    page.get_by_role("button", name="Add person").click()
    expect(page.locator("#people-error")).to_have_text(
        "You already have a person called 'roger_federer'."
    )
    page.get_by_label("Add a person").fill(NEW)
    page.get_by_role("button", name="Add person").click()
    expect(page).to_have_url(re.compile(r"/people/[0-9a-f-]{36}$"))
    person_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("#person-title")).to_have_text("alexandra daddario")
    expect(page.locator("#people-error")).to_be_hidden()

    photos = [(p.name, p.read_bytes(), "image/jpeg") for p in new_photos[:ENROL]]
    noise = ("noise.png", encode(noise_image, ".png"), "image/png")
    drop_files(page, "#examples-drop", [*photos, noise])
    tiles = page.locator("#examples-grid .example")
    expect(tiles).to_have_count(ENROL + 1)
    accepted = page.locator(".example[data-status=accepted]")
    expect(accepted).to_have_count(ENROL, timeout=CHECKED)
    rejected = page.locator(".example[data-status=rejected]")
    expect(rejected).to_have_count(1, timeout=CHECKED)
    expect(rejected.locator(".filename")).to_have_text("noise.png")
    expect(rejected.locator(".reason")).to_have_text("No face was found in this photo.")
    expect(page.locator("#examples-bar")).to_have_attribute("value", str(ENROL + 1))
    expect(page.locator("#examples-progress-text")).to_have_text(
        f"{ENROL + 1} of {ENROL + 1} photo(s) checked: {ENROL} accepted, 1 rejected"
    )
    expect(accepted.locator("img.crop")).to_have_count(ENROL)
    page.wait_for_function(  # every crop fetched with the key and decoded
        "() => [...document.querySelectorAll('img.crop')]"
        ".every((img) => img.complete && img.naturalWidth > 0)"
    )
    screenshot(page, "people-examples")

    gone = accepted.first.get_attribute("data-example-id")
    accepted.first.get_by_role("button", name=re.compile("^Delete example")).click()
    expect(accepted).to_have_count(ENROL - 1)
    expect(page.locator(f".example[data-example-id='{gone}']")).to_have_count(0)
    left = client.get(f"/api/v1/people/{person_id}/examples").json()["items"]
    assert gone not in {e["id"] for e in left} and len(left) == ENROL

    page.get_by_label("Name", exact=True).fill("Alexandra Daddario")
    page.get_by_role("button", name="Rename").click()
    expect(page.locator("#person-title")).to_have_text("Alexandra Daddario")
    assert client.get(f"/api/v1/people/{person_id}").json()["name"] == "Alexandra Daddario"

    page.get_by_role("link", name="All people").click()
    expect(page).to_have_url(learning.base + "/people")
    expect(page.locator("#people-table tbody tr")).to_have_count(6)
    assert counts(page, person_id) == {"accepted": str(ENROL - 1), "rejected": "1"}

    page.get_by_role("link", name="Alexandra Daddario").click()
    expect(page.locator("#person-title")).to_have_text("Alexandra Daddario")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Delete person").click()
    expect(page).to_have_url(re.compile(person_id))  # dismissed: nothing deleted
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete person").click()
    expect(page).to_have_url(learning.base + "/people")
    expect(page.locator("#people-table tbody tr")).to_have_count(5)
    assert client.get(f"/api/v1/people/{person_id}").status_code == 404


def test_examples_added_by_url_are_fetched_and_a_bad_url_says_why(
    learning, page, seed_dir, new_photos
):
    client, key = take_owner(learning)
    person = client.person(NEW)
    with photo_server(seed_dir) as base:
        good = url_for_photo(base, seed_dir, new_photos[0])
        missing = f"{base}/no-such-photo.jpg"
        open_as(page, key, learning.base + f"/people/{person['id']}")
        page.get_by_label("…or photo URLs, one per line").fill(f"{good}\n\n{missing}\n")
        page.get_by_role("button", name="Add from URLs").click()
        expect(page.locator("#examples-grid .example")).to_have_count(2)
        expect(page.get_by_label("…or photo URLs, one per line")).to_have_value("")
        accepted = page.locator(".example[data-status=accepted]")
        expect(accepted).to_have_count(1, timeout=CHECKED)
    expect(accepted.locator(".filename")).to_have_text(good)
    expect(accepted.locator("img.crop")).to_have_count(1)
    rejected = page.locator(".example[data-status=rejected]")
    expect(rejected).to_have_count(1, timeout=CHECKED)
    expect(rejected.locator(".reason")).to_contain_text("404")
    stored = client.get(f"/api/v1/people/{person['id']}/examples").json()["items"]
    assert sorted(e["url"] for e in stored) == sorted([good, missing])

    page.get_by_label("…or photo URLs, one per line").fill("not a url")
    page.get_by_role("button", name="Add from URLs").click()  # refused on form, with its reason
    expect(rejected).to_have_count(2)
    refused = rejected.filter(has_text="not a url")
    expect(refused.locator(".reason")).not_to_be_empty()


def test_train_now_activates_the_new_version_and_draws_its_figures(learning, page, enrolled):
    client, key, person = enrolled
    shipped = load_model().version
    open_as(page, key, learning.base + f"/people/{person['id']}")
    expect(page.locator(".example[data-status=accepted]")).to_have_count(ENROL)
    rows = page.locator("#models-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-status", "active")

    page.get_by_role("button", name="Train now").click()
    expect(page.locator("#train-status")).to_contain_text("Training run")
    expect(rows).to_have_count(2)
    version = rows.first.get_attribute("data-version")
    assert version != shipped
    expect(page.locator("#train-status")).to_have_text(
        f"Training run {version} is trained and active.", timeout=TRAINED
    )
    new_row = page.locator(f"#models-table tr[data-version='{version}']")
    expect(new_row).to_have_attribute("data-status", "active")
    shipped_row = page.locator(f"#models-table tr[data-version='{shipped}']")
    expect(shipped_row).to_have_attribute("data-status", "retired")
    expect(shipped_row.get_by_role("button", name=f"Activate {shipped}")).to_be_visible()
    expect(new_row.get_by_role("button", name=re.compile("^Activate"))).to_have_count(0)
    model = client.get(f"/api/v1/models/{version}").json()
    assert model["status"] == "active" and len(model["people"]) == 6
    expect(new_row.locator("td").nth(2)).to_have_text("6")
    expect(new_row.locator("td").nth(3)).to_have_text(str(model["examples"]))
    shown = new_row.locator("td").nth(4).inner_text()
    assert re.fullmatch(r"\d+\.\d%", shown), shown
    assert abs(float(shown[:-1]) - model["held_out_accuracy"] * 100) <= 0.051

    expect(page.locator("#model-detail-title")).to_have_text(f"Model {version} (active)")
    expect(page.locator("#confusion .cm-row")).to_have_count(6)
    expect(page.locator("#confusion .cm-row .cell")).to_have_count(36)
    new_cells = page.locator(f"#confusion .cm-row[data-label='{NEW}'] text.count")
    assert sum(int(t) for t in new_cells.all_text_contents()) == ENROL  # every photo, held out
    labels = page.locator("#confusion .row-label").all_text_contents()
    assert labels == [p.replace("_", " ") for p in model["held_out"]["confusion_matrix"]["labels"]]
    expect(page.locator("#unknown-curve polyline")).to_have_count(2)
    expect(page.locator("#model-comparison tbody tr")).to_have_count(3)
    expect(page.locator("#model-info")).to_contain_text(f"model {version}")
    expect(page.locator("#model-info")).to_contain_text("alexandra daddario")
    expect(page.locator("#confusion-missing")).to_be_hidden()
    screenshot(page, "models-trained")

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    screenshot(page, "models-phone")


def test_new_person_is_named_then_unknown_without_a_percentage_after_rollback(
    learning, page, enrolled, new_photos, kept_photos, seed_dir
):
    client, key, _ = enrolled
    version = trained_version(client)
    shipped = load_model().version
    probe = new_photos[ENROL]
    open_as(page, key, learning.base + "/")
    page.locator("#file-input").set_input_files(str(probe))  # classified on pick
    best = page.locator("#best-match")
    expect(best).to_contain_text("Best match: alexandra daddario", timeout=30000)
    expect(page.locator("#overlay .face-label")).to_have_text(
        re.compile(rf"^1: {NEW.replace('_', ' ')} \d+\.\d%$")
    )

    page.get_by_role("link", name="People").click()
    page.get_by_role("button", name=f"Activate {shipped}").click()
    expect(page.locator(f"#models-table tr[data-version='{shipped}']")).to_have_attribute(
        "data-status", "active"
    )
    expect(page.locator(f"#models-table tr[data-version='{version}']")).to_have_attribute(
        "data-status", "retired"
    )
    expect(page.locator("#model-info")).to_contain_text(f"model {shipped}")

    # rolled back to a model that never learned her, she is still known by her examples
    page.get_by_role("link", name="Classify").click()
    page.wait_for_url(learning.base + "/")  # a new page: the photo goes into its input
    page.locator("#file-input").set_input_files(str(probe))  # classified on pick
    expect(best).to_have_text("Best match: alexandra daddario (by examples)", timeout=30000)
    expect(page.locator("#overlay .face-label")).to_have_text(
        f"1: {NEW.replace('_', ' ')} by examples"
    )

    stranger = one_face_photos(seed_dir / "lisa_vicari", Predictor(load_model()), 1)[0]
    page.locator("#file-input").set_input_files(str(stranger))
    expect(page.locator("#best-match")).to_have_text("Not someone we know.", timeout=30000)
    expect(page.locator("#overlay .face-label")).to_have_text(re.compile(r"^1: unknown"))
    expect(page.locator("#overlay .face-label")).not_to_contain_text("%")
    expect(page.locator("#faces-table tbody td.num").first).to_have_text("")  # no percentage
    expect(page.locator("#scores")).to_be_hidden()  # an unknown face is nobody's
    screenshot(page, "single-unknown")

    known, name = kept_photos[3]
    page.get_by_role("link", name="Batch").click()
    page.locator("#batch-files").set_input_files([str(stranger), str(known)])
    page.get_by_role("button", name="Start batch").click()
    expect(page.locator("#batch-state")).to_have_text("completed", timeout=60000)
    rows = page.locator("#items tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("td").nth(1)).to_have_text("unknown")
    expect(rows.nth(0).locator("td").nth(2)).to_have_text("")
    expect(rows.nth(1).locator("td").nth(1)).to_have_text(name.replace("_", " "))
    expect(rows.nth(1).locator("td").nth(2)).to_have_text(re.compile(r"^\d+\.\d%$"))


def test_failed_training_and_api_errors_are_shown_as_alerts(learning, page):
    client, key = take_owner(learning)
    people = client.people()
    for name in sorted(people)[1:]:  # one person left: a model needs two
        assert client.request("DELETE", f"/api/v1/people/{people[name]['id']}").status_code == 204
    open_as(page, key, learning.base + "/people")
    expect(page.locator("#people-table tbody tr")).to_have_count(1)
    page.get_by_role("button", name="Train now").click()
    alert = page.locator("#models-error")
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_contain_text("failed: A model needs at least 2 people", timeout=TRAINED)
    failed = page.locator("#models-table tbody tr").first
    expect(failed).to_have_attribute("data-status", "failed")
    expect(failed.locator(".reason")).to_contain_text("left out:")
    expect(page.get_by_role("button", name="Train now")).to_be_enabled()
    expect(page.locator("#model-detail-title")).to_contain_text("(failed)")
    expect(page.locator("#confusion")).to_be_hidden()
    expect(page.locator("#confusion-missing")).to_have_text("This run failed: it has no figures.")
    screenshot(page, "models-failed")

    page.goto(learning.base + f"/people/{uuid.uuid4()}")
    expect(page.locator("#person-error")).to_have_text(re.compile(r"^No person [0-9a-f-]{36}\.$"))
    expect(page.locator("#person-error")).to_have_attribute("role", "alert")

    page.goto(learning.base + "/people")
    page.route("**/api/v1/people", lambda route: route.abort())
    page.get_by_label("Add a person").fill("someone")
    page.get_by_role("button", name="Add person").click()
    expect(page.locator("#people-error")).to_have_text(
        "The server is not reachable. Is celebclf running?"
    )
