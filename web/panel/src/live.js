// The live feed (GET /events/live, Server-Sent Events): every state change as it happens. Read
// with fetch() so the API key goes in a header (API_KEY_READS=true), never in the URL; after a
// cut it reconnects and resumes with Last-Event-ID, as EventSource would.
import { apiKey } from "./api.js";
import { SseParser } from "./sse.js";

/// Waits before reconnecting: quick at first, then no more often than every 15 s, and never
/// sooner than the server's `retry:` asks.
export function reconnectDelay(failures, retryMs = 0) {
  return Math.max(retryMs || 0, Math.min(15000, 500 * 2 ** Math.min(failures, 5)));
}

/// A feed that stayed up this long was a working one: the next cut reconnects quickly again.
const healthyMs = 10000;

/// Follows the feed until the returned function is called. `onConnected(up, status)` says when
/// the feed opens or is lost (`status`: the HTTP status of a refusal, e.g. 401); `onEvent` gets
/// each event's JSON.
export function followLive({ onEvent, onConnected }) {
  let stopped = false;
  let failures = 0;
  let lastId = "";
  let retryMs = 0;
  let controller = null;
  let timer = null;

  const connect = async () => {
    controller = new AbortController();
    const headers = { Accept: "text/event-stream" };
    const key = apiKey();
    if (key) headers["Authorization"] = "Bearer " + key;
    if (lastId) headers["Last-Event-ID"] = lastId;
    let status = 0;
    let opened = 0;
    try {
      const response = await fetch("/events/live", { headers, cache: "no-store",
                                                     signal: controller.signal });
      status = response.status;
      const type = response.headers.get("Content-Type") || "";
      // A 200 that is not an event stream (a captive portal, a proxy's page) is no feed.
      if (!response.ok || !response.body || !type.startsWith("text/event-stream"))
        throw new Error("feed refused");
      opened = Date.now();
      onConnected(true, status);
      const parser = new SseParser();
      const decoder = new TextDecoder();
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const messages = parser.push(decoder.decode(value, { stream: true }));
        retryMs = parser.retry ?? retryMs;
        for (const message of messages) {
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
    // A feed cut soon after it opened counts as a failure too: no reconnect storm.
    if (opened && Date.now() - opened >= healthyMs) failures = 0;
    onConnected(false, status);
    timer = setTimeout(connect, reconnectDelay(failures++, retryMs));
  };

  connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (controller) controller.abort();
  };
}
