#!/usr/bin/env bash
# bench/footprint.sh — the server's footprint:
#   start-up to ready: time from exec to the first 200 on GET /readyz, database already migrated,
#                      5 starts (target: every one <= 200 ms)
#   resident memory:   VmHWM (peak RSS, /proc/PID/status) of a server that took the ingest load
#                      of bench/ingest.sh (signed workflow_job deliveries, 32 connections)
#                      (target <= 50 MB)
#   unsigned bodies:   VmHWM of a server sent 32 unsigned 20 MB deliveries at once (what anyone
#                      who can reach /webhooks/ can send): with the body memory limits off (the
#                      baseline: every body held), with the default budget (128 MiB) from 32
#                      addresses, and from one address (its 64 MiB share)
#                      (target <= 200 MB with the budget)
#
#   bench/footprint.sh [--smoke] [--keep]
#
# Environment: BENCH_DURATION (s of load, default 20), BENCH_THREADS (32), BENCH_DELIVERIES (30000).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init footprint "$@"

THREADS=${BENCH_THREADS:-32}
N=${BENCH_DELIVERIES:-30000}
[[ $SMOKE -eq 1 ]] && N=${BENCH_DELIVERIES:-600}

bench_deps
bench_build
bench_pg_start
bench_migrate

starts=()
for _ in 1 2 3 4 5; do
	bench_server_start "$THREADS"
	starts+=("$READY_MS")
	bench_server_stop
done
max_start=$(printf '%s\n' "${starts[@]}" | sort -n | tail -n 1)
med_start=$(printf '%s\n' "${starts[@]}" | sort -n | sed -n 3p)

python3 "$BENCH_DIR/ingest_gen.py" deliveries --out "$WORK/deliveries.tsv" --n "$N" \
	--fixture "$ROOT/tests/fixtures/github/workflow_job.completed.success.json" --secret "$BENCH_SECRET"
bench_server_start "$THREADS"
RSS0=$(bench_vm VmRSS)
bench_log "ingest load: 32 connections, ${DURATION}s"
bench_wrk footprint 32 2 -s "$BENCH_DIR/ingest.lua" "$BASE" -- "$WORK/deliveries.tsv" 2
HWM=$(bench_vm VmHWM) RSS=$(bench_vm VmRSS)
bench_server_stop

# flood ADDRESSES: 32 unsigned 20 MB deliveries at once, from 127.0.0.1 (ADDRESSES 1) or from
# 127.0.0.2 ... 127.0.0.33 (32), to a fresh server; sets FLOOD_IDLE, FLOOD_HWM (MB) and
# FLOOD_CODES (how many got which status)
python3 -c 'import sys
pad = 20 * 1000 * 1000 - 30
sys.stdout.write("{\"zen\":\"flood\",\"padding\":\"" + "a" * pad + "\"}")' >"$WORK/flood.json"
flood() {
	local spread=$1 i from pids=()
	bench_server_start "$THREADS"
	FLOOD_IDLE=$(bench_vm VmRSS)
	for i in $(seq 1 32); do
		from=127.0.0.1
		[[ $spread -gt 1 ]] && from="127.0.0.$((2 + (i - 1) % spread))"
		{ curl -s -o /dev/null -w '%{http_code}\n' --max-time 120 --interface "$from" \
			-H 'Expect:' -H 'Content-Type: application/json' -H 'X-GitHub-Event: ping' \
			-H "X-GitHub-Delivery: flood-$i" --data-binary @"$WORK/flood.json" \
			"$BASE/webhooks/github" || true; } >"$WORK/flood-$i.code" &
		pids+=($!)
	done
	wait "${pids[@]}" # not the server's
	FLOOD_HWM=$(bench_vm VmHWM)
	FLOOD_CODES=$(cat "$WORK"/flood-*.code | sort | uniq -c |
		awk '{printf "%s%d x %s", sep, $1, $2; sep = ", "}')
	bench_server_stop
}
bench_log "32 unsigned 20 MB deliveries at once, body memory limits off"
BENCH_SERVER_ENV=(SHIPLOG_BODY_MEMORY_LIMIT=0 SHIPLOG_PER_IP_BODY_MEMORY=0)
flood 32
OFF_IDLE=$FLOOD_IDLE OFF_HWM=$FLOOD_HWM OFF_CODES=$FLOOD_CODES
BENCH_SERVER_ENV=()
bench_log "the same with the default budget, from 32 addresses"
flood 32
ALL_IDLE=$FLOOD_IDLE ALL_HWM=$FLOOD_HWM ALL_CODES=$FLOOD_CODES
bench_log "the same from one address"
flood 1
ONE_IDLE=$FLOOD_IDLE ONE_HWM=$FLOOD_HWM ONE_CODES=$FLOOD_CODES

echo
echo "== footprint ($THREADS threads, $((THREADS + 4)) database connections)"
echo "start-up to ready (ms): ${starts[*]} (median $med_start)"
echo "resident memory: $RSS0 MB at start; under $WRK_RPS deliveries/s: VmRSS $RSS MB, VmHWM $HWM MB"
echo "32 unsigned 20 MB deliveries at once (VmHWM, idle VmRSS before; answers):"
echo "  limits off (baseline):            $OFF_HWM MB (idle $OFF_IDLE MB; $OFF_CODES)"
echo "  budget 128 MiB, from 32 addresses: $ALL_HWM MB (idle $ALL_IDLE MB; $ALL_CODES)"
echo "  budget, from one address (64 MiB): $ONE_HWM MB (idle $ONE_IDLE MB; $ONE_CODES)"
bench_check "start-up to ready, slowest of 5 (ms)" "$max_start" 200 ms
bench_check "VmHWM under the ingest load (MB)" "$HWM" 50 MB
bench_check "VmHWM, 32 x 20 MB unsigned, budget (MB)" "$ALL_HWM" 200 MB
bench_summary
