// Overview: is the pool healthy, and why not.
import { html } from "../html.js";
import { useEffect, useState } from "preact/hooks";
import { actions } from "../actions.js";
import { getJSON } from "../api.js";
import { orDash } from "../format.js";
import { nodeRows } from "../nodes.js";
import { relayRate } from "../series.js";

/// The relay's outgoing Mbit/s, from two readings of /ace/status 2 s apart.
function useRelayRate() {
  const [rate, setRate] = useState(null);
  useEffect(() => {
    let before = null;
    const read = async () => {
      try {
        const now = { at: Date.now(), bytes: (await getJSON("/ace/status")).bytes_relayed };
        setRate(relayRate(before, now));
        before = now;
      } catch {
        setRate(null);
      }
    };
    read();
    const timer = setInterval(read, 2000);
    return () => clearInterval(timer);
  }, []);
  return rate;
}

function Card({ title, children }) {
  return html`<section class="card"><h2>${title}</h2>${children}</section>`;
}

/// A definition list of [name, value] rows.
export function Pairs({ rows }) {
  return html`<dl class="pairs">
    ${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}
  </dl>`;
}

function PoolActions({ notify, engines }) {
  const [target, setTarget] = useState(engines);
  return html`<div class="actions" aria-label="pool actions">
    <button onClick=${() => actions.provision(notify)} data-testid="provision">Provision an engine</button>
    <label>Scale to <input type="number" min="0" max="100000" value=${target}
      onInput=${(e) => setTarget(e.target.value)} /></label>
    <button onClick=${() => actions.scale(notify, target)}>Scale</button>
    <button onClick=${() => actions.resetBreakers(notify)}>Reset circuit breakers</button>
  </div>`;
}

export function Overview({ state }) {
  const { status, health, vpn, relay } = state.data;
  const rate = useRelayRate();
  if (!status) return html`<p class="muted">${state.errors.status || "Loading…"}</p>`;
  const p = status.provisioning;
  const reason = p.blocked_reason
    ? html`<p class="reason">${p.blocked_reason}${p.blocked_reason_details
        ? html` — ${p.blocked_reason_details.message}` : ""}</p>`
    : "";
  const breakers = health ? health.circuit_breakers : {};
  return html`
    <div class="status-line status-${status.status}" data-testid="status">
      <strong>${status.status}</strong>${reason}
    </div>
    <${PoolActions} notify=${state.notify} engines=${status.engines.total} />
    <div class="cards">
      <${Card} title="Engines">
        <${Pairs} rows=${[
          ["total", status.engines.total], ["running", status.engines.running],
          ["healthy", status.engines.healthy], ["unhealthy", status.engines.unhealthy],
          ["starting", status.engines.starting],
          ["marked for replacement", status.engines.marked_for_replacement]]} />
      <//>
      <${Card} title="Streams">
        <${Pairs} rows=${[
          ["active", status.streams.active], ["kept", status.streams.total],
          ["relay clients", relay ? relay.clients : "—"], ["relayed streams", relay ? relay.streams : "—"],
          ["relay out", html`<span data-testid="relay-rate">${rate === null ? "—"
                                                            : rate.toFixed(1) + " Mbit/s"}</span>`]]} />
      <//>
      <${Card} title="Capacity">
        <${Pairs} rows=${[
          ["used / total", status.capacity.used + " / " + status.capacity.total],
          ["available", status.capacity.available],
          ["replicas", status.capacity.min_replicas + "–" + status.capacity.max_replicas],
          ["can provision", p.can_provision ? "yes" : "no"], ["in flight", p.in_flight]]} />
      <//>
      <${Card} title="Circuit breakers">
        <${Pairs} rows=${Object.entries(breakers).map(([name, b]) =>
          [name, b.state + " (" + b.failure_count + "/" + b.failure_threshold + ")"])} />
      <//>
      <${Card} title="VPN">
        <${Pairs} rows=${vpn && vpn.enabled
          ? [["connected", vpn.connected ? "yes" : "no"], ["health", vpn.health],
             ["forwarded port", orDash(vpn.forwarded_port)], ["public IP", orDash(vpn.public_ip)]]
          : [["enabled", "no"]]} />
      <//>
      <${Card} title="Docker">
        <${Pairs} rows=${[["reachable", status.docker.reachable ? "yes" : "no"],
                          ["orchestrator", status.docker.orchestrator],
                          ["detail", orDash(status.docker.detail)]]} />
      <//>
      ${status.docker.nodes && html`<${Card} title="Swarm nodes">
        <table data-testid="swarm-nodes"><thead><tr><th>node</th><th>state</th>
          <th>healthy / engines</th><th>streams</th></tr></thead>
        <tbody>${nodeRows(status.docker.nodes).map((n) => html`<tr data-id=${n.id}>
          <td>${n.name}</td><td><span class=${"badge " + (n.usable ? "healthy" : "unhealthy")}>${
            n.state}</span></td><td>${n.engines}</td><td>${n.streams}</td></tr>`)}
        </tbody></table>
      <//>`}
    </div>`;
}
