#!/usr/bin/env bash
# Fails when any C++ source differs from .clang-format (run by ctest as part of the test command).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mapfile -t files < <(find main.cpp actors config docker http support tests \
  -name '*.cpp' -o -name '*.hpp' | sort)
clang-format --dry-run -Werror "${files[@]}"
echo "format ok: ${#files[@]} files"
