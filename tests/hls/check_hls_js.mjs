// Plays an acepool HLS playlist with hls.js (npm, web/package-lock.json) in headless Chromium
// (Debian's, through puppeteer-core) and prints one JSON report; exits 1 when it does not play.
//
//   node check_hls_js.mjs PLAYLIST_URL
//
// The page is about:blank with a <video> and hls.js: the playlist and segments are fetched
// cross-origin, so acepool must allow it (CORS_ORIGINS=*). Reported: whether the video's
// currentTime advanced by at least 2 s, the decoded picture's width, hls.js errors.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../../web/package.json"));
const puppeteer = require("puppeteer-core");
const hlsScript = require.resolve("hls.js/dist/hls.min.js");

const [url] = process.argv.slice(2);
const report = { problems: [], hls_errors: [] };
const browser = await puppeteer.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-sync", "--disable-component-update",
         "--autoplay-policy=no-user-gesture-required"],
});
try {
  const page = await browser.newPage();
  page.on("pageerror", (e) => report.problems.push("uncaught: " + e.message));
  await page.setContent("<video muted playsinline></video>");
  await page.addScriptTag({ path: hlsScript });
  report.hls_version = await page.evaluate(() => window.Hls.version);
  report.supported = await page.evaluate(() => window.Hls.isSupported());
  await page.evaluate((source) => {
    const video = document.querySelector("video");
    const hls = new window.Hls({ lowLatencyMode: false });
    window.hlsErrors = [];
    hls.on(window.Hls.Events.ERROR, (_, data) =>
      window.hlsErrors.push({ type: data.type, details: data.details, fatal: data.fatal }));
    hls.loadSource(source);
    hls.attachMedia(video);
    video.play().catch(() => {});
  }, url);
  const started = Date.now();
  let first = null;
  while (Date.now() - started < 45000) {
    const now = await page.evaluate(() => document.querySelector("video").currentTime);
    if (first === null && now > 0) first = now;
    if (first !== null && now >= first + 2) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const last = await page.evaluate(() => {
    const v = document.querySelector("video");
    return { t: v.currentTime, w: v.videoWidth };
  });
  report.hls_errors = await page.evaluate(() => window.hlsErrors);
  report.advanced_s = first === null ? 0 : last.t - first;
  report.video_width = last.w;
  if (report.advanced_s < 2) report.problems.push("currentTime did not advance by 2 s");
  if (report.hls_errors.some((e) => e.fatal)) report.problems.push("hls.js had a fatal error");
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
process.exit(report.problems.length ? 1 : 0);
