// Actors: /debug/actors as a table, refreshed every 2 s while shown.
import { useEffect, useState } from "preact/hooks";
import { getJSON } from "../api.js";
import { ago } from "../format.js";
import { html } from "../html.js";

export function Actors() {
  const [actors, setActors] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let stopped = false;
    const load = () => getJSON("/debug/actors")
      .then((a) => { if (!stopped) { setActors(a); setError(null); } })
      .catch((e) => { if (!stopped) setError(e.message); });
    load();
    const timer = setInterval(load, 2000);
    return () => { stopped = true; clearInterval(timer); };
  }, []);
  if (error) return html`<p class="error">${error}</p>`;
  if (!actors) return html`<p class="muted">Loading…</p>`;
  return html`<div class="table-wrap"><table data-testid="actors">
    <thead><tr><th>name</th><th>kind</th><th>mailbox</th><th>processed</th><th>last message</th>
      <th>responding</th></tr></thead>
    <tbody>${actors.map((a) => html`<tr class=${a.responding ? "" : "stuck"}>
      <td>${a.name}</td><td>${a.kind}</td><td>${a.mailbox}</td><td>${a.processed}</td>
      <td>${ago(a.last_message_at)}</td><td>${a.responding ? "yes" : "no"}</td></tr>`)}
    </tbody></table></div>`;
}
