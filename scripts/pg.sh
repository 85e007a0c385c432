#!/usr/bin/env bash
# Private, throwaway-friendly PostgreSQL clusters.
#
#   scripts/pg.sh start   DIR [PORT]   create (first time) and start; prints the URL on stdout
#   scripts/pg.sh stop    DIR          fast shutdown (no-op when not running)
#   scripts/pg.sh status  DIR          prints running/stopped/absent; exit 0 only when running
#   scripts/pg.sh url     DIR          prints postgresql://postgres@127.0.0.1:PORT/postgres
#   scripts/pg.sh destroy DIR          stop and remove DIR
#
# Layout of DIR:  data/ (PGDATA)  port  postgres.log  initdb.log  sock/ (if the path is short)
#
# Only stdout output is the URL (start, url) or the status word; everything else goes to stderr.
# As root, initdb/pg_ctl run as the "postgres" user, so DIR must be reachable by that user
# (use /var/tmp/..., not a checkout under /root).
set -euo pipefail

PROG=pg.sh
die() { echo "$PROG: error: $*" >&2; exit 1; }
log() { echo "$PROG: $*" >&2; }

usage() {
	sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# --- PostgreSQL binaries ---------------------------------------------------------------
find_bindir() {
	local d
	if [[ -n "${SHIPLOG_PG_BINDIR:-}" ]]; then
		echo "$SHIPLOG_PG_BINDIR"; return
	fi
	if [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
		echo /usr/lib/postgresql/15/bin; return
	fi
	if command -v pg_config >/dev/null 2>&1; then
		d=$(pg_config --bindir 2>/dev/null || true)
		if [[ -n "$d" && -x "$d/initdb" ]]; then echo "$d"; return; fi
	fi
	d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1)
	if [[ -n "$d" && -x "$d/initdb" ]]; then echo "$d"; return; fi
	die "PostgreSQL server binaries not found (install postgresql-15: scripts/deps.sh)"
}

# --- run as the cluster owner ----------------------------------------------------------
# Root cannot run initdb/postgres; use the postgres system user. Otherwise run as ourselves.
RUN_AS=()
setup_user() {
	if [[ $(id -u) -eq 0 ]]; then
		id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user (install postgresql-15)"
		if command -v runuser >/dev/null 2>&1; then
			RUN_AS=(runuser -u postgres --)
		else
			# shellcheck disable=SC2016 # expanded by the inner shell
			RUN_AS=(su postgres -s /bin/sh -c '"$0" "$@"')
		fi
	fi
}
# pg_cmd CMD ARGS...  — run a PostgreSQL binary as the owner, from a directory it can enter.
pg_cmd() {
	# 9>&-: the postmaster must not inherit our lock descriptor (it would hold the lock forever).
	(cd "$DIR" && LC_ALL=C LANG=C "${RUN_AS[@]}" "$BINDIR/$1" "${@:2}" 9>&-)
}

# --- ports -----------------------------------------------------------------------------
have_python() { command -v python3 >/dev/null 2>&1 && python3 -c '' >/dev/null 2>&1; }

# port_free PORT → 0 if nothing listens on / can't bind 127.0.0.1:PORT
port_free() {
	local p=$1
	if have_python; then
		python3 - "$p" <<'EOF' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
# as PostgreSQL does: a port whose old connections linger in TIME_WAIT is free
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
		return
	fi
	if command -v ss >/dev/null 2>&1; then
		[[ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]]
		return
	fi
	! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null
}

pick_port() {
	local p
	if have_python; then
		p=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || true)
		if [[ -n "$p" ]]; then echo "$p"; return; fi
	fi
	for _ in $(seq 1 200); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		if port_free "$p"; then echo "$p"; return; fi
	done
	die "could not find a free TCP port"
}

