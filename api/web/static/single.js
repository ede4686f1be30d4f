// One photo: choose or drop it (or give a URL), submit a job, poll it, draw the faces.

import {
  api, ApiError, certainty, describeError, displayName, dropTarget, percent, sleep,
} from "./api.js";
import { fillFacesTable, isUnknown, keepDrawn, ordered, UNKNOWN } from "./faces.js";

const $ = (id) => document.getElementById(id);
let chosenFile = null;

function showError(message) {
  $("single-error").textContent = message;
  $("single-error").hidden = !message;
}

function setStatus(text) {
  $("single-status").textContent = text;
}

function refreshButton() {
  $("classify-button").disabled = !(chosenFile || $("url-input").value.trim());
}

/** A dropped or picked photo is classified at once, as the drop zone promises. */
function choose(files) {
  chosenFile = files[0];
  $("drop-text").textContent = `Chosen: ${chosenFile.name}`;
  $("url-input").value = "";
  classify();
}

async function submit() {
  if (chosenFile) {
    const form = new FormData();
    form.append("file", chosenFile);
    return api("/api/v1/jobs", { method: "POST", body: form });
  }
  return api("/api/v1/jobs", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ url: $("url-input").value.trim() }),
  });
}

let latest = 0; // a photo picked while another is classified replaces it on the page

/** The job once it ended, or null once a newer photo took the page. */
async function waitFor(jobId, mine) {
  for (;;) {
    const job = await api(`/api/v1/jobs/${jobId}`);
    if (mine !== latest) return null;
    if (["succeeded", "failed", "canceled"].includes(job.status)) return job;
    setStatus(job.status === "queued" ? "Waiting for a worker…" : "Looking for faces…");
    await sleep(400);
  }
}

/** The probabilities of the named faces only: an unknown face is nobody's, its column would
 * read as a weak match (the faces table says why it is unknown). */
function fillScores(faces, answer) {
  const named = faces.map((face, i) => [face, i]).filter(([face]) => !isUnknown(face));
  $("scores").hidden = !named.length;
  if (!named.length) return;
  const head = $("scores").tHead;
  head.innerHTML = "";
  const headRow = head.insertRow();
  ["Person", ...named.map(([, i]) => `Face ${i + 1}`)].forEach((text) => {
    const th = document.createElement("th");
    th.textContent = text;
    headRow.append(th);
  });
  const body = $("scores").tBodies[0];
  body.innerHTML = "";
  for (const person of Object.keys(named[0][0].probabilities)) {
    const row = body.insertRow();
    if (person === answer) row.className = "best-row";
    row.insertCell().textContent = displayName(person);
    for (const [face] of named) {
      const cell = row.insertCell();
      cell.className = "num";
      cell.textContent = percent(face.probabilities[person]);
    }
  }
}

function showResult(job) {
  if (job.status === "failed") {
    showError(describeError(job.error));
    setStatus("");
    return;
  }
  const faces = ordered(job.faces, job.answer);
  $("result").hidden = false;
  setStatus("");
  if (!faces.length) {
    showError("No face with two eyes was found in this photo.");
    $("best-match").textContent = "";
    $("scores").hidden = true;
  } else {
    $("best-match").textContent = job.answer === UNKNOWN
      ? (faces.length === 1 ? "Not someone we know." : "Nobody we know is in this photo.")
      : `Best match: ${displayName(job.answer)} (${certainty(faces[0])})`;
    fillScores(faces, job.answer);
  }
  $("faces-table").hidden = !faces.length;
  fillFacesTable($("faces-table"), faces);
  keepDrawn($("photo"), $("overlay"), faces);
}

async function classify() {
  const mine = ++latest;
  showError("");
  $("result").hidden = true;
  $("classify-button").disabled = true;
  setStatus("Uploading…");
  $("photo").src = chosenFile ? URL.createObjectURL(chosenFile) : $("url-input").value.trim();
  try {
    const created = await submit();
    const job = await waitFor(created.id, mine);
    if (job) showResult(job);
  } catch (error) {
    if (mine !== latest) return;
    setStatus("");
    showError(error instanceof ApiError ? error.message : String(error));
  } finally {
    if (mine === latest) refreshButton();
  }
}

export function initSingle() {
  dropTarget($("drop-zone"), $("file-input"), choose);
  $("url-input").addEventListener("input", () => {
    if ($("url-input").value.trim()) {
      chosenFile = null;
      $("drop-text").textContent = "Drop a photo here, or press to choose one";
    }
    refreshButton();
  });
  $("classify-button").addEventListener("click", classify);
}
