#!/usr/bin/env bash
# bench/ingest.sh — webhook ingest: signed workflow_job deliveries at 32 connections, durably
# committed (synchronous_commit on), against two baselines measured in the same run on the same
# PostgreSQL at the same concurrency:
#   pgbench -N -c 32            the built-in simple-update transaction (the fixed yardstick)
#   pgbench -c 32 -f own.sql    the SQL shiplog itself runs for one such delivery (bench/ingest_gen.py),
#                               for each processing mode its own (own.sql, own-queued.sql)
# shiplog runs in both processing modes (webhooks.processing): inline (each delivery processed
# before its answer) and queued (each stored, group-committed, answered 202, then applied by a
# background applier; the time to apply the backlog after the load is measured and printed too).
# Target: shiplog >= 0.8x each; p99 printed.  Also prints the server's VmHWM under load.
#
#   bench/ingest.sh [--smoke] [--keep]
#
# Environment: BENCH_DURATION (s, default 20), BENCH_THREADS (SHIPLOG_THREADS, default 32),
# BENCH_DB_CONNECTIONS (default threads + 4), BENCH_DELIVERIES (default 60000 per round inline;
# BENCH_QUEUED_DELIVERIES, default 4 times that, queued), BENCH_REPOS
# (100), BENCH_ROUNDS (2: each load runs that many times, interleaved; the best round of each counts),
# BENCH_HISTORY (20000: runs of history loaded first, bench/generate.sql), BENCH_WORKERS (appliers of
# the queued mode, SHIPLOG_WEBHOOK_WORKERS, default 1), BENCH_MODES ("inline queued").
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init ingest "$@"

CONNS=32
THREADS=${BENCH_THREADS:-32}
DBCONN=${BENCH_DB_CONNECTIONS:-$((THREADS + 4))}
N=${BENCH_DELIVERIES:-60000}
# the queued mode accepts several times faster: its input must last the whole load
NQ=${BENCH_QUEUED_DELIVERIES:-$((N * 4))}
ROUNDS=${BENCH_ROUNDS:-2}
HISTORY=${BENCH_HISTORY:-20000}
[[ $SMOKE -eq 1 ]] && N=${BENCH_DELIVERIES:-600} && NQ=${BENCH_QUEUED_DELIVERIES:-1200} &&
	ROUNDS=${BENCH_ROUNDS:-1} && HISTORY=${BENCH_HISTORY:-2000}
FIXTURE="$ROOT/tests/fixtures/github/workflow_job.completed.success.json"

bench_deps
bench_build
bench_pg_start
bench_migrate

# A service in use has history: runs, jobs, pull requests, deployments (bench/generate.sql).  On
# empty tables the planner's choices are not those of a service in use (a run_attempts of a few
# rows is cheaper to scan than to look up, and the plans stay cached while the table grows).
bench_log "loading a history of $HISTORY runs (bench/generate.sql)"
bench_psql -q -v runs="$HISTORY" -f "$BENCH_DIR/generate.sql" >"$WORK/generate.log" 2>&1 ||
	{ tail -20 "$WORK/generate.log" >&2; bench_die "bench/generate.sql failed"; }

bench_log "generating the signed deliveries ($N a round inline, $NQ queued) and the own-SQL pgbench script"
MODES=${BENCH_MODES:-inline queued}
for round in $(seq 1 "$ROUNDS"); do
	m=0
	for mode in $MODES; do
		python3 "$BENCH_DIR/ingest_gen.py" deliveries --fixture "$FIXTURE" \
			--out "$WORK/deliveries-$round-$mode.tsv" --n "$([[ $mode == queued ]] && echo "$NQ" || echo "$N")" \
			--repos "${BENCH_REPOS:-100}" \
			--secret "$BENCH_SECRET" --prefix "bench$round$mode" \
			--run-base $((round * 1000000 + m * 100000))
		m=$((m + 1))
	done
done
python3 "$BENCH_DIR/ingest_gen.py" deliveries --fixture "$FIXTURE" --out "$WORK/warmup.tsv" \
	--n 400 --repos "${BENCH_REPOS:-100}" --secret "$BENCH_SECRET" --prefix warm
python3 "$BENCH_DIR/ingest_gen.py" ownsql --src "$SRC" --fixture "$FIXTURE" --out "$WORK/own.sql" \
	--out-setup "$WORK/own-setup.sql" --bodies "$WORK/bodies.copy" --clients "$CONNS" \
	--out-queued "$WORK/own-queued.sql"
