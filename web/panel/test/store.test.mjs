import assert from "node:assert/strict";
import { test } from "node:test";
import { affected } from "../src/store.js";

test("an event reloads the resources it changes, a resync reloads everything", () => {
  assert.deepEqual(affected("engine.health"), ["engines", "status", "health"]);
  assert.ok(affected("stream.started").includes("streams"));
  assert.ok(affected("stream.clients").includes("relay"));
  assert.ok(affected("vpn.connected").includes("vpn"));
  assert.deepEqual(affected("feed.resync").sort(),
                   ["engines", "health", "relay", "status", "streams", "vpn"]);
  assert.deepEqual(affected("something.new"), ["status"]);
});
