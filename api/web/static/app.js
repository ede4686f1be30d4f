// The page: shows the model, and switches between the classify, batch and people views.

import { api, displayName, setApiKey } from "./api.js";
import { initBatch, openBatch } from "./batch.js";
import { initExamples } from "./examples.js";
import { closeModels, initModels, openModels } from "./models.js";
import { closePeople, initPeople, openPeople, openPerson } from "./people.js";
import { initSingle } from "./single.js";

const $ = (id) => document.getElementById(id);
const BATCH_PATH = /^\/batches\/([0-9a-f-]{36})$/;
const PEOPLE_PATH = /^\/people(?:\/([0-9a-f-]{36}))?\/?$/;
const TITLE = document.title;

async function showModel() {
  try {
    const info = await api("/api/v1/classes");
    const people = info.classes.map(displayName).join(", ");
    const n = info.classes.length;
    $("model-info").textContent = `Knows ${n} ${n === 1 ? "person" : "people"}: ${people} · model ${info.model}`;
  } catch (error) {
    $("model-info").textContent = error.message;
  }
}

function currentView() {
  if (PEOPLE_PATH.test(location.pathname)) return "people";
  if (BATCH_PATH.test(location.pathname) || location.hash === "#batch") return "batch";
  return "single";
}

function route() {
  const view = currentView();
  $("single-view").hidden = view !== "single";
  $("batch-view").hidden = view !== "batch";
  $("people-view").hidden = view !== "people";
  for (const name of ["single", "batch", "people"]) {
    const tab = $(`tab-${name}`);
    if (name === view) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  if (view === "people") {
    const person = location.pathname.match(PEOPLE_PATH)[1];
    if (person) openPerson(person);
    else openPeople();
    openModels();
    return;
  }
  document.title = TITLE;
  closePeople();
  closeModels();
  const batch = location.pathname.match(BATCH_PATH);
  if (batch) openBatch(batch[1]);
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
    route();
  });
}

initKeyForm();
initSingle();
initBatch();
initPeople();
initExamples();
initModels();
showModel();
route();
window.addEventListener("popstate", route);
window.addEventListener("hashchange", route);
window.addEventListener("celebclf:navigated", route);
window.addEventListener("celebclf:model-changed", showModel);
