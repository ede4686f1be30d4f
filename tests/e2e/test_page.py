"""The page in a real browser against a real service with a real worker."""

import base64
import json
import re

import pytest
from playwright.sync_api import expect

from inference import load_model
from inference.artifacts import default_model_dir
from tests.conftest import encode
from tests.e2e.conftest import screenshot
from tests.service.helpers import url_for_photo

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

DROP_FILE = """(zone, [name, type, b64]) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], name, { type }));
    for (const kind of ["dragover", "drop"]) {
        zone.dispatchEvent(new DragEvent(kind, { dataTransfer: transfer, bubbles: true }));
    }
}"""


def drop(page, selector: str, name: str, data: bytes, mime: str) -> None:
    """A real drop event carrying a File, as a person's drag-and-drop produces."""
    page.locator(selector).evaluate(DROP_FILE, [name, mime, base64.b64encode(data).decode()])


def test_dropped_photo_is_classified_at_once_with_boxes_labels_and_scores(
    service, page, kept_photos
):
    """Dropping is enough, as the drop zone suggests: nothing else is pressed."""
    path, person = kept_photos[0]
    page.goto(service.base)
    expect(page.locator("#model-info")).to_contain_text(f"model {load_model().version}")
    expect(page.locator("#model-info")).to_contain_text("roger federer")
    drop(page, "#drop-zone", path.name, path.read_bytes(), "image/jpeg")
    expect(page.locator("#drop-text")).to_contain_text(path.name)
    expect(page.locator("#best-match")).to_contain_text(person.replace("_", " "), timeout=30000)
    expect(page.locator("#overlay rect.face-box")).to_have_count(1)
    expect(page.locator("#overlay .face-label")).to_contain_text(person.replace("_", " "))
    expect(page.locator("#scores tbody tr")).to_have_count(5)
    expect(page.locator("#scores tr.best-row")).to_contain_text(person.replace("_", " "))
    screenshot(page, "single-result")


def test_photo_chosen_before_the_script_ran_is_taken(service, page, kept_photos):
    """A tab is a new page: a photo chosen while its script loads must not be dropped silently."""
    held = []  # the page's script, kept back until the photo is chosen
    page.route("**/static/app.js", lambda route: held.append(route))
    page.goto(service.base, wait_until="commit")
    page.locator("#file-input").set_input_files(str(kept_photos[0][0]))
    for _ in range(100):  # the script's request reaches the route soon after the HTML
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the page never asked for its script"
    held[0].continue_()
    expect(page.locator("#drop-text")).to_contain_text(kept_photos[0][0].name)
    expect(page.locator("#best-match")).to_contain_text(
        kept_photos[0][1].replace("_", " "), timeout=30000
    )


def test_non_image_shows_an_error(service, page):
    page.goto(service.base)
    drop(page, "#drop-zone", "notes.txt", b"just some text", "text/plain")
    expect(page.get_by_role("alert").first).to_contain_text("not an image")
    screenshot(page, "single-not-an-image")


def test_picked_photo_is_classified_at_once_and_without_a_face_says_so(service, page, noise_image):
    page.goto(service.base)
    page.locator("#file-input").set_input_files(
        files=[
            {"name": "noise.png", "mimeType": "image/png", "buffer": encode(noise_image, ".png")}
        ]
    )
    expect(page.locator("#single-error")).to_contain_text("No face with two eyes", timeout=30000)
    screenshot(page, "single-picked-no-face")


def test_unreachable_url_and_server_down_messages(service, page):
    page.goto(service.base)
    page.get_by_label("…or an image URL").fill("http://127.0.0.1:9/photo.jpg")
    page.get_by_role("button", name="Classify").click()
    expect(page.locator("#single-error")).to_contain_text("Could not fetch the URL", timeout=30000)
    page.route("**/api/v1/jobs", lambda route: route.abort())
    page.get_by_role("button", name="Classify").click()
    expect(page.locator("#single-error")).to_contain_text("server is not reachable")
    screenshot(page, "single-server-down")


def test_batch_of_urls_reaches_100_percent_and_fills_the_table(service, page, photos):
    base, root = photos
    paths = sorted(p for p in root.rglob("*") if p.is_file())[::23][:12]
    page.goto(service.base + "/#batch")
    page.get_by_label("Image URLs, one per line").fill(
        "\n".join(url_for_photo(base, root, p) for p in paths)
    )
    page.get_by_role("button", name="Start batch").click()
    expect(page).to_have_url(re.compile(r"/batches/[0-9a-f-]{36}$"))
    expect(page.locator("#progress-bar")).to_have_attribute("value", "100", timeout=60000)
    expect(page.locator("#batch-state")).to_have_text("completed")
    expect(page.locator("#items tbody tr")).to_have_count(len(paths))
    expect(page.locator("[data-count=done]")).to_have_text(f"done: {len(paths)}")
    csv = page.request.get(service.base + page.locator("#download-csv").get_attribute("href"))
    assert csv.ok and csv.text().startswith("item_id,")
    screenshot(page, "batch-complete")
    batch_url = page.url
    page.goto(batch_url)  # the batch page can be reopened from its own URL
    expect(page.locator("#items tbody tr")).to_have_count(len(paths))


def test_phone_width_has_no_horizontal_scroll(service, browser, kept_photos):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    path, person = kept_photos[1]
    page.goto(service.base)
    page.locator("#drop-zone").focus()
    page.keyboard.press("Enter")  # keyboard opens the picker; Playwright then sets the file
    page.locator("#file-input").set_input_files(str(path))
    expect(page.locator("#best-match")).to_contain_text(person.replace("_", " "), timeout=30000)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, "phone-result")
    context.close()


def test_batch_page_asks_thumbnails_only_of_http_urls_and_nothing_404s(service, page, photos):
    base, root = photos
    photo = sorted(p for p in root.rglob("*") if p.is_file())[0]
    urls = ["not a url", "ftp://example.com/a.jpg", url_for_photo(base, root, photo)]
    created = page.request.post(f"{service.base}/api/v1/batches", data={"urls": urls})
    assert created.status == 202
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    asked = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(f"{service.base}/batches/{created.json()['id']}")
    expect(page.locator("#batch-state")).to_have_text("completed", timeout=60000)
    rows = page.locator("#items tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("not a url")
    expect(rows.nth(0).locator("img")).to_have_count(0)
    expect(rows.nth(1).locator("img")).to_have_count(0)
    expect(rows.nth(2).locator("img.thumb")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    screenshot(page, "batch-invalid-url")
    assert not [u for u in asked if "not%20a%20url" in u or "not a url" in u], asked
    assert missing == [], "no request of the page may 404 (favicon included)"


def test_models_table_says_what_its_accuracy_is_and_where_the_readme_figure_comes_from(
    service, page
):
    method = json.loads((default_model_dir() / "metrics.json").read_text())["held_out"]["method"]
    page.goto(service.base + "/people")
    row = page.locator("#models-table tbody tr").first
    expect(row).to_have_attribute("data-status", "active")
    expect(row.locator("td").nth(4)).to_have_attribute("title", method)
    note = page.locator("#accuracy-note")
    expect(note).to_contain_text("stored examples")
    expect(note).to_contain_text(f"(model {load_model().version}: {method})")
    expect(note).to_contain_text("The README's 96 %")
    expect(note).to_contain_text("docs/model-report.md")
    screenshot(page, "models-accuracy-note")
