// One photo: choose or drop it (or give a URL), submit a job, poll it, draw the faces.

import { api, ApiError, describeError, dropTarget, percent, sleep } from "./api.js";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
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

const UNKNOWN = "unknown";

/** A named face with its score; an unknown one only says so (its score names nobody). */
const faceLabel = (face) =>
  face.label === UNKNOWN ? UNKNOWN : `${face.label} ${percent(face.score)}`;

/** The face the photo's answer comes from first, then the others by score: one numbering
 * for the boxes and the table. */
function ordered(faces, answer) {
  const named = (face) => face.label === answer;
  return [...faces].sort((a, b) => named(b) - named(a) || b.score - a.score);
}

function drawFaces(faces) {
  const img = $("photo");
  const svg = $("overlay");
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${img.naturalWidth} ${img.naturalHeight}`);
  faces.forEach((face, index) => {
    const { x, y, w, h } = face.box;
    const rect = document.createElementNS(SVG, "rect");
    Object.entries({ x, y, width: w, height: h }).forEach(([k, v]) => rect.setAttribute(k, v));
    const label = document.createElementNS(SVG, "text");
    label.setAttribute("x", x);
    label.setAttribute("y", Math.max(y - 8, 16));
    label.setAttribute("font-size", Math.max(14, img.naturalWidth / 40));
    label.textContent = `${index + 1}: ${faceLabel(face)}`;
    svg.append(rect, label);
  });
}

function fillScores(faces, answer) {
  const people = Object.keys(faces[0].probabilities);
  const head = $("scores").tHead;
  head.innerHTML = "";
  const headRow = head.insertRow();
  const faceTitle = (face, i) => `Face ${i + 1}${face.label === UNKNOWN ? ": unknown" : ""}`;
  ["Person", ...faces.map(faceTitle)].forEach((text) => {
    const th = document.createElement("th");
    th.textContent = text;
    headRow.append(th);
  });
  const body = $("scores").tBodies[0];
  body.innerHTML = "";
  for (const person of people) {
    const row = body.insertRow();
    if (person === answer) row.className = "best-row";
    row.insertCell().textContent = person.replaceAll("_", " ");
    for (const face of faces) {
      const cell = row.insertCell();
      cell.className = "num";
      // an unknown face is nobody's: its probabilities would read as a weak match
      cell.textContent = face.label === UNKNOWN ? "–" : percent(face.probabilities[person]);
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
      : `Best match: ${job.answer.replaceAll("_", " ")} (${percent(faces[0].score)})`;
    $("scores").hidden = false;
    fillScores(faces, job.answer);
  }
  const img = $("photo");
  const draw = () => drawFaces(faces);
  if (img.complete && img.naturalWidth) draw();
  else img.onload = draw;
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
