// Batches: many URLs or files -> a batch with its own URL -> live progress -> paged results.

import {
  api, ApiError, authorizedFetch, certainty, describeError, displayName, dropTarget, lines, percent,
  sleep,
} from "./api.js";
import { fillFacesTable, isUnknown, keepDrawn, ordered, UNKNOWN } from "./faces.js";

const $ = (id) => document.getElementById(id);
const PAGE_SIZE = 25;
let files = [];
let pageCursors = [null];
let pageIndex = 0;
let polling = null;
// the photos this page uploaded, by position in their batch: the service keeps no copy of an
// upload once it is classified, so only the page that sent them can show them again
let uploaded = { batchId: null, files: [] };

function refreshStart() {
  $("batch-start").disabled = !(files.length || $("batch-urls").value.trim());
}

function showError(message) {
  $("batch-error").textContent = message;
  $("batch-error").hidden = !message;
}

async function start() {
  showError("");
  $("batch-start").disabled = true;
  try {
    let batch;
    if (files.length) {
      const form = new FormData();
      files.forEach((file) => form.append("files", file));
      batch = await api("/api/v1/batches", { method: "POST", body: form });
    } else {
      const urls = lines($("batch-urls").value);
      batch = await api("/api/v1/batches", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ urls }),
      });
    }
    uploaded = { batchId: batch.id, files: files.length ? files : [] };
    history.pushState({}, "", `/batches/${batch.id}`);
    openBatch(batch.id);
  } catch (error) {
    showError(error instanceof ApiError ? error.message : String(error));
  } finally {
    refreshStart();
  }
}

function renderCounts(batch) {
  const c = batch.counts;
  const done = c.succeeded + c.failed + c.canceled;
  $("progress-bar").value = Math.round(batch.progress * 100);
  $("progress-text").textContent = `${done} of ${batch.total} done (${percent(batch.progress)})`;
  const entries = [["queued", c.queued], ["running", c.running], ["done", c.succeeded],
    ["failed", c.failed], ["canceled", c.canceled]];
  $("counts").replaceChildren(...entries.map(([name, n]) => {
    const li = document.createElement("li");
    li.dataset.count = name;
    li.textContent = `${name}: ${n}`;
    return li;
  }));
  $("batch-state").textContent = batch.status;
  $("batch-cancel").disabled = batch.status === "completed" || batch.status === "canceled";
}

/** Only an http(s) URL is worth a thumbnail or a link: anything else would be read as a path
 * of this page's own site (a request that can only 404). */
function fetchable(url) {
  try {
    return ["http:", "https:"].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

function imageCell(cell, item) {
  cell.className = "image";
  if (item.url && !fetchable(item.url)) {
    cell.textContent = item.url;
  } else if (item.url) {
    const img = document.createElement("img");
    img.className = "thumb";
    img.loading = "lazy";
    img.alt = "";
    img.src = item.url;
    img.onerror = () => img.remove();
    const link = document.createElement("a");
    link.href = item.url;
    link.textContent = item.url.split("/").pop() || item.url;
    cell.append(img, " ", link);
  } else {
    cell.textContent = item.filename || "(upload)";
  }
}

/** Where the page can show an item's photo from: its URL, or the file this page uploaded. */
function photoSource(item, position) {
  if (item.url) return fetchable(item.url) ? item.url : null;
  const file = uploaded.batchId === item.batch_id ? uploaded.files[position] : null;
  return file && file.name === item.filename ? URL.createObjectURL(file) : null;
}

/** The item's photo with every face boxed and named: bystanders too, not only the answer. */
function openItem(item, position) {
  const faces = ordered(item.faces, item.answer);
  $("viewer-title").textContent = item.url || item.filename || "(upload)";
  $("viewer-answer").textContent = answerText(item);
  const img = $("viewer-photo");
  const source = photoSource(item, position);
  const note = (text) => {
    $("viewer-note").textContent = text;
    $("viewer-note").hidden = !text;
  };
  note(source ? "" : item.url
    ? "This URL cannot be shown here."
    : "The service keeps no copy of an uploaded photo once it is classified, and this page "
      + "did not upload it: its faces are listed below.");
  $("viewer-frame").hidden = !source;
  $("viewer-overlay").replaceChildren();
  img.onerror = () => {
    $("viewer-frame").hidden = true;
    note("The photo could not be loaded from its URL; its faces are listed below.");
  };
  if (img.src.startsWith("blob:")) URL.revokeObjectURL(img.src);
  img.removeAttribute("src");
  if (source) img.src = source;
  $("viewer-faces").hidden = !faces.length;
  fillFacesTable($("viewer-faces"), faces);
  $("item-viewer").showModal();
  if (source) keepDrawn(img, $("viewer-overlay"), faces);
}

function answerText(item) {
  if (item.error) return describeError(item.error);
  if (!item.answer) return item.status === "succeeded" ? "No face found." : item.status;
  const n = item.faces.length;
  const who = item.answer === UNKNOWN ? "Nobody we know" : `Best match: ${displayName(item.answer)}`;
  return `${who} · ${n} ${n === 1 ? "face" : "faces"}`;
}

function renderItems(items) {
  const body = $("items").tBodies[0];
  body.innerHTML = "";
  items.forEach((item, index) => {
    const row = body.insertRow();
    // the photo's answer: its best named face, "unknown" (no percentage) when none is named
    const named = item.faces.filter((f) => f.label === item.answer && !isUnknown(f));
    const best = named.sort((a, b) => b.score - a.score)[0];
    imageCell(row.insertCell(), item);
    row.insertCell().textContent = item.answer ? displayName(item.answer)
      : item.status === "succeeded" ? "no face found" : "";
    const score = row.insertCell();
    score.className = "num";
    score.textContent = best ? certainty(best) : "";
    row.insertCell().textContent = item.status;
    row.insertCell().textContent = describeError(item.error);
    const position = pageIndex * PAGE_SIZE + index;
    row.tabIndex = 0;
    row.setAttribute("aria-label", `Show ${item.url || item.filename || "this photo"} with its faces`);
    row.addEventListener("click", (event) => {
      if (!event.target.closest("a")) openItem(item, position);
    });
    row.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.target === row) openItem(item, position);
    });
  });
}

