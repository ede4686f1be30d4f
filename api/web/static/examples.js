// A person's example photos: drop many to upload them, watch each get checked, look at the
// face crops (the seed's manual inspection) and delete the wrong ones.

import { api, ApiError, describeError, dropTarget, lines, sleep } from "./api.js";
import { cropCache } from "./crops.js";

const $ = (id) => document.getElementById(id);
const PAGE_SIZE = 100;
const UPLOAD_BYTES = 2 * 1024 * 1024; // per request: well under the service's body limit
const UPLOAD_FILES = 20;
const STATUS_TEXT = {
  queued: "Waiting to be checked",
  running: "Being checked…",
  accepted: "Accepted",
  rejected: "Rejected",
};
let personId = null;
let polling = null;
let shownPages = 1;
const crops = cropCache();
const tiles = new Map(); // example id -> its <li>

function showError(message) {
  $("person-error").textContent = message;
  $("person-error").hidden = !message;
}

const describe = (error) => (error instanceof ApiError ? error.message : String(error));

/** Files in requests of at most UPLOAD_FILES files and about UPLOAD_BYTES each. */
function groups(files) {
  const out = [];
  let group = [];
  let bytes = 0;
  for (const file of files) {
    if (group.length && (group.length >= UPLOAD_FILES || bytes + file.size > UPLOAD_BYTES)) {
      out.push(group);
      group = [];
      bytes = 0;
    }
    group.push(file);
    bytes += file.size;
  }
  if (group.length) out.push(group);
  return out;
}

async function upload(files) {
  $("examples-files").value = ""; // choosing the same files again fires change again
  const target = personId;
  const failures = [];
  $("examples-drop-text").textContent = `Uploading ${files.length} photo(s)…`;
  for (const group of groups(files)) {
    const form = new FormData();
    group.forEach((file) => form.append("files", file));
    try {
      await api(`/api/v1/people/${target}/examples`, { method: "POST", body: form });
    } catch (error) {
      failures.push(`${group.map((f) => f.name).join(", ")}: ${describe(error)}`);
    }
    if (target !== personId) return;
  }
  $("examples-drop-text").textContent =
    "Drop more photos of this person here, or press to choose them";
  showError(failures.length ? `Not uploaded: ${failures.join("; ")}` : "");
  poll();
}

/** Photos by URL: the workers fetch them (the same fetcher, and its rules, as for jobs). */
async function addUrls(event) {
  event.preventDefault();
  const urls = lines($("examples-urls").value);
  if (!urls.length || !personId) return;
  try {
    await api(`/api/v1/people/${personId}/examples`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ urls }),
    });
    $("examples-urls").value = "";
    showError("");
  } catch (error) {
    showError(`Not added: ${describe(error)}`);
  }
  poll();
}

async function remove(example) {
  try {
    await api(`/api/v1/people/${example.person_id}/examples/${example.id}`, { method: "DELETE" });
    tiles.get(example.id)?.remove();
    tiles.delete(example.id);
    showError("");
    poll();
  } catch (error) {
    showError(describe(error));
  }
}

function newTile(example) {
  const li = document.createElement("li");
  li.className = "example";
  li.dataset.exampleId = example.id;
  const frame = Object.assign(document.createElement("div"), { className: "crop-frame" });
  const status = Object.assign(document.createElement("p"), { className: "example-status" });
  const reason = Object.assign(document.createElement("p"), { className: "reason", hidden: true });
  const name = Object.assign(document.createElement("p"), {
    className: "filename muted",
    textContent: example.filename || example.url || "(photo)",
    title: example.filename || example.url || "",
  });
  const del = Object.assign(document.createElement("button"), {
    type: "button",
    className: "small secondary",
    textContent: "Delete",
  });
  del.setAttribute("aria-label", `Delete example ${name.textContent}`);
  del.addEventListener("click", () => remove(example));
  li.append(frame, status, reason, name, del);
  return li;
}

/** The pipelines that could not describe this example again (their models leave it out). */
const notDescribed = (example) =>
  (example.descriptors || []).filter((d) => d.status === "not_described");

