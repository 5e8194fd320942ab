"""The live feed (GET /events/live) under load: many subscribers while stream events flow."""
import http.client
import json
import os
import subprocess
import sys
import time

from bench_kit import ROOT, CheckFailed, acepool_port, cpu_seconds, start_acepool

RATE = 1000          # stream events per second (half started, half ended)
SECONDS = 10
BATCH_EVERY_S = 0.05


def post_events(port, seconds, tag):
    """POST /events/batch every 50 ms with 25 started and 25 ended streams: RATE events/s."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    per_batch = int(RATE * BATCH_EVERY_S / 2)
    start = time.monotonic()
    sent = 0
    for n in range(int(seconds / BATCH_EVERY_S)):
        started, ended = [], []
        for i in range(per_batch):
            key = f"{tag}-{n}-{i}"
            started.append({"engine": {"host": "198.18.0.9", "port": 6878},
                            "stream": {"key_type": "content_id", "key": key},
                            "session": {"playback_session_id": "s", "stat_url": "http://198.18.0.9:6878/s",
                                        "command_url": "http://198.18.0.9:6878/c", "is_live": 1}})
            ended.append({"stream_id": f"{key}|s"})
        conn.request("POST", "/events/batch", json.dumps({"started": started, "ended": ended}),
                     {"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            raise CheckFailed(f"POST /events/batch answered {r.status}")
        sent += 2 * per_batch
        wait = start + (n + 1) * BATCH_EVERY_S - time.monotonic()
        if wait > 0:
            time.sleep(wait)
    conn.close()
    return sent, time.monotonic() - start


def run_once(build, subscribers):
    ace = start_acepool(build, {"LOG_LEVEL": "info"})
    subs = None
    try:
        port = acepool_port(ace)
        expected = int(SECONDS / BATCH_EVERY_S) * int(RATE * BATCH_EVERY_S / 2) * 2
        if subscribers:
            subs = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "bench", "live_subscribers.py"),
                                     str(port), str(subscribers), str(expected), str(SECONDS + 30)],
                                    stdout=subprocess.PIPE, text=True)
            if subs.stdout.readline().strip() != "ready":
                raise CheckFailed("the subscribers did not connect")
        cpu0 = cpu_seconds(ace.p.pid)
        sent, elapsed = post_events(port, SECONDS, f"live{subscribers}")
        cpu = (cpu_seconds(ace.p.pid) - cpu0) / elapsed
        result = {"sent": sent, "cpu": cpu}
        if subs:
            report = json.loads(subs.stdout.readline())
            subs.wait(30)
            short = [n for n in report["events"] if n != sent]
            if short:
                raise CheckFailed(f"{len(short)} of {subscribers} subscribers missed events "
                                  f"(got {min(report['events'])}..{max(report['events'])} of {sent})")
            result.update(report)
        return result
    finally:
        if subs and subs.poll() is None:
            subs.kill()
        ace.stop()


def bench_live_events(build):
    """100 subscribers while 1,000 stream events per second flow; the same load without them."""
    alone = run_once(build, 0)
    watched = run_once(build, 100)
    return {"delay_p50_ms": watched["delay_p50_ms"], "delay_p99_ms": watched["delay_p99_ms"],
            "delay_max_ms": watched["delay_max_ms"], "cpu_percent": 100 * watched["cpu"],
            "baseline_cpu_percent": 100 * alone["cpu"], "events_per_s": watched["sent"] / SECONDS}


LIVE_BENCHMARKS = {
    "live_events": {
        "title": "GET /events/live: 100 subscribers, 1,000 stream events/s",
        "run": bench_live_events,
        "figures": [
            ("delay_p50_ms", "event delay p50 ms (event time → read by a subscriber)", None, None),
            ("delay_p99_ms", "event delay p99 ms", None, "<= 50"),
            ("delay_max_ms", "event delay max ms", None, None),
            ("cpu_percent", "acepool CPU % of one core, 100 subscribers", "baseline_cpu_percent", None),
            ("baseline_cpu_percent", "acepool CPU % of one core, same events, no subscriber", None, None),
            ("events_per_s", "stream events per second", None, None),
        ],
        "notes": "acepool (no engines) takes POST /events/batch every 50 ms with 25 started and 25 "
                 "ended streams for 10 s (10,000 events on the feed) while 100 SSE subscribers, one "
                 "Python process with non-blocking sockets, read every event; the run fails unless each "
                 "subscriber got all 10,000. Delay = the subscriber's receive time minus the event's "
                 "`time` (millisecond resolution: up to 1 ms too high). The baseline is the same event "
                 "load with no subscriber, in the same run. The subscribers' process shares the 2 cores "
                 "with acepool.",
    },
}
