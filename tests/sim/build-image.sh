#!/usr/bin/env bash
# Builds the local image acepool/sim:latest FROM scratch from the statically linked simulator.
# Usage: tests/sim/build-image.sh path/to/acepool-sim [tag]
# Exits 77 (ctest: skipped) when no Docker daemon answers, unless CI=true (then it fails).
set -euo pipefail
bin=${1:?usage: build-image.sh path/to/acepool-sim [tag]}
tag=${2:-acepool/sim:latest}
source "$(dirname "$0")/../../scripts/lib.sh"
require_docker_for "$tag"
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp "$bin" "$ctx/acepool-sim"
strip "$ctx/acepool-sim"
cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY acepool-sim /acepool-sim
EXPOSE 6878
LABEL org.opencontainers.image.title="acepool-sim" \
      org.opencontainers.image.description="AceStream engine / Gluetun simulator for acepool tests and demo"
ENTRYPOINT ["/acepool-sim"]
CMD ["engine"]
DOCKERFILE
build_image "$ctx" "$tag"
