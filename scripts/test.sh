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
install_web_packages
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
checked="$root/build-checked"
rm -rf "$build" "$checked"

# build DIR TARGET...: a quiet build; its warnings and errors shown, the tail of the log on failure.
build() {
  local dir=$1
  shift
  set +e
  cmake --build "$dir" -j2 "$@" > "$dir/build.log" 2>&1
  local built=$?
  set -e
  grep -E "error|warning" "$dir/build.log" || true
  if [ $built -ne 0 ]; then
    log "build failed (full log: $dir/build.log)"
    tail -40 "$dir/build.log"
    exit 1
  fi
}

# The test build: clean, unity (35% faster from scratch), no precompiled headers, assertions on.
# Its ctest also runs the checked build's tests and fuzzers.
cmake -S "$root" -B "$build" -DCMAKE_UNITY_BUILD=ON -DACEPOOL_PCH=OFF \
  -DACEPOOL_CHECKED_BUILD_DIR="$checked" >/dev/null
build "$build"
t1=$(date +%s)
log "clean build took $((t1 - t0)) s"

# The checked build: clang with AddressSanitizer and UndefinedBehaviorSanitizer, the unit and
# component tests, acepool itself (the component tests run it) and the libFuzzer harnesses.
CC=clang CXX=clang++ cmake -S "$root" -B "$checked" -DCMAKE_UNITY_BUILD=ON -DACEPOOL_PCH=OFF \
  -DACEPOOL_SANITIZE=ON -DACEPOOL_FUZZ=ON -DACEPOOL_BENCH=OFF >/dev/null
build "$checked" --target unit_tests component_tests acepool acepool-sim acepool_fuzzers
t2=$(date +%s)
log "checked (ASan, UBSan, fuzzers) build took $((t2 - t1)) s"

cd "$build"
# ctest's own summary ("100% tests passed ..." and "Total Test time") is the last output.
exec ctest --output-on-failure -j2
