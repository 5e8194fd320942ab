"""The benchmark kit's shared parts: starting acepool, the simulator and the baselines as
processes, the load clients (acepool-load, wrk), and reading a process's CPU time and RSS."""
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import tempfile
import time
import datetime

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


def start_acepool(build, env, args=()):
    base = {"APP_PORT": "0", "APP_BIND": "127.0.0.1", "DB_URL": "sqlite:///:memory:", "LOG_LEVEL": "info",
            "MIN_REPLICAS": "0", "MIN_FREE_REPLICAS": "0"}
    base.update(env)
    return Process([os.path.join(build, "acepool"), *args], base)


def wait_for_healthy_engine(port, timeout=20):
    """Until acepool on `port` lists an engine it may select (healthy)."""
    deadline = time.time() + timeout
    while not any(e.get("health_status") == "healthy" for e in http_json("GET", f"http://127.0.0.1:{port}/engines")):
        if time.time() > deadline:
            raise CheckFailed("the static engine never became healthy")
        time.sleep(0.1)


def acepool_port(p):
    m = p.wait_line("stderr", r'"msg":"http.listening".*"port":(\d+)')
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


def start_load(build, url, connections, seconds, extra=(), check_ts=True):
    """acepool-load in the background; collect its report with load_result()."""
    return subprocess.Popen([os.path.join(build, "tests", "bench", "acepool-load"), f"--url={url}",
                             f"--connections={connections}", f"--duration={seconds}",
                             *(["--check-ts"] if check_ts else []), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def load_result(p, url, timeout=120):
    out, err = p.communicate(timeout=timeout)
    if p.returncode != 0:
        raise CheckFailed(f"load client failed: {err}")
    r = json.loads(out)
    if r["sync_errors"]:
        raise CheckFailed(f"{r['sync_errors']} TS sync errors from {url}")
    return r


def load(build, url, connections, seconds, extra=()):
    return load_result(start_load(build, url, connections, seconds, extra), url, seconds + 60)


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


def http_json(method, url, body=None):
    import urllib.request
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def metric(port, name):
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


def cpu_seconds(pid):
    """User + system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))
