import assert from "node:assert/strict";
import { test } from "node:test";
import { route } from "../src/route.js";

const names = ["overview", "engines", "streams"];

test("a fragment names a page and what on it", () => {
  assert.deepEqual(route("", names), { name: "overview", arg: "" });
  assert.deepEqual(route("#/engines", names), { name: "engines", arg: "" });
  assert.deepEqual(route("#streams", names), { name: "streams", arg: "" });
  assert.deepEqual(route("#/streams/abc%7C0f%2F1", names), { name: "streams", arg: "abc|0f/1" });
  assert.deepEqual(route("#/streams/a/b", names), { name: "streams", arg: "a/b" });
});

test("an unknown page is the overview; broken percent-encoding is taken as written", () => {
  assert.deepEqual(route("#/nothing/x", names), { name: "overview", arg: "" });
  assert.deepEqual(route("#/streams/%E0%A4%A", names), { name: "streams", arg: "%E0%A4%A" });
});
