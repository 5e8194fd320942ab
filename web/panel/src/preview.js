// The preview player: the stream played in the page through acepool's relay (so it counts as
// one of the stream's clients while it plays). Where the browser has Media Source Extensions,
// mpegts.js plays the relay's MPEG-TS (its code is fetched only when a preview starts); where it
// has none but plays HLS itself (iPhones before iOS 17.1), the video element plays acepool's HLS
// playlist of the same stream.
import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "./html.js";

const tokenName = "acepool.stream_token";

/// The relay's URL for a stream's key (`token=` added when STREAM_TOKEN was given): its
/// MPEG-TS, or with `hls` its HLS playlist.
export function relayUrl(stream, token = "", hls = false) {
  const param = stream.key_type === "infohash" ? "infohash" : "id";
  const url = location.origin + (hls ? "/ace/manifest.m3u8?" : "/ace/getstream?") + param + "=" +
    encodeURIComponent(stream.key);
  return token ? url + "&token=" + encodeURIComponent(token) : url;
}

/// How this browser plays a preview: "mpegts" (Media Source Extensions, for mpegts.js), "hls"
/// (no MSE, but the video element plays HLS itself) or "" (neither).
export function previewMode(win, video) {
  if (win.MediaSource || win.ManagedMediaSource) return "mpegts";
  if (video && video.canPlayType("application/vnd.apple.mpegurl")) return "hls";
  return "";
}

/// Plays acepool's HLS playlist at `url` with the browser's own HLS player. The playlist is
/// asked once first: the video element would not tell a 401 or a 503 from any other failure.
/// Same contract as player.js's play().
export function playNativeHls(video, url, onFailure) {
  let over = false;
  const fail = (text, status) => {
    if (over) return;
    over = true;
    onFailure(text, status);
  };
  const onError = () => {
    const e = video.error;
    fail("the browser's HLS player failed" + (e ? ": " + (e.message || "code " + e.code) : ""), 0);
  };
  fetch(url, { cache: "no-store" }).then((r) => {
    if (over) return;
    if (!r.ok) return fail("the relay answered " + r.status, r.status);
    video.addEventListener("error", onError);
    video.src = url;
    const started = video.play();
    if (started && started.catch)
      started.catch((err) => { if (err && err.name !== "AbortError") fail("playback: " + err.message, 0); });
  }, (err) => fail("the playlist could not be read: " + err.message, 0));
  return () => {
    over = true;
    video.removeEventListener("error", onError);
    video.pause();
    video.removeAttribute("src");
    video.load();
  };
}

/// Whether acepool's relay can play this stream's key.
export function relayable(stream) {
  return stream.key_type === "content_id" || stream.key_type === "infohash";
}

/// What the relay's status before the first byte means (docs/api.md "Stream relay").
export function relayRefusal(status) {
  switch (status) {
    case 401: return "this acepool has STREAM_TOKEN set; give the token below.";
    case 502: return "the engine could not start the stream (see Events).";
    case 503: return "no engine could be had, or too many clients (see Overview and Events).";
    case 504: return "no engine was ready in time (PROVISION_TIMEOUT_S).";
    default: return "";
  }
}

function loadPlayer() {
  const meta = document.querySelector("meta[name=acepool-player]");
  return import(meta.content);
}

export function Preview({ stream }) {
  const video = useRef(null);
  const stop = useRef(null);
  const attempt = useRef(0);  // a stop or a new start makes an earlier start's load moot
  const [state, setState] = useState("idle");  // idle, loading, playing, failed
  const [failure, setFailure] = useState(null);
  const [token, setToken] = useState(sessionStorage.getItem(tokenName) || "");
  const halt = () => {
    attempt.current++;
    if (stop.current) stop.current();
    stop.current = null;
  };
  useEffect(() => halt, []);

  const start = async (streamToken = token) => {
    halt();
    const mine = attempt.current;
    setFailure(null);
    setState("loading");
    const failed = (text, status) => {
      setTimeout(halt, 0);  // not from inside the player's own event
      setFailure({ text, status });
      setState("failed");
    };
    try {
      const mode = previewMode(window, video.current);
      if (mode === "hls") {
        stop.current = playNativeHls(video.current, relayUrl(stream, streamToken, true), failed);
        setState("playing");
        return;
      }
      if (!mode) return failed("this browser plays neither MPEG-TS (no Media Source Extensions) nor HLS", 0);
      const { play } = await loadPlayer();
      if (attempt.current !== mine) return;  // stopped (or left) while the player loaded
      stop.current = play(video.current, relayUrl(stream, streamToken), failed);
      setState((s) => (s === "loading" ? "playing" : s));
    } catch (err) {
      if (attempt.current !== mine) return;
      setFailure({ text: "the player did not load: " + err.message, status: 0 });
      setState("failed");
    }
  };
  const saveToken = (e) => {
    e.preventDefault();
    const given = String(new FormData(e.target).get("token") || "").trim();
    sessionStorage.setItem(tokenName, given);
    setToken(given);
    start(given);
  };

  return html`<section class="card preview">
    <h2>Preview</h2>
    <video ref=${video} muted playsinline controls data-testid="preview-video"
      aria-label="preview of the stream"></video>
    <div class="actions">
      ${state === "playing" || state === "loading"
        ? html`<button onClick=${() => { halt(); setState("idle"); }}>Stop preview</button>`
        : html`<button onClick=${() => start()} data-testid="preview-start">Play preview</button>`}
      <span class="muted">plays through acepool's relay: one more client of this stream</span>
    </div>
    ${failure ? html`<p class="error" role="alert" data-testid="preview-failure">
      Preview failed: ${failure.text}${relayRefusal(failure.status)
        ? " — " + relayRefusal(failure.status) : ""}</p>` : ""}
    ${failure && failure.status === 401 ? html`<form class="key" onSubmit=${saveToken}>
      <label>Stream token <input name="token" type="password" autocomplete="off" required /></label>
      <button type="submit">Use</button></form>` : ""}
  </section>`;
}
