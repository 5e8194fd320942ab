"""Benchmark of acepool --takeover: viewers of running streams while a second acepool takes the
first one over (simulator engines on loopback, no Docker), next to the same viewers without a
takeover in the same run."""
import os
import tempfile
import time

from bench_kit import (CheckFailed, acepool_port, load_result, start_acepool, start_load, start_sim,
                       wait_for_healthy_engine)

KEYS = 5
BITRATE = 2_000_000
SECONDS = 14
TAKEOVER_AT = 6


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * (len(values) - 1) + 0.5))] if values else 0


def start_viewers(build, port, clients, tag):
    """`clients` viewers spread over KEYS streams (one load process per stream)."""
    keys = KEYS if clients >= KEYS else 1
    loads = []
    for k in range(keys):
        url = f"http://127.0.0.1:{port}/ace/getstream?id=7c{tag}{k:06d}"
        loads.append((start_load(build, url, clients // keys, SECONDS, [f"--full-rate={BITRATE}"], True), url))
    return loads


def gaps(loads):
    out = []
    for p, url in loads:
        r = load_result(p, url, SECONDS + 60)
        if r["with_data"] != r["connections"] or r["ended_early"] or r["sync_errors"]:
            raise CheckFailed(f"{url}: {r['with_data']}/{r['connections']} with data, "
                              f"{r['ended_early']} ended early, {r['sync_errors']} sync errors")
        out += r["max_gap_ms"]["each"]
    return out


def run(build, clients):
    sim, sim_port = start_sim(build, {"SIM_BITRATE": str(BITRATE)})
    tmp = tempfile.mkdtemp(prefix="acepool-bench-takeover-")
    env = {"STATIC_ENGINES": f"127.0.0.1:{sim_port}", "DOCKER_HOST": "unix:///nonexistent/acepool-bench.sock",
           "MAX_STREAMS_PER_ENGINE": "100", "TAKEOVER_SOCKET": os.path.join(tmp, "takeover.sock"),
           "DB_URL": f"sqlite:///{tmp}/acepool.db"}
    old = start_acepool(build, env)
    new = None
    try:
        port = acepool_port(old)
        wait_for_healthy_engine(port)
        # Baseline: the same viewers, no takeover.
        baseline = gaps(start_viewers(build, port, clients, "a"))
        loads = start_viewers(build, port, clients, "b")
        time.sleep(TAKEOVER_AT)
        new = start_acepool(build, env, ["--takeover"])
        m = old.wait_line("stderr", r'"msg":"takeover.handed_over".*?"ms":(\d+)', timeout=30)
        handover_ms = int(m.group(1))
        stalls = gaps(loads)
    finally:
        for p in (new, old):
            if p:
                p.stop()
        sim.stop()
    return {"handover_ms": handover_ms,
            "stall_p50_ms": percentile(stalls, 0.5), "stall_p99_ms": percentile(stalls, 0.99),
            "stall_max_ms": max(stalls),
            "baseline_p50_ms": percentile(baseline, 0.5), "baseline_p99_ms": percentile(baseline, 0.99),
            "baseline_max_ms": max(baseline)}


def bench_takeover_10(build):
    return run(build, 10)


def bench_takeover_200(build):
    return run(build, 200)


def bench_takeover_1000(build):
    return run(build, 1000)


FIGURES = [
    ("handover_ms", "handover, ms (hello to released, old process's log)", None, None),
    ("stall_p50_ms", "longest gap a viewer saw, p50 ms", "baseline_p50_ms", None),
    ("stall_p99_ms", "longest gap a viewer saw, p99 ms", "baseline_p99_ms", None),
    ("stall_max_ms", "longest gap a viewer saw, max ms", "baseline_max_ms", None),
    ("baseline_p50_ms", "same viewers without a takeover: longest gap p50 ms", None, None),
    ("baseline_p99_ms", "same viewers without a takeover: longest gap p99 ms", None, None),
    ("baseline_max_ms", "same viewers without a takeover: longest gap max ms", None, None),
]

NOTES = ("acepool-sim at 2 Mbit/s as a static engine, viewers over 5 streams (one acepool-load process per "
         "stream, TS sync checked, reading for 14 s). Baseline: the same viewers for 14 s without a takeover. "
         "Then the same again with acepool --takeover started at second 6: each viewer's longest wait between "
         "body bytes after its first second (the relay writes every 100 ms, so ~100-200 ms is the floor), and "
         "the handover's duration from the new process's hello to the old one's release. Every viewer must stay "
         "connected with no TS sync error, or the run fails.")

TAKEOVER_BENCHMARKS = {
    "takeover_10": {"title": "Takeover with 10 viewers", "run": bench_takeover_10, "figures": FIGURES,
                    "notes": NOTES},
    "takeover_200": {"title": "Takeover with 200 viewers", "run": bench_takeover_200, "figures": FIGURES,
                     "notes": NOTES},
    "takeover_1000": {"title": "Takeover with 1000 viewers", "run": bench_takeover_1000, "figures": FIGURES,
                      "notes": NOTES},
}