bench_psql -q >/dev/null <<EOF
CREATE TABLE bench_bodies (i int PRIMARY KEY, body bytea NOT NULL);
-- stored uncompressed, so that inserting one into deliveries compresses it as shiplog's insert
-- of a body received over the wire does (a compressed datum would be copied as it is)
ALTER TABLE bench_bodies ALTER COLUMN body SET STORAGE EXTERNAL;
\copy bench_bodies FROM '$WORK/bodies.copy'
ANALYZE bench_bodies;
\i $WORK/own-setup.sql
EOF
psql "$PG_BASE" -XqAt -c 'CREATE DATABASE pgbench' >/dev/null
"$PG_BIN/pgbench" -i -q -s 10 "${PG_BASE%/postgres}/pgbench" >"$WORK/pgbench-init.txt" 2>&1

# wait events of the active backends, sampled every 50 ms while a load runs
sample_waits() {
	local out=$1
	while :; do
		# the psql binary itself: Debian's psql is a Perl wrapper, 2% of the machine at 20 Hz
		"$PG_BIN/psql" "$PG_BASE" -XAtF' ' -c "SELECT coalesce(wait_event_type, 'CPU'), coalesce(wait_event, 'running')
			FROM pg_stat_activity WHERE state = 'active' AND backend_type = 'client backend'
			AND pid <> pg_backend_pid()" >>"$out" 2>/dev/null || true
		sleep 0.05
	done
}
waits_summary() {
	sort "$1" | uniq -c | sort -rn | head -8 | awk '{printf "    %6d  %s %s\n", $1, $2, $3}'
}

# Each load runs ROUNDS times, interleaved (shiplog, pgbench -N, own SQL, shiplog, ...), and the best
# round of each is compared: on this shared machine one load's figure moves by ±20% from one
# minute to the next, and the best of a few is what the code can do.  Before each load: VACUUM
# ANALYZE (the inserts of the load before would otherwise be vacuumed during this one, and be
# counted in its CPU) and CHECKPOINT.
settle_db() { bench_psql -qAt -c 'VACUUM (ANALYZE)' -c 'CHECKPOINT' >/dev/null; }

faster() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a > b)}'; }

# pgbench_load TITLE NAME PGBENCH-ARGS...: one pgbench load of this round (NAME names its files),
# with its wait events sampled and its CPU measured; sets PGB_* and adds its lines to ROUNDS_TEXT
pgbench_load() {
	local title=$1 name=$2 cpu0 cpu
	shift 2
	settle_db
	bench_log "round $round/$ROUNDS: $title -c $CONNS, ${DURATION}s"
	sample_waits "$WORK/waits-$name.txt" &
	SAMPLER=$!
	BENCH_PIDS+=("$SAMPLER")
	cpu0=$(bench_cpu)
	bench_pgbench "$name-$round" "$@"
	cpu=$(bench_cpu_split "$cpu0" "$(bench_cpu)" "$PGB_TX" transaction)
	kill "$SAMPLER" 2>/dev/null; wait "$SAMPLER" 2>/dev/null || true
	ROUNDS_TEXT+="$(printf 'round %s  %-15s  %s tps (p99 %s ms)' "$round" "$title" "$PGB_TPS" "$PGB_P99")"$'\n'
	ROUNDS_TEXT+="                   $cpu (the rest is pgbench)"$'\n'
}

