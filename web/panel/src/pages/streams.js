// Streams: active first, then ended, with the relay URL to copy.
import { html } from "../html.js";
import { actions } from "../actions.js";
import { bitrate, clip, orDash, shortId, since } from "../format.js";

function relayUrl(s) {
  const param = s.key_type === "infohash" ? "infohash" : "id";
  return location.origin + "/ace/getstream?" + param + "=" + encodeURIComponent(s.key);
}

function Row({ s, notify }) {
  const relayable = s.key_type === "content_id" || s.key_type === "infohash";
  return html`<tr data-id=${s.id}>
    <td class="mono wrap" title=${s.key}>${clip(s.key, 120)}</td><td>${s.status}</td><td>${s.source}</td>
    <td>${s.clients}</td><td class="mono">${shortId(s.container_id)}</td>
    <td>${orDash(s.peers)}</td><td>${bitrate(s.speed_down === null ? null : s.speed_down * 1024)}</td>
    <td>${s.status === "ended" ? orDash(s.end_reason) : since(s.started_at)}</td>
    <td>${relayable ? html`<input class="copy" readonly value=${relayUrl(s)}
        aria-label="relay URL" onFocus=${(e) => e.target.select()} />` : "—"}</td>
    <td>${s.status === "started" ? html`<button class="danger"
      onClick=${() => actions.stopStream(notify, s)}>Stop</button>` : ""}</td>
  </tr>`;
}

export function Streams({ state }) {
  const streams = state.data.streams;
  if (!streams) return html`<p class="muted">${state.errors.streams || "Loading…"}</p>`;
  const ordered = [...streams].sort((a, b) =>
    (a.status === b.status ? 0 : a.status === "started" ? -1 : 1) ||
    Date.parse(b.started_at) - Date.parse(a.started_at));
  if (ordered.length === 0) return html`<p class="muted">No streams.</p>`;
  return html`<div class="table-wrap"><table data-testid="streams">
    <thead><tr><th>key</th><th>status</th><th>source</th><th>clients</th><th>engine</th>
      <th>peers</th><th>down</th><th>up / end</th><th>relay URL</th><th></th></tr></thead>
    <tbody>${ordered.map((s) => html`<${Row} key=${s.id} s=${s} notify=${state.notify} />`)}
    </tbody></table></div>`;
}
