// Server-Sent Events read from a fetch() body: EventSource cannot send the API key, which
// acepool asks of readers when API_KEY_READS=true, and a key never goes into a URL.

/// The longest line, and the most data of one message, kept while waiting for its end: a feed
/// that never ends a line or a message cannot fill the tab's memory.
export const maxLineChars = 1 << 20;

/// Splits the text of an event stream into messages, as the HTML standard's parser does
/// (lines end with LF, CRLF or CR; `data:` lines join with LF; a blank line ends a message;
/// `:` starts a comment). Text arrives in pieces that may cut anywhere.
export class SseParser {
  constructor() {
    this.line = "";
    this.pendingCr = false;
    this.data = [];
    this.id = null;
    this.type = "";
    this.lastId = "";
    this.dataChars = 0;
    this.retry = null;  // the server's `retry:` in ms, once it gave one
  }

  /// The messages completed by `text`: [{id, type, data}].
  push(text) {
    const out = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c !== "\n" && c !== "\r") continue;
      const skipLf = this.pendingCr && c === "\n" && i === start && this.line === "";
      this.pendingCr = c === "\r";
      if (skipLf) {
        start = i + 1;
        continue;
      }
      this.line += text.slice(start, i);
      start = i + 1;
      this.takeLine(out);
    }
    if (start < text.length) {
      this.pendingCr = false;
      this.line += text.slice(start);
      if (this.line.length > maxLineChars) this.line = "";  // not a message anyone sends
    }
    return out;
  }

  takeLine(out) {
    const line = this.line;
    this.line = "";
    if (line === "") {
      if (this.id !== null) this.lastId = this.id;
      if (this.data.length) out.push({ id: this.lastId, type: this.type || "message",
                                       data: this.data.join("\n") });
      this.data = [];
      this.dataChars = 0;
      this.id = null;
      this.type = "";
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") {
      this.dataChars += value.length + 1;
      if (this.dataChars <= maxLineChars) this.data.push(value);
      else this.data = [];  // not a message anyone sends: dropped up to its blank line
    } else if (field === "id" && !value.includes("\0")) {
      this.id = value;
    } else if (field === "event") {
      this.type = value;
    } else if (field === "retry" && /^[0-9]{1,9}$/.test(value)) {
      this.retry = Number(value);
    }
  }
}
