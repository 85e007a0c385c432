# shellcheck shell=bash
# bench/lib.sh — shared by the benchmarks (sourced, not run).
#
# Each benchmark: bench_init NAME "$@"  (parses --smoke, --keep), then bench_deps, bench_build,
# bench_pg_start, bench_server_start ..., and prints figures with bench_ratio.  Everything it
# starts is stopped by the EXIT trap; the PostgreSQL cluster (/var/tmp/shiplog-bench-NAME) is
# destroyed unless --keep.
#
# Environment:
#   SHIPLOG_BENCH_SRC   source tree to build (default: this checkout)
#   BENCH_DURATION      seconds per wrk/pgbench measurement (default 20; --smoke: 2)
#   BENCH_THREADS       SHIPLOG_THREADS for the server (default: per benchmark)
#   BENCH_DB_CONNECTIONS SHIPLOG_DB_CONNECTIONS (default: threads + 4)

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
SRC=${SHIPLOG_BENCH_SRC:-$ROOT}
BUILD="$SRC/build-bench"
PG_BIN=/usr/lib/postgresql/15/bin
unset MAKEFLAGS MFLAGS MAKELEVEL

bench_log() { echo "[$BENCH_NAME $(date +%H:%M:%S)] $*" >&2; }
bench_die() { echo "[$BENCH_NAME] error: $*" >&2; exit 1; }

SMOKE=0
KEEP=0
BENCH_PIDS=()
PG_DIR=""
# bench_init NAME ARGS...
bench_init() {
	BENCH_NAME=$1
	shift
	local a
	for a in "$@"; do
		case "$a" in
		--smoke) SMOKE=1 ;;
		--keep) KEEP=1 ;;
		-h | --help)
			sed -n '2,/^set -/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
			exit 0 ;;
		*) bench_die "unknown argument: $a (usage: $0 [--smoke] [--keep])" ;;
		esac
	done
	if [[ $SMOKE -eq 1 ]]; then
		DURATION=${BENCH_DURATION:-2}
	else
		DURATION=${BENCH_DURATION:-20}
	fi
	WORK="/var/tmp/shiplog-bench-$BENCH_NAME-work"
	rm -rf "$WORK"
	mkdir -p "$WORK"
	chmod 0755 "$WORK"
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
	BENCH_T0=$(date +%s)
}

bench_cleanup() {
	local rc=$?
	local p
	for p in "${BENCH_PIDS[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	if [[ -n "$PG_DIR" ]]; then
		if [[ $KEEP -eq 1 ]]; then
			bench_log "kept PostgreSQL in $PG_DIR (bash scripts/pg.sh destroy $PG_DIR)"
		else
			bash "$ROOT/scripts/pg.sh" destroy "$PG_DIR" >/dev/null 2>&1 || true
		fi
	fi
	[[ $KEEP -eq 1 ]] || rm -rf "$WORK"
	bench_log "finished in $(($(date +%s) - BENCH_T0)) s (exit $rc)"
	exit $rc
}

