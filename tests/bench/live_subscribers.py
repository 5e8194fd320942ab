#!/usr/bin/env python3
"""N subscribers of acepool's GET /events/live on one thread (selectors), for the live-events
benchmark: prints `ready` once every subscriber has its 200 head, then reads until each has seen
EXPECTED stream events or TIMEOUT_S passes, and prints one JSON line: events per subscriber and
the delay of every event (receive time minus the event's own `time`, in ms).

Usage: live_subscribers.py PORT N EXPECTED TIMEOUT_S
"""
import calendar
import json
import selectors
import socket
import sys
import time


def event_ms(stamp, cache={}):
    """`2026-12-07T03:48:07.123Z` as Unix milliseconds (cached: many events share one)."""
    ms = cache.get(stamp)
    if ms is None:
        whole = calendar.timegm(time.strptime(stamp[:19].decode(), "%Y-%m-%dT%H:%M:%S"))
        ms = whole * 1000 + int(stamp[20:23])
        cache[stamp] = ms
    return ms


def main():
    port, n, expected, timeout = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    sel = selectors.DefaultSelector()
    subs = []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /events/live HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        s.setblocking(False)
        sub = {"sock": s, "buf": b"", "head": False, "events": 0}
        subs.append(sub)
        sel.register(s, selectors.EVENT_READ, sub)
    delays = []
    deadline = time.time() + timeout
    announced = False
    while time.time() < deadline:
        if not announced and all(x["head"] for x in subs):
            print("ready", flush=True)
            announced = True
        if announced and all(x["events"] >= expected for x in subs):
            break
        for key, _ in sel.select(0.2):
            sub = key.data
            try:
                chunk = sub["sock"].recv(1 << 18)
            except BlockingIOError:
                continue
            if not chunk:
                sel.unregister(sub["sock"])
                continue
            now_ms = time.time() * 1000
            buf = sub["buf"] + chunk
            if not sub["head"]:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    sub["buf"] = buf
                    continue
                if not buf.startswith(b"HTTP/1.1 200"):
                    raise SystemExit(f"subscriber {subs.index(sub)}: {buf[:200]!r}")
                sub["head"] = True
                buf = buf[end + 4:]
            # Chunk-size lines sit between frames; a frame's `"time":"` is enough to find it.
            at = 0
            while True:
                t = buf.find(b'"time":"', at)
                if t < 0 or t + 32 > len(buf):
                    break
                close = buf.find(b"\n\n", t)
                if close < 0:
                    break
                if b'"type":"stream.' in buf[t:close]:
                    sub["events"] += 1
                    delays.append(now_ms - event_ms(buf[t + 8:t + 32]))
                at = close + 2
            sub["buf"] = buf[at:]
    delays.sort()
    pick = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))] if delays else None
    print(json.dumps({"events": [x["events"] for x in subs], "delay_p50_ms": pick(0.5),
                      "delay_p99_ms": pick(0.99), "delay_max_ms": delays[-1] if delays else None}),
          flush=True)


if __name__ == "__main__":
    main()
