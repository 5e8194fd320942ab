"""The panel in a browser: what a first visit downloads, and how soon it shows data."""
import json
import os
import statistics
import subprocess

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


def bench_panel(build):
    """The panel's first visit; /docs (Swagger UI, 1.8 MB of JavaScript) from the same server."""
    ace = start_acepool(build, {})
    try:
        base = f"http://127.0.0.1:{acepool_port(ace)}"
        panel = measure(base + "/panel", "[data-testid=status] strong")
        docs = measure(base + "/docs", ".opblock")
        return {"weight_kb": panel["kb"], "fcp_ms": panel["fcp_ms"], "shown_ms": panel["shown_ms"],
                "docs_weight_kb": docs["kb"], "docs_fcp_ms": docs["fcp_ms"], "docs_shown_ms": docs["shown_ms"]}
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