# --- dependencies: only what is missing (scripts/deps.sh style) --------------------------
bench_deps() {
	bash "$ROOT/scripts/deps.sh" >/dev/null
	local missing=() p
	for p in wrk postgresql-contrib-15 python3; do
		case $p in
		postgresql-contrib-15) [[ -f /usr/share/postgresql/15/extension/pg_stat_statements.control ]] && continue ;;
		*) command -v "$p" >/dev/null 2>&1 && continue ;;
		esac
		# postgresql-15 ships the contrib modules on Debian 12; wrk is its own package
		[[ $p == postgresql-contrib-15 ]] && p=postgresql-15
		missing+=("$p")
	done
	if [[ ${#missing[@]} -gt 0 ]]; then
		bench_log "installing: ${missing[*]}"
		local sudo=()
		[[ $(id -u) -eq 0 ]] || sudo=(sudo -n)
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends "${missing[@]}" >/dev/null
	fi
	[[ -x $PG_BIN/pgbench ]] || bench_die "pgbench not found in $PG_BIN"
}

# --- build: optimised, its own directory ---------------------------------------------------
bench_build() {
	bench_log "building shiplogd (Release) in $BUILD"
	cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSHIPLOG_TESTS=OFF \
		>"$WORK/cmake.log" 2>&1 || { cat "$WORK/cmake.log" >&2; bench_die "cmake failed"; }
	cmake --build "$BUILD" -j "$(nproc)" --target shiplogd >>"$WORK/cmake.log" 2>&1 ||
		{ tail -30 "$WORK/cmake.log" >&2; bench_die "build failed"; }
	SHIPLOGD="$BUILD/shiplogd"
}

# --- PostgreSQL: private, tuned (bench/README.md "Tuning PostgreSQL") -----------------------
# bench_pg_start: starts /var/tmp/shiplog-bench-NAME, tuned, with database "shiplog";
# sets PG_URL (the shiplog database) and PG_BASE (the postgres database).
bench_pg_start() {
	PG_DIR="/var/tmp/shiplog-bench-$BENCH_NAME"
	bash "$ROOT/scripts/pg.sh" destroy "$PG_DIR" >/dev/null 2>&1 || true
	PG_BASE=$(bash "$ROOT/scripts/pg.sh" start "$PG_DIR" 2>"$WORK/pg.log") ||
		{ cat "$WORK/pg.log" >&2; bench_die "PostgreSQL did not start"; }
	local mem_mb sb ecs
	mem_mb=$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo)
	sb=$((mem_mb / 8)); ((sb > 4096)) && sb=4096
	ecs=$((mem_mb / 2))
	psql "$PG_BASE" -XqAt -v ON_ERROR_STOP=1 >/dev/null <<-EOF
		ALTER SYSTEM SET shared_buffers = '${sb}MB';
		ALTER SYSTEM SET effective_cache_size = '${ecs}MB';
		ALTER SYSTEM SET work_mem = '16MB';
		ALTER SYSTEM SET maintenance_work_mem = '1GB';
		ALTER SYSTEM SET max_connections = 200;
		ALTER SYSTEM SET synchronous_commit = on;
		ALTER SYSTEM SET fsync = on;
		ALTER SYSTEM SET wal_buffers = '64MB';
		ALTER SYSTEM SET wal_compression = 'lz4';
		ALTER SYSTEM SET max_wal_size = '16GB';
		ALTER SYSTEM SET min_wal_size = '1GB';
		ALTER SYSTEM SET checkpoint_timeout = '30min';
		ALTER SYSTEM SET checkpoint_completion_target = 0.9;
		ALTER SYSTEM SET random_page_cost = 1.1;
		ALTER SYSTEM SET effective_io_concurrency = 200;
		ALTER SYSTEM SET max_parallel_workers_per_gather = 0;
		ALTER SYSTEM SET jit = off;
		ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements';
		ALTER SYSTEM SET track_io_timing = on;
		ALTER SYSTEM SET autovacuum_vacuum_scale_factor = 0.05;
		ALTER SYSTEM SET autovacuum_analyze_scale_factor = 0.02;
	EOF
	bash "$ROOT/scripts/pg.sh" stop "$PG_DIR" >/dev/null 2>&1
	PG_BASE=$(bash "$ROOT/scripts/pg.sh" start "$PG_DIR" 2>>"$WORK/pg.log") ||
		{ tail -30 "$PG_DIR/postgres.log" >&2; bench_die "PostgreSQL did not restart"; }
	psql "$PG_BASE" -XqAt -v ON_ERROR_STOP=1 -c 'CREATE DATABASE shiplog' >/dev/null
	PG_URL="${PG_BASE%/postgres}/shiplog"
	psql "$PG_URL" -XqAt -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' >/dev/null
	# planning time per statement too (a statement re-planned at every call shows here)
	psql "$PG_BASE" -XqAt -c 'ALTER SYSTEM SET pg_stat_statements.track_planning = on' \
		-c 'SELECT pg_reload_conf()' >/dev/null
	bench_log "PostgreSQL $(psql "$PG_BASE" -XAtc 'SHOW server_version') at $PG_BASE" \
		"(shared_buffers ${sb}MB, synchronous_commit on)"
}

bench_psql() { psql "$PG_URL" -X -v ON_ERROR_STOP=1 "$@"; }

# --- the server ----------------------------------------------------------------------------
BENCH_ADMIN_TOKEN="bench-admin-$(printf '%s' "$$" | sha256sum | cut -c1-32)"
BENCH_SECRET="bench-webhook-secret"
free_port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# bench_migrate: applies the migrations (shiplogd --migrate-only)
bench_migrate() {
	DATABASE_URL="$PG_URL" "$SHIPLOGD" --migrate-only >"$WORK/migrate.log" 2>&1 ||
		{ cat "$WORK/migrate.log" >&2; bench_die "migration failed"; }
}

# bench_server_start THREADS [DBCONN]: starts shiplogd; sets SERVER_PID, BASE; waits for /readyz.
# Sets READY_MS: milliseconds from exec to the first 200 on /readyz.  BENCH_SERVER_ENV: more
# K=V for its environment.
BENCH_SERVER_ENV=()
bench_server_start() {
	local threads=$1 conns=${2:-$(($1 + 4))} port
	port=$(free_port)
	BASE="http://127.0.0.1:$port"
	mkdir -p "$WORK/data"
	local t0 t1
	t0=$(date +%s%N)
	env -i PATH="$PATH" DATABASE_URL="$PG_URL" SHIPLOG_LISTEN="127.0.0.1:$port" \
		SHIPLOG_ADMIN_TOKEN="$BENCH_ADMIN_TOKEN" SHIPLOG_GITHUB_WEBHOOK_SECRET="$BENCH_SECRET" \
		SHIPLOG_SESSION_SECRET="bench-session-secret-0123456789abcdef" \
		SHIPLOG_THREADS="$threads" SHIPLOG_DB_CONNECTIONS="$conns" SHIPLOG_LOG_LEVEL=warn \
		SHIPLOG_WEBHOOK_PROCESSING="${BENCH_PROCESSING:-inline}" \
		SHIPLOG_WEBHOOK_WORKERS="${BENCH_WORKERS:-1}" \
		SHIPLOG_DATA_DIR="$WORK/data" SHIPLOG_WEB_DIR="$ROOT/web" \
		${BENCH_SERVER_ENV[@]+"${BENCH_SERVER_ENV[@]}"} \
		"$SHIPLOGD" >"$WORK/server.log" 2>&1 &
	SERVER_PID=$!
	BENCH_PIDS+=("$SERVER_PID")
	# poll /readyz as fast as curl allows (the ready time is one of the figures)
	local i
	for i in $(seq 1 3000); do
		if curl -fsS -o /dev/null --max-time 1 "$BASE/readyz" 2>/dev/null; then
			t1=$(date +%s%N)
			READY_MS=$(((t1 - t0) / 1000000))
			return 0
		fi
		kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; bench_die "shiplogd exited"; }
		sleep 0.002
	done
	cat "$WORK/server.log" >&2
	bench_die "shiplogd not ready within 10 s"
}

