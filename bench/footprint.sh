#!/usr/bin/env bash
# bench/footprint.sh — the server's footprint:
#   start-up to ready: time from exec to the first 200 on GET /readyz, database already migrated,
#                      5 starts (target: every one <= 200 ms)
#   resident memory:   VmHWM (peak RSS, /proc/PID/status) of a server that took the ingest load
#                      of bench/ingest.sh (signed workflow_job deliveries, 32 connections)
#                      (target <= 50 MB)
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

echo
echo "== footprint ($THREADS threads, $((THREADS + 4)) database connections)"
echo "start-up to ready (ms): ${starts[*]} (median $med_start)"
echo "resident memory: $RSS0 MB at start; under $WRK_RPS deliveries/s: VmRSS $RSS MB, VmHWM $HWM MB"
bench_check "start-up to ready, slowest of 5 (ms)" "$max_start" 200 ms
bench_check "VmHWM under the ingest load (MB)" "$HWM" 50 MB
bench_summary
