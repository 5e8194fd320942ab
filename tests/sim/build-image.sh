#!/usr/bin/env bash
# Builds the local image acepool/sim:latest FROM scratch from the statically linked simulator.
# Usage: tests/sim/build-image.sh path/to/acepool-sim [tag]
# Exits 77 (ctest: skipped) when no Docker daemon answers, unless CI=true (then it fails).
set -euo pipefail
bin=${1:?usage: build-image.sh path/to/acepool-sim [tag]}
tag=${2:-acepool/sim:latest}
if ! docker info >/dev/null 2>&1; then
  echo "no Docker daemon: cannot build $tag"
  [ "${CI:-}" = "true" ] && exit 1
  exit 77
fi
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
# The legacy builder's deprecation notice is noise; show the output only when the build fails.
if ! out=$(DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$ctx" 2>&1); then
  echo "$out"
  exit 1
fi
size=$(docker image inspect -f '{{.Size}}' "$tag")
echo "built $tag ($size bytes)"
