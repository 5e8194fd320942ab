// Loads a page of a running acepool in headless Chromium (puppeteer-core, Debian's chromium)
// `loads` times with an empty cache and prints, as JSON, per load: the bytes that crossed the
// network (compressed, every request but the live feed's) and the times from navigation start to
// the first contentful paint and to the moment `selector` exists (the first render with data).
//
//   node panel_render.mjs URL SELECTOR LOADS
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../../web/package.json"));
const puppeteer = require("puppeteer-core");

const [url, selector, loads] = [process.argv[2], process.argv[3], Number(process.argv[4] || 5)];
const browser = await puppeteer.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-sync", "--disable-component-update"],
});
const runs = [];
try {
  for (let i = 0; i < loads; i++) {
    const page = await browser.newPage();
    await page.setViewport({ width: 1366, height: 768 });
    const cdp = await page.createCDPSession();
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    const urls = new Map();
    let bytes = 0;
    cdp.on("Network.requestWillBeSent", (e) => urls.set(e.requestId, e.request.url));
    cdp.on("Network.loadingFinished", (e) => {
      if (!(urls.get(e.requestId) || "").includes("/events/live")) bytes += e.encodedDataLength;
    });
    await page.goto(url, { waitUntil: "load" });
    await page.waitForSelector(selector, { timeout: 20000 });
    const times = await page.evaluate(() => {
      const fcp = performance.getEntriesByName("first-contentful-paint")[0];
      return { fcp_ms: fcp ? fcp.startTime : null, shown_ms: performance.now() };
    });
    await new Promise((r) => setTimeout(r, 300));  // the last responses' byte counts arrive
    runs.push({ bytes, ...times });
    await page.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(runs));
