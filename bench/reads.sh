#!/usr/bin/env bash
# bench/reads.sh — API reads at 64 connections against pgbench running the same SQL at the same
# concurrency, on the same PostgreSQL with the same data (bench/generate.sql, 100,000 runs):
#   GET /api/v1/runs?repo=bench-org/app-K&limit=50   (K = 1..50 in turn)   vs the list query
#   GET /api/v1/runs/{id}                             (10,000 ids in turn)  vs the 4 detail queries
# Both include the bearer-token lookup every request makes (and its at-most-once-a-minute
# last_used_at update).  The SQL of the baseline is taken from server/db/runs.c and
# server/db/tokens.c through the preprocessor (bench/reads_gen.py).
# Target: shiplog >= 0.5x the pgbench rate; p99 printed.
#
#   bench/reads.sh [--smoke] [--keep]
#
# Environment: BENCH_DURATION (s, default 20), BENCH_THREADS (SHIPLOG_THREADS, default 16),
# BENCH_DB_CONNECTIONS (default threads + 4), BENCH_RUNS (100000; --smoke 10000).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init reads "$@"

CONNS=64
THREADS=${BENCH_THREADS:-16}
DBCONN=${BENCH_DB_CONNECTIONS:-$((THREADS + 4))}
RUNS=${BENCH_RUNS:-100000}
[[ $SMOKE -eq 1 ]] && RUNS=${BENCH_RUNS:-10000}

bench_deps
bench_build
bench_pg_start
bench_migrate
bench_log "generating $RUNS runs (bench/generate.sql)"
bench_psql -q -v runs="$RUNS" -f "$BENCH_DIR/generate.sql" >"$WORK/generate.log" 2>&1 ||
	{ cat "$WORK/generate.log" >&2; bench_die "generation failed"; }

bench_server_start "$THREADS" "$DBCONN"
bench_read_token
TOKEN_HASH=$(printf '%s' "$READ_TOKEN" | sha256sum | cut -c1-64)
LO=$((RUNS - 10000 + 1))
((LO < 1)) && LO=1
python3 "$BENCH_DIR/reads_gen.py" --src "$SRC" --token-hash "$TOKEN_HASH" --lo "$LO" --hi "$RUNS" \
	--out-dir "$WORK"

cat >"$WORK/list.lua" <<'EOF'
local k = 0
function request()
	k = k % 50 + 1
	return wrk.format("GET", "/api/v1/runs?repo=bench-org/app-" .. k .. "&limit=50")
end
EOF
cat >"$WORK/detail.lua" <<EOF
local k = 0
function request()
	k = (k + 7919) % $((RUNS - LO + 1))
	return wrk.format("GET", "/api/v1/runs/" .. ($LO + k))
end
EOF

run_pair() {
	local label=$1 lua=$2 script=$3
	curl -fsS -o /dev/null -H "Authorization: Bearer $READ_TOKEN" "$BASE/api/v1/runs/$LO" ||
		bench_die "the server does not answer"
	# warm-up of both (caches, prepared statements, plan choice)
	wrk -c "$CONNS" -t 2 -d 2s -s "$lua" -H "Authorization: Bearer $READ_TOKEN" "$BASE" >/dev/null 2>&1
	local saved=$DURATION
	DURATION=2
	bench_pgbench "$label-warm" "$PG_URL" -f "$script" -c "$CONNS" -j 2 -M prepared -D e=none
	DURATION=$saved
	bench_log "shiplog $label: $CONNS connections, ${DURATION}s ($THREADS threads, $DBCONN connections)"
	bench_wrk "shiplog-$label" "$CONNS" 2 -s "$lua" -H "Authorization: Bearer $READ_TOKEN" "$BASE"
	S_RPS=$WRK_RPS S_P99=$WRK_P99 S_P50=$WRK_P50 S_ERR=$WRK_ERRORS
	bench_log "pgbench $label: $CONNS clients, ${DURATION}s"
	bench_pgbench "$label" "$PG_URL" -f "$script" -c "$CONNS" -j 2 -M prepared -D e=none
	echo "$label: shiplog $S_RPS req/s (p50 $S_P50 ms, p99 $S_P99 ms, $S_ERR errors);" \
		"pgbench $PGB_TPS tps (avg $PGB_LAT ms, p99 $PGB_P99 ms)"
	bench_ratio "$label vs pgbench (req/s)" "$S_RPS" "$PGB_TPS" 0.5 ge "p99 $S_P99 ms vs $PGB_P99 ms"
	[[ "$S_ERR" == 0 ]] || bench_log "warning: $S_ERR errors (see $WORK/server.log)"
}

echo
echo "== API reads, $CONNS connections, ${DURATION}s each, $RUNS runs"
run_pair "runs list by repo" "$WORK/list.lua" "$WORK/list.sql"
run_pair "run detail" "$WORK/detail.lua" "$WORK/detail.sql"
bench_summary
