// Small formatters shared by the pages.

/// "3 s ago", "5 min ago", "2 h ago" for an RFC 3339 time (or "—").
export function ago(time, now = Date.now()) {
  if (!time) return "—";
  const s = Math.max(0, Math.round((now - Date.parse(time)) / 1000));
  if (s < 60) return s + " s ago";
  if (s < 3600) return Math.round(s / 60) + " min ago";
  if (s < 86400) return Math.round(s / 3600) + " h ago";
  return Math.round(s / 86400) + " d ago";
}

/// "42 s", "3 min", "2.5 h" since an RFC 3339 time.
export function since(time, now = Date.now()) {
  if (!time) return "—";
  const s = Math.max(0, (now - Date.parse(time)) / 1000);
  if (s < 60) return Math.round(s) + " s";
  if (s < 3600) return Math.round(s / 60) + " min";
  return (s / 3600).toFixed(1) + " h";
}

/// Bytes per second as "1.2 Mbit/s".
export function bitrate(bytesPerSecond) {
  if (bytesPerSecond === null || bytesPerSecond === undefined) return "—";
  const bits = bytesPerSecond * 8;
  if (bits >= 1e6) return (bits / 1e6).toFixed(1) + " Mbit/s";
  return (bits / 1e3).toFixed(0) + " kbit/s";
}

/// The first 12 characters of a container id, as docker ps shows it.
export function shortId(id) {
  return id ? String(id).slice(0, 12) : "—";
}

/// `text` with control and bidirectional-override characters shown as `⟨U+202E⟩`: a key from
/// outside must not reorder itself ("gnp.exe" shown as "exe.png") or hide behind invisibles.
export function visible(text) {
  return String(text ?? "").replace(
    /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => "⟨U+" + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0") + "⟩");
}

/// At most `max` characters of `text` made visible, with "…" when cut (a 5,000-character key
/// must not take over a page; the whole text stays in the element's title).
export function clip(text, max) {
  const s = visible(text);
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}

/// A value or "—".
export function orDash(value) {
  return value === null || value === undefined || value === "" ? "—" : String(value);
}
