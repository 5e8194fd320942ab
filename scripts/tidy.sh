#!/usr/bin/env bash
# clang-tidy over every source outside tests/ with the repository's .clang-tidy (bugprone-*,
# easily swappable parameters included, and performance-*), every finding an error. A ctest test
# of the test command. It makes its own compile database in DIR (default build-tidy): without
# precompiled headers (clang cannot read GCC's) and without a unity build (one entry per file).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
db=${1:-$root/build-tidy}
cmake -S "$root" -B "$db" -DACEPOOL_PCH=OFF -DCMAKE_UNITY_BUILD=OFF \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DACEPOOL_BENCH=OFF -DACEPOOL_TESTS=OFF \
  -DACEPOOL_SANITIZE=OFF -DACEPOOL_FUZZ=OFF >/dev/null
cd "$root"
mapfile -t files < <(git ls-files -- main.cpp 'actors/*.cpp' 'config/*.cpp' 'docker/*.cpp' \
  'http/*.cpp' 'support/*.cpp' 'takeover/*.cpp' 'web/*.cpp' 2>/dev/null ||
  (find main.cpp actors config docker http support takeover -name '*.cpp'; ls web/*.cpp) | sort)
set +e
printf '%s\n' "${files[@]}" | xargs -P2 -n4 clang-tidy -p "$db" --quiet >"$db/tidy.log" 2>&1
status=$?
set -e
findings=$(grep -E '(warning|error): ' "$db/tidy.log" | sort -u || true)
if [ $status -ne 0 ] || [ -n "$findings" ]; then
  echo "$findings"
  [ -z "$findings" ] && tail -20 "$db/tidy.log"  # clang-tidy itself failed
  echo "clang-tidy: $(printf '%s' "$findings" | grep -c . || true) findings (full output: $db/tidy.log)"
  exit 1
fi
echo "clang-tidy ok: ${#files[@]} files"
