"""The page against a service that requires API keys: it asks for one and sends it everywhere."""

from pathlib import Path

from playwright.sync_api import expect

from inference import load_model
from tests.e2e.conftest import screenshot
from tests.service.fixtures import KEYS
from tests.service.helpers import url_for_photo


def test_keyed_service_asks_for_a_key_then_works_and_downloads_with_it(
    keyed, page, kept_photos, photos
):
    page.goto(keyed.base)
    expect(page.locator("#model-info")).to_contain_text("API key")
    expect(page.locator("#key-form")).to_be_visible()
    screenshot(page, "key-needed")
    page.get_by_label("This service needs an API key").fill(KEYS["page"])
    page.get_by_role("button", name="Use key").click()
    expect(page.locator("#key-form")).to_be_hidden()
    expect(page.locator("#model-info")).to_contain_text(f"model {load_model().version}")

    path, person = kept_photos[2]
    page.locator("#file-input").set_input_files(str(path))  # classified on pick
    expect(page.locator("#best-match")).to_contain_text(person.replace("_", " "), timeout=30000)

    base, root = photos
    page.goto(keyed.base + "/#batch")  # the key is remembered by this browser
    page.get_by_label("Image URLs, one per line").fill(url_for_photo(base, root, path))
    page.get_by_role("button", name="Start batch").click()
    expect(page.locator("#batch-state")).to_have_text("completed", timeout=60000)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text()
    assert text.startswith("item_id,") and person in text
