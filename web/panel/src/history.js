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

/// {id: snapshots} for `streams` ([{id, live}]): ended streams are read once, live ones every
/// 5 s while the page shows them.
export function useStatsHistories(streams) {
  const [histories, setHistories] = useState({});
  const wanted = streams.map((s) => s.id + (s.live ? "+" : "")).join("\n");
  useEffect(() => {
    let cancelled = false;
    const held = {};
    const read = async (s) => {
      try {
        const added = await getJSON(statsPath(s.id, held[s.id] || []));
        if (cancelled) return;
        held[s.id] = mergeHistory(held[s.id] || [], added);
        setHistories({ ...held });
      } catch {
        // gone or refused: the chart keeps what it has
      }
    };
    streams.forEach(read);
    const timer = setInterval(() => streams.filter((s) => s.live).forEach(read), pollMs);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [wanted]);
  return histories;
}
