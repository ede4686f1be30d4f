// The page: shows the model, and switches between the single-photo and batch views.

import { api, setApiKey } from "./api.js";
import { initBatch, openBatch } from "./batch.js";
import { initSingle } from "./single.js";

const $ = (id) => document.getElementById(id);
const BATCH_PATH = /^\/batches\/([0-9a-f-]{36})$/;

async function showModel() {
  try {
    const info = await api("/api/v1/classes");
    const people = info.classes.map((name) => name.replaceAll("_", " ")).join(", ");
    $("model-info").textContent = `Knows ${info.classes.length} people: ${people} · model ${info.model}`;
  } catch (error) {
    $("model-info").textContent = error.message;
  }
}

function route() {
  const match = location.pathname.match(BATCH_PATH);
  const batch = Boolean(match) || location.hash === "#batch";
  $("single-view").hidden = batch;
  $("batch-view").hidden = !batch;
  for (const [tab, active] of [[$("tab-single"), !batch], [$("tab-batch"), batch]]) {
    if (active) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  if (match) openBatch(match[1]);
  else {
    $("batch-form").hidden = false;
    $("batch-progress").hidden = true;
  }
}

function initKeyForm() {
  window.addEventListener("celebclf:needs-key", () => {
    $("key-form").hidden = false;
  });
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    setApiKey($("key-input").value.trim());
    $("key-form").hidden = true;
    showModel();
  });
}

initKeyForm();
initSingle();
initBatch();
showModel();
route();
window.addEventListener("popstate", route);
window.addEventListener("hashchange", route);
