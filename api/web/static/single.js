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

function choose(files) {
  chosenFile = files[0];
  $("drop-text").textContent = `Chosen: ${chosenFile.name}`;
  $("url-input").value = "";
  showError("");
  refreshButton();
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

async function waitFor(jobId) {
  for (;;) {
    const job = await api(`/api/v1/jobs/${jobId}`);
    if (["succeeded", "failed", "canceled"].includes(job.status)) return job;
    setStatus(job.status === "queued" ? "Waiting for a worker…" : "Looking for faces…");
    await sleep(400);
  }
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
    label.textContent = `${index + 1}: ${face.label} ${percent(face.score)}`;
    svg.append(rect, label);
  });
}

function fillScores(faces) {
  const people = Object.keys(faces[0].probabilities);
  const head = $("scores").tHead;
  head.innerHTML = "";
  const headRow = head.insertRow();
  ["Person", ...faces.map((_, i) => `Face ${i + 1}`)].forEach((text) => {
    const th = document.createElement("th");
    th.textContent = text;
    headRow.append(th);
  });
  const body = $("scores").tBodies[0];
  body.innerHTML = "";
  const best = faces[0];
  for (const person of people) {
    const row = body.insertRow();
    if (person === best.label) row.className = "best-row";
    row.insertCell().textContent = person.replaceAll("_", " ");
    for (const face of faces) {
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
  const faces = [...job.faces].sort((a, b) => b.score - a.score);
  $("result").hidden = false;
  setStatus("");
  if (!faces.length) {
    showError("No face with two eyes was found in this photo.");
    $("best-match").textContent = "";
    $("scores").hidden = true;
  } else {
    const best = faces[0];
    $("best-match").textContent = best.label === "unknown"
      ? `Not someone we know (best guess below ${percent(best.score)} confidence).`
      : `Best match: ${best.label.replaceAll("_", " ")} (${percent(best.score)})`;
    $("scores").hidden = false;
    fillScores(faces);
  }
  const img = $("photo");
  const draw = () => drawFaces(job.faces);
  if (img.complete && img.naturalWidth) draw();
  else img.onload = draw;
}

async function classify() {
  showError("");
  $("result").hidden = true;
  $("classify-button").disabled = true;
  setStatus("Uploading…");
  $("photo").src = chosenFile ? URL.createObjectURL(chosenFile) : $("url-input").value.trim();
  try {
    const created = await submit();
    showResult(await waitFor(created.id));
  } catch (error) {
    setStatus("");
    showError(error instanceof ApiError ? error.message : String(error));
  } finally {
    refreshButton();
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
