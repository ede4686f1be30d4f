// Models: every trained version with its figures, "Train now" followed to its end, activating
// a version (also how to roll back), and the selected version's charts.

import { api, ApiError, describeError, displayName, percent, sleep } from "./api.js";
import { drawConfusion, drawUnknownRule } from "./charts.js";

const $ = (id) => document.getElementById(id);
const WAITING = new Set(["queued", "training"]);
const STATUS_TEXT = {
  queued: "queued",
  training: "training…",
  ready: "ready",
  failed: "failed",
  active: "active",
  retired: "retired",
};
let models = [];
let selected = null; // version shown in the detail
let following = null; // version of the run "Train now" started
let polling = null;
let lastActive = null;

function showError(message) {
  $("models-error").textContent = message;
  $("models-error").hidden = !message;
}

const describe = (error) => (error instanceof ApiError ? error.message : String(error));

function when(timestamp) {
  if (!timestamp) return "";
  const date = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(timestamp) ? timestamp : `${timestamp}Z`);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function statusCell(cell, model) {
  const badge = Object.assign(document.createElement("span"), {
    className: `status status-${model.status}`,
    textContent: STATUS_TEXT[model.status] || model.status,
  });
  cell.append(badge);
  const detail = model.error ? describeError(model.error) : model.note;
  if (detail) {
    cell.append(Object.assign(document.createElement("p"), {
      className: model.error ? "reason" : "muted small-text",
      textContent: detail,
    }));
  }
}

async function activate(version) {
  try {
    await api(`/api/v1/models/${encodeURIComponent(version)}/activate`, { method: "POST" });
    showError("");
    selected = version;
    poll();
  } catch (error) {
    showError(describe(error));
  }
}

function renderTable() {
  const body = $("models-table").tBodies[0];
  body.replaceChildren();
  for (const model of models) {
    const row = body.insertRow();
    row.dataset.version = model.version;
    row.dataset.status = model.status;
    if (model.version === selected) row.className = "selected";
    const version = Object.assign(document.createElement("button"), {
      type: "button",
      className: "link",
      textContent: model.version,
      title: "Show this model's figures",
    });
    version.setAttribute("aria-pressed", String(model.version === selected));
    version.addEventListener("click", () => {
      selected = model.version;
      renderTable();
      renderDetail();
    });
    const first = row.insertCell();
    first.append(version);
    if (model.trigger) {
      first.append(" ", Object.assign(document.createElement("span"), {
        className: "tag",
        textContent: model.trigger,
      }));
    }
    statusCell(row.insertCell(), model);
    const people = row.insertCell();
    people.className = "num";
    people.textContent = model.people.length || "";
    people.title = model.people.map((p) => displayName(p.name)).join(", ");
    const examples = row.insertCell();
    examples.className = "num";
    examples.textContent = model.examples ?? "";
    const accuracy = row.insertCell();
    accuracy.className = "num";
    accuracy.textContent = model.held_out_accuracy == null ? "" : percent(model.held_out_accuracy);
    accuracy.title = model.held_out?.method || "";
    row.insertCell().textContent = when(model.created_at);
    const action = row.insertCell();
    if (model.status === "ready" || model.status === "retired") {
      const button = Object.assign(document.createElement("button"), {
        type: "button",
        className: "small",
        textContent: "Activate",
      });
      button.setAttribute("aria-label", `Activate ${model.version}`);
      button.addEventListener("click", () => activate(model.version));
      action.append(button);
    }
  }
}

/** What the table's accuracy is computed over, said for the model in use. */
function renderAccuracyBasis() {
  const model = models.find((m) => m.status === "active" && m.held_out?.method);
  $("accuracy-basis").textContent = model ? ` (model ${model.version}: ${model.held_out.method})` : "";
}

function missing(id, text) {
  $(id).textContent = text;
  $(id).hidden = !text;
}

