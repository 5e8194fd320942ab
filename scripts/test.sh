#!/usr/bin/env bash
# The README's test command: installs missing Debian packages, makes sure a Docker daemon runs,
# builds everything in a fresh build directory and runs every test with ctest (formatting
# included), ending with ctest's summary line. Idempotent, no arguments, run as root.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/lib.sh"
cd "$root"
t0=$(date +%s)

install_packages
# Docker tests skip (ctest exit code 77) without a daemon, or fail when CI=true (testing.md).
ensure_docker || log "no Docker daemon: docker and e2e tests will skip (or fail under CI=true)"

# Like a fresh machine: no image or container an earlier run left is reused (the tests build
# acepool/sim:latest and acepool:local themselves).
if docker info >/dev/null 2>&1; then
  leftovers=$(docker ps -aq --filter label=acepool.test.run)
  [ -n "$leftovers" ] && docker rm -f $leftovers >/dev/null
  docker image rm -f acepool/sim:latest acepool:local >/dev/null 2>&1 || true
  log "removed earlier test images and containers"
fi

build="$root/build-test"
rm -rf "$build"
# A clean build: unity (35% faster from scratch) and no precompiled headers.
cmake -S "$root" -B "$build" -DCMAKE_UNITY_BUILD=ON -DACEPOOL_PCH=OFF >/dev/null
set +e
cmake --build "$build" -j2 > "$build/build.log" 2>&1
built=$?
set -e
grep -E "error|warning" "$build/build.log" || true
if [ $built -ne 0 ]; then
  log "build failed (full log: $build/build.log)"
  tail -40 "$build/build.log"
  exit 1
fi
t1=$(date +%s)
log "clean build took $((t1 - t0)) s"

cd "$build"
# ctest's own summary ("100% tests passed ..." and "Total Test time") is the last output.
exec ctest --output-on-failure -j2