# --- paths -----------------------------------------------------------------------------
set_dir() {
	[[ -n "${1:-}" ]] || usage
	DIR=$1
	[[ "$DIR" == /* ]] || DIR="$(pwd)/$DIR"
	DIR=${DIR%/}
	[[ -n "$DIR" && "$DIR" != "/" ]] || die "refusing to use / as cluster directory"
	PGDATA_DIR="$DIR/data"
	PORT_FILE="$DIR/port"
	LOG_FILE="$DIR/postgres.log"
}

# Socket directory: DIR/sock when the socket path fits in sun_path (~107 bytes), else a short
# per-cluster directory under /tmp.
sock_dir() {
	local d="$DIR/sock"
	if (( ${#d} + 16 < 100 )); then
		echo "$d"
	else
		echo "/tmp/shiplog-pg-$(printf '%s' "$DIR" | sha256sum | cut -c1-12)"
	fi
}

is_running() {
	local pid
	[[ -f "$PGDATA_DIR/PG_VERSION" ]] || return 1
	pg_cmd pg_ctl status -D "$PGDATA_DIR" >/dev/null 2>&1 || return 1
	# A postmaster killed with SIGKILL stays a zombie until reaped, and pg_ctl counts it as
	# running; give the reaper a moment and treat a zombie as not running.
	pid=$(head -n1 "$PGDATA_DIR/postmaster.pid" 2>/dev/null || true)
	[[ "$pid" =~ ^[0-9]+$ ]] || return 0
	for _ in $(seq 1 25); do
		[[ "$(ps -o stat= -p "$pid" 2>/dev/null)" == Z* ]] || break
		sleep 0.2
	done
	if [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" == Z* ]]; then
		return 1
	fi
	pg_cmd pg_ctl status -D "$PGDATA_DIR" >/dev/null 2>&1
}

# Port of the running postmaster (line 4 of postmaster.pid), else the remembered one.
current_port() {
	local p=""
	if [[ -f "$PGDATA_DIR/postmaster.pid" ]] && is_running; then
		p=$(sed -n 4p "$PGDATA_DIR/postmaster.pid" 2>/dev/null || true)
	fi
	if [[ -z "$p" && -f "$PORT_FILE" ]]; then
		p=$(<"$PORT_FILE")
	fi
	echo "$p"
}

url_for() { echo "postgresql://postgres@127.0.0.1:$1/postgres"; }

lock() {
	if command -v flock >/dev/null 2>&1; then
		exec 9>"$DIR/.lock"
		flock -w 120 9 || die "timed out waiting for lock on $DIR/.lock"
	fi
}

# --- commands --------------------------------------------------------------------------
ensure_dir() {
	mkdir -p "$DIR"
	if [[ $(id -u) -eq 0 ]]; then
		# Some containers and chroots have a root directory of mode 0700, which
		# no other user can traverse; postgres must reach its data directory.
		if (($((8#$(stat -c %a /) & 1)) == 0)); then
			log "note: / is not traversable by other users; adding o+x so postgres can reach $DIR"
			chmod o+x /
		fi
		chown postgres: "$DIR"
		chmod 0700 "$DIR"
		runuser -u postgres -- test -w "$DIR" 2>/dev/null ||
			die "user postgres cannot write $DIR (put the cluster under /var/tmp, not under /root)"
	fi
}

init_cluster() {
	local locale=C
	if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then locale=C.UTF-8; fi
	log "initdb $PGDATA_DIR (locale $locale)"
	if ! pg_cmd initdb -D "$PGDATA_DIR" -A trust --auth-local=trust -U postgres -E UTF8 \
		--locale="$locale" --no-instructions >"$DIR/initdb.log" 2>&1; then
		cat "$DIR/initdb.log" >&2
		rm -rf "$PGDATA_DIR"
		die "initdb failed"
	fi
	# Static settings; port and socket directory are passed at start time.
	cat >>"$PGDATA_DIR/postgresql.conf" <<'EOF'

# --- shiplog private cluster (scripts/pg.sh) ---
listen_addresses = '127.0.0.1'
max_connections = 200
shared_buffers = 128MB
fsync = on
synchronous_commit = on
full_page_writes = on
# Checkpoints every 30 s keep little unwritten at any time, so a shutdown's checkpoint and the
# crash recovery after an immediate stop stay short even on a machine busy with other I/O
# (the outage tests stop and start the cluster; under load the default 5 minutes of dirty
# pages made the fast shutdown overrun its 60 s and the recovery its 2 minutes).
checkpoint_timeout = 30s
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
log_min_messages = warning
log_min_error_statement = error
timezone = 'UTC'
EOF
}

cmd_start() {
	local want_port=${1:-} port sdir ready=0
	if [[ -n "$want_port" ]] && ! [[ "$want_port" =~ ^[0-9]+$ && "$want_port" -ge 1 && "$want_port" -le 65535 ]]; then
		die "invalid port: $want_port"
	fi
	ensure_dir
	lock

	if is_running; then
		port=$(current_port)
		if [[ -n "$want_port" && "$want_port" != "$port" ]]; then
			log "warning: cluster in $DIR already running on port $port (ignoring requested $want_port)"
		else
			log "cluster in $DIR already running on port $port"
		fi
		url_for "$port"
		return 0
	fi

	if [[ -n "$want_port" ]]; then
		port=$want_port
		port_free "$port" || die "port $port on 127.0.0.1 is already in use"
	elif [[ -s "$PORT_FILE" ]]; then
		port=$(<"$PORT_FILE")
		if ! port_free "$port"; then
			log "warning: remembered port $port is taken by another process; picking a new one"
			port=$(pick_port)
		fi
	else
		port=$(pick_port)
	fi
	[[ -f "$PGDATA_DIR/PG_VERSION" ]] || init_cluster
	echo "$port" >"$PORT_FILE"

	sdir=$(sock_dir)
	mkdir -p "$sdir"
	[[ $(id -u) -eq 0 ]] && chown postgres: "$sdir"
	chmod 0700 "$sdir"

	# pg_ctl -l needs a log file the owner can write.
	[[ $(id -u) -eq 0 && -e "$LOG_FILE" ]] && chown postgres: "$LOG_FILE"

	log "starting PostgreSQL on 127.0.0.1:$port (socket dir $sdir, log $LOG_FILE)"
	# A start on a busy machine (a stress run, CI beside other work) can take well over the
	# default 30 s: wait up to 2 minutes, as for the readiness check below.
	if ! pg_cmd pg_ctl start -D "$PGDATA_DIR" -l "$LOG_FILE" -w -t 120 -s \
		-o "-c port=$port -c unix_socket_directories='$sdir'" >&2; then
		log "pg_ctl start failed; last lines of $LOG_FILE:"
		tail -n 30 "$LOG_FILE" >&2 2>/dev/null || true
		exit 1
	fi

	for _ in $(seq 1 600); do
		if "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -t 1; then
			ready=1; break
		fi
		sleep 0.2
	done
	if [[ $ready -ne 1 ]]; then
		tail -n 30 "$LOG_FILE" >&2 2>/dev/null || true
		die "PostgreSQL did not become ready on 127.0.0.1:$port within 2 minutes"
	fi
	url_for "$port"
}

cmd_stop() {
	[[ -d "$DIR" ]] || { log "no cluster in $DIR"; return 0; }
	if ! is_running; then
		log "cluster in $DIR is not running"
		return 0
	fi
	log "stopping PostgreSQL in $DIR"
	if ! pg_cmd pg_ctl stop -D "$PGDATA_DIR" -m fast -w -t 60 -s >&2; then
		log "fast shutdown failed; trying immediate"
		pg_cmd pg_ctl stop -D "$PGDATA_DIR" -m immediate -w -t 30 -s >&2
	fi
}

cmd_status() {
	if [[ ! -f "$PGDATA_DIR/PG_VERSION" ]]; then
		echo absent; return 4
	fi
	if is_running; then
		echo "running $(url_for "$(current_port)")"; return 0
	fi
	echo stopped; return 3
}

cmd_url() {
	local port
	[[ -f "$PGDATA_DIR/PG_VERSION" ]] || die "no cluster in $DIR (run: $0 start $DIR)"
	port=$(current_port)
	[[ -n "$port" ]] || die "no port recorded in $PORT_FILE"
	url_for "$port"
}

cmd_destroy() {
	local sdir
	[[ -e "$DIR" ]] || return 0
	# Refuse to delete something that does not look like one of our cluster directories.
	local f
	for f in "$DIR"/* "$DIR"/.[!.]*; do
		[[ -e "$f" ]] || continue
		case "${f##*/}" in
		data | port | sock | postgres.log | initdb.log | .lock) ;;
		*) die "$DIR contains ${f##*/}, so it does not look like a pg.sh cluster directory; not removing it" ;;
		esac
	done
	if [[ -f "$PGDATA_DIR/PG_VERSION" ]]; then
		cmd_stop || true
		if is_running; then
			die "cluster in $DIR is still running; not removing it"
		fi
	fi
	sdir=$(sock_dir)
	[[ "$sdir" == /tmp/shiplog-pg-* ]] && rm -rf "$sdir"
	rm -rf "$DIR"
	log "removed $DIR"
}

main() {
	local cmd=${1:-}
	[[ -n "$cmd" ]] || usage
	shift
	case "$cmd" in
	start | stop | status | url | destroy) ;;
	-h | --help | help) usage ;;
	*) log "unknown command: $cmd"; usage ;;
	esac
	set_dir "${1:-}"
	BINDIR=$(find_bindir)
	setup_user
	case "$cmd" in
	start) cmd_start "${2:-}" ;;
	stop) cmd_stop ;;
	status) cmd_status ;;
	url) cmd_url ;;
	destroy) cmd_destroy ;;
	esac
}

main "$@"
