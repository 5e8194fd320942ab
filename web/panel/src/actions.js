// Actions that change the pool. Each needs the API key when acepool has one (asked once, kept in
// this tab's session storage), asks before anything destructive, and shows the API's `detail`
// when it is refused.
import { useEffect, useState } from "preact/hooks";
import { act, apiKey, setApiKey } from "./api.js";
import { clip } from "./format.js";
import { html } from "./html.js";

/// Runs `call` (a promise of the API's answer) and reports how it went through `notify`.
export async function perform(notify, what, call, { confirm: question } = {}) {
  if (question && !window.confirm(question)) return;
  try {
    await call();
    notify("ok", what + ": done");
  } catch (err) {
    notify("error", what + " refused (" + (err.status || "network") + "): " + err.message);
    if (err.status === 401) window.dispatchEvent(new Event(needKey));
  }
}

/// Asks the key control to open: an action (or, with API_KEY_READS, the feed) was refused for
/// want of the key.
export const needKey = "acepool:need-key";

/// Whether `text` is a pool size acepool takes (POST /scale/{n}: 0 to 100000).
export function validScale(text) {
  const n = Number(String(text).trim());
  return String(text).trim() !== "" && Number.isInteger(n) && n >= 0 && n <= 100000;
}

export const actions = {
  provision: (notify) => perform(notify, "Provision an engine",
                                 () => act("POST", "/provision/acestream", {})),
  scale: (notify, n) => validScale(n)
    ? perform(notify, "Scale to " + n, () => act("POST", "/scale/" + Number(n)),
              { confirm: "Scale the pool to " + Number(n) + " engines?" })
    : notify("error", "Scale: give a whole number of engines from 0 to 100000"),
  resetBreakers: (notify) => perform(notify, "Reset the circuit breakers",
                                     () => act("POST", "/health/circuit-breaker/reset")),
  deleteEngine: (notify, e) => perform(notify, "Delete " + clip(e.container_name || e.container_id, 120),
      () => act("DELETE", "/containers/" + encodeURIComponent(e.container_id)),
      { confirm: "Delete engine " + clip(e.container_name || e.container_id, 120) +
                 "? Its streams end." }),
  stopStream: (notify, s) => perform(notify, "Stop " + clip(s.key, 120),
      () => act("DELETE", "/streams/" + encodeURIComponent(s.id)),
      { confirm: "Stop stream " + clip(s.key, 120) + " for its " + s.clients + " clients?" }),
};

/// The Delete button of an engine (none for a static engine, which acepool does not own).
export function DeleteEngine({ engine, notify }) {
  return engine.state === "static" ? "" : html`<button class="danger"
    onClick=${() => actions.deleteEngine(notify, engine)}>Delete</button>`;
}

/// The API key control in the header: ask for it once, or forget it.
export function KeyControl({ notify }) {
  const [has, setHas] = useState(!!apiKey());
  const [asking, setAsking] = useState(false);
  useEffect(() => {
    const ask = () => { setHas(!!apiKey()); setAsking(true); };
    window.addEventListener(needKey, ask);
    return () => window.removeEventListener(needKey, ask);
  }, []);
  if (has && !asking)
    return html`<button class="link" onClick=${() => { setApiKey(""); setHas(false);
                                                       notify("ok", "API key forgotten"); }}>
      Forget API key</button>`;
  if (!asking)
    return html`<button class="link" onClick=${() => setAsking(true)}>API key…</button>`;
  const save = (e) => {
    e.preventDefault();
    const key = String(new FormData(e.target).get("key") || "").trim();
    if (!key) return notify("error", "API key: empty");
    setApiKey(key);
    setHas(true);
    setAsking(false);
    notify("ok", "API key set for this tab");
  };
  return html`<form class="key" onSubmit=${save}>
    <label>API key <input name="key" type="password" autocomplete="off" required autofocus /></label>
    <button type="submit">Use</button>
    <button type="button" onClick=${() => setAsking(false)}>Cancel</button></form>`;
}

/// The outcome of the last action, read out to screen readers.
export function Notice({ notice }) {
  if (!notice) return html`<div role="status" class="notice empty"></div>`;
  return html`<div role=${notice.kind === "error" ? "alert" : "status"}
    class=${"notice " + notice.kind} data-testid="notice">${notice.text}</div>`;
}