function updateTile(li, example) {
  const failed = notDescribed(example);
  const state = [example.status, ...failed.map((d) => d.pipeline)].join(" ");
  if (li.dataset.state === state) return;
  li.dataset.state = state;
  li.dataset.status = example.status;
  const frame = li.querySelector(".crop-frame");
  if (example.crop_url) {
    const img = Object.assign(document.createElement("img"), {
      alt: `The face found in ${example.filename || "this photo"}`,
      className: "crop",
    });
    frame.replaceChildren(img);
    crops.show(img, example.crop_url);
  } else {
    const mark = example.status === "rejected" ? "✕" : "…";
    frame.replaceChildren(Object.assign(document.createElement("span"), {
      className: "placeholder",
      textContent: mark,
    }));
  }
  for (const d of failed) {
    frame.append(Object.assign(document.createElement("span"), {
      className: "badge not-described",
      textContent: `not described by ${d.pipeline}`,
      title: d.reason?.message || "",
    }));
  }
  li.querySelector(".example-status").textContent = STATUS_TEXT[example.status] || example.status;
  const reason = li.querySelector(".reason");
  reason.textContent = example.status === "rejected"
    ? describeError(example.reason)
    : failed.map((d) => `Not used by ${d.pipeline} models: ${describeError(d.reason)}`).join(" ");
  reason.hidden = !reason.textContent;
}

function render(examples) {
  const uploaded = examples.filter((e) => e.source !== "shipped");
  const shipped = examples.length - uploaded.length;
  $("examples-shipped").hidden = !shipped;
  $("examples-shipped").textContent = `${shipped} example(s) came with the shipped model `
    + "(its face descriptors only: there are no photos to show).";

  const grid = $("examples-grid");
  const keep = new Set(uploaded.map((e) => e.id));
  for (const [id, li] of tiles) {
    if (!keep.has(id)) {
      li.remove();
      tiles.delete(id);
    }
  }
  uploaded.forEach((example, index) => {
    let li = tiles.get(example.id);
    if (!li) {
      li = newTile(example);
      tiles.set(example.id, li);
    }
    updateTile(li, example);
    if (grid.children[index] !== li) grid.insertBefore(li, grid.children[index] || null);
  });

  const done = uploaded.filter((e) => e.status === "accepted" || e.status === "rejected");
  const accepted = uploaded.filter((e) => e.status === "accepted").length;
  $("examples-progress").hidden = !uploaded.length;
  $("examples-bar").max = uploaded.length || 1;
  $("examples-bar").value = done.length;
  $("examples-progress-text").textContent = `${done.length} of ${uploaded.length} photo(s) `
    + `checked: ${accepted} accepted, ${done.length - accepted} rejected`;
}

/** Every example shown (newest first), following cursors for the pages asked for. */
async function loadExamples(target) {
  const all = [];
  let cursor = null;
  let more = false;
  for (let page = 0; page < shownPages; page += 1) {
    const query = new URLSearchParams({ limit: PAGE_SIZE });
    if (cursor) query.set("cursor", cursor);
    const body = await api(`/api/v1/people/${target}/examples?${query}`);
    all.push(...body.items);
    cursor = body.next_cursor;
    more = Boolean(cursor);
    if (!cursor) break;
  }
  return { items: all, more };
}

/** Refresh now, then every second while any photo is still waiting or being checked. */
async function poll() {
  const token = {};
  polling = token;
  const target = personId;
  while (polling === token) {
    try {
      const { items, more } = await loadExamples(target);
      if (polling !== token) return;
      render(items);
      $("examples-more").hidden = !more;
      if (!items.some((e) => e.status === "queued" || e.status === "running")) {
        polling = null;
        return;
      }
    } catch (error) {
      if (polling !== token) return;
      showError(describe(error));
    }
    await sleep(1000);
  }
}

export function openExamples(id) {
  closeExamples();
  personId = id;
  shownPages = 1;
  $("examples-drop-text").textContent = "Drop photos of this person here, or press to choose them";
  poll();
}

export function closeExamples() {
  polling = null;
  personId = null;
  tiles.clear();
  $("examples-grid").replaceChildren();
  $("examples-progress").hidden = true;
  $("examples-shipped").hidden = true;
  $("examples-more").hidden = true;
  crops.clear();
}

export function initExamples() {
  dropTarget($("examples-drop"), $("examples-files"), (files) => {
    if (personId) upload(files);
  });
  $("examples-url-form").addEventListener("submit", addUrls);
  $("examples-more").addEventListener("click", () => {
    shownPages += 1;
    poll();
  });
}