function renderDetail() {
  const model = models.find((m) => m.version === selected);
  $("model-detail").hidden = !model;
  if (!model) return;
  $("model-detail-title").textContent = `Model ${model.version} (${model.status})`;
  const people = model.people.map((p) => `${displayName(p.name)} (${p.examples})`).join(", ");
  const excluded = model.excluded.map((p) => `${displayName(p.name)}: ${p.reason || "too few photos"}`);
  $("model-note").textContent = [
    people && `Knows ${people}.`,
    excluded.length ? `Left out: ${excluded.join("; ")}.` : "",
    model.held_out?.method ? `Figures: ${model.held_out.method}.` : "",
  ].filter(Boolean).join(" ");

  const body = $("model-comparison").tBodies[0];
  body.replaceChildren();
  for (const row of model.model_table) {
    const tr = body.insertRow();
    tr.insertCell().textContent = displayName(row.model);
    for (const value of [row.cv_accuracy, row.held_out_accuracy]) {
      const cell = tr.insertCell();
      cell.className = "num";
      cell.textContent = percent(value);
    }
    tr.insertCell().textContent = Object.entries(row.best_params || {})
      .map(([k, v]) => `${k.split("__").pop()}=${v}`).join(", ");
  }
  $("model-comparison").hidden = !model.model_table.length;

  const confusion = model.held_out?.confusion_matrix;
  $("confusion").toggleAttribute("hidden", !confusion); // an SVG element has no .hidden
  if (confusion) drawConfusion($("confusion"), confusion);
  const none = model.status === "failed" ? "This run failed: it has no figures."
    : WAITING.has(model.status) ? "Figures come when the run has trained."
      : "No figures were recorded for this version.";
  missing("confusion-missing", confusion ? "" : none);

  const rule = model.unknown_rule;
  const calibration = rule?.calibration;
  $("unknown-curve").toggleAttribute("hidden", !calibration);
  if (calibration) drawUnknownRule($("unknown-curve"), calibration);
  missing("unknown-missing", calibration ? ""
    : rule ? `This model refuses to name a face below ${percent(rule.unknown_threshold)} `
      + "probability; there is no distance curve."
      : none);
}

function followText(model) {
  if (!model) return "";
  const name = `Training run ${model.version}`;
  if (model.status === "active") return `${name} is trained and active.`;
  if (model.status === "ready") {
    return `${name} is trained but not active${model.note ? `: ${model.note}` : "."}`;
  }
  if (model.status === "failed") return `${name} failed.`;
  if (model.status === "retired") return `${name} is trained; another version is active now.`;
  return `${name}: ${STATUS_TEXT[model.status]}`;
}

function show(items) {
  models = items;
  const active = models.find((m) => m.status === "active");
  if (!models.some((m) => m.version === selected)) selected = active?.version ?? models[0]?.version;
  const answering = active?.version ?? "";
  if (answering !== lastActive) { // the header names the model that answers
    if (lastActive !== null) window.dispatchEvent(new Event("celebclf:model-changed"));
    lastActive = answering;
  }
  const run = models.find((m) => m.version === following);
  $("train-status").textContent = followText(run);
  showError(run?.status === "failed"
    ? `Training run ${run.version} failed: ${describeError(run.error)}` : "");
  $("train-now").disabled = Boolean(run && WAITING.has(run.status));
  renderTable();
  renderAccuracyBasis();
  renderDetail();
  return models.some((m) => WAITING.has(m.status));
}

/** Refresh now, then every second while a run is queued or training, else every 15 s (an
 * automatic run may be queued once the people stop changing). */
async function poll() {
  const token = {};
  polling = token;
  while (polling === token) {
    let wait;
    try {
      const page = await api("/api/v1/models?limit=100");
      if (polling !== token) return; // a newer refresh has started: its answer is newer
      wait = show(page.items) ? 1000 : 15000;
    } catch (error) {
      if (polling !== token) return;
      showError(describe(error));
      wait = 3000;
    }
    await sleep(wait);
  }
}

async function trainNow() {
  showError("");
  $("train-now").disabled = true;
  try {
    const run = await api("/api/v1/models", { method: "POST" });
    following = run.version;
    selected = run.version;
    $("train-status").textContent = followText(run);
    poll();
  } catch (error) {
    showError(describe(error));
    $("train-now").disabled = false;
  }
}

export function openModels() {
  $("models-view").hidden = false;
  poll();
}

export function closeModels() {
  $("models-view").hidden = true;
  polling = null;
}

export function initModels() {
  $("train-now").addEventListener("click", trainNow);
}
