// The panel's state: each resource loaded from its JSON route for the first paint, then loaded
// again (coalesced) whenever the live feed says it changed. The feed carries what changed; the
// routes carry the whole picture, so the panel never has to rebuild state from events.
import { useEffect, useRef, useState } from "preact/hooks";
import { getJSON, keyChanged } from "./api.js";
import { followLive } from "./live.js";

const routes = {
  status: "/orchestrator/status",
  engines: "/engines",
  streams: "/streams",
  health: "/health/status",
  vpn: "/vpn/status",
  relay: "/ace/status",
};

/// The resources an event of `type` may have changed.
export function affected(type) {
  if (type === "feed.resync") return Object.keys(routes);
  if (type.startsWith("engine.")) return ["engines", "status", "health"];
  if (type.startsWith("stream.") || type.startsWith("relay."))
    return ["streams", "relay", "engines", "status"];
  if (type.startsWith("provision.") || type.startsWith("pool.")) return ["engines", "status"];
  if (type.startsWith("breaker.")) return ["status", "health"];
  if (type.startsWith("vpn.")) return ["vpn", "status"];
  return ["status"];
}

const keptEvents = 500;
const coalesceMs = 150;

/// Everything the pages show, kept current.
export function usePanelState() {
  const [data, setData] = useState({});
  const [errors, setErrors] = useState({});
  const [events, setEvents] = useState([]);
  const [live, setLive] = useState(false);
  const [refused, setRefused] = useState(0);  // the feed refused: 401 (no key) or 403 (wrong key)
  const pending = useRef(new Set());
  const timer = useRef(null);

  const load = async (name) => {
    try {
      const value = await getJSON(routes[name]);
      setData((d) => ({ ...d, [name]: value }));
      setErrors((e) => ({ ...e, [name]: null }));
    } catch (err) {
      setErrors((e) => ({ ...e, [name]: err.message }));
    }
  };

  const refresh = (names) => {
    names.forEach((n) => pending.current.add(n));
    if (timer.current) return;
    timer.current = setTimeout(() => {
      const now = [...pending.current];
      pending.current.clear();
      timer.current = null;
      now.forEach(load);
    }, coalesceMs);
  };

  useEffect(() => {
    Object.keys(routes).forEach(load);
    const follow = () => followLive({
      onConnected: (up, status) => {
        setLive(up);
        setRefused(up ? 0 : status === 401 || status === 403 ? status : 0);
        if (up) refresh(Object.keys(routes));  // whatever happened while away
      },
      onEvent: (event) => {
        setEvents((list) => [event, ...list].slice(0, keptEvents));
        refresh(affected(event.type || ""));
      },
    });
    let stop = follow();
    // A key given or forgotten: the feed and every resource are read again with it.
    const rekey = () => {
      stop();
      stop = follow();
      refresh(Object.keys(routes));
    };
    window.addEventListener(keyChanged, rekey);
    return () => {
      window.removeEventListener(keyChanged, rekey);
      stop();
      clearTimeout(timer.current);
    };
  }, []);

  return { data, errors, events, live, refused, reload: () => refresh(Object.keys(routes)) };
}
