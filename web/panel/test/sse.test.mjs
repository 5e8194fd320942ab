import assert from "node:assert/strict";
import { test } from "node:test";
import { SseParser, maxLineChars } from "../src/sse.js";

test("messages of acepool's feed, whole or cut anywhere, come out the same", () => {
  const feed = 'retry: 2000\n\nid: 7\ndata: {"type":"engine.started"}\n\n: ping\n\n' +
               'id: 8\r\ndata: {"type":"stream.started"}\r\n\r\n';
  const whole = new SseParser().push(feed);
  assert.deepEqual(whole, [
    { id: "7", type: "message", data: '{"type":"engine.started"}' },
    { id: "8", type: "message", data: '{"type":"stream.started"}' },
  ]);
  for (let cut = 1; cut < feed.length; cut++) {
    const p = new SseParser();
    assert.deepEqual([...p.push(feed.slice(0, cut)), ...p.push(feed.slice(cut))], whole, "cut " + cut);
  }
});

test("data lines join, CR alone ends a line, a message keeps the last id", () => {
  const p = new SseParser();
  assert.deepEqual(p.push("id: 3\rdata: a\rdata:b\r\rdata: c\n\n"), [
    { id: "3", type: "message", data: "a\nb" },
    { id: "3", type: "message", data: "c" },
  ]);
  assert.equal(p.lastId, "3");
});

test("a message without data is no message; event names the type", () => {
  const p = new SseParser();
  assert.deepEqual(p.push("id: 1\n\nevent: resync\ndata: x\n\n"),
                   [{ id: "1", type: "resync", data: "x" }]);
});

test("a line that never ends is dropped, not kept growing", () => {
  const p = new SseParser();
  p.push("data: " + "x".repeat(maxLineChars + 10));
  assert.equal(p.line, "");
  assert.deepEqual(p.push("\ndata: ok\n\n"), [{ id: "", type: "message", data: "ok" }]);
});

test("a message whose data never ends is dropped, not kept growing; retry is read", () => {
  const p = new SseParser();
  const line = "data: " + "x".repeat(1000) + "\n";
  for (let i = 0; i < 2 * maxLineChars / 1000; i++) p.push(line);
  assert.deepEqual(p.data, []);  // dropped once past the bound, and stays dropped
  assert.deepEqual(p.push("\nretry: 3000\n\ndata: ok\n\n"),
                   [{ id: "", type: "message", data: "ok" }]);
  assert.equal(p.retry, 3000);
});