bench_server_stop() {
	[[ -n "${SERVER_PID:-}" ]] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	local keep=() p
	for p in "${BENCH_PIDS[@]}"; do [[ $p == "$SERVER_PID" ]] || keep+=("$p"); done
	BENCH_PIDS=("${keep[@]}")
	SERVER_PID=""
}

# VmHWM / VmRSS of the server in MB (from /proc/PID/status)
bench_vm() { awk -v k="$1:" '$1 == k {printf "%.1f", $2 / 1024}' "/proc/$SERVER_PID/status"; }

# bench_cpu: "shiplogd postgres busy total" CPU clock ticks so far — shiplogd's, the bench
# cluster's processes' (the postmaster and its children, live or reaped), and the machine's busy
# and total ticks (/proc/stat).  Two readings around a load give where its CPU went.
bench_cpu() {
	local pm s=0 p=0 pid
	pm=$(head -1 "$PG_DIR/data/postmaster.pid" 2>/dev/null || echo 0)
	[[ -z "${SERVER_PID:-}" ]] || s=$(awk '{print $14 + $15}' "/proc/$SERVER_PID/stat" 2>/dev/null || echo 0)
	# the postmaster with the backends it has reaped (cutime, cstime), and the live ones
	p=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat" 2>/dev/null || echo 0)
	for pid in $(pgrep -P "$pm" 2>/dev/null); do
		p=$((p + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
	done
	awk -v s="$s" -v p="$p" '$1 == "cpu" {t = 0; for (i = 2; i <= NF; i++) t += $i;
		print s, p, t - $5 - $6, t}' /proc/stat
}

# bench_cpu_split BEFORE AFTER N UNIT: prints CPU ms per UNIT (N of them done between the
# readings) for shiplogd and PostgreSQL, and how busy the machine's cores were.
bench_cpu_split() {
	local hz cores
	hz=$(getconf CLK_TCK)
	cores=$(nproc)
	awk -v hz="$hz" -v n="$3" -v unit="$4" -v cores="$cores" -v a="$1" -v b="$2" 'BEGIN {
		split(a, x, " "); split(b, y, " ");
		if (n <= 0) n = 1;
		printf "CPU per %s: shiplogd %.3f ms, PostgreSQL %.3f ms, all processes %.3f ms " \
			"(the %d cores %.0f%% busy)\n", unit,
			(y[1] - x[1]) * 1000 / hz / n, (y[2] - x[2]) * 1000 / hz / n,
			(y[3] - x[3]) * 1000 / hz / n, cores, 100 * (y[3] - x[3]) / (y[4] - x[4] + 0.001)
	}'
}

