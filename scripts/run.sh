#!/usr/bin/env bash
# The README's run command: installs what is missing, starts Docker, builds acepool and the
# simulator image, and runs acepool in the foreground with a small pool of simulated AceStream
# engines (TARGET_IMAGE=acepool/sim:latest). Idempotent, run as root. Ctrl-C stops it and removes
# the demo's engines (--cleanup-on-exit).
#   scripts/run.sh --upgrade   (in another terminal) rebuilds acepool and upgrades the running
#                              demo in place: its streams and viewers move to the new binary
#                              without a break (SIGUSR2, docs/operations.md "Upgrades without
#                              dropping viewers").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/lib.sh"
cd "$root"
build="$root/build-demo"
pidfile="$build/acepool.pid"

if [ "${1:-}" = "--upgrade" ]; then
  old=$(cat "$pidfile" 2>/dev/null || true)
  if [ -z "$old" ] || ! kill -0 "$old" 2>/dev/null; then
    log "no demo is running (start one with scripts/run.sh)"
    exit 1
  fi
  cmake --build "$build" -j2 --target acepool
  kill -USR2 "$old"
  new=""
  for _ in $(seq 1 120); do
    candidate=$(pgrep -n -f "^$build/acepool .*--takeover" || true)
    if [ -n "$candidate" ] && [ "$candidate" != "$old" ]; then
      new=$candidate
      echo "$new" >"$pidfile"  # the first run.sh follows it from now on
    fi
    [ -n "$new" ] && ! kill -0 "$old" 2>/dev/null && break
    sleep 0.25
  done
  if kill -0 "$old" 2>/dev/null || [ -z "$new" ] || ! kill -0 "$new" 2>/dev/null; then
    echo "$old" >"$pidfile"
    log "the upgrade did not happen: the running demo keeps serving (see its log)"
    exit 1
  fi
  log "upgraded: acepool $new serves the demo's streams and viewers now"
  exit 0
fi

install_packages
install_web_packages
ensure_docker || { log "the demo needs a Docker daemon"; exit 1; }
# An optimised product build of its own (the test build keeps assertions on and -O0); only the
# two programs the demo runs are built.
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DACEPOOL_TESTS=ON >/dev/null
cmake --build "$build" -j2 --target acepool acepool-sim
"$root/tests/sim/build-image.sh" "$build/tests/sim/acepool-sim" >&2

port=${APP_PORT:-8000}
export APP_PORT=$port
# The demo's API listens on this host only (write routes need API_KEY from anywhere else).
export APP_BIND=${APP_BIND:-127.0.0.1}
export TARGET_IMAGE=acepool/sim:latest
export MIN_REPLICAS=${MIN_REPLICAS:-2}
# Its own label, so the demo never adopts or removes engines that belong to a real deployment.
export CONTAINER_LABEL=${CONTAINER_LABEL:-acepool.demo=true}
export DB_URL=${DB_URL:-sqlite:///$build/acepool-demo.db}
export LOG_FORMAT=${LOG_FORMAT:-text}
# scripts/run.sh --upgrade hands everything to a new binary through this socket.
export TAKEOVER_SOCKET=${TAKEOVER_SOCKET:-$build/takeover.sock}

"$build/acepool" --cleanup-on-exit &
pid=$!
echo "$pid" >"$pidfile"
# The pid file names whoever serves now (an upgrade replaces it).
stop_demo() {
  local current
  current=$(cat "$pidfile" 2>/dev/null || echo "$pid")
  kill -TERM "$current" 2>/dev/null || true
  while kill -0 "$current" 2>/dev/null; do sleep 0.2; done
  exit 0
}
trap stop_demo INT TERM
base="http://127.0.0.1:$port"
engines=0
for _ in $(seq 1 60); do
  engines=$(curl -s "$base/engines" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null || echo 0)
  [ "$engines" -ge "$MIN_REPLICAS" ] && break
  kill -0 $pid 2>/dev/null || exit 1
  sleep 1
done
cat <<MSG

acepool demo: $engines simulated engines ready on $base (bound to $APP_BIND only)
  ffplay "$base/ace/getstream?id=demo"         # a stream through the relay (or VLC, ffprobe)
  curl "$base/ace/status"                       # relays and their clients
  curl $base/streams
  curl $base/engines
  curl $base/orchestrator/status
  curl $base/health/ready
  curl $base/debug/actors
  curl $base/metrics
  $base/panel                                   # the panel, in a browser
  $base/docs                                    # the API explorer, in a browser
  curl -X POST $base/provision/acestream        # one more engine, answered when ready
  curl -X POST $base/scale/4                    # grow or shrink the pool
MSG
printf '\nCtrl-C stops acepool and removes the demo engines; scripts/run.sh --upgrade upgrades it in place.\n\n'
# Until whoever serves (this acepool, or after an upgrade its successor) ends. When it is gone,
# an upgrade under way names its successor in the pid file within moments.
serving=$pid
while true; do
  if kill -0 "$serving" 2>/dev/null; then
    sleep 1
    continue
  fi
  next=""
  for _ in $(seq 1 40); do
    next=$(cat "$pidfile" 2>/dev/null || true)
    if [ -n "$next" ] && [ "$next" != "$serving" ] && kill -0 "$next" 2>/dev/null; then break; fi
    next=""
    sleep 0.25
  done
  [ -z "$next" ] && break
  serving=$next
done
