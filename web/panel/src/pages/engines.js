// Engines: the pool, one row per engine.
import { html } from "../html.js";
import { actions } from "../actions.js";
import { ago, shortId, since } from "../format.js";

export function Engines({ state }) {
  const engines = state.data.engines;
  if (!engines) return html`<p class="muted">${state.errors.engines || "Loading…"}</p>`;
  if (engines.length === 0) return html`<p class="muted">No engines.</p>`;
  return html`<div class="table-wrap"><table data-testid="engines">
    <thead><tr><th>name</th><th>id</th><th>state</th><th>health</th><th>port</th>
      <th>streams</th><th>up</th><th>last check</th><th></th></tr></thead>
    <tbody>${engines.map((e) => html`<tr data-id=${e.container_id}>
      <td>${e.container_name || "—"}</td><td class="mono">${shortId(e.container_id)}</td>
      <td>${e.state}</td><td><span class=${"badge " + e.health_status}>${e.health_status}</span></td>
      <td>${e.port}</td><td>${e.streams.length}</td><td>${since(e.first_seen)}</td>
      <td>${ago(e.last_health_check)}</td>
      <td>${e.state === "static" ? "" : html`<button class="danger"
        onClick=${() => actions.deleteEngine(state.notify, e)}>Delete</button>`}</td></tr>`)}
    </tbody></table></div>`;
}
