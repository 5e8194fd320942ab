// The live feed (GET /events/live, Server-Sent Events): every state change as it happens. The
// browser's EventSource reconnects by itself and resumes with Last-Event-ID.
export function followLive({ after, onEvent, onConnected }) {
  const url = after ? "/events/live?after=" + encodeURIComponent(after) : "/events/live";
  const source = new EventSource(url);
  source.onopen = () => onConnected(true);
  source.onerror = () => onConnected(false);
  source.onmessage = (message) => {
    try {
      onEvent(JSON.parse(message.data));
    } catch {
      // a frame that is not JSON is not ours to show
    }
  };
  return () => source.close();
}
