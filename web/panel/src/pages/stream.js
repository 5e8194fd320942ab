// One stream: what it is, its stats over time, the relay URL and a preview player.
import { useMemo } from "preact/hooks";
import { html } from "../html.js";
import { actions } from "../actions.js";
import { StatsChart } from "../chart.js";
import { bitrate, clip, orDash, since } from "../format.js";
import { useStatsHistories } from "../history.js";
import { Preview, relayable, relayUrl } from "../preview.js";
import { streamSeries } from "../series.js";
import { Pairs } from "./overview.js";

const speed = (kib) => bitrate(kib === null ? null : kib * 1024);

export function StreamDetail({ state, id }) {
  const streams = state.data.streams;
  const s = streams ? streams.find((x) => x.id === id) : null;
  const { histories, failure } =
    useStatsHistories(s ? [{ id, live: s.status === "started" }] : []);
  const series = useMemo(() => streamSeries(histories.get(id) || []), [histories, id]);
  if (!streams) return html`<p class="muted">${state.errors.streams || "Loading…"}</p>`;
  if (!s) return html`<p class="muted wrap">No stream ${clip(id, 120)} (ended streams are kept a while).
    <a href="#/streams">All streams</a></p>`;
  // The newest snapshot the chart read is fresher than the list's (reloaded on events only).
  const history = histories.get(id) || [];
  const now = history.length ? history[history.length - 1] : s;
  const engine = s.container_id
    ? html`<a href=${"#/engines/" + encodeURIComponent(s.container_id)}>${s.container_id.slice(0, 12)}</a>`
    : "—";
  return html`
    <p><a href="#/streams">← Streams</a></p>
    <h2 class="title mono" title=${s.key} data-testid="stream-title">${clip(s.key, 300)}</h2>
    <div class="cards">
      <section class="card"><h2>Stream</h2><${Pairs} rows=${[
        ["status", s.status], ["source", s.source], ["key type", s.key_type],
        ["engine", engine], ["clients", s.clients],
        [s.status === "ended" ? "ended" : "up", s.status === "ended" ? orDash(s.end_reason)
                                                : since(s.started_at)]]} /></section>
      <section class="card"><h2>Now</h2><${Pairs} rows=${[
        ["peers", orDash(now.peers)], ["down", speed(now.speed_down)], ["up", speed(now.speed_up)],
        ["downloaded", orDash(now.downloaded)], ["uploaded", orDash(now.uploaded)]]} /></section>
    </div>
    ${relayable(s) ? html`<label class="relay-url">Relay URL <input readonly
      value=${relayUrl(s)} onFocus=${(e) => e.target.select()} /></label>` : ""}
    ${s.status === "started" ? html`<div class="actions"><button class="danger"
      onClick=${() => actions.stopStream(state.notify, s)}>Stop stream</button></div>` : ""}
    <${StatsChart} title="Bitrate and peers" testid="stream-chart"
      data=${series} failure=${failure} />
    ${relayable(s) ? html`<${Preview} stream=${s} />` : ""}`;
}
