// Stats histories of a few streams, read from GET /streams/{id}/stats and kept current: each
// poll asks only for snapshots after the newest one held.
import { useEffect, useState } from "preact/hooks";
import { getJSON } from "./api.js";
import { mergeHistory } from "./series.js";

const pollMs = 5000;

function statsPath(id, history) {
  const path = "/streams/" + encodeURIComponent(id) + "/stats";
  const newest = history.length ? history[history.length - 1].ts : null;
  return newest ? path + "?since=" + encodeURIComponent(newest) : path;
}

/// Histories of `streams` ([{id, live}]) as {histories: Map id → snapshots, failure: the last
/// refusal's text or null}: ended streams are read once, live ones every 5 s while the page
/// shows them. A Map, because ids are outside text ("constructor" is an id like any other).
export function useStatsHistories(streams) {
  const [state, setState] = useState({ histories: new Map(), failure: null });
  const wanted = streams.map((s) => s.id + (s.live ? "+" : "")).join("\n");
  useEffect(() => {
    let cancelled = false;
    const held = new Map();
    const read = async (s) => {
      try {
        const added = await getJSON(statsPath(s.id, held.get(s.id) || []));
        if (cancelled) return;
        held.set(s.id, mergeHistory(held.get(s.id) || [], added));
        setState({ histories: new Map(held), failure: null });
      } catch (err) {
        // The chart keeps what it has and says why nothing more comes.
        if (!cancelled) setState({ histories: new Map(held), failure: err.message });
      }
    };
    streams.forEach(read);
    const timer = setInterval(() => streams.filter((s) => s.live).forEach(read), pollMs);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [wanted]);
  return state;
}
