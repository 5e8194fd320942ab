// node --test: how swarm nodes read on the overview and engines pages.
import assert from "node:assert/strict";
import { test } from "node:test";
import { nodeName, nodeRows } from "../src/nodes.js";

const nodes = [
  { id: "n1aaaaaaaaaaaaaaaa", hostname: "edge-1", state: "ready", availability: "active",
    local: true, engines: 3, healthy_engines: 2, streams: 4 },
  { id: "n2bbbbbbbbbbbbbbbb", hostname: "edge-2", state: "down", availability: "active",
    local: false, engines: 0, healthy_engines: 0, streams: 0 },
  { id: "n3cccccccccccccccc", hostname: "", state: "ready", availability: "drain",
    local: false, engines: 1, healthy_engines: 1, streams: 0 },
];

test("nodes that cannot take engines come first, with their state and engine counts", () => {
  const rows = nodeRows(nodes);
  assert.deepEqual(rows.map((r) => r.name), ["edge-2", "n3cccccccccc", "edge-1 (acepool)"]);
  assert.deepEqual(rows.map((r) => r.state), ["down", "ready, drain", "ready"]);
  assert.deepEqual(rows.map((r) => r.usable), [false, false, true]);
  assert.equal(rows[2].engines, "2 / 3");
  assert.equal(rows[2].streams, 4);
  assert.deepEqual(nodeRows(null), []);
});

test("an engine's node by hostname, short id when unknown, none in docker mode", () => {
  assert.equal(nodeName("n1aaaaaaaaaaaaaaaa", nodes), "edge-1");
  assert.equal(nodeName("n9zzzzzzzzzzzzzzzz", nodes), "n9zzzzzzzzzz");
  assert.equal(nodeName(null, nodes), null);
  assert.equal(nodeName("n1aaaaaaaaaaaaaaaa", null), "n1aaaaaaaaaa");
});
