// node --test: the panel's plain rules, without a browser.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ago, bitrate, clip, orDash, shortId, since, visible } from "../src/format.js";

const now = Date.parse("2026-12-07T10:00:00Z");

test("ago and since read as an operator says them", () => {
  assert.equal(ago("2026-12-07T09:59:55Z", now), "5 s ago");
  assert.equal(ago("2026-12-07T09:50:00Z", now), "10 min ago");
  assert.equal(ago("2026-12-07T07:00:00Z", now), "3 h ago");
  assert.equal(ago("2026-12-05T10:00:00Z", now), "2 d ago");
  assert.equal(ago(null, now), "—");
  assert.equal(ago("2026-12-07T10:00:09Z", now), "0 s ago");  // a clock ahead is not negative
  assert.equal(since("2026-12-07T08:30:00Z", now), "1.5 h");
});

test("bitrate takes bytes per second", () => {
  assert.equal(bitrate(500000), "4.0 Mbit/s");
  assert.equal(bitrate(1000), "8 kbit/s");
  assert.equal(bitrate(null), "—");
});

test("ids and empty values", () => {
  assert.equal(shortId("0123456789abcdef0123"), "0123456789ab");
  assert.equal(shortId(""), "—");
  assert.equal(orDash(0), "0");
  assert.equal(orDash(""), "—");
});

test("clip keeps short text and cuts long text with an ellipsis", () => {
  assert.equal(clip("abc", 5), "abc");
  assert.equal(clip("abcdefgh", 5), "abcd…");
  assert.equal(clip(null, 5), "");
});

test("control and bidi-override characters are shown, not obeyed", () => {
  assert.equal(visible("\u202Egnp.exe"), "⟨U+202E⟩gnp.exe");
  assert.equal(visible("a\nb\u0000"), "a⟨U+000A⟩b⟨U+0000⟩");
  assert.equal(visible("plain ключ 鍵"), "plain ключ 鍵");
  assert.equal(clip("\u2066x", 50), "⟨U+2066⟩x");
});