# shiplog_load MODE: shiplogd with webhooks.processing MODE, its own deliveries of this round sent
# once each by wrk; sets the best figures of MODE.  Queued: the deliveries answered 202 are stored
# (committed) but not yet applied; the backlog left when the load ends is then applied with nothing
# else running, and that time is measured too.
declare -A BEST_RPS BEST_P50 BEST_P99 BEST_CPU BEST_N BEST_DRAIN
HWM=0
shiplog_load() {
	local mode=$1 before after cpu0 cpu1 cpu n applied waiting t0 t1 drain=""
	BENCH_PROCESSING=$mode bench_server_start "$THREADS" "$DBCONN"
	[[ $round -gt 1 || $mode != "${MODES%% *}" ]] ||
		bench_log "shiplogd ready in ${READY_MS} ms ($THREADS threads, $DBCONN connections)"
	FIRST_READY_MS=${FIRST_READY_MS:-$READY_MS}
	# warm-up: the statements prepared on the server's connections (its own delivery ids)
	sed "s/^warm/warm$round$mode/" "$WORK/warmup.tsv" >"$WORK/warmup-$round-$mode.tsv"
	wrk -c "$CONNS" -t 2 -d 2s -s "$BENCH_DIR/ingest.lua" "$BASE" -- "$WORK/warmup-$round-$mode.tsv" 2 \
		>/dev/null 2>&1
	wait_applied 60
	settle_db
	bench_psql -qAt -c 'SELECT pg_stat_statements_reset()' >/dev/null
	before=$(bench_psql -qAt -c "SELECT coalesce(max(id), 0) FROM deliveries")
	bench_log "round $round/$ROUNDS: shiplog ($mode), POST /webhooks/github, $CONNS connections, ${DURATION}s"
	sample_waits "$WORK/waits-shiplog-$mode.txt" &
	SAMPLER=$!
	BENCH_PIDS+=("$SAMPLER")
	cpu0=$(bench_cpu)
	bench_wrk "shiplog-$mode-$round" "$CONNS" 2 -s "$BENCH_DIR/ingest.lua" "$BASE" -- \
		"$WORK/deliveries-$round-$mode.tsv" 2
	cpu1=$(bench_cpu)
	kill "$SAMPLER" 2>/dev/null; wait "$SAMPLER" 2>/dev/null || true
	local hwm
	hwm=$(bench_vm VmHWM)
	faster "$hwm" "$HWM" && HWM=$hwm
	# stored = every row of this load; applied = those with an outcome already
	read -r n applied < <(bench_psql -qAt -F' ' -c "SELECT count(*), count(*) FILTER (WHERE status <> 'received')
		FROM deliveries WHERE id > $before")
	cpu=$(bench_cpu_split "$cpu0" "$cpu1" "$n" delivery)
	bench_psql -qAt -F' | ' -c "SELECT calls, round(total_exec_time::numeric / calls, 3) AS ms,
		plans, round(total_plan_time::numeric / greatest(plans, 1), 3) AS plan_ms,
		left(regexp_replace(query, '\s+', ' ', 'g'), 90) FROM pg_stat_statements
		WHERE query NOT LIKE '%pg_stat%' ORDER BY total_exec_time DESC LIMIT 14" \
		>"$WORK/statements-shiplog-$mode-$round.txt"
	ROUNDS_TEXT+="$(printf 'round %s  %-15s  %s deliveries/s (p50 %s ms, p99 %s ms; %s stored, %s errors)' \
		"$round" "shiplog $mode" "$WRK_RPS" "$WRK_P50" "$WRK_P99" "$n" "$WRK_ERRORS")"$'\n'
	ROUNDS_TEXT+="                   $cpu"$'\n'
	if [[ $mode == queued ]]; then
		waiting=$((n - applied))
		t0=$(date +%s%N)
		wait_applied 900
		t1=$(date +%s%N)
		drain=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", (b - a) / 1e9}')
		ROUNDS_TEXT+="                   applied during the load: $applied; the other $waiting in ${drain} s after it"
		ROUNDS_TEXT+=" ($(awk -v w="$waiting" -v d="$drain" 'BEGIN {printf "%.0f", (d > 0) ? w / d : 0}')/s);"
		ROUNDS_TEXT+=" all $n in $(awk -v d="$drain" -v l="$DURATION" 'BEGIN {printf "%.1f", d + l}') s"
		ROUNDS_TEXT+=" ($(awk -v n="$n" -v d="$drain" -v l="$DURATION" 'BEGIN {printf "%.0f", n / (d + l)}')/s end to end)"$'\n'
	fi
	S_ERR=$((S_ERR + WRK_ERRORS))
	if faster "$WRK_RPS" "${BEST_RPS[$mode]:-0}"; then
		BEST_RPS[$mode]=$WRK_RPS BEST_P50[$mode]=$WRK_P50 BEST_P99[$mode]=$WRK_P99
		BEST_CPU[$mode]=$cpu BEST_N[$mode]=$n BEST_DRAIN[$mode]=$drain
		cp "$WORK/statements-shiplog-$mode-$round.txt" "$WORK/statements-shiplog-$mode.txt"
	fi
	# a wrk thread that has sent its share stops: near the end of the input the load thins out
	local sent=$N
	[[ $mode == queued ]] && sent=$NQ
	[[ $n -lt $((sent * 9 / 10)) ]] ||
		bench_log "warning: over 90% of the $sent deliveries were sent: raise BENCH_DELIVERIES"
	bench_server_stop
}

# wait_applied SECONDS: until no stored delivery waits for an applier
wait_applied() {
	local i
	for i in $(seq 1 $(($1 * 10))); do
		[[ $(bench_psql -qAt -c "SELECT count(*) FROM deliveries WHERE status = 'received'") == 0 ]] && return 0
		sleep 0.1
	done
	bench_die "queued deliveries still waiting after $1 s"
}

S_ERR=0 N_TPS=0 O_TPS=0 OQ_TPS=0 ROUNDS_TEXT=""
for round in $(seq 1 "$ROUNDS"); do
	for mode in $MODES; do shiplog_load "$mode"; done

	# pgbench -N
	pgbench_load "pgbench -N" pgbench-N "${PG_BASE%/postgres}/pgbench" -N -c "$CONNS" -j 2 -M prepared
	if faster "$PGB_TPS" "$N_TPS"; then N_TPS=$PGB_TPS N_P99=$PGB_P99; fi

	# the own SQL (its delivery ids, jobs and runs are new in each round)
	pgbench_load "own SQL" own "$PG_URL" -f "$WORK/own.sql" -c "$CONNS" -j 2 -M prepared \
		-D k0=$((round * 10000000)) -D k=$((round * 10000000))
	if faster "$PGB_TPS" "$O_TPS"; then O_TPS=$PGB_TPS O_P99=$PGB_P99; fi

	# the queued mode's own SQL: one delivery stored per transaction (then removed: no applier
	# is to take them)
	if [[ " $MODES " == *" queued "* ]]; then
		pgbench_load "own SQL queued" ownq "$PG_URL" -f "$WORK/own-queued.sql" -c "$CONNS" -j 2 \
			-M prepared -D k0=$((round * 10000000)) -D k=$((round * 10000000))
		if faster "$PGB_TPS" "$OQ_TPS"; then OQ_TPS=$PGB_TPS OQ_P99=$PGB_P99; fi
		bench_psql -qAt -c "DELETE FROM deliveries WHERE delivery_id LIKE 'ownq-%'" >/dev/null
	fi
done
bad=$(bench_psql -qAt -c "SELECT count(*) FROM deliveries WHERE delivery_id NOT LIKE 'own-%'
	AND status NOT IN ('processed')")
own_bad=$(bench_psql -qAt -c "SELECT count(*) FROM deliveries WHERE delivery_id LIKE 'own-%' AND status <> 'processed'")

echo
echo "== webhook ingest: workflow_job deliveries, $CONNS connections, ${DURATION}s each, synchronous_commit on"
printf '%s' "$ROUNDS_TEXT"
echo "best of $ROUNDS rounds ($THREADS threads, $DBCONN database connections, ${BENCH_WORKERS:-1} applier(s) in queued mode;" \
	"$S_ERR non-2xx/socket errors and $bad deliveries not processed in all rounds):"
for mode in $MODES; do
	printf '%-18s %s deliveries/s (p50 %s ms, p99 %s ms; %s stored)\n' "shiplog $mode" \
		"${BEST_RPS[$mode]}" "${BEST_P50[$mode]}" "${BEST_P99[$mode]}" "${BEST_N[$mode]}"
	echo "                   ${BEST_CPU[$mode]}"
done
echo "pgbench -N         $N_TPS tps (p99 $N_P99 ms)"
echo "own SQL            $O_TPS tps (p99 $O_P99 ms; $own_bad not processed)"
[[ $OQ_TPS == 0 ]] || echo "own SQL queued     $OQ_TPS tps (p99 $OQ_P99 ms)"
for mode in $MODES; do
	echo "wait events while shiplog ($mode) ran (samples):"
	waits_summary "$WORK/waits-shiplog-$mode.txt"
done
echo "wait events while pgbench -N ran:"
waits_summary "$WORK/waits-pgbench-N.txt"
echo "wait events while the own SQL ran:"
waits_summary "$WORK/waits-own.txt"
if [[ $OQ_TPS != 0 ]]; then
	echo "wait events while the queued mode's own SQL ran:"
	waits_summary "$WORK/waits-ownq.txt"
fi
for mode in $MODES; do
	echo "top statements of the best shiplog ($mode) round (calls | mean ms | plans | mean plan ms | query):"
	sed 's/^/    /' "$WORK/statements-shiplog-$mode.txt"
done
for mode in $MODES; do
	bench_ratio "ingest ($mode) vs pgbench -N (tps)" "${BEST_RPS[$mode]}" "$N_TPS" 0.8 ge \
		"p99 ${BEST_P99[$mode]} ms vs $N_P99 ms"
	# each mode against the SQL it runs for one delivery
	if [[ $mode == queued ]]; then
		bench_ratio "ingest ($mode) vs its own SQL (tps)" "${BEST_RPS[$mode]}" "$OQ_TPS" 0.8 ge \
			"p99 ${BEST_P99[$mode]} ms vs $OQ_P99 ms"
	else
		bench_ratio "ingest ($mode) vs its own SQL (tps)" "${BEST_RPS[$mode]}" "$O_TPS" 0.8 ge \
			"p99 ${BEST_P99[$mode]} ms vs $O_P99 ms"
	fi
done
bench_check "server VmHWM under ingest (MB)" "$HWM" 50 MB
bench_check "start-up to ready (ms)" "$FIRST_READY_MS" 200 ms
bench_summary
# figures of a run in which deliveries were refused or lost are not figures: fail it
if [[ "$S_ERR" != 0 || "$bad" != 0 || "$own_bad" != 0 ]]; then
	bench_log "error: $S_ERR non-2xx/socket errors, $bad deliveries and $own_bad own-SQL rows not processed (see $WORK/server.log)"
	exit 1
fi
