// Streams: active first, then ended, with the relay URL to copy; a stream's own page by its id.
import { html } from "../html.js";
import { actions } from "../actions.js";
import { bitrate, clip, orDash, shortId, since } from "../format.js";
import { relayable, relayUrl } from "../preview.js";
import { StreamDetail } from "./stream.js";

/// The address of a stream's own page.
export function streamHref(s) {
  return "#/streams/" + encodeURIComponent(s.id);
}

function Row({ s, notify }) {
  return html`<tr data-id=${s.id}>
    <td class="mono wrap" title=${s.key}><a href=${streamHref(s)}>${clip(s.key, 120)}</a></td>
    <td>${s.status}</td><td>${s.source}</td>
    <td>${s.clients}</td><td class="mono">${shortId(s.container_id)}</td>
    <td>${orDash(s.peers)}</td><td>${bitrate(s.speed_down === null ? null : s.speed_down * 1024)}</td>
    <td>${s.status === "ended" ? orDash(s.end_reason) : since(s.started_at)}</td>
    <td>${relayable(s) ? html`<input class="copy" readonly value=${relayUrl(s)}
        aria-label="relay URL" onFocus=${(e) => e.target.select()} />` : "—"}</td>
    <td>${s.status === "started" ? html`<button class="danger"
      onClick=${() => actions.stopStream(notify, s)}>Stop</button>` : ""}</td>
  </tr>`;
}

/// Active streams first (newest first), then ended ones (newest first).
export function byActivity(streams) {
  return [...streams].sort((a, b) =>
    (a.status === b.status ? 0 : a.status === "started" ? -1 : 1) ||
    Date.parse(b.started_at) - Date.parse(a.started_at));
}

export function StreamTable({ streams, notify, testid = "streams" }) {
  return html`<div class="table-wrap"><table data-testid=${testid}>
    <thead><tr><th>key</th><th>status</th><th>source</th><th>clients</th><th>engine</th>
      <th>peers</th><th>down</th><th>up / end</th><th>relay URL</th><th></th></tr></thead>
    <tbody>${byActivity(streams).map((s) => html`<${Row} key=${s.id} s=${s} notify=${notify} />`)}
    </tbody></table></div>`;
}

export function Streams({ state, arg }) {
  if (arg) return html`<${StreamDetail} state=${state} id=${arg} />`;
  const streams = state.data.streams;
  if (!streams) return html`<p class="muted">${state.errors.streams || "Loading…"}</p>`;
  if (streams.length === 0) return html`<p class="muted">No streams.</p>`;
  return html`<${StreamTable} streams=${streams} notify=${state.notify} />`;
}
