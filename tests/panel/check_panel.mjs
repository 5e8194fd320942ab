// Drives the panel in headless Chromium (Debian's, through puppeteer-core from web/'s lock file)
// as an operator would, and prints one JSON report; exits 1 when any check fails.
//
//   node check_panel.mjs BASE_URL OUTPUT_DIR INPUT_JSON
//
// INPUT_JSON: {"engine_ids": [...the ids GET /engines lists...], "api_key": "<API_KEY>",
//              "stream_event": {...a POST /events/stream_started body for a real engine session},
//              "mode": "full" (default), "reads" or "swarm",
//              "swarm_nodes": [...hostnames of the swarm's nodes (swarm mode)]}
// Full: at 1366x768 (light theme) and at a phone's 390x844 (dark), as an operator who gave the
// key: the page follows the system's theme; every page
// renders with no console error or warning, no uncaught exception and no failed request; the
// engines table shows exactly the API's engines; a stream reported with the API appears in the
// Streams page without a reload (the live feed), within 2 s; the stream's and its engine's own
// pages chart their stats. The stream's preview plays (the video's currentTime advances) and the
// overview shows the relay's Mbit/s meanwhile. Then, in a tab without the key, a delete is
// refused and the page says why (and the engine stays); given the key through the page's own
// form, "Provision an engine" adds one. Screenshots of every page at both sizes, of the preview
// and of the refusal go to OUTPUT_DIR.
// Reads (acepool with API_KEY_READS=true): a tab without the key says it needs one and asks; the
// key given in the form, the live feed connects and the engines table fills.
// Swarm (acepool with ORCHESTRATOR=swarm): the overview lists every node of the swarm with its
// state and engine counts, and the engines table names each engine's node (one of them).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../../web/package.json"));
const puppeteer = require("puppeteer-core");

const [base, outDir, inputFile] = process.argv.slice(2);
const input = JSON.parse(readFileSync(inputFile, "utf8"));
const pages = ["overview", "engines", "streams", "events", "actors"];
// The desktop pass in a light system theme, the phone's in a dark one.
const sizes = [
  { name: "desktop", width: 1366, height: 768, scheme: "light" },
  { name: "phone", width: 390, height: 844, isMobile: true, hasTouch: true, scheme: "dark" },
];
const report = { problems: [], console: [], screenshots: [], stream_seen_ms: null };
const auth = { Authorization: "Bearer " + input.api_key };

async function engineCount() {
  return (await (await fetch(base + "/engines", { headers: auth })).json()).length;
}

/// A new tab that records console errors and warnings, uncaught exceptions and failed requests.
async function openTab(size, label) {
  const page = await browser.newPage();
  await page.setViewport(size);
  await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: size.scheme }]);
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warn")
      report.console.push(`${label}: ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => report.console.push(`${label}: uncaught: ${e.message}`));
  page.on("requestfailed", (r) => {
    // The live feed's and the preview's requests are cut when the page lets go: not failures.
    if (!r.url().includes("/events/live") && !r.url().includes("/ace/getstream") &&
        !r.url().includes("/ace/manifest.m3u8") && !r.url().includes("/ace/segment.ts"))
      report.console.push(`${label}: request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on("dialog", (d) => d.accept());  // the operator confirms
  return page;
}

/// Opens `#/<name>` or `#/<name>/<arg>` (the argument percent-encoded here).
async function openPage(page, name, label, arg = "") {
  await page.evaluate((n, a) => { location.hash = "#/" + n + (a ? "/" + encodeURIComponent(a) : ""); },
                      name, arg);
  await waitFor(page, ([n, a]) => {
    const main = document.querySelector("main");
    return main?.dataset.page === n && (main.dataset.arg || "") === a;
  }, [name, arg], 5000, `${label}: page ${name} ${arg} did not open`);
}