# bench_read_token: creates a read token through the API; sets READ_TOKEN
bench_read_token() {
	READ_TOKEN=$(curl -fsS -H "Authorization: Bearer $BENCH_ADMIN_TOKEN" \
		-H 'Content-Type: application/json' \
		-d '{"name":"bench","owner":"bench@example.com","scopes":["read"]}' \
		"$BASE/api/v1/tokens" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
	[[ -n "$READ_TOKEN" ]] || bench_die "could not create a read token"
}

# --- measuring -----------------------------------------------------------------------------
# bench_wrk LABEL CONNS THREADS [wrk args...] URL [-- script args]: wrk --latency for $DURATION s;
# sets WRK_RPS, WRK_P50, WRK_P99 (ms), WRK_ERRORS (non-2xx + socket errors).
bench_wrk() {
	local label=$1 conns=$2 threads=$3
	shift 3
	local out="$WORK/wrk-$label.txt"
	timeout $((DURATION + 30)) wrk -c "$conns" -t "$threads" -d "${DURATION}s" --timeout 10s \
		--latency "$@" >"$out" 2>&1 || { cat "$out" >&2; bench_die "wrk failed"; }
	WRK_RPS=$(awk '/^Requests\/sec:/ {print $2}' "$out")
	WRK_P50=$(awk '$1 == "50%" {print $2}' "$out" | bench_ms)
	WRK_P99=$(awk '$1 == "99%" {print $2}' "$out" | bench_ms)
	WRK_ERRORS=$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$out")
	WRK_TOTAL=$(awk '/requests in/ {print $1}' "$out")
}

# wrk latency ("812.00us", "1.20ms", "2.01s") on stdin → milliseconds
bench_ms() {
	awk '{v = $1; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
	      m = (u == "us") ? v / 1000 : (u == "s") ? v * 1000 : (u == "m") ? v * 60000 : v;
	      printf "%.2f\n", m}'
}

# bench_pgbench LABEL DB ARGS...: runs pgbench for $DURATION s; sets PGB_TPS, PGB_LAT (avg ms),
# PGB_P99 (ms, from the per-transaction log)
bench_pgbench() {
	local label=$1 db=$2
	shift 2
	local out="$WORK/pgbench-$label.txt" logdir="$WORK/pgbench-$label-log"
	rm -rf "$logdir" && mkdir -p "$logdir"
	(cd "$logdir" && timeout $((DURATION + 60)) "$PG_BIN/pgbench" -n -T "$DURATION" -l \
		--log-prefix=tx "$@" "$db") >"$out" 2>&1 || { cat "$out" >&2; bench_die "pgbench $label failed"; }
	PGB_TPS=$(awk '/^tps = / && /without initial/ {print $3}' "$out")
	PGB_TX=$(awk '/^number of transactions actually processed:/ {split($6, a, "/"); print a[1]}' "$out")
	PGB_LAT=$(awk '/^latency average/ {print $4}' "$out")
	# column 3 of pgbench's transaction log: latency in microseconds
	PGB_P99=$(cat "$logdir"/tx.* | awk '{print $3}' | sort -n |
		awk '{a[NR] = $1} END {k = int(NR * 0.99); if (k < 1) k = 1; if (NR) printf "%.2f", a[k] / 1000}')
	local failed
	failed=$(awk '/number of failed transactions/ {print $5}' "$out")
	[[ -z "$failed" || "$failed" == 0 ]] || bench_log "warning: pgbench $label: $failed failed transactions"
}

# bench_ratio WHAT VALUE BASELINE TARGET CMP: prints one result line; CMP is ge or le.
RESULTS=()
bench_ratio() {
	local what=$1 v=$2 b=$3 target=$4 cmp=$5 extra=${6:-}
	local line
	line=$(python3 - "$what" "$v" "$b" "$target" "$cmp" "$extra" <<-'EOF'
		import sys
		what, v, b, target, cmp, extra = sys.argv[1:]
		v, b, t = float(v or 0), float(b or 0), float(target)
		r = v / b if b else float("nan")
		ok = (r >= t) if cmp == "ge" else (r <= t)
		sign = ">=" if cmp == "ge" else "<="
		print(f"{what:<44} {v:>10.1f} vs {b:>10.1f}  ratio {r:5.2f} (target {sign} {t:g}) "
		      f"{'PASS' if ok else 'FAIL'}{('  ' + extra) if extra else ''}")
		EOF
	)
	echo "$line"
	RESULTS+=("$line")
}

# bench_check WHAT VALUE LIMIT UNIT: value <= limit
bench_check() {
	local line
	line=$(python3 -c 'import sys
w, v, l, u = sys.argv[1:]
verdict = "PASS" if float(v) <= float(l) else "FAIL"
print(f"{w:<44} {float(v):>10.1f} {u} (target <= {l} {u}) {verdict}")' "$@")
	echo "$line"
	RESULTS+=("$line")
}

bench_summary() {
	echo
	echo "== $BENCH_NAME summary ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores," \
		"$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)$([[ $SMOKE -eq 1 ]] && echo ', SMOKE: figures mean nothing'))"
	printf '%s\n' "${RESULTS[@]}"
}
