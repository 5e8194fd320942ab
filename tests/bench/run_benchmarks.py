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


def wrk(url, connections=50, seconds=10, threads=1, script=None, env=None):
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        args += ["-s", script]
    full_env = dict(os.environ)
    full_env.update(env or {})
    out = subprocess.run(args + [url], capture_output=True, text=True, timeout=seconds + 30, env=full_env).stdout
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


class UnixHTTPConnection(__import__("http.client").client.HTTPConnection):
    """HTTP to the Docker daemon's unix socket (the same-run baseline for provisioning)."""

    def __init__(self, path="/var/run/docker.sock"):
        super().__init__("localhost")
        self.socket_path = path

    def connect(self):
        import socket
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.socket_path)


def docker_api(method, path, body=None):
    conn = UnixHTTPConnection()
    headers = {"Content-Type": "application/json"} if body is not None else {}
    conn.request(method, "/v1.41" + path, body=json.dumps(body) if body is not None else None, headers=headers)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, data


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def pool_env(run_id, low, extra=None):
    env = {"TARGET_IMAGE": "acepool/sim:latest", "CONTAINER_LABEL": f"acepool.bench={run_id}",
           "PORT_RANGE_HOST": f"{low}-{low + 99}", "MIN_PROVISION_INTERVAL_S": "0", "LOG_LEVEL": "info"}
    env.update(extra or {})
    return env


def wait_engines(port, n, timeout=120):
    import urllib.request
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/engines") as r:
                if len(json.load(r)) >= n:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise CheckFailed(f"{n} engines did not come up")


def remove_label(label):
    status, data = docker_api("GET", "/containers/json?all=1&filters=" +
                              __import__("urllib.parse").parse.quote(json.dumps({"label": [label]})))
    for c in json.loads(data):
        docker_api("DELETE", f"/containers/{c['Id']}?force=true")


def http_json(method, url, body=None):
    import urllib.request
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def report_streams(port, engines, count):
    """What acexy does for `count` streams spread over the engines: open a session on the engine,
    then POST /events/stream_started naming it localhost:<host port>."""
    for e in engines:  # keep the sessions alive while nobody reads them
        http_json("POST", f"http://127.0.0.1:{e['port']}/sim/control", {"SIM_SESSION_IDLE_S": 3600})
    for i in range(count):
        engine_port = engines[i % len(engines)]["port"]
        s = http_json("GET", f"http://127.0.0.1:{engine_port}/ace/getstream?id=bench-{i}&format=json")["response"]
        http_json("POST", f"http://127.0.0.1:{port}/events/stream_started",
                  {"engine": {"host": "localhost", "port": engine_port},
                   "stream": {"key_type": "content_id", "key": f"bench-{i}"},
                   "session": {k: s[k] for k in ("playback_session_id", "stat_url", "command_url", "is_live")}})


def metric(port, name):
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


def bench_engines_api(build):
    """Control API with 20 engines and 50 event-reported streams; then event ingestion."""
    run_id = f"{os.getpid()}-{time.time_ns()}"
    db_dir = tempfile.mkdtemp(prefix="acepool-bench-db-")
    ace = start_acepool(build, pool_env(run_id, 19600, {"MIN_REPLICAS": "20", "MAX_REPLICAS": "20",
                                                        "MIN_FREE_REPLICAS": "0",
                                                        "DB_URL": f"sqlite:///{db_dir}/acepool.db"}))
    base, base_port = start_baseline(build, "fixed")
    try:
        port = acepool_port(ace)
        wait_engines(port, 20)
        engines = http_json("GET", f"http://127.0.0.1:{port}/engines")
        report_streams(port, engines, 50)
        status_doc = http_json("GET", f"http://127.0.0.1:{port}/orchestrator/status")
        if status_doc["streams"]["active"] != 50 or status_doc["capacity"]["used"] != 20:
            raise CheckFailed(f"50 streams on 20 engines expected, status says {status_doc['streams']}, "
                              f"capacity {status_doc['capacity']}")
        time.sleep(5)  # idle (stats polling of the 50 streams goes on)
        rss = rss_mb(ace.p.pid)
        engines_r = wrk(f"http://127.0.0.1:{port}/engines")
        status = wrk(f"http://127.0.0.1:{port}/orchestrator/status")
        baseline = wrk(f"http://127.0.0.1:{base_port}/engines")
        ports = ",".join(str(e["port"]) for e in engines)
        events = wrk(f"http://127.0.0.1:{port}", script=os.path.join(ROOT, "tests", "bench", "stream_events.lua"),
                     env={"ENGINE_PORTS": ports, "ACTIVE": "50"})
        time.sleep(1.5)  # the store's next batch
        if metric(port, "acepool_store_dropped_total") > 0:
            raise CheckFailed("the store dropped writes")
        records = http_json("GET", f"http://127.0.0.1:{port}/orchestrator/status")["streams"]["total"]
        if records < events["rps"] * 10 * 0.5 * 0.9:  # half the requests start a stream
            raise CheckFailed(f"only {records} stream records after {events['rps']:.0f} events/s for 10 s")
    finally:
        ace.stop()
        base.stop()
        remove_label(f"acepool.bench={run_id}")
        shutil.rmtree(db_dir, ignore_errors=True)
    return {"engines_rps": engines_r["rps"], "engines_p99_ms": engines_r["p99_ms"], "status_rps": status["rps"],
            "status_p99_ms": status["p99_ms"], "baseline_rps": baseline["rps"], "idle_rss_mb": rss,
            "events_rps": events["rps"], "events_p99_ms": events["p99_ms"]}


