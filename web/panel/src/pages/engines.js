// Engines: the pool, one row per engine; an engine's own page by its id.
import { html } from "../html.js";
import { DeleteEngine } from "../actions.js";
import { ago, shortId, since } from "../format.js";
import { nodeName } from "../nodes.js";
import { EngineDetail } from "./engine.js";

export function Engines({ state, arg }) {
  if (arg) return html`<${EngineDetail} state=${state} id=${arg} />`;
  const engines = state.data.engines;
  if (!engines) return html`<p class="muted">${state.errors.engines || "Loading…"}</p>`;
  if (engines.length === 0) return html`<p class="muted">No engines.</p>`;
  // Swarm mode: the node each engine's task runs on.
  const swarm = engines.some((e) => e.node);
  const nodes = state.data.status && state.data.status.docker.nodes;
  return html`<div class="table-wrap"><table data-testid="engines">
    <thead><tr><th>name</th><th>id</th><th>state</th><th>health</th><th>port</th>
      ${swarm && html`<th>node</th>`}<th>streams</th><th>up</th><th>last check</th><th></th></tr></thead>
    <tbody>${engines.map((e) => html`<tr data-id=${e.container_id}>
      <td><a href=${"#/engines/" + encodeURIComponent(e.container_id)}>${e.container_name ||
        shortId(e.container_id)}</a></td><td class="mono">${shortId(e.container_id)}</td>
      <td>${e.state}</td><td><span class=${"badge " + e.health_status}>${e.health_status}</span></td>
      <td>${e.port}</td>${swarm && html`<td title=${e.node_addr || ""}>${nodeName(e.node, nodes) ||
        "—"}</td>`}<td>${e.streams.length}</td><td>${since(e.first_seen)}</td>
      <td>${ago(e.last_health_check)}</td>
      <td><${DeleteEngine} engine=${e} notify=${state.notify} /></td></tr>`)}
    </tbody></table></div>`;
}
