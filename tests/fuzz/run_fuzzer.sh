#!/usr/bin/env bash
# Runs one libFuzzer harness for a bounded time (ctest's "fuzz: <name>" tests): first every input
# in tests/fuzz/corpus/<name>/ (seeds and earlier crashers, so a fixed crash stays fixed), then
# new inputs for SECONDS. A crash fails the test and leaves the input in the build directory.
# Usage: run_fuzzer.sh path/to/fuzz_<name> <name> <seconds>
set -euo pipefail
bin=${1:?binary} name=${2:?name} seconds=${3:?seconds}
root=$(cd "$(dirname "$0")/../.." && pwd)
seeds="$root/tests/fuzz/corpus/$name"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts="$(dirname "$bin")/crashes/$name"
mkdir -p "$artifacts"
# -max_len: bodies and heads of a few KiB reach every branch; -rss_limit_mb: a leak or a
# runaway allocation fails instead of swapping; -timeout: one input may not hang.
log="$work/fuzz.log"
set +e
"$bin" "$work" "$seeds" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1
rc=$?
set -e
if [ $rc -ne 0 ]; then
  tail -80 "$log"
  echo "fuzz: $name failed (exit $rc); the input is in $artifacts"
  exit 1
fi
grep -E "stat::number_of_executed_units|INITED|DONE" "$log" | tail -3
