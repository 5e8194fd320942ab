# Shared by the README's commands. Idempotent; needs root for apt-get and dockerd.

# Debian 12 packages the project needs to build, test and run its demo (clang and its runtime:
# the test command's sanitizer build and libFuzzer harnesses; prometheus for promtool, which
# checks a scrape; its server is never started; python3-jsonschema checks answers against the
# orchestrator's response models; chromium renders the API explorer in the test command).
ACEPOOL_PACKAGES=(
  build-essential cmake pkg-config clang-format clang-tidy
  libcaf-dev libasio-dev libhttp-parser-dev libfmt-dev nlohmann-json3-dev
  libspdlog-dev libcurl4-openssl-dev catch2 libsqlite3-dev
  docker.io ffmpeg wrk curl ca-certificates python3 python3-yaml python3-jsonschema procps iproute2
  clang libclang-rt-14-dev prometheus chromium
)

log() { printf '[acepool] %s\n' "$*" >&2; }

# Installs the packages that are missing (apt-get only when something is missing).
install_packages() {
  local missing=()
  for p in "${ACEPOOL_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "all ${#ACEPOOL_PACKAGES[@]} Debian packages present"
    return 0
  fi
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The npm packages of web/ (swagger-ui-dist, built into the binary at /docs; the OpenAPI
# validator of the test command), exactly as web/package-lock.json pins them. Runs npm ci only
# when the lock file changed since the last install. --ignore-scripts: no package runs code at
# install time (swagger-ui-dist's dependency would report the install to its vendor).
install_web_packages() {
  local web="$root/web" stamp="$root/web/node_modules/.acepool-lock"
  if ! command -v npm >/dev/null 2>&1; then
    log "installing: nodejs npm"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  if [ -f "$stamp" ] && cmp -s "$stamp" "$web/package-lock.json"; then
    log "npm packages of web/ present"
    return 0
  fi
  log "installing the npm packages of web/ (npm ci)"
  (cd "$web" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$web/package-lock.json" "$stamp"
}

# Makes sure a Docker daemon answers; starts dockerd in the background when none runs.
# Returns non-zero when no daemon can be started.
ensure_docker() {
  if docker info >/dev/null 2>&1; then
    log "docker daemon is running"
    return 0
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    log "dockerd is not installed"
    return 1
  fi
  log "starting dockerd"
  mkdir -p /var/log
  nohup dockerd >/var/log/acepool-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && { log "docker daemon is up"; return 0; }
    sleep 1
  done
  log "dockerd did not come up; see /var/log/acepool-dockerd.log"
  return 1
}

# The image scripts' common ends. require_docker_for TAG: exit 77 (ctest: skipped) without a
# daemon, unless CI=true (then fail). build_image CONTEXT TAG: a quiet legacy build (its
# deprecation notice is noise; the output is shown only on failure), then the image size.
require_docker_for() {
  docker info >/dev/null 2>&1 && return 0
  echo "no Docker daemon: cannot build $1"
  [ "${CI:-}" = "true" ] && exit 1
  exit 77
}

build_image() {
  local out
  if ! out=$(DOCKER_BUILDKIT=0 docker build -q -t "$2" "$1" 2>&1); then
    echo "$out"
    exit 1
  fi
  echo "built $2 ($(docker image inspect -f '{{.Size}}' "$2") bytes)"
}
