#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and runs acepool in the
# foreground as a demo. Idempotent, no arguments, run as root. Ctrl-C stops it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/lib.sh"
cd "$root"

install_packages
ensure_docker || log "no Docker daemon: acepool serves and reports Docker as unreachable"
cmake -S "$root" -B "$root/build" -DACEPOOL_TESTS=OFF >/dev/null
cmake --build "$root/build" -j2 --target acepool

port=${APP_PORT:-8000}
export APP_PORT=$port
export DB_URL=${DB_URL:-sqlite:///$root/build/acepool-demo.db}
export LOG_FORMAT=${LOG_FORMAT:-text}
cat <<MSG

acepool demo on http://127.0.0.1:$port — try:
  curl http://127.0.0.1:$port/health
  curl http://127.0.0.1:$port/health/ready
  curl http://127.0.0.1:$port/debug/actors
  curl http://127.0.0.1:$port/metrics
Ctrl-C stops it.

MSG
exec "$root/build/acepool" --cleanup-on-exit
