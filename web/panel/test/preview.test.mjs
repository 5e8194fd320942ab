import assert from "node:assert/strict";
import { test } from "node:test";

globalThis.location = { origin: "http://tv.lan:8000" };
const { previewMode, relayUrl } = await import("../src/preview.js");

const video = (hls) => ({ canPlayType: (t) => (hls && t === "application/vnd.apple.mpegurl" ? "maybe" : "") });

test("with Media Source Extensions the preview plays the relay's MPEG-TS through mpegts.js", () => {
  assert.equal(previewMode({ MediaSource: function () {} }, video(true)), "mpegts");
  assert.equal(previewMode({ ManagedMediaSource: function () {} }, video(false)), "mpegts");
});

test("without them, a browser that plays HLS itself gets acepool's HLS playlist", () => {
  assert.equal(previewMode({}, video(true)), "hls");
});

test("a browser with neither cannot preview", () => {
  assert.equal(previewMode({}, video(false)), "");
});

test("the relay's URLs: TS or HLS, the key encoded, the stream token added", () => {
  const stream = { key: "a b&c", key_type: "content_id" };
  assert.equal(relayUrl(stream), "http://tv.lan:8000/ace/getstream?id=a%20b%26c");
  assert.equal(relayUrl(stream, "t&1", true), "http://tv.lan:8000/ace/manifest.m3u8?id=a%20b%26c&token=t%261");
  assert.equal(relayUrl({ key: "ABC", key_type: "infohash" }, "", true),
               "http://tv.lan:8000/ace/manifest.m3u8?infohash=ABC");
});
