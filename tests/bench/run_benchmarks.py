#!/usr/bin/env python3
"""Runs acepool's benchmarks and renders docs/benchmarks.md.

Each benchmark is run --runs times; every figure is reported as min/median/max together with the
same-run baseline it is compared to (machines are noisy; absolute numbers do not carry over).
Raw results are kept in docs/benchmarks.json so that benchmarks can be re-run one at a time
(--only) without losing the others. Exits non-zero when a correctness check inside a benchmark
fails (wrong status codes, corrupted bytes), never because of a number.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class CheckFailed(Exception):
    pass


def machine_info():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gb = 0
    try:
        with open("/proc/meminfo") as f:
            mem_gb = int(f.readline().split()[1]) / 1024 / 1024
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem_gb, 1),
            "kernel": platform.release(), "date": datetime.date.today().isoformat()}


class Process:
    """A program started for a benchmark (output to files, so a full pipe never stalls it),
    stopped with SIGTERM."""

    def __init__(self, args, env=None):
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.dir = tempfile.mkdtemp(prefix="acepool-bench-")
        self.paths = {"stdout": os.path.join(self.dir, "stdout"), "stderr": os.path.join(self.dir, "stderr")}
        self.files = {k: open(v, "w") for k, v in self.paths.items()}
        self.p = subprocess.Popen(args, env=full_env, stdout=self.files["stdout"], stderr=self.files["stderr"])

    def text(self, stream):
        with open(self.paths[stream]) as f:
            return f.read()

    def wait_line(self, stream, pattern, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(pattern, self.text(stream))
            if m:
                return m
            if self.p.poll() is not None:
                break
            time.sleep(0.02)
        raise CheckFailed(f"no line matching {pattern!r} from {self.p.args[0]}: {self.text('stderr')[-500:]}")

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
        for f in self.files.values():
            f.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def start_acepool(build, env):
    base = {"APP_PORT": "0", "APP_BIND": "127.0.0.1", "DB_URL": "sqlite:///:memory:", "LOG_LEVEL": "info",
            "MIN_REPLICAS": "0", "MIN_FREE_REPLICAS": "0"}
    base.update(env)
    return Process([os.path.join(build, "acepool")], base)


def acepool_port(p):
    m = p.wait_line("stderr", r'"event":"http.listening".*"port":(\d+)')
    return int(m.group(1))


def start_baseline(build, mode, extra=()):
    p = Process([os.path.join(build, "tests", "bench", "acepool-fanout-baseline"), f"--mode={mode}", *extra])
    m = p.wait_line("stdout", r"port (\d+)")
    return p, int(m.group(1))


def wrk(url, connections=50, seconds=10, threads=1):
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)

    def latency(pct):
        m = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    if non2xx:
        raise CheckFailed(f"{url}: {non2xx.group(1)} non-2xx responses")
    return {"rps": rps, "p50_ms": latency(50), "p99_ms": latency(99), "socket_errors": errors.group(0) if errors else ""}


# ---- benchmarks: each returns {figure: value} for one run, baselines included ----

def bench_health(build):
    """GET /health under wrk -c50 (one wrk thread; load client and server share the 2 cores)."""
    ace = start_acepool(build, {"LOG_LEVEL": "info"})
    base, base_port = start_baseline(build, "fixed")
    try:
        port = acepool_port(ace)
        a = wrk(f"http://127.0.0.1:{port}/health")
        b = wrk(f"http://127.0.0.1:{base_port}/health")
    finally:
        ace.stop()
        base.stop()
    return {"acepool_rps": a["rps"], "acepool_p50_ms": a["p50_ms"], "acepool_p99_ms": a["p99_ms"],
            "baseline_rps": b["rps"], "baseline_p99_ms": b["p99_ms"]}


def start_sim(build, env):
    full = {"SIM_PREBUFFER_MS": "0", "SIM_JSON_DELAY_MS": "0"}
    full.update(env)
    p = Process([os.path.join(build, "tests", "sim", "acepool-sim"), "engine", "--http-port=0"], full)
    port = int(p.wait_line("stdout", r'"port":(\d+)').group(1))
    return p, port


def sim_playback_url(port, content_id):
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/ace/getstream?id={content_id}&format=json") as r:
        return json.load(r)["response"]["playback_url"]


def load(build, url, connections, seconds, extra=()):
    out = subprocess.run([os.path.join(build, "tests", "bench", "acepool-load"), f"--url={url}",
                          f"--connections={connections}", f"--duration={seconds}", "--check-ts", *extra],
                         capture_output=True, text=True, timeout=seconds + 60)
    if out.returncode != 0:
        raise CheckFailed(f"load client failed: {out.stderr}")
    r = json.loads(out.stdout)
    if r["sync_errors"]:
        raise CheckFailed(f"{r['sync_errors']} TS sync errors from {url}")
    return r


def bench_sim_pacing(build):
    """How close the simulator's paced playback is to its configured bitrate (20 s reads)."""
    figures = {}
    for bitrate in (2_000_000, 8_000_000):
        sim, port = start_sim(build, {"SIM_BITRATE": str(bitrate)})
        try:
            r = load(build, sim_playback_url(port, f"pacing-{bitrate}"), 1, 20)
        finally:
            sim.stop()
        figures[f"ratio_{bitrate // 1_000_000}m"] = r["bits_per_s_per_conn"]["median"] / bitrate
    return figures


