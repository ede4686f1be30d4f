"""The People tab's "Unnamed faces" in a real browser, against the learning service (real
workers): a batch of the seed-celebrities strangers leaves clusters, shown as rows of crops;
a crop's drop button removes its face for good; a name box turns a cluster into a new person
or adds it to an existing one."""

import json
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from inference import Predictor, load_model
from tests.e2e.conftest import screenshot
from tests.e2e.test_page_people import CHECKED, open_as
from tests.service.fixtures import take_owner
from tests.service.learning import one_face_photos
from tests.service.test_clusters import STRANGERS, clusters_of, faces_of

pytestmark = pytest.mark.parametrize("learning", ["sqlite"], indirect=True)

PHOTOS = 4  # per stranger; BIG's cluster outgrows a row's 6 samples, so "More faces" shows
BIG, BIG_PHOTOS = "alexandra_daddario", 8
CROPS_DECODED = (
    "() => [...document.querySelectorAll('#clusters img.crop')]"
    ".every((img) => img.complete && img.naturalWidth > 0)"
)


@pytest.fixture(scope="module")
def clustered(learning, seed_dir):
    """(client, API key, the clusters, stranger of each job) after one batch of their photos."""
    shipped = Predictor(load_model())
    photos = {
        name: one_face_photos(seed_dir / name, shipped, BIG_PHOTOS if name == BIG else PHOTOS)
        for name in STRANGERS
    }
    client, key = take_owner(learning)
    items = client.classify_many([path for paths in photos.values() for path in paths])
    stranger = {p.name: name for name, paths in photos.items() for p in paths}
    person_of = {item["id"]: stranger[item["filename"]] for item in items}
    found = clusters_of(client)
    assert len(found) >= len(STRANGERS), f"a stranger made no cluster: {found}"
    return client, key, found, person_of


def row_of(page, cluster: dict):
    return page.locator(f"#clusters .cluster[data-cluster-id='{cluster['id']}']")


def faces_text(n: int) -> str:
    return f"{n} face" if n == 1 else f"{n} faces"


def two_a_page(route) -> None:
    """The real API's list of clusters, 2 a page: its paging with no more photos to process."""
    url = urlsplit(route.request.url)
    query = urlencode({**dict(parse_qsl(url.query)), "limit": 2})
    route.continue_(url=url._replace(query=query).geturl())


def test_clusters_are_rows_of_crops_with_more_faces_and_pages(learning, page, clustered):
    client, key, found, _ = clustered
    page.route(re.compile(r".*/api/v1/faces/clusters\?.*"), two_a_page)
    open_as(page, key, learning.base + "/people")
    rows = page.locator("#clusters .cluster")
    expect(rows).to_have_count(2)
    expect(page.locator("#unnamed-empty")).to_be_hidden()
    page.get_by_role("button", name="More groups").click()
    expect(rows).to_have_count(min(4, len(found)))
    if len(found) > 4:
        page.get_by_role("button", name="More groups").click()
    expect(rows).to_have_count(len(found))
    expect(page.get_by_role("button", name="More groups")).to_be_hidden()
    for cluster in found:
        row = row_of(page, cluster)
        expect(row.locator("h3")).to_have_text(faces_text(cluster["size"]))
        expect(row.locator("img.crop")).to_have_count(min(cluster["size"], 6))
        for alt in row.locator("img.crop").evaluate_all("(imgs) => imgs.map((i) => i.alt)"):
            assert re.fullmatch(r"Unnamed face from job [0-9a-f]{8}", alt), alt
    page.wait_for_function(CROPS_DECODED)
    screenshot(page, "people-unnamed")

    big = found[0]
    assert big["size"] > 6, f"{BIG}'s {BIG_PHOTOS} photos made no cluster over 6: {found}"
    row = row_of(page, big)
    more = row.get_by_role("button", name=f"Show {big['size'] - 6} more faces")
    expect(more).to_have_text(f"+{big['size'] - 6} more")
    more.click()
    expect(row.locator("img.crop")).to_have_count(big["size"])
    expect(more).to_be_hidden()
    shown = [
        int(f)
        for f in row.locator(".cluster-face").evaluate_all(
            "(tiles) => tiles.map((t) => t.dataset.faceId)"
        )
    ]
    assert shown == [f["face_id"] for f in faces_of(client, big["id"])]
    expect(row.locator(".cluster-face").nth(6).locator("button.drop")).to_be_focused()

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.wait_for_function(CROPS_DECODED)
    screenshot(page, "people-unnamed-phone")


def test_a_dropped_face_leaves_its_cluster_by_keyboard(learning, page, clustered):
    client, key, found, _ = clustered
    cluster = found[1]
    open_as(page, key, learning.base + "/people")
    row = row_of(page, cluster)
    tiles = row.locator(".cluster-face")
    expect(tiles).to_have_count(min(cluster["size"], 6))
    gone = int(tiles.first.get_attribute("data-face-id"))
    drop = tiles.first.get_by_role("button", name=re.compile("^Not this person"))
    drop.focus()
    page.keyboard.press("Enter")
    expect(row.locator(f".cluster-face[data-face-id='{gone}']")).to_have_count(0)
    expect(row.locator("h3")).to_have_text(faces_text(cluster["size"] - 1))
    expect(tiles.first.locator("button.drop")).to_be_focused()  # the next face's drop button
    assert gone not in {f["face_id"] for f in faces_of(client, cluster["id"])}
    left = {c["id"]: c["size"] for c in clusters_of(client)}
    assert left[cluster["id"]] == cluster["size"] - 1


