// The JSON API, as the panel calls it. The API key (asked once, for actions) lives in this tab's
// session storage only: never in a URL, never in local storage.
const keyName = "acepool.api_key";

export function apiKey() {
  return sessionStorage.getItem(keyName) || "";
}

/// Announced when the key is given or forgotten: the live feed reconnects with it.
export const keyChanged = "acepool:key-changed";

export function setApiKey(key) {
  if (key) sessionStorage.setItem(keyName, key);
  else sessionStorage.removeItem(keyName);
  window.dispatchEvent(new Event(keyChanged));
}

/// An API failure with the answer's `detail`, shown as is.
export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : JSON.stringify(detail));
    this.status = status;
  }
}

async function parse(response) {
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (!response.ok) throw new ApiError(response.status, body && body.detail !== undefined ? body.detail : body);
  return body;
}

/// GET a JSON route.
export async function getJSON(path) {
  const headers = {};
  const key = apiKey();
  if (key) headers["Authorization"] = "Bearer " + key;
  return parse(await fetch(path, { headers, cache: "no-store" }));
}

/// An action: POST (with a JSON body) or DELETE (acepool refuses a body on DELETE), with the
/// key when one was given.
export async function act(method, path, body) {
  const headers = {};
  const init = { method, headers };
  if (method === "POST") {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body || {});
  }
  const key = apiKey();
  if (key) headers["Authorization"] = "Bearer " + key;
  return parse(await fetch(path, init));
}
