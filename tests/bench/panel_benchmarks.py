"""The panel in a browser: what a first visit downloads, and how soon it shows data."""
import json
import os
import re
import statistics
import subprocess
import urllib.request

from bench_kit import ROOT, CheckFailed, acepool_port, start_acepool

LOADS = 5


def measure(url, selector):
    out = subprocess.run(["node", os.path.join(ROOT, "tests", "bench", "panel_render.mjs"), url, selector,
                          str(LOADS)], capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise CheckFailed("panel_render.mjs failed: " + out.stderr[-500:])
    runs = json.loads(out.stdout)
    return {"kb": statistics.median(r["bytes"] for r in runs) / 1024,
            "fcp_ms": statistics.median(r["fcp_ms"] for r in runs),
            "shown_ms": statistics.median(r["shown_ms"] for r in runs)}


def compressed_kb(url):
    """The size of `url`'s answer as a browser that accepts gzip receives it, in KB."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return len(answer.read()) / 1024


def player_kb(base):
    """The preview player (mpegts.js): not part of a first visit, fetched when a preview starts."""
    with urllib.request.urlopen(base + "/panel", timeout=10) as answer:
        found = re.search(r'"(/panel/assets/player\.[0-9a-f]+\.js)"', answer.read().decode())
    if not found:
        raise CheckFailed("the panel's page names no player")
    return compressed_kb(base + found.group(1))


def bench_panel(build):
    """The panel's first visit; /docs (Swagger UI, 1.8 MB of JavaScript) from the same server."""
    ace = start_acepool(build, {})
    try:
        base = f"http://127.0.0.1:{acepool_port(ace)}"
        panel = measure(base + "/panel", "[data-testid=status] strong")
        docs = measure(base + "/docs", ".opblock")
        return {"weight_kb": panel["kb"], "fcp_ms": panel["fcp_ms"], "shown_ms": panel["shown_ms"],
                "player_kb": player_kb(base), "docs_weight_kb": docs["kb"], "docs_fcp_ms": docs["fcp_ms"], "docs_shown_ms": docs["shown_ms"]}
    finally:
        ace.stop()


PANEL_BENCHMARKS = {
    "panel": {
        "title": "/panel in Chromium: page weight and time to first render",
        "run": bench_panel,
        "figures": [
            ("weight_kb", "bytes over the network, first visit (KB, compressed)", "docs_weight_kb", "< 150"),
            ("fcp_ms", "first contentful paint (ms from navigation start)", "docs_fcp_ms", None),
            ("shown_ms", "status shown: the first render with data (ms)", "docs_shown_ms", "< 300"),
            ("player_kb", "the preview player, fetched when a preview starts (KB, compressed)", None,
             "with the first visit < 150"),
            ("docs_weight_kb", "baseline: /docs (Swagger UI), KB", None, None),
            ("docs_fcp_ms", "baseline: /docs first contentful paint ms", None, None),
            ("docs_shown_ms", "baseline: /docs operations listed ms", None, None),
        ],
        "notes": "acepool (Release, no engines) on 127.0.0.1; headless Chromium (Debian) through "
                 "puppeteer-core loads the page 5 times per run with the cache disabled, at 1366x768; "
                 "bytes are the encoded sizes of every response but the live feed's (page, bundle, "
                 "the JSON routes). `status shown` is when the overview's status is in the DOM: the "
                 "page, its bundle and /orchestrator/status have arrived and rendered. Each figure is the "
                 "median of the 5 loads; the baseline is /docs of the same server in the same run.",
    },
}
