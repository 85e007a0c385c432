# syntax=docker/dockerfile:1
# shiplogd container image: build in a full toolchain image, run in a slim one.
#   docker build -t shiplog .
#   docker compose up        (see docker-compose.yml)

# ---- builder -------------------------------------------------------------------------
FROM debian:bookworm-slim AS builder

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libmicrohttpd-dev libjansson-dev libpq-dev libcurl4-openssl-dev libyaml-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .

RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DSHIPLOG_TESTS=OFF \
      -DCMAKE_INSTALL_PREFIX=/usr \
 && cmake --build /build -j"$(nproc)" \
 && DESTDIR=/out cmake --install /build \
 && test -f deploy/shiplog.example.yaml \
 && install -D -m 0644 deploy/shiplog.example.yaml /out/etc/shiplog/shiplog.yaml

# ---- runtime -------------------------------------------------------------------------
FROM debian:bookworm-slim

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libmicrohttpd12 libjansson4 libpq5 libcurl4 libyaml-0-2 libssl3 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 shiplog \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/shiplog --shell /usr/sbin/nologin shiplog \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/shiplog

COPY --from=builder /out/usr/bin/shiplogd /usr/bin/shiplogd
COPY --from=builder /out/usr/bin/shiplog /usr/bin/shiplog
COPY --from=builder /out/usr/share/shiplog/web /usr/share/shiplog/web
COPY --from=builder /out/etc/shiplog/shiplog.yaml /etc/shiplog/shiplog.yaml

# /etc/shiplog/shiplog.yaml (deploy/shiplog.example.yaml) trusts no identity header, so listening
# on every interface of the container gives nobody a way to claim to be someone. The Kubernetes
# base mounts its own shiplog.yaml and sets SHIPLOG_LISTEN=127.0.0.1:8080 behind oauth2-proxy.
ENV SHIPLOG_LISTEN=0.0.0.0:8080 \
    SHIPLOG_WEB_DIR=/usr/share/shiplog/web \
    SHIPLOG_DATA_DIR=/var/lib/shiplog

USER 10001:10001
WORKDIR /var/lib/shiplog
VOLUME ["/var/lib/shiplog"]
EXPOSE 8080

HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:8080/readyz || exit 1

ENTRYPOINT ["shiplogd"]
CMD ["--config", "/etc/shiplog/shiplog.yaml"]