BENCHMARKS = {
    "health": {
        "title": "GET /health under wrk -c50",
        "run": bench_health,
        "figures": [
            ("acepool_rps", "requests/s (acepool)", "baseline_rps", None),
            ("acepool_p50_ms", "latency p50 ms (acepool)", None, None),
            ("acepool_p99_ms", "latency p99 ms (acepool)", "baseline_p99_ms", "<= 5 ms (control API target)"),
                        ("baseline_rps", "requests/s (fixed-response epoll baseline)", None, None),
        ],
        "notes": "wrk -t1 -c50 -d10s against acepool's /health and, in the same run, against the "
                 "fixed-response epoll baseline (acepool-fanout-baseline --mode=fixed). Both share "
                 "the 2 cores with wrk.",
    },
    "sim_pacing": {
        "title": "Simulator pacing accuracy",
        "run": bench_sim_pacing,
        "figures": [
            ("ratio_2m", "delivered / configured bitrate at 2 Mbit/s", None, "1.00"),
            ("ratio_8m", "delivered / configured bitrate at 8 Mbit/s", None, "1.00"),
        ],
        "notes": "One acepool-load client reads a paced playback of acepool-sim for 20 s; the ratio "
                 "is the bits it received per second (from its first byte) over SIM_BITRATE.",
    },
}


def summarize(values):
    return {"min": min(values), "median": statistics.median(values), "max": max(values), "runs": len(values)}


def fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.3f}"


def render(results):
    m = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        "<!-- Generated by tests/bench/run_benchmarks.py (scripts/bench.sh); raw data in "
        "docs/benchmarks.json. -->",
        "",
        "Benchmarks are programs, not tests: CI does not judge these numbers. Every figure is "
        "min / median / max over several runs, next to a baseline measured in the same run "
        "(absolute numbers do not carry over between machines). Build: Release (-O2).",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Linux {m['kernel']}.",
        "",
    ]
    for name, spec in BENCHMARKS.items():
        r = results["benchmarks"].get(name)
        if not r:
            continue
        lines += [f"## {spec['title']}", "", f"Measured {r['date']}, {r['runs']} runs. {spec['notes']}", "",
                  "| figure | min | median | max | baseline (median) | ratio | target |",
                  "|---|---|---|---|---|---|---|"]
        for key, label, baseline_key, target in spec["figures"]:
            s = r["figures"].get(key)
            if not s:
                continue
            base = r["figures"].get(baseline_key, {}).get("median") if baseline_key else None
            ratio = f"{s['median'] / base:.2f}" if base else "-"
            lines.append(f"| {label} | {fmt(s['min'])} | {fmt(s['median'])} | {fmt(s['max'])} | {fmt(base)} | "
                         f"{ratio} | {target or '-'} |")
        lines.append("")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", action="append", help="benchmark name (repeatable)")
    args = ap.parse_args()
    json_path = os.path.join(ROOT, "docs", "benchmarks.json")
    results = {"machine": machine_info(), "benchmarks": {}}
    if os.path.exists(json_path):
        with open(json_path) as f:
            results["benchmarks"] = json.load(f).get("benchmarks", {})
    names = args.only or list(BENCHMARKS)
    failed = False
    for name in names:
        spec = BENCHMARKS[name]
        per_figure = {}
        try:
            for i in range(args.runs):
                print(f"[bench] {name} run {i + 1}/{args.runs}", file=sys.stderr)
                for k, v in spec["run"](args.build_dir).items():
                    per_figure.setdefault(k, []).append(v)
        except CheckFailed as e:
            print(f"[bench] {name}: correctness check failed: {e}", file=sys.stderr)
            failed = True
            continue
        results["benchmarks"][name] = {"date": results["machine"]["date"], "runs": args.runs,
                                       "figures": {k: summarize(v) for k, v in per_figure.items()}}
    with open(json_path, "w") as f:
        json.dump(results, f, indent=2, sort_keys=True)
    with open(os.path.join(ROOT, "docs", "benchmarks.md"), "w") as f:
        f.write(render(results))
    print(render(results))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
