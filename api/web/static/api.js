// Talking to the celebclf API: one place that turns every failure into a sentence for people.

const MESSAGES = {
  not_an_image: "This file is not an image we can read (JPEG, PNG, WEBP or GIF).",
  corrupt_image: "This image is damaged or truncated and cannot be read.",
  empty_image: "This file is empty.",
  image_too_large: "This image has too many pixels to process.",
  payload_too_large: "This file is too large to upload.",
  too_large: "The image at this URL is too large.",
  invalid_url: "This is not a valid http(s) URL.",
  blocked_address: "This URL points to a private address and cannot be fetched.",
  fetch_failed: "Could not fetch the URL.",
  http_error: "Could not fetch the URL.",
  fetch_timeout: "Could not fetch the URL: it took too long.",
  too_many_redirects: "Could not fetch the URL: too many redirects.",
  database_unavailable: "The service is busy restarting; try again in a few seconds.",
  unauthorized: "This service needs an API key: enter yours at the top of the page.",
  rate_limited: "Too many photos for now; try again in a minute.",
  no_face: "No face was found in this photo.",
  no_two_eyes: "No face with two visible eyes was found in this photo.",
};
const FETCH_CODES = new Set(["fetch_failed", "http_error", "fetch_timeout", "too_many_redirects"]);

export class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** The server's lower-case phrase as a sentence: capital first letter, final full stop. */
export function sentence(text) {
  if (!text) return "";
  const capital = text[0].toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** A sentence for an API error object {code, message}. */
export function describeError(error) {
  if (!error) return "";
  const known = MESSAGES[error.code];
  if (FETCH_CODES.has(error.code)) return `${known} (${error.message})`;
  return known || sentence(error.message) || "Something went wrong.";
}

const KEY_STORAGE = "celebclf.apiKey";

/** Keep the API key in this browser only; every request sends it in X-API-Key. */
export function setApiKey(key) {
  localStorage.setItem(KEY_STORAGE, key);
}

function withKey(options) {
  const key = localStorage.getItem(KEY_STORAGE);
  if (!key) return options;
  return { ...options, headers: { ...(options.headers || {}), "X-API-Key": key } };
}

/** fetch with the API key; a 401 tells the page to ask for one (event "celebclf:needs-key"). */
export async function authorizedFetch(path, options = {}) {
  const response = await fetch(path, withKey(options));
  if (response.status === 401) window.dispatchEvent(new Event("celebclf:needs-key"));
  return response;
}

/** fetch + JSON, raising ApiError with a readable message on any failure. */
export async function api(path, options = {}) {
  let response;
  try {
    response = await authorizedFetch(path, options);
  } catch {
    throw new ApiError("server_unreachable", "The server is not reachable. Is celebclf running?");
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = body && body.error;
    if (!error && response.status >= 500) {
      throw new ApiError("server_error", "The server is not reachable. Is celebclf running?");
    }
    throw new ApiError(error?.code || "http_" + response.status, describeError(error));
  }
  return body;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The non-empty lines of a textarea where a person pastes URLs, one per line. */
export const lines = (text) => text.split("\n").map((line) => line.trim()).filter(Boolean);

export const percent = (p) => `${(p * 100).toFixed(1)}%`;

/** How sure a named face is: the model's probability, or "by examples" for a face named by
 * the examples accepted since the model was trained (rule "gallery"): the model has no
 * probability for a person it was not trained on. */
export const certainty = (face) => (face.rule === "gallery" ? "by examples" : percent(face.score));

/** A label as people read it, on boxes, tables and lists alike: `roger_federer` -> `roger federer`. */
export const displayName = (label) => label.replaceAll("_", " ");

/** Make an element act like a file drop target that also opens a file picker. */
export function dropTarget(zone, input, onFiles) {
  zone.addEventListener("click", () => input.click());
  zone.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      input.click();
    }
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer.files.length) onFiles([...event.dataTransfer.files]);
  });
  input.addEventListener("change", () => {
    if (input.files.length) onFiles([...input.files]);
  });
  // photos chosen while the page was still loading fired their change before we listened
  if (input.files.length) onFiles([...input.files]);
}
