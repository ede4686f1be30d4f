// Unnamed faces: the owner's clusters of faces nobody is named as, each a row of crops with a
// name box. Naming one turns its faces into a person's examples; × drops a face that is
// someone else ("not this person": no later clustering puts it back).

import { api, ApiError, displayName, sleep } from "./api.js";
import { cropCache } from "./crops.js";

const $ = (id) => document.getElementById(id);
const CLUSTERS_PAGE = 10;
const FACES_PAGE = 24;
const DONE = new Set(["accepted", "rejected"]);
const crops = cropCache();
let people = new Map(); // name, and its display form, -> person id: the name box's choices
let moreCursor = null;
let generation = 0; // bumped when the view closes: pending work of an older one stops

const describe = (error) => (error instanceof ApiError ? error.message : String(error));
const faces = (n) => `${n} ${n === 1 ? "face" : "faces"}`;
const json = (body) => ({
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

function showError(element, error) {
  element.textContent = error ? describe(error) : "";
  element.hidden = !error;
}

/** Every page of a list endpoint, following its cursors. */
async function allPages(path) {
  const items = [];
  let cursor = null;
  do {
    const query = new URLSearchParams({ limit: 100 });
    if (cursor) query.set("cursor", cursor);
    const page = await api(`${path}?${query}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

/** The owner's people as the name box offers them (a datalist of their names). */
async function loadPeopleNames() {
  const found = await allPages("/api/v1/people");
  people = new Map(found.flatMap((p) => [[displayName(p.name), p.id], [p.name, p.id]]));
  $("people-names").replaceChildren(...found.map((p) => new Option(displayName(p.name), p.name)));
}

const tilesOf = (row) => [...row.querySelectorAll(".cluster-face")];

function setSize(row, size) {
  row.dataset.size = size;
  row.querySelector(".cluster-size").textContent = faces(size);
  const hidden = size - tilesOf(row).length;
  const more = row.querySelector(".more-faces");
  more.closest("li").hidden = hidden <= 0;
  more.textContent = `+${hidden} more`;
  more.setAttribute("aria-label", `Show ${hidden} more ${hidden === 1 ? "face" : "faces"}`);
}

function faceTile(row, face) {
  const li = Object.assign(document.createElement("li"), { className: "cluster-face" });
  li.dataset.faceId = face.face_id;
  const frame = Object.assign(document.createElement("div"), { className: "crop-frame" });
  const img = Object.assign(document.createElement("img"), {
    className: "crop",
    alt: `Unnamed face from job ${face.job_id.slice(0, 8)}`,
  });
  frame.append(img);
  crops.show(img, face.crop_url);
  const drop = Object.assign(document.createElement("button"), {
    type: "button",
    className: "drop",
    textContent: "×",
    title: "Not this person: drop this face from the group",
  });
  drop.setAttribute("aria-label", `Not this person: drop the face from job ${face.job_id.slice(0, 8)}`);
  drop.addEventListener("click", () => dropFace(row, li, face));
  li.append(frame, drop);
  return li;
}

/** "Not this person": the face leaves the group for good; focus goes to its neighbour. */
async function dropFace(row, li, face) {
  const error = row.querySelector(".cluster-error");
  try {
    await api(`/api/v1/faces/${face.face_id}/reject`, json({}));
  } catch (failure) {
    showError(error, failure);
    return;
  }
  showError(error, null);
  const next = li.nextElementSibling || li.previousElementSibling;
  li.remove();
  const size = Number(row.dataset.size) - 1;
  if (size <= 0) {
    row.remove();
    showEmpty();
    return;
  }
  setSize(row, size);
  (next?.querySelector("button.drop") || row.querySelector("input")).focus();
}

/** The group's next faces after the last one shown (faces come oldest first). */
async function moreFaces(row) {
  const last = tilesOf(row).at(-1);
  const query = new URLSearchParams({ limit: FACES_PAGE });
  if (last) query.set("cursor", last.dataset.faceId);
  const error = row.querySelector(".cluster-error");
  try {
    const page = await api(`/api/v1/faces/clusters/${row.dataset.clusterId}?${query}`);
    const tiles = page.items.map((face) => faceTile(row, face));
    row.querySelector(".more-faces").closest("li").before(...tiles);
    setSize(row, page.cluster.size);
    tiles[0]?.querySelector("button.drop").focus();
    showError(error, null);
  } catch (failure) {
    showError(error, failure);
  }
}

/** The examples ``ids`` of a person, once none of them is waiting to be checked. */
async function checkedExamples(personId, ids, current) {
  const wanted = new Set(ids);
  while (current === generation) {
    const mine = (await allPages(`/api/v1/people/${personId}/examples`))
      .filter((e) => wanted.has(e.id));
    if (mine.every((e) => DONE.has(e.status))) return mine;
    await sleep(1000);
  }
  return null;
}

function doneText(row, name, examples) {
  const accepted = examples.filter((e) => e.status === "accepted").length;
  const status = row.querySelector(".cluster-status");
  status.textContent = `${faces(examples.length)} named ${name}: ${accepted} accepted, `
    + `${examples.length - accepted} rejected. `;
  const link = Object.assign(document.createElement("a"), {
    href: `/people/${examples[0].person_id}`,
    textContent: `See ${name}'s photos`,
  });
  link.dataset.nav = "";
  status.append(link);
}

/** Name the group: an existing person picked from the list, or a new one. */
async function nameCluster(event, row) {
  event.preventDefault();
  const form = event.currentTarget;
  const typed = form.elements.name.value.trim();
  if (!typed) return;
  const personId = people.get(typed);
  const body = personId ? { person_id: personId } : { name: typed };
  const current = generation;
  const status = row.querySelector(".cluster-status");
  const error = row.querySelector(".cluster-error");
  form.querySelectorAll("input, button").forEach((el) => { el.disabled = true; });
  status.textContent = `Naming ${faces(Number(row.dataset.size))} as ${displayName(typed)}…`;
  showError(error, null);
  try {
    const created = (await api(`/api/v1/faces/clusters/${row.dataset.clusterId}/name`, json(body)))
      .items;
    row.dataset.state = "named";
    form.hidden = true;
    row.querySelectorAll("button.drop, .more-faces").forEach((el) => { el.hidden = true; });
    window.dispatchEvent(new Event("celebclf:people-changed"));
    const examples = await checkedExamples(created[0].person_id, created.map((e) => e.id), current);
    if (!examples) return;
    doneText(row, displayName(typed), examples);
    window.dispatchEvent(new Event("celebclf:people-changed"));
    await loadPeopleNames();
  } catch (failure) {
    if (current !== generation) return;
    if (row.dataset.state !== "named") {
      status.textContent = "";
      form.querySelectorAll("input, button").forEach((el) => { el.disabled = false; });
    }
    showError(error, failure);
    if (failure.code === "name_taken") loadPeopleNames(); // pressed again, it names them
  }
}

function nameForm(row, cluster) {
  const form = Object.assign(document.createElement("form"), { className: "row-form name-form" });
  const inputId = `cluster-name-${cluster.id}`;
  const label = Object.assign(document.createElement("label"), {
    htmlFor: inputId,
    textContent: "Who is this?",
  });
  const input = Object.assign(document.createElement("input"), {
    id: inputId,
    name: "name",
    maxLength: 128,
    autocomplete: "off",
    required: true,
    placeholder: "name, or pick one",
  });
  input.setAttribute("list", "people-names");
  const button = Object.assign(document.createElement("button"), {
    type: "submit",
    textContent: "Name",
  });
  const line = Object.assign(document.createElement("div"), { className: "row" });
  line.append(input, button);
  form.append(label, line);
  form.addEventListener("submit", (event) => nameCluster(event, row));
  return form;
}

function clusterRow(cluster) {
  const row = Object.assign(document.createElement("li"), { className: "cluster" });
  row.dataset.clusterId = cluster.id;
  const heading = Object.assign(document.createElement("h3"), { className: "cluster-size" });
  const list = Object.assign(document.createElement("ul"), { className: "cluster-faces" });
  list.setAttribute("aria-label", "Faces in this group");
  const more = Object.assign(document.createElement("button"), {
    type: "button",
    className: "more-faces secondary",
  });
  more.addEventListener("click", () => moreFaces(row));
  const moreTile = Object.assign(document.createElement("li"), { className: "more-tile" });
  moreTile.append(more);
  list.append(...cluster.samples.map((face) => faceTile(row, face)), moreTile);
  const status = Object.assign(document.createElement("p"), { className: "cluster-status" });
  status.setAttribute("role", "status");
  const error = Object.assign(document.createElement("p"), {
    className: "error cluster-error",
    hidden: true,
  });
  error.setAttribute("role", "alert");
  row.append(heading, list, nameForm(row, cluster), status, error);
  setSize(row, cluster.size);
  return row;
}

function showEmpty() {
  $("unnamed-empty").hidden = $("clusters").children.length > 0;
}

async function loadClusters(append = false) {
  const query = new URLSearchParams({ limit: CLUSTERS_PAGE });
  if (append && moreCursor) query.set("cursor", moreCursor);
  const current = generation;
  try {
    const page = await api(`/api/v1/faces/clusters?${query}`);
    if (current !== generation) return;
    if (!append) $("clusters").replaceChildren();
    $("clusters").append(...page.items.map(clusterRow));
    moreCursor = page.next_cursor;
    $("clusters-more").hidden = !moreCursor;
    showEmpty();
    showError($("unnamed-error"), null);
  } catch (error) {
    showError($("unnamed-error"), error);
  }
}

/** /people: the groups, biggest first, and the names the boxes offer. */
export function openClusters() {
  closeClusters();
  loadPeopleNames().catch((error) => showError($("unnamed-error"), error));
  loadClusters();
}

export function closeClusters() {
  generation += 1;
  moreCursor = null;
  $("clusters").replaceChildren();
  $("clusters-more").hidden = true;
  $("unnamed-empty").hidden = true;
  crops.clear();
}

export function initClusters() {
  $("clusters-more").addEventListener("click", () => loadClusters(true));
}
