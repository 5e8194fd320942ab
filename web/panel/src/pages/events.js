// Events: the live feed as it arrives, filterable by type or content.
import { useState } from "preact/hooks";
import { clip } from "../format.js";
import { html } from "../html.js";

function matches(event, filter) {
  if (!filter) return true;
  const f = filter.toLowerCase();
  return (event.type || "").toLowerCase().includes(f) ||
    JSON.stringify(event.data || {}).toLowerCase().includes(f);
}

export function Events({ state }) {
  const [filter, setFilter] = useState("");
  const shown = state.events.filter((e) => matches(e, filter));
  return html`
    <label class="filter">Filter <input value=${filter} placeholder="stream., engine.health, a key…"
      onInput=${(e) => setFilter(e.target.value)} /></label>
    ${shown.length === 0
      ? html`<p class="muted">No events yet: they appear here as they happen.</p>`
      : html`<ol class="events" data-testid="events">${shown.map((e) => html`
          <li key=${e.id}><time>${(e.time || "").slice(11, 23)}</time>
            <span class="type">${e.type}</span>
            <code>${clip(JSON.stringify(e.data || {}), 600)}</code></li>`)}</ol>`}`;
}
