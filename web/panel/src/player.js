// The preview player, its own file: mpegts.js turns the relay's MPEG-TS into fragments the
// browser's Media Source plays. Loaded by the panel only when an operator starts a preview.
import mpegts from "mpegts.js";

// mpegts.js narrates to the console; failures reach the page through its ERROR event instead.
mpegts.LoggingControl.enableAll = false;

/// Plays the live MPEG-TS at `url` in `video`; `onFailure(text, httpStatus)` once, for the first
/// failure only. Returns the function that stops it and lets go of the stream (a stop is not a
/// failure).
export function play(video, url, onFailure) {
  if (!mpegts.isSupported() || !mpegts.getFeatureList().mseLivePlayback) {
    onFailure("this browser cannot play MPEG-TS (no Media Source Extensions)", 0);
    return () => {};
  }
  let over = false;  // failed or stopped: nothing more is reported
  const fail = (text, status) => {
    if (over) return;
    over = true;
    onFailure(text, status);
  };
  const player = mpegts.createPlayer(
    { type: "mpegts", isLive: true, url },
    { enableWorker: false, lazyLoad: false, liveBufferLatencyChasing: true,
      autoCleanupSourceBuffer: true });
  player.on(mpegts.Events.ERROR, (type, detail, info) => {
    const status = info && info.code > 0 ? info.code : 0;
    fail(status ? "the relay answered " + status : type + ": " + detail +
         (info && info.msg ? " (" + info.msg + ")" : ""), status);
  });
  player.attachMediaElement(video);
  player.load();
  const started = player.play();
  if (started && started.catch)
    started.catch((err) => {
      // A pause (a stop, or the teardown after a failure) interrupts play(): not a failure.
      if (err && err.name !== "AbortError") fail("playback: " + err.message, 0);
    });
  return () => {
    over = true;
    player.pause();
    player.unload();
    player.detachMediaElement();
    player.destroy();
  };
}
