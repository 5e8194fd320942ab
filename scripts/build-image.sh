#!/usr/bin/env bash
# Assembles the image acepool:local FROM scratch from a built acepool binary: the binary, the exact
# shared libraries ldd reports (with the dynamic loader), CA certificates, a passwd/group with the
# unprivileged user, /tmp and the /data volume — the same entrypoint, user, volume and HEALTHCHECK
# as the Dockerfile, without pulling a base image.
# Usage: scripts/build-image.sh [path/to/acepool [tag]]
#   without a binary it builds an optimised one first (build-release, Release), as operators need;
#   the tests pass the binary under test.
# Exits 77 (ctest: skipped) when no Docker daemon answers, unless CI=true (then it fails).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/lib.sh"
tag=${2:-acepool:local}
require_docker_for "$tag"
if [ $# -ge 1 ]; then
  bin=$1
else
  cmake -S "$root" -B "$root/build-release" -DCMAKE_BUILD_TYPE=Release -DACEPOOL_TESTS=OFF \
    -DACEPOOL_BENCH=OFF >/dev/null
  cmake --build "$root/build-release" -j2 --target acepool >&2
  bin="$root/build-release/acepool"
fi
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/root/usr/local/bin" "$ctx/root/etc/ssl/certs" "$ctx/root/tmp" "$ctx/data" \
  "$ctx/run-acepool"
cp "$bin" "$ctx/root/usr/local/bin/acepool"
strip "$ctx/root/usr/local/bin/acepool"
# Every library the binary needs, at the path the loader will look for it.
ldd "$bin" | awk '/=> \//{print $3} /^\t\/.*ld-linux/{print $1}' | sort -u | while read -r lib; do
  mkdir -p "$ctx/root$(dirname "$lib")"
  cp -L "$lib" "$ctx/root$lib"
done
cp -L /etc/ssl/certs/ca-certificates.crt "$ctx/root/etc/ssl/certs/"
printf 'root:x:0:0:root:/:/sbin/nologin\nacepool:x:10001:10001:acepool:/data:/sbin/nologin\n' \
  >"$ctx/root/etc/passwd"
printf 'root:x:0:\nacepool:x:10001:\n' >"$ctx/root/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$ctx/root/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$ctx/root/etc/hosts"
chmod 1777 "$ctx/root/tmp"
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY root/ /
COPY --chown=10001:10001 data/ /data/
# TAKEOVER_SOCKET's directory (a volume shared by two containers for acepool --takeover).
COPY --chown=10001:10001 run-acepool/ /run/acepool/
LABEL org.opencontainers.image.title="acepool" \
      org.opencontainers.image.description="AceStream engine pool and stream relay (local image, FROM scratch)"
ENV APP_BIND=0.0.0.0 \
    APP_PORT=8000 \
    DB_URL=sqlite:////data/acepool.db \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
VOLUME ["/data"]
EXPOSE 8000
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["/usr/local/bin/acepool", "--healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/acepool"]
DOCKERFILE
build_image "$ctx" "$tag"
