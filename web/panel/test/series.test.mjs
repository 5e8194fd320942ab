import assert from "node:assert/strict";
import { test } from "node:test";
import { collectPeriod, engineSeries, kibToMbit, mergeHistory, relayRate, streamSeries }
  from "../src/series.js";

const snap = (sec, down, up, peers) => ({
  ts: new Date(Date.UTC(2026, 11, 7, 10, 0, sec)).toISOString(),
  speed_down: down, speed_up: up, peers,
});
const t0 = Date.UTC(2026, 11, 7, 10, 0, 0) / 1000;

test("a stream's snapshots become Mbit/s and peers over Unix seconds", () => {
  assert.equal(kibToMbit(125), 1.024);
  assert.equal(kibToMbit(null), null);
  assert.deepEqual(streamSeries([snap(0, 125, 0, 3), snap(5, null, 125, null)]),
                   [[t0, t0 + 5], [1.024, null], [0, 1.024], [3, null]]);
});

test("an engine's series sums its streams per collection period", () => {
  const a = [snap(0, 125, 0, 2), snap(5, 250, 0, 4), snap(10, 125, 0, 2)];
  const b = [snap(1, 125, 125, 1), snap(6, null, 125, 1)];  // a second off a's times
  assert.equal(collectPeriod([a, b]), 5);
  const [times, down, up, peers] = engineSeries([a, b]);
  assert.deepEqual(times, [t0, t0 + 5, t0 + 10]);
  assert.deepEqual(down, [2.048, 2.048, 1.024]);
  assert.deepEqual(up, [1.024, 1.024, 0]);
  assert.deepEqual(peers, [3, 5, 2]);
  assert.equal(collectPeriod([[snap(0, 1, 1, 1)]]), 5);  // no gap to read: the default
});

test("a stream read more often than the period counts once in it, not twice", () => {
  const ms = (m, down) => ({ ts: new Date(Date.UTC(2026, 11, 7, 10, 0, 0, m)).toISOString(),
                             speed_down: down, speed_up: null, peers: 1 });
  const fast = [ms(0, 125), ms(500, 125), ms(1000, 125), ms(1200, 250), ms(1500, 125)];
  const other = [ms(20, 250)];
  assert.equal(collectPeriod([fast, other]), 0.5);
  const [times, down, up, peers] = engineSeries([fast, other]);
  assert.equal(times.length, 4);  // 1000 and 1200 fall in one period: the latest counts
  assert.deepEqual(down, [1.024 + 2.048, 1.024, 2.048, 1.024]);
  assert.deepEqual(up, [null, null, null, null]);
  assert.deepEqual(peers, [2, 1, 1, 1]);
});

test("merging keeps time order, no duplicate and only the newest", () => {
  const old = [snap(0, 1, 1, 1), snap(5, 1, 1, 1)];
  const merged = mergeHistory(old, [snap(5, 1, 1, 1), snap(10, 1, 1, 1)], 2);
  assert.deepEqual(merged.map((s) => s.ts), [snap(5).ts, snap(10).ts]);
});

test("the relay rate needs two readings in order", () => {
  assert.equal(relayRate({ at: 0, bytes: 0 }, { at: 2000, bytes: 2500000 }), 10);
  assert.equal(relayRate(null, { at: 2000, bytes: 1 }), null);
  assert.equal(relayRate({ at: 0, bytes: 10 }, { at: 2000, bytes: 5 }), null);  // a restart
  assert.equal(relayRate({ at: 5, bytes: 0 }, { at: 5, bytes: 9 }), null);
});