/// The number of points a chart of the page (by its test id) holds, once it holds `atLeast`
/// and its canvas is drawn.
async function chartPoints(page, testid, atLeast, label) {
  const ok = await waitFor(page, ([id, n]) => {
    const chart = document.querySelector(`[data-testid=${id}]`);
    return chart && Number(chart.dataset.points) >= n && !!chart.querySelector("canvas");
  }, [testid, atLeast], 20000, `${label}: the chart ${testid} did not show ${atLeast} points`);
  return ok ? page.$eval(`[data-testid=${testid}]`, (c) => Number(c.dataset.points)) : 0;
}

async function screenshot(page, name) {
  const file = path.join(outDir, `panel-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  report.screenshots.push(file);
}

/// The stream's and its engine's own pages: facts, their streams, their charts.
async function checkDetails(page, size) {
  const label = size.name;
  await openPage(page, "streams", label, report.stream_id);
  await waitFor(page, () => document.querySelector("[data-testid=stream-title]")?.textContent ===
                "panel-news", null, 5000, `${label}: the stream's page does not name its key`);
  report.stream_chart_points = await chartPoints(page, "stream-chart", 2, label);
  await screenshot(page, `stream-detail-${label}`);
  await openPage(page, "engines", label, report.stream_engine);
  await waitFor(page, (id) => [...document.querySelectorAll("[data-testid=engine-streams] tbody tr")]
                  .some((r) => r.dataset.id === id), report.stream_id, 5000,
                `${label}: the engine's page does not list its stream`);
  report.engine_chart_points = await chartPoints(page, "engine-chart", 1, label);
  await screenshot(page, `engine-detail-${label}`);
}

/// The preview plays the stream through the relay; the overview shows the relay's rate meanwhile.
async function checkPreview() {
  const label = "preview";
  const page = await openTab(sizes[0], label);
  await page.goto(base + "/panel#/streams/" + encodeURIComponent(report.stream_id), { waitUntil: "load" });
  if (!(await waitFor(page, () => !!document.querySelector("[data-testid=preview-start]"), null,
                      10000, "the stream's page has no preview button"))) return;
  await page.click("[data-testid=preview-start]");
  const video = "[data-testid=preview-video]";
  const playing = await waitFor(page, (v) => {
    if (document.querySelector("[data-testid=preview-failure]")) return true;
    return document.querySelector(v).currentTime > 0.2;
  }, video, 30000, "the preview never started playing");
  const failure = await page.$eval("body", () =>
    document.querySelector("[data-testid=preview-failure]")?.textContent);
  if (failure) problem("preview: " + failure);
  if (playing && !failure) {
    const first = await page.$eval(video, (v) => v.currentTime);
    const advanced = await waitFor(page, ([v, t]) => document.querySelector(v).currentTime >= t + 1,
                                   [video, first], 10000, "the preview's currentTime did not advance");
    const last = await page.$eval(video, (v) => ({ t: v.currentTime, w: v.videoWidth }));
    if (advanced) report.preview = { advanced_s: last.t - first, video_width: last.w };
  }
  // The overview, in another tab while the preview plays: the relay sends Mbit/s.
  const other = await openTab(sizes[0], "relay-rate");
  await other.evaluateOnNewDocument((k) => sessionStorage.setItem("acepool.api_key", k), input.api_key);
  await other.goto(base + "/panel#/overview", { waitUntil: "load" });
  const rated = await waitFor(other, () =>
    parseFloat(document.querySelector("[data-testid=relay-rate]")?.textContent) > 0, null, 10000,
    "the overview did not show the relay's Mbit/s while the preview played");
  if (rated)
    report.relay_mbit = await other.$eval("[data-testid=relay-rate]", (e) => parseFloat(e.textContent));
  await other.close();
  await screenshot(page, "preview-desktop");
  await page.click(".preview button");  // Stop preview: the relay's client goes away
  await page.close();
}

/// A browser without Media Source Extensions that plays HLS itself (an iPhone before iOS 17.1,
/// emulated: MediaSource removed, canPlayType says "maybe" for HLS, and the video element only
/// records the source it is given): the preview asks acepool for the stream's HLS playlist,
/// hands it to the video element and never loads mpegts.js. (Playing it is the browser's own
/// HLS; Chromium's cannot parse the simulator's stream, hls.js plays it: component tests.)
async function checkPreviewWithoutMse() {
  const label = "preview-no-mse";
  const page = await openTab(sizes[1], label);
  await page.evaluateOnNewDocument(() => {
    Object.defineProperty(window, "MediaSource", { value: undefined });
    Object.defineProperty(window, "ManagedMediaSource", { value: undefined });
    const canPlay = HTMLMediaElement.prototype.canPlayType;
    HTMLMediaElement.prototype.canPlayType = function (type) {
      return type === "application/vnd.apple.mpegurl" ? "maybe" : canPlay.call(this, type);
    };
    Object.defineProperty(HTMLMediaElement.prototype, "src", {
      configurable: true,
      get() { return this.getAttribute("data-given-src") || ""; },
      set(v) { this.setAttribute("data-given-src", v); },
    });
    HTMLMediaElement.prototype.play = function () { return Promise.resolve(); };
  });
  const seen = { playlist: [], relay_ts: 0, player_js: 0 };
  page.on("response", (r) => {
    if (r.url().includes("/ace/manifest.m3u8")) seen.playlist.push(r.status());
  });
  page.on("request", (r) => {
    if (r.url().includes("/ace/getstream")) seen.relay_ts++;
    if (/\/player\.[0-9a-f]+\.js/.test(r.url())) seen.player_js++;
  });
  await page.goto(base + "/panel#/streams/" + encodeURIComponent(report.stream_id), { waitUntil: "load" });
  if (!(await waitFor(page, () => !!document.querySelector("[data-testid=preview-start]"), null,
                      10000, "no-MSE: the stream's page has no preview button"))) return;
  await page.click("[data-testid=preview-start]");
  const given = await waitFor(page, () =>
    document.querySelector("[data-testid=preview-video]").src.includes("/ace/manifest.m3u8"),
    null, 30000, "no-MSE: the preview did not give the video element the HLS playlist");
  const failure = await page.$eval("body", () =>
    document.querySelector("[data-testid=preview-failure]")?.textContent);
  if (failure) problem("no-MSE preview: " + failure);
  report.preview_no_mse = {
    src: given ? await page.$eval("[data-testid=preview-video]", (v) => v.src) : null,
    playlist_statuses: seen.playlist, relay_ts_requests: seen.relay_ts, player_js_requests: seen.player_js,
  };
  await screenshot(page, "preview-no-mse-phone");
  await page.click(".preview button");  // Stop preview
  await waitFor(page, () => !!document.querySelector("[data-testid=preview-start]"), null, 5000,
                "no-MSE: Stop preview did not stop");
  await page.close();
}

/// API_KEY_READS=true: without the key the page says so and asks; with it, everything shows.
async function checkReads() {
  const label = "reads";
  const page = await openTab(sizes[0], label);
  await page.goto(base + "/panel#/engines", { waitUntil: "load" });
  await waitFor(page, () => !!document.querySelector("[data-testid=key-wanted]") &&
                !!document.querySelector("form.key"), null, 10000,
                "without the key, the page did not say it needs one and ask for it");
  report.key_asked = !!(await page.$("[data-testid=key-wanted]"));
  await screenshot(page, "key-wanted-desktop");
  await page.type("form.key input[name=key]", input.api_key);
  await page.click("form.key button[type=submit]");
  await waitFor(page, () => document.querySelector("[data-testid=live]")?.textContent === "live",
                null, 10000, "with the key, the live feed did not connect");
  const ok = await waitFor(page, (ids) => {
    const rows = [...document.querySelectorAll("[data-testid=engines] tbody tr")];
    return JSON.stringify(rows.map((r) => r.dataset.id).sort()) === JSON.stringify([...ids].sort());
  }, input.engine_ids, 10000, "with the key, the engines table does not list the API's engines");
  if (ok) report.engines_shown = input.engine_ids.length;
  report.live_with_key = (await page.$eval("[data-testid=live]", (e) => e.textContent)) === "live";
  if (await page.$("[data-testid=key-wanted]")) problem("the key was given but the page still asks");
  // The browser logs each refused request itself; those are the point of this check.
  report.console = report.console.filter((l) => !l.startsWith(label + ": error: Failed to load " +
    "resource: the server responded with a status of 401"));
  await page.close();
}

async function checkSwarm() {
  const page = await openTab(sizes[0], "swarm");
  await page.evaluateOnNewDocument((k) => sessionStorage.setItem("acepool.api_key", k),
                                   input.api_key);
  await page.goto(base + "/panel#/overview", { waitUntil: "load" });
  const names = [...input.swarm_nodes].sort();
  const listed = await waitFor(page, (want) => {
    const rows = [...document.querySelectorAll("[data-testid=swarm-nodes] tbody tr")];
    return JSON.stringify(rows.map((r) => r.cells[0].textContent.replace(" (acepool)", "")).sort()) ===
      JSON.stringify(want);
  }, names, 10000, "the overview does not list the swarm's nodes");
  if (listed) report.swarm_nodes_shown = names.length;
  await screenshot(page, "swarm-overview-desktop");
  await page.goto(base + "/panel#/engines", { waitUntil: "load" });
  const named = await waitFor(page, (want) => {
    const table = document.querySelector("[data-testid=engines]");
    if (!table) return false;
    const column = [...table.querySelectorAll("thead th")].findIndex((th) => th.textContent === "node");
    const rows = [...table.querySelectorAll("tbody tr")];
    return column >= 0 && rows.length > 0 &&
      rows.every((r) => want.includes(r.cells[column].textContent));
  }, names, 10000, "the engines table does not name each engine's node");
  if (named) report.engine_nodes_named = true;
  await screenshot(page, "swarm-engines-desktop");
  await page.close();
}

function problem(text) {
  report.problems.push(text);
}

async function waitFor(page, fn, arg, timeout, what) {
  try {
    await page.waitForFunction(fn, { timeout, polling: 50 }, arg);
    return true;
  } catch {
    problem(what);
    return false;
  }
}

async function checkActions() {
  const label = "actions";
  const page = await openTab(sizes[0], label);
  await page.goto(base + "/panel#/engines", { waitUntil: "load" });
  await waitFor(page, () => document.querySelectorAll("[data-testid=engines] button.danger").length > 0,
                null, 10000, "no Delete button on the engines page");
  const before = await engineCount();
  // Without the key: refused, and the page says why. The browser logs the 401 itself.
  await page.click("[data-testid=engines] button.danger");
  const refused = await waitFor(page, () => {
    const n = document.querySelector("[data-testid=notice]");
    return n && n.classList.contains("error") && n.textContent.includes("401") &&
      n.textContent.includes("missing bearer token");
  }, null, 5000, "a delete without the key did not show why it was refused");
  if (refused) report.refused_shown = true;
  report.console = report.console.filter((l) => !(l.startsWith(label + ": error: Failed to load " +
    "resource: the server responded with a status of 401")));
  if ((await engineCount()) !== before) problem("an engine went away although the delete was refused");
  await screenshot(page, "refused-desktop");
  // The refusal opened the key form; the key given there: provisioning adds an engine, and a
  // stream can be stopped.
  if (!(await page.$("form.key"))) problem("a refusal for want of the key did not ask for it");
  if (!(await page.$("form.key"))) await page.click("header button.link");
  await page.type("form.key input[name=key]", input.api_key);
  await page.click("form.key button[type=submit]");
  await openPage(page, "overview", label);
  await waitFor(page, () => !!document.querySelector("[data-testid=provision]"), null, 10000,
                "no provision button");
  await page.click("[data-testid=provision]");
  const done = await waitFor(page, () => {
    const n = document.querySelector("[data-testid=notice]");
    return n && n.textContent.startsWith("Provision an engine: done");
  }, null, 60000, "provisioning with the key did not succeed");
  if (done) report.engines_after_provision = await engineCount();
  if (done && report.engines_after_provision !== before + 1)
    problem(`provisioning added ${report.engines_after_provision - before} engines, not 1`);
  await openPage(page, "streams", label);
  await waitFor(page, () => !!document.querySelector("[data-testid=streams] button.danger"), null,
                10000, "no Stop button on the streams page");
  await page.click("[data-testid=streams] button.danger");
  const stopped = await waitFor(page, () => {
    const n = document.querySelector("[data-testid=notice]");
    return n && n.textContent.startsWith("Stop ") && n.textContent.endsWith(": done");
  }, null, 15000, "stopping a stream with the key did not succeed");
  if (stopped) report.stream_stopped = true;
  await page.close();
}

const browser = await puppeteer.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-sync", "--disable-component-update"],
});
try {
  if (input.mode === "reads") await checkReads();
  if (input.mode === "swarm") await checkSwarm();
  for (const size of input.mode === "reads" || input.mode === "swarm" ? [] : sizes) {
    const page = await openTab(size, size.name);
    // An operator who gave the key before (it stays in the tab's session storage).
    await page.evaluateOnNewDocument((k) => sessionStorage.setItem("acepool.api_key", k),
                                     input.api_key);
    await page.goto(base + "/panel", { waitUntil: "load" });
    await waitFor(page, () => document.querySelector("[data-testid=live]")?.textContent === "live",
                  null, 10000, `${size.name}: the live feed never connected`);
    // The page follows the system's theme: a dark background in dark, a light one in light.
    const lightness = await page.$eval("body", () => {
      const [r, g, b] = getComputedStyle(document.documentElement).backgroundColor
        .match(/\d+/g).map(Number);
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    });
    if ((size.scheme === "dark") !== (lightness < 0.3))
      problem(`${size.name}: a ${size.scheme} system theme shows a background of lightness ${lightness}`);
    report.themes = { ...report.themes, [size.scheme]: lightness };
    for (const name of pages) {
      await openPage(page, name, size.name);
      if (name === "engines") {
        const ok = await waitFor(page, (ids) => {
          const rows = [...document.querySelectorAll("[data-testid=engines] tbody tr")];
          const shown = rows.map((r) => r.dataset.id).sort();
          return JSON.stringify(shown) === JSON.stringify([...ids].sort());
        }, input.engine_ids, 10000, `${size.name}: the engines table does not list the API's engines`);
        if (ok) report.engines_shown = input.engine_ids.length;
      }
      if (name === "overview")
        await waitFor(page, () => !!document.querySelector("[data-testid=status] strong"), null,
                      10000, `${size.name}: the overview shows no status`);
      if (name === "streams" && size.name === "desktop") {
        const started = Date.now();
        const answer = await fetch(base + "/events/stream_started", {
          method: "POST", headers: { "Content-Type": "application/json", ...auth },
          body: JSON.stringify(input.stream_event),
        });
        const stream = await answer.json();
        if (!answer.ok) problem("stream_started answered " + answer.status);
        report.stream_id = stream.id;
        report.stream_engine = stream.container_id;
        const seen = await waitFor(page, (id) =>
          [...document.querySelectorAll("[data-testid=streams] tbody tr")].some((r) => r.dataset.id === id),
          stream.id, 2000, "the reported stream did not appear in the Streams page within 2 s");
        if (seen) report.stream_seen_ms = Date.now() - started;
      }
      await screenshot(page, `${name}-${size.name}`);
    }
    if (report.stream_id) await checkDetails(page, size);
    await page.close();
  }
  const full = input.mode !== "reads" && input.mode !== "swarm";
  if (full && report.stream_id) await checkPreview();
  if (full && report.stream_id) await checkPreviewWithoutMse();
  if (full) await checkActions();
} finally {
  await browser.close();
}
for (const line of report.console) problem(line);
console.log(JSON.stringify(report, null, 1));
process.exit(report.problems.length ? 1 : 0);
