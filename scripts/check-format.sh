#!/usr/bin/env bash
# Fails when any C++ source differs from .clang-format (run by ctest as part of the test command).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mapfile -t files < <( (find main.cpp actors config docker http support tests \
  -name '*.cpp' -o -name '*.hpp'; ls web/*.cpp web/*.hpp) | sort)
clang-format --dry-run -Werror "${files[@]}"
# ctest splits test names at ';' and Catch reads a leading '-' as an option: both would make a
# test run nothing.
bad=$(grep -Pzo 'TEST_CASE\(\s*"(-[^"]*|[^"]*;[^"]*)"' "${files[@]}" | tr '\0' '\n' || true)
if [ -n "$bad" ]; then
  echo "test names must not contain ';' or start with '-':"
  echo "$bad"
  exit 1
fi
echo "format ok: ${#files[@]} files"
