// People: the list with example counts, adding one, the unnamed faces under it, and a
// person's page (rename, delete).

import { api, ApiError, displayName } from "./api.js";
import { closeClusters, initClusters, openClusters } from "./clusters.js";
import { closeExamples, openExamples } from "./examples.js";

const $ = (id) => document.getElementById(id);
const PAGE_SIZE = 100;
let moreCursor = null;
let shownPerson = null;

function showError(id, error) {
  const message = error instanceof ApiError ? error.message : error ? String(error) : "";
  $(id).textContent = message;
  $(id).hidden = !message;
}

/** Follow an in-page link without reloading (the URL still works on its own). */
export function navigate(path) {
  history.pushState({}, "", path);
  window.dispatchEvent(new Event("celebclf:navigated"));
}

function personRow(person) {
  const row = document.createElement("tr");
  row.dataset.personId = person.id;
  const name = row.insertCell();
  const link = Object.assign(document.createElement("a"), {
    href: `/people/${person.id}`,
    textContent: displayName(person.name),
  });
  link.dataset.nav = "";
  name.append(link);
  if (person.shipped) {
    const tag = Object.assign(document.createElement("span"), {
      className: "tag",
      textContent: "shipped",
      title: "Came with the shipped model",
    });
    name.append(" ", tag);
  }
  const c = person.examples;
  for (const [kind, n] of [["accepted", c.accepted], ["rejected", c.rejected],
    ["checking", c.queued + c.running]]) {
    const cell = row.insertCell();
    cell.className = "num";
    cell.dataset.count = kind;
    cell.textContent = n;
  }
  return row;
}

async function loadPeople(append = false) {
  const query = new URLSearchParams({ limit: PAGE_SIZE });
  if (append && moreCursor) query.set("cursor", moreCursor);
  try {
    const page = await api(`/api/v1/people?${query}`);
    const body = $("people-table").tBodies[0];
    if (!append) body.replaceChildren();
    body.append(...page.items.map(personRow));
    moreCursor = page.next_cursor;
    $("people-more").hidden = !moreCursor;
    if (!body.rows.length) {
      const empty = body.insertRow().insertCell();
      empty.colSpan = 4;
      empty.className = "muted";
      empty.textContent = "Nobody yet: add a person above.";
    }
    showError("people-error", "");
  } catch (error) {
    showError("people-error", error);
  }
}

async function addPerson(event) {
  event.preventDefault();
  const name = $("person-name").value.trim();
  if (!name) return;
  try {
    const person = await api("/api/v1/people", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name }),
    });
    $("person-name").value = "";
    showError("people-error", "");
    navigate(`/people/${person.id}`);
  } catch (error) {
    showError("people-error", error);
  }
}

function showPerson(person) {
  shownPerson = person;
  $("person-title").textContent = displayName(person.name);
  $("rename-input").value = person.name;
  document.title = `${displayName(person.name)} · celebclf`;
}

async function rename(event) {
  event.preventDefault();
  const name = $("rename-input").value.trim();
  if (!shownPerson || !name || name === shownPerson.name) return;
  try {
    showPerson(await api(`/api/v1/people/${shownPerson.id}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name }),
    }));
    showError("person-error", "");
  } catch (error) {
    showError("person-error", error);
  }
}

async function deletePerson() {
  if (!shownPerson) return;
  const name = displayName(shownPerson.name);
  if (!confirm(`Delete ${name} and all their example photos? From the next photo on, `
    + "nobody is named as them.")) return;
  try {
    await api(`/api/v1/people/${shownPerson.id}`, { method: "DELETE" });
    navigate("/people");
  } catch (error) {
    showError("person-error", error);
  }
}

/** /people: the list. */
export function openPeople() {
  closeExamples();
  shownPerson = null;
  $("people-list-panel").hidden = false;
  $("person-panel").hidden = true;
  document.title = "People · celebclf";
  loadPeople();
  openClusters();
}

/** /people/<id>: one person, their photos and the drop zone. */
export async function openPerson(personId) {
  closeClusters();
  $("people-list-panel").hidden = true;
  $("person-panel").hidden = false;
  showError("person-error", "");
  $("person-title").textContent = "";
  try {
    showPerson(await api(`/api/v1/people/${personId}`));
    openExamples(personId);
  } catch (error) {
    closeExamples();
    showError("person-error", error);
  }
}

export function closePeople() {
  closeExamples();
  closeClusters();
  shownPerson = null;
}

export function initPeople() {
  $("person-form").addEventListener("submit", addPerson);
  $("rename-form").addEventListener("submit", rename);
  $("delete-person").addEventListener("click", deletePerson);
  $("people-more").addEventListener("click", () => loadPeople(true));
  initClusters();
  window.addEventListener("celebclf:people-changed", () => {
    if (!$("people-list-panel").hidden) loadPeople();
  });
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-nav]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(link.getAttribute("href"));
  });
}
