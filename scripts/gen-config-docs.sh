#!/usr/bin/env bash
# Regenerates docs/configuration.md and config/example.env from the code (a unit test checks
# that the committed files match). Usage: scripts/gen-config-docs.sh [path/to/acepool]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/acepool}
"$bin" --print-config-reference=markdown > "$root/docs/configuration.md"
"$bin" --print-config-reference=env > "$root/config/example.env"
echo "regenerated docs/configuration.md and config/example.env"