async function loadPage(batchId) {
  const cursor = pageCursors[pageIndex];
  const query = new URLSearchParams({ limit: PAGE_SIZE });
  if (cursor) query.set("cursor", cursor);
  const page = await api(`/api/v1/batches/${batchId}/items?${query}`);
  renderItems(page.items);
  pageCursors[pageIndex + 1] = page.next_cursor;
  $("page-number").textContent = `Page ${pageIndex + 1}`;
  $("page-prev").disabled = pageIndex === 0;
  $("page-next").disabled = !page.next_cursor;
}

async function poll(batchId) {
  const token = {};
  polling = token;
  while (polling === token) {
    try {
      const batch = await api(`/api/v1/batches/${batchId}`);
      renderCounts(batch);
      await loadPage(batchId);
      showError("");
      if (batch.status === "completed" || batch.status === "canceled") return;
    } catch (error) {
      showError(error instanceof ApiError ? error.message : String(error));
    }
    await sleep(1000);
  }
}

/** Downloads go through fetch so they carry the API key; the link stays a real link. */
async function download(event, link, filename) {
  event.preventDefault();
  try {
    const response = await authorizedFetch(link.href);
    if (!response.ok) throw new ApiError("download", `The download failed (HTTP ${response.status}).`);
    const url = URL.createObjectURL(await response.blob());
    const save = Object.assign(document.createElement("a"), { href: url, download: filename });
    save.click();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (error) {
    showError(error.message);
  }
}

export function openBatch(batchId) {
  $("batch-form").hidden = true;
  $("batch-progress").hidden = false;
  $("batch-id").textContent = batchId;
  for (const [id, extension] of [["download-csv", "csv"], ["download-jsonl", "jsonl"]]) {
    $(id).href = `/api/v1/batches/${batchId}/results.${extension}`;
    $(id).onclick = (event) => download(event, $(id), `batch-${batchId}.${extension}`);
  }
  pageCursors = [null];
  pageIndex = 0;
  $("batch-cancel").onclick = async () => {
    await api(`/api/v1/batches/${batchId}/cancel`, { method: "POST" }).catch(() => {});
  };
  $("page-prev").onclick = () => { pageIndex -= 1; loadPage(batchId); };
  $("page-next").onclick = () => { pageIndex += 1; loadPage(batchId); };
  poll(batchId);
}

export function initBatch() {
  dropTarget($("batch-drop"), $("batch-files"), (chosen) => {
    files = chosen;
    $("batch-drop-text").textContent = `${files.length} photo(s) chosen`;
    refreshStart();
  });
  $("batch-urls").addEventListener("input", refreshStart);
  $("viewer-close").addEventListener("click", () => $("item-viewer").close());
  $("batch-start").addEventListener("click", start);
}
