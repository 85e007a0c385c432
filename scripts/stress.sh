#!/usr/bin/env bash
# `make stress`: the integration and browser stages of `make test`, N times in a row, with a
# CPU hog beside them, to find the tests (or the code) that fail now and then. A failure is
# never retried: every round runs, each is logged, and the summary says how many passed and
# the longest run of consecutive passes.
#
# Environment:
#   STRESS_RUNS=N        rounds (default 20)
#   STRESS_STAGES="..."  the stages of each round (default "integration browser")
#   STRESS_HOGS=N        busy-looping processes beside them (default: nproc, one per core)
#   JOBS, CI             as for make test (the build stages run once, first)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
unset MAKEFLAGS MFLAGS MAKELEVEL

RUNS=${STRESS_RUNS:-20}
STAGES=${STRESS_STAGES:-integration browser}
HOGS=${STRESS_HOGS:-$(nproc 2>/dev/null || echo 2)}
OUT="$ROOT/test-results-stress"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "stress.sh: STRESS_RUNS must be a positive number" >&2; exit 2; }
[[ "$HOGS" =~ ^[0-9]+$ ]] || { echo "stress.sh: STRESS_HOGS must be a number" >&2; exit 2; }

rm -rf "$OUT"
mkdir -p "$OUT"

# Everything the rounds need, built once (the stages test.sh runs first).
echo "stress.sh: building (deps build asan) once; log in ${OUT#"$ROOT"/}/build.log"
if ! SHIPLOG_TEST_STAGES="deps build asan" bash scripts/test.sh >"$OUT/build.log" 2>&1; then
	tail -30 "$OUT/build.log" >&2
	echo "stress.sh: the build failed; nothing was stressed" >&2
	exit 1
fi

HOG_PIDS=()
stop_hogs() {
	local p
	for p in "${HOG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	HOG_PIDS=()
}
trap stop_hogs EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
for ((i = 0; i < HOGS; i++)); do
	# a shell busy loop: no I/O, all CPU, at the tests' own priority
	bash -c 'while :; do :; done' &
	HOG_PIDS+=($!)
done
echo "stress.sh: $RUNS rounds of [$STAGES] beside $HOGS CPU hog(s)"

passed=0 failed=0 streak=0 best=0 failures=()
for ((run = 1; run <= RUNS; run++)); do
	log="$OUT/round-$run.log"
	t0=$SECONDS
	if SHIPLOG_TEST_STAGES="$STAGES" bash scripts/test.sh >"$log" 2>&1; then
		passed=$((passed + 1))
		streak=$((streak + 1))
		((streak > best)) && best=$streak
		echo "   round $run: passed ($((SECONDS - t0))s)"
	else
		failed=$((failed + 1))
		streak=0
		what=$(grep -E '^\s+(integration|browser|contract): (failed|skipped)|FAILED|not ok ' "$log" | head -5 | tr -s ' ' | paste -sd ';' -)
		failures+=("round $run: ${what:-see the log}")
		echo "   round $run: FAILED ($((SECONDS - t0))s): ${what:-see ${log#"$ROOT"/}}"
		# keep what the round left for reading: the results of make test are per run
		cp -r "$ROOT/test-results" "$OUT/round-$run-results" 2>/dev/null
	fi
done
stop_hogs

echo ""
echo "== stress summary: [$STAGES] x $RUNS beside $HOGS CPU hog(s)"
for f in "${failures[@]}"; do echo "   $f"; done
echo "   longest run of consecutive passes: $best"
echo "stress: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
