// The panel: a header with the pool's state, pages by the address's #fragment.
import { useEffect, useState } from "preact/hooks";
import { KeyControl, Notice, needKey } from "./actions.js";
import { html } from "./html.js";
import { route } from "./route.js";
import { usePanelState } from "./store.js";
import { Actors } from "./pages/actors.js";
import { Engines } from "./pages/engines.js";
import { Events } from "./pages/events.js";
import { Overview } from "./pages/overview.js";
import { Streams } from "./pages/streams.js";

const pages = [
  ["overview", "Overview", Overview],
  ["engines", "Engines", Engines],
  ["streams", "Streams", Streams],
  ["events", "Events", Events],
  ["actors", "Actors", Actors],
];
const pageNames = pages.map(([name]) => name);

export function App() {
  const panel = usePanelState();
  const [notice, setNotice] = useState(null);
  const notify = (kind, text) => {
    setNotice({ kind, text });
    panel.reload();
  };
  const state = { ...panel, notify };
  const [everLive, setEverLive] = useState(false);
  useEffect(() => { if (panel.live) setEverLive(true); }, [panel.live]);
  const [{ name: page, arg }, setRoute] = useState(route(location.hash, pageNames));
  useEffect(() => {
    const onHash = () => setRoute(route(location.hash, pageNames));
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  // The feed refused for want of the key, or the key given (API_KEY_READS=true): ask for it.
  useEffect(() => { if (panel.refused) window.dispatchEvent(new Event(needKey)); },
            [panel.refused]);
  const [, , Page] = pages.find(([n]) => n === page);
  return html`
    <header>
      <h1>acepool</h1>
      <nav>${pages.map(([name, title]) => html`
        <a href=${"#/" + name} aria-current=${name === page ? "page" : undefined}>${title}</a>`)}
      </nav>
      <span class=${"live " + (state.live ? "on" : "off")} data-testid="live"
        title="the live feed (/events/live)">${state.live ? "live" : "reconnecting…"}</span>
      <${KeyControl} notify=${notify} />
    </header>
    ${everLive && !panel.live ? html`<div class="stale" role="status" data-testid="stale">
      The connection to acepool is lost: this is what it last said. Reconnecting…</div>` : ""}
    ${panel.refused ? html`<div class="stale" role="alert" data-testid="key-wanted">
      ${panel.refused === 401 ? "This acepool asks for the API key to read (API_KEY_READS)"
                              : "This acepool refused the API key given (API_KEY_READS)"}:
      give it with “API key…”.</div>` : ""}
    <${Notice} notice=${notice} />
    <main id="page" data-page=${page} data-arg=${arg}><${Page} key=${page + "/" + arg}
      state=${state} arg=${arg} /></main>`;
}
