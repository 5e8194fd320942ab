#!/usr/bin/env bash
# Builds acepool in Release (-O2) and runs the benchmarks; writes docs/benchmarks.md.
# Usage: scripts/bench.sh [--only NAME] [--runs N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/lib.sh"
install_packages
install_web_packages
cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DACEPOOL_PCH=ON >/dev/null
cmake --build "$root/build-bench" -j2 --target acepool acepool-load acepool-hls-load acepool-fanout-baseline acepool-sim
exec python3 "$root/tests/bench/run_benchmarks.py" --build-dir "$root/build-bench" "$@"
