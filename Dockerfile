# acepool for operators: one container that drives the host's Docker daemon.
#
#   docker build -t acepool:latest .
#   docker run -d --name acepool --network host --group-add "$(stat -c %g /var/run/docker.sock)" \
#     -v /var/run/docker.sock:/var/run/docker.sock -v acepool-data:/data --env-file acepool.env \
#     acepool:latest
#
# Building needs a registry that serves debian:12 (the project's own test machines have none:
# there, scripts/build-image.sh assembles the equivalent acepool:local FROM scratch). The runtime
# package list below is checked by tests/packaging/check_dockerfile.py against the libraries the
# binary links.

FROM debian:12 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libcaf-dev libasio-dev libhttp-parser-dev libfmt-dev nlohmann-json3-dev \
      libspdlog-dev libcurl4-openssl-dev libsqlite3-dev npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The API explorer's files (swagger-ui-dist) are built into the binary: pinned by the lock file,
# no install scripts run.
RUN cd web && npm ci --ignore-scripts --no-audit --no-fund
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DACEPOOL_PCH=OFF -DACEPOOL_TESTS=OFF \
      -DACEPOOL_BENCH=OFF \
 && cmake --build /build -j"$(nproc)" --target acepool \
 && strip /build/acepool

FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates \
      libcaf-core0.17 libcurl4 libfmt9 libhttp-parser2.9 libspdlog1.10 libsqlite3-0 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin acepool \
 && mkdir /data /run/acepool \
 && chown acepool /data /run/acepool
COPY --from=build /build/acepool /usr/local/bin/acepool
LABEL org.opencontainers.image.title="acepool" \
      org.opencontainers.image.description="AceStream engine pool and stream relay over the Docker Engine API"
ENV APP_BIND=0.0.0.0 \
    APP_PORT=8000 \
    DB_URL=sqlite:////data/acepool.db
VOLUME ["/data"]
EXPOSE 8000
# The Docker socket belongs to a host group whose id varies: add it with --group-add.
USER acepool
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["/usr/local/bin/acepool", "--healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/acepool"]
