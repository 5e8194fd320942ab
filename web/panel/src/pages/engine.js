// One engine: its state, its streams, and its stats over time (its streams' summed).
import { useMemo } from "preact/hooks";
import { DeleteEngine } from "../actions.js";
import { html } from "../html.js";
import { StatsChart } from "../chart.js";
import { ago, clip, orDash, since } from "../format.js";
import { useStatsHistories } from "../history.js";
import { engineSeries } from "../series.js";
import { Pairs } from "./overview.js";
import { StreamTable, byActivity } from "./streams.js";

/// The streams whose history the chart sums: the newest, so a long-lived engine's chart stays
/// a few requests every 5 s.
const chartedStreams = 10;

export function EngineDetail({ state, id }) {
  const { engines, streams } = state.data;
  const e = engines ? engines.find((x) => x.container_id === id) : null;
  const mine = byActivity((streams || []).filter((s) => s.container_id === id));
  const charted = mine.slice(0, chartedStreams);
  const { histories, failure } =
    useStatsHistories(charted.map((s) => ({ id: s.id, live: s.status === "started" })));
  const series = useMemo(() => engineSeries(charted.map((s) => histories.get(s.id) || [])),
                         [histories]);
  if (!engines) return html`<p class="muted">${state.errors.engines || "Loading…"}</p>`;
  if (!e) return html`<p class="muted wrap">No engine ${clip(id, 120)} in the pool now.
    <a href="#/engines">All engines</a></p>`;
  return html`
    <p><a href="#/engines">← Engines</a></p>
    <h2 class="title" data-testid="engine-title">${clip(e.container_name || e.container_id, 120)}</h2>
    <div class="cards">
      <section class="card"><h2>Engine</h2><${Pairs} rows=${[
        ["id", html`<span class="mono">${e.container_id.slice(0, 12)}</span>`], ["state", e.state],
        ["health", e.health_status], ["address", e.host + ":" + e.port],
        ["image", orDash(e.image)], ["up", since(e.first_seen)]]} /></section>
      <section class="card"><h2>Activity</h2><${Pairs} rows=${[
        ["streams now", e.streams.length], ["last check", ago(e.last_health_check)],
        ["last stream", ago(e.last_stream_usage)],
        ["forwarded port", e.forwarded ? orDash(e.forwarded_port) : "—"],
        ["VPN", orDash(e.vpn_container)]]} /></section>
    </div>
    <div class="actions"><${DeleteEngine} engine=${e} notify=${state.notify} /></div>
    <${StatsChart} title=${"Its streams, summed" + (mine.length > chartedStreams
        ? " (newest " + chartedStreams + ")" : "")} testid="engine-chart"
      data=${series} failure=${failure} />
    ${mine.length ? html`<${StreamTable} streams=${mine} notify=${state.notify}
      testid="engine-streams" />` : html`<p class="muted">No stream on this engine.</p>`}`;
}
