// The live feed (GET /events/live, Server-Sent Events): every state change as it happens. Read
// with fetch() so the API key goes in a header (API_KEY_READS=true), never in the URL; after a
// cut it reconnects and resumes with Last-Event-ID, as EventSource would.
import { apiKey } from "./api.js";
import { SseParser } from "./sse.js";

/// Waits before reconnecting: quick at first, then no more often than every 15 s.
export function reconnectDelay(failures) {
  return Math.min(15000, 500 * 2 ** Math.min(failures, 5));
}

/// Follows the feed until the returned function is called. `onConnected(up, status)` says when
/// the feed opens or is lost (`status`: the HTTP status of a refusal, e.g. 401); `onEvent` gets
/// each event's JSON.
export function followLive({ onEvent, onConnected }) {
  let stopped = false;
  let failures = 0;
  let lastId = "";
  let controller = null;
  let timer = null;

  const connect = async () => {
    controller = new AbortController();
    const headers = { Accept: "text/event-stream" };
    const key = apiKey();
    if (key) headers["Authorization"] = "Bearer " + key;
    if (lastId) headers["Last-Event-ID"] = lastId;
    let status = 0;
    try {
      const response = await fetch("/events/live", { headers, cache: "no-store",
                                                     signal: controller.signal });
      status = response.status;
      if (!response.ok || !response.body) throw new Error("feed refused");
      failures = 0;
      onConnected(true, status);
      const parser = new SseParser();
      const decoder = new TextDecoder();
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const message of parser.push(decoder.decode(value, { stream: true }))) {
          lastId = parser.lastId || lastId;
          try {
            onEvent(JSON.parse(message.data));
          } catch {
            // a message that is not JSON is not ours to show
          }
        }
      }
    } catch {
      // cut, refused or aborted: handled below
    }
    if (stopped) return;
    onConnected(false, status);
    timer = setTimeout(connect, reconnectDelay(failures++));
  };

  connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (controller) controller.abort();
  };
}
