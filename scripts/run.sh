#!/usr/bin/env bash
# `make run`: install what is missing, build, start a private PostgreSQL (kept between runs)
# and run shiplogd in the foreground. Ctrl-C stops shiplogd; the database stays for next time.
#
# Environment:
#   DATABASE_URL           use this database instead of the private cluster
#   PORT                   HTTP port (default 8080, or a free one if 8080 is busy)
#   SHIPLOG_LISTEN         host:port, overrides PORT entirely
#   SHIPLOG_ADMIN_TOKEN    admin token (default: generated once, kept in the state dir)
#   SHIPLOG_SESSION_SECRET session secret (default: generated once, kept in the state dir)
#   SHIPLOG_STATE_DIR      where the PostgreSQL cluster, the secrets, the log and the data live
#                          (default /var/tmp/shiplog-<checkout>-<hash>; as root it must be a
#                          path the postgres user can reach, so not under /root)
#   SHIPLOG_BASE_URL       public URL for links (default: the URL it prints)
#   SHIPLOG_WEB_DIR        the dashboard (default: this checkout's web/)
#   JOBS                   build parallelism (default: nproc)
set -euo pipefail

if [[ -n "${SHIPLOG_STATE_DIR:-}" && "$SHIPLOG_STATE_DIR" != /* ]]; then
	SHIPLOG_STATE_DIR="$PWD/$SHIPLOG_STATE_DIR"
fi
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# When started from make, don't let its flags/jobserver leak into the CMake-generated build.
unset MAKEFLAGS MFLAGS MAKELEVEL

log() { echo "run.sh: $*" >&2; }
die() { echo "run.sh: error: $*" >&2; exit 1; }

JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
STATE_DIR=${SHIPLOG_STATE_DIR:-"/var/tmp/shiplog-$(basename "$ROOT")-$(printf '%s' "$ROOT" | sha256sum | cut -c1-8)"}
PG_DIR="$STATE_DIR/pg"
CONFIG="$ROOT/deploy/shiplog.example.yaml"

# 1. dependencies
bash scripts/deps.sh --node # node: the demo data loader

# 2. build (the server and the CLI; `make test` builds the rest)
log "building (build/, RelWithDebInfo)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHIPLOG_WERROR=ON >/dev/null
cmake --build build -j "$JOBS" --target shiplogd shiplog-cli
[[ -x build/shiplogd ]] || die "build/shiplogd was not built"

mkdir -p "$STATE_DIR"
chmod 0755 "$STATE_DIR" # the postgres user must be able to enter it to reach pg/

# secret NAME FILE: $NAME from the environment, else the value stored in FILE, else a new one.
secret() {
	local name=$1 file="$STATE_DIR/$2"
	if [[ -n "${!name:-}" ]]; then
		printf '%s' "${!name}"
	elif [[ -s "$file" ]]; then
		cat "$file"
	else
		(umask 077 && openssl rand -hex 32 | tr -d '\n' >"$file")
		cat "$file"
	fi
}

port_free() {
	python3 - "$1" <<'EOF' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
}

free_port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# 3. database
if [[ -n "${DATABASE_URL:-}" ]]; then
	DB_URL=$DATABASE_URL
	log "using DATABASE_URL from the environment"
else
	BASE_URL=$(bash scripts/pg.sh start "$PG_DIR")
	if [[ -z "$(psql "$BASE_URL" -XtAc "SELECT 1 FROM pg_database WHERE datname = 'shiplog'")" ]]; then
		log "creating database shiplog"
		psql "$BASE_URL" -X -v ON_ERROR_STOP=1 -qc 'CREATE DATABASE shiplog'
	fi
	DB_URL="${BASE_URL%/*}/shiplog"
fi

# 4. listen address
if [[ -n "${SHIPLOG_LISTEN:-}" ]]; then
	LISTEN=$SHIPLOG_LISTEN
elif [[ -n "${PORT:-}" ]]; then
	LISTEN="127.0.0.1:$PORT"
elif port_free 8080; then
	LISTEN="127.0.0.1:8080"
else
	LISTEN="127.0.0.1:$(free_port)"
	log "port 8080 is busy; using ${LISTEN##*:}"
fi
HOST=${LISTEN%:*}
case "$HOST" in
"" | 0.0.0.0 | "[::]" | "*") HOST=127.0.0.1 ;;
esac
URL="http://$HOST:${LISTEN##*:}"
# The example config is written for a deployment: its base_url (links, the OpenAPI servers,
# Secure cookies) and its web_dir (where the image installs web/) are not this checkout's.
PUBLIC_URL=${SHIPLOG_BASE_URL:-$URL}
WEB_DIR=${SHIPLOG_WEB_DIR:-$ROOT/web}

ADMIN_TOKEN=$(secret SHIPLOG_ADMIN_TOKEN admin_token)
SESSION_SECRET=$(secret SHIPLOG_SESSION_SECRET session_secret)
# Webhook secrets: configure the same values in GitHub and in Flux's Provider.
GITHUB_SECRET=$(secret SHIPLOG_GITHUB_WEBHOOK_SECRET github_webhook_secret)
FLUX_SECRET=$(secret SHIPLOG_FLUX_WEBHOOK_SECRET flux_webhook_secret)
# The example config trusts no SSO header and names no `_env` secret variable: a variable it
# named would have to be set here, or shiplogd would refuse to start.

ARGS=()
if [[ -f "$CONFIG" ]]; then
	ARGS=(--config "$CONFIG")
fi

# 5. shiplogd in the background (its output goes to the terminal and to the state dir log)
SERVER_LOG="$STATE_DIR/shiplogd.log"
log "starting shiplogd on $LISTEN (log also in $SERVER_LOG)"
: >"$SERVER_LOG"
mkdir -p "${SHIPLOG_DATA_DIR:-$STATE_DIR/data}"
# tee ignores SIGINT so that Ctrl-C cannot leave shiplogd writing into a closed pipe.
DATABASE_URL=$DB_URL \
	SHIPLOG_LISTEN=$LISTEN \
	SHIPLOG_ADMIN_TOKEN=$ADMIN_TOKEN \
	SHIPLOG_SESSION_SECRET=$SESSION_SECRET \
	SHIPLOG_GITHUB_WEBHOOK_SECRET=$GITHUB_SECRET \
	SHIPLOG_FLUX_WEBHOOK_SECRET=$FLUX_SECRET \
	SHIPLOG_DATA_DIR=${SHIPLOG_DATA_DIR:-$STATE_DIR/data} \
	SHIPLOG_BASE_URL=$PUBLIC_URL \
	SHIPLOG_WEB_DIR=$WEB_DIR \
	"$ROOT/build/shiplogd" "${ARGS[@]}" > >(trap '' INT; exec tee -a "$SERVER_LOG") 2>&1 &
PID=$!

# shellcheck disable=SC2317 # called from a trap
stop_server() {
	if kill -0 "$PID" 2>/dev/null; then
		log "stopping shiplogd (pid $PID)"
		kill -TERM "$PID" 2>/dev/null || true
	fi
}
trap stop_server INT TERM HUP
trap 'kill -TERM "$PID" 2>/dev/null || true' EXIT

ready=0
for _ in $(seq 1 300); do
	if curl -fsS -o /dev/null --max-time 2 "$URL/readyz" 2>/dev/null; then
		ready=1
		break
	fi
	if ! kill -0 "$PID" 2>/dev/null; then
		rc=0
		wait "$PID" || rc=$?
		die "shiplogd exited during start-up (exit $rc); see $SERVER_LOG"
	fi
	sleep 0.2
done
[[ $ready -eq 1 ]] || die "shiplogd did not answer $URL/readyz within 60 s; see $SERVER_LOG"

# 6. demo data (optional)
if [[ -x scripts/demo-data.sh ]]; then
	log "loading demo data (scripts/demo-data.sh)"
	SHIPLOG_URL=$URL SHIPLOG_ADMIN_TOKEN=$ADMIN_TOKEN DATABASE_URL=$DB_URL \
		SHIPLOG_GITHUB_WEBHOOK_SECRET=$GITHUB_SECRET SHIPLOG_FLUX_WEBHOOK_SECRET=$FLUX_SECRET \
		DEMO_DATA_LOG="$STATE_DIR/demo-data.json" \
		scripts/demo-data.sh ||
		log "warning: scripts/demo-data.sh failed; continuing"
fi

# 7. banner
cat <<EOF

  ============================================================================
   shiplog is running

     URL:          $URL/
     admin token:  $ADMIN_TOKEN
     GitHub webhook secret: $GITHUB_SECRET  (POST $URL/webhooks/github)
     Flux webhook secret:   $FLUX_SECRET  (POST $URL/webhooks/flux)
     database:     $DB_URL
     state dir:    $STATE_DIR
     server log:   $SERVER_LOG

   Press Ctrl-C to stop shiplogd (the database is kept for the next run).
  ============================================================================

EOF

# 8. foreground: wait for shiplogd; a trapped signal interrupts `wait`, so loop until it is gone.
rc=0
while kill -0 "$PID" 2>/dev/null; do
	rc=0
	wait "$PID" || rc=$?
done
trap - EXIT
log "shiplogd exited (status $rc)"
# 143 = terminated by our SIGTERM after Ctrl-C: a normal stop.
[[ $rc -eq 143 ]] && rc=0
exit "$rc"