def test_naming_clusters_makes_a_new_person_and_adds_to_an_existing_one(learning, page, clustered):
    client, key, found, person_of = clustered
    new, existing = found[-1], found[-2]
    new_name = person_of[new["samples"][0]["job_id"]]
    old_name = person_of[existing["samples"][0]["job_id"]]
    person = client.person(old_name)
    open_as(page, key, learning.base + "/people")
    expect(page.locator("#people-names option")).to_have_count(6)  # the shipped five + one

    row = row_of(page, new)
    with page.expect_response(re.compile(r"/name$")) as named:
        row.get_by_label("Who is this?").fill(new_name)
        row.get_by_label("Who is this?").press("Enter")
    assert named.value.status == 202
    assert json.loads(named.value.request.post_data) == {"name": new_name}
    shown, n = new_name.replace("_", " "), faces_text(new["size"])
    expect(row.locator(".cluster-status")).to_have_text(
        re.compile(rf"^(Naming {n} as {shown}…|{n} named {shown}: .*)$")
    )
    done = re.compile(rf"^{n} named {shown}: (\d+) accepted, (\d+) rejected")
    expect(row.locator(".cluster-status")).to_have_text(done, timeout=CHECKED)
    accepted = int(done.match(row.locator(".cluster-status").inner_text()).group(1))
    assert accepted >= new["size"] - 1  # the cleaning path may refuse one
    made = client.people()[new_name]
    listed = page.locator(f"#people-table tr[data-person-id='{made['id']}']")
    expect(listed.locator("[data-count=accepted]")).to_have_text(str(accepted))
    expect(row.get_by_role("link", name=re.compile("photos$"))).to_have_attribute(
        "href", f"/people/{made['id']}"
    )

    other = row_of(page, existing)
    with page.expect_response(re.compile(r"/name$")) as named:
        other.get_by_label("Who is this?").fill(old_name.replace("_", " "))  # as it is shown
        other.get_by_role("button", name="Name").click()
    assert named.value.status == 202
    assert json.loads(named.value.request.post_data) == {"person_id": person["id"]}
    expect(other.locator(".cluster-status")).to_contain_text("accepted", timeout=CHECKED)
    page.wait_for_function(CROPS_DECODED)
    screenshot(page, "people-unnamed-named")

    left = {c["id"] for c in clusters_of(client)}
    assert not left & {new["id"], existing["id"]}
    assert client.people()[old_name]["examples"]["accepted"] >= existing["size"] - 1
    page.reload()
    expect(row_of(page, new)).to_have_count(0)


def test_no_clusters_says_so_and_errors_are_shown_plainly(learning, page, clustered):
    _, key = take_owner(learning)
    open_as(page, key, learning.base + "/people")
    expect(page.locator("#unnamed-empty")).to_have_text(
        "No unnamed faces yet: faces nobody is named as are grouped here as jobs finish."
    )
    expect(page.locator("#clusters .cluster")).to_have_count(0)
    screenshot(page, "people-unnamed-empty")

    client, other_key, found, _ = clustered
    unreachable = re.compile(r".*/reject$")
    page.route(unreachable, lambda route: route.abort())
    open_as(page, other_key, learning.base + "/people")
    row = row_of(page, found[1])
    expect(row).to_be_visible()  # with its crops: a row is drawn whole
    kept = row.locator(".cluster-face").count()
    row.locator("button.drop").first.click()
    expect(row.locator(".cluster-error")).to_have_text(
        "The server is not reachable. Is celebclf running?"
    )
    expect(row.locator(".cluster-face")).to_have_count(kept)
    page.unroute(unreachable)

    client.person("someone_new")  # after the page listed the people: the name box sends a name
    row.get_by_label("Who is this?").fill("someone_new")
    row.get_by_role("button", name="Name").click()
    expect(row.locator(".cluster-error")).to_have_text(
        "You already have a person called 'someone_new'."
    )
    expect(row.locator(".cluster-status")).to_have_text("")
    expect(row.get_by_role("button", name="Name")).to_be_enabled()
    assert found[1]["id"] in {c["id"] for c in clusters_of(client)}
    screenshot(page, "people-unnamed-error")
    someone = client.people()["someone_new"]
    page.wait_for_function(  # the names offered again, now with them
        "() => [...document.querySelectorAll('#people-names option')]"
        ".some((o) => o.value === 'someone_new')"
    )
    with page.expect_response(re.compile(r"/name$")) as named:
        row.get_by_role("button", name="Name").click()
    assert named.value.status == 202
    assert json.loads(named.value.request.post_data) == {"person_id": someone["id"]}