def bench_provisioning(build, count=20):
    """POST /provision/acestream → ready, one at a time, against Docker's own create+start."""
    import urllib.request
    run_id = f"{os.getpid()}-{time.time_ns()}"
    label = f"acepool.bench={run_id}"
    ace = start_acepool(build, pool_env(run_id, 19700, {"MIN_REPLICAS": "0", "MIN_FREE_REPLICAS": "0",
                                                        "MAX_REPLICAS": str(count)}))
    ours, docker_only = [], []
    try:
        port = acepool_port(ace)
        for _ in range(count):
            t = time.perf_counter()
            req = urllib.request.Request(f"http://127.0.0.1:{port}/provision/acestream", data=b"{}", method="POST")
            with urllib.request.urlopen(req, timeout=120) as r:
                if r.status != 200:
                    raise CheckFailed(f"provisioning answered {r.status}")
            ours.append((time.perf_counter() - t) * 1000)
    finally:
        ace.stop()
        remove_label(label)
    # Docker alone, same image and port publishing: create + start.
    for i in range(count):
        host_port = 19800 + i
        spec = {"Image": "acepool/sim:latest", "Labels": {"acepool.bench": run_id}, "Env": [f"HTTP_PORT={host_port}"],
                "ExposedPorts": {f"{host_port}/tcp": {}},
                "HostConfig": {"PortBindings": {f"{host_port}/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(host_port)}]}}}
        t = time.perf_counter()
        status, data = docker_api("POST", f"/containers/create?name=acepool-bench-{run_id}-{i}", spec)
        if status != 201:
            raise CheckFailed(f"docker create answered {status}: {data[:200]}")
        cid = json.loads(data)["Id"]
        status, _ = docker_api("POST", f"/containers/{cid}/start")
        docker_only.append((time.perf_counter() - t) * 1000)
    remove_label(label)

    def pct(values, p):
        s = sorted(values)
        return s[min(len(s) - 1, int(p * (len(s) - 1) + 0.5))]

    return {"acepool_p50_ms": pct(ours, 0.5), "acepool_p99_ms": pct(ours, 0.99),
            "docker_p50_ms": pct(docker_only, 0.5), "docker_p99_ms": pct(docker_only, 0.99),
            "overhead_p50_ms": pct(ours, 0.5) - pct(docker_only, 0.5)}


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
    "engines_api": {
        "title": "Control API with 20 engines",
        "run": bench_engines_api,
        "figures": [
            ("engines_rps", "GET /engines requests/s", "baseline_rps", ">= 20,000"),
            ("engines_p99_ms", "GET /engines latency p99 ms", None, "<= 5"),
            ("status_rps", "GET /orchestrator/status requests/s", "baseline_rps", ">= 20,000"),
            ("status_p99_ms", "GET /orchestrator/status latency p99 ms", None, None),
            ("baseline_rps", "fixed-response epoll baseline requests/s", None, None),
            ("idle_rss_mb", "acepool RSS, 20 engines and 50 streams, idle (MB)", None, "<= 30"),
            ("events_rps", "POST /events/stream_started + stream_ended per s (store on disk)", None, None),
            ("events_p99_ms", "event latency p99 ms", None, None),
        ],
        "notes": "acepool with MIN_REPLICAS=20 simulator engines on the real Docker daemon and 50 streams "
                 "reported the way acexy reports them (a session opened on the engine, then "
                 "POST /events/stream_started with localhost:<host port>); stats of all 50 are polled "
                 "every 5 s. wrk -t1 -c50 -d10s per route (the anchors: old orchestrator 112 req/s on "
                 "/engines, 136 on status). Then wrk with tests/bench/stream_events.lua: each request starts "
                 "a new stream or ends the one started 50 before, so 50 stay active while ended records "
                 "accumulate (tens of thousands per run), persisted by the store (SQLite file, WAL); the run fails if "
                 "the store dropped a write or records are missing. The baseline is "
                 "acepool-fanout-baseline --mode=fixed measured in the same run; its body is 15 bytes "
                 "against ~14 kB for 20 engines.",
    },
    "provisioning": {
        "title": "Provisioning latency (real Docker daemon)",
        "run": bench_provisioning,
        "figures": [
            ("acepool_p50_ms", "POST /provision/acestream → engine ready, p50 ms", "docker_p50_ms", None),
            ("acepool_p99_ms", "POST /provision/acestream → engine ready, p99 ms", "docker_p99_ms", None),
            ("docker_p50_ms", "Docker create + start alone, p50 ms", None, None),
            ("docker_p99_ms", "Docker create + start alone, p99 ms", None, None),
            ("overhead_p50_ms", "acepool overhead beyond Docker's create + start, p50 ms", None, "<= 50"),
        ],
        "notes": "20 engines provisioned one after another (MIN_PROVISION_INTERVAL_S=0), each answered once "
                 "the engine is running and answers get_status; then, in the same run, 20 containers of "
                 "the same image created and started straight through the Docker API.",
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
