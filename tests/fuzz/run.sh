#!/usr/bin/env bash
# tests/fuzz/run.sh — runs the libFuzzer harnesses of an already built fuzz
# build (see README.md), each on a COPY of its committed corpus, never on the
# corpus itself.
#
#   tests/fuzz/run.sh [--build DIR] [--out DIR] [--seconds N | --budget S] [--jobs J] [TARGET...]
#
#   --build DIR    the fuzz build (default build-fuzz)
#   --out DIR      working corpora, findings and logs go to DIR/<target>/
#                  (default DIR: <build>/run; a target's old DIR/<target> is removed)
#   --seconds N    -max_total_time per target (default 20)
#   --budget S     instead: about S seconds of wall time for all targets together
#                  (per target: S / ceil(targets / jobs), at least 5)
#   --jobs J       targets run at the same time (default 1; at most one per target)
#   TARGET...      fuzz_router ... (default: every fuzz_* binary in the build)
#
# Every run: -seed=1 -max_total_time=N -timeout=5 -rss_limit_mb=2048.  A crash,
# leak, timeout or out-of-memory fails it; the input is kept in
# <out>/<target>/findings/.  Prints one line per target and writes
# <out>/summary.tsv (target, verdict, executions, seconds); exit status 1 if
# any target failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD="$ROOT/build-fuzz"
OUT=""
SECONDS_PER_TARGET=20
BUDGET=""
JOBS=1
TARGETS=()

while [[ $# -gt 0 ]]; do
	case $1 in
	--build) BUILD=$(cd "$2" && pwd); shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--seconds) SECONDS_PER_TARGET=$2; shift 2 ;;
	--budget) BUDGET=$2; shift 2 ;;
	--jobs) JOBS=$2; shift 2 ;;
	-h | --help) sed -n '2,23p' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) TARGETS+=("$1"); shift ;;
	esac
done
OUT=${OUT:-$BUILD/run}
BIN="$BUILD/tests/fuzz"
CORPUS="$ROOT/tests/fuzz/corpus"

if [[ ${#TARGETS[@]} -eq 0 ]]; then
	for f in "$BIN"/fuzz_*; do
		[[ -x "$f" && -f "$f" ]] && TARGETS+=("$(basename "$f")")
	done
fi
[[ ${#TARGETS[@]} -gt 0 ]] || { echo "run.sh: no fuzz_* binaries in $BIN (build with -DSHIPLOG_FUZZ=ON)" >&2; exit 2; }
[[ $JOBS -ge 1 ]] || JOBS=1
[[ $JOBS -le ${#TARGETS[@]} ]] || JOBS=${#TARGETS[@]}
if [[ -n "$BUDGET" ]]; then
	SECONDS_PER_TARGET=$((BUDGET / ((${#TARGETS[@]} + JOBS - 1) / JOBS)))
	[[ $SECONDS_PER_TARGET -ge 5 ]] || SECONDS_PER_TARGET=5
fi
echo "   fuzzing ${#TARGETS[@]} targets, $JOBS at a time, ${SECONDS_PER_TARGET}s each (-seed=1)"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
case "$OUT/" in
"$ROOT/tests/"* | "$ROOT/" ) echo "run.sh: --out must not be inside the source tree's tests/ or its root" >&2; exit 2 ;;
esac

# run_one TARGET: fuzzes one target; writes <out>/<target>/verdict.
run_one() {
	local t=$1 dir="$OUT/$1" rc verdict execs t0 dt
	local -a dict=()
	rm -rf "$dir"
	mkdir -p "$dir/corpus" "$dir/findings"
	[[ -x "$BIN/$t" ]] || { echo "missing" >"$dir/verdict"; return 0; }
	[[ -d "$CORPUS/$t" ]] || { echo "no-corpus" >"$dir/verdict"; return 0; }
	# a copy: libFuzzer adds what it finds to its first corpus directory
	cp -R "$CORPUS/$t/." "$dir/corpus/"
	[[ -f "$ROOT/tests/fuzz/$t.dict" ]] && dict=(-dict="$ROOT/tests/fuzz/$t.dict")
	t0=$(date +%s)
	set +e
	"$BIN/$t" -seed=1 -max_total_time="$SECONDS_PER_TARGET" -timeout=5 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$dir/findings/" "${dict[@]}" \
		"$dir/corpus" >"$dir/log" 2>&1 </dev/null
	rc=$?
	set -e
	dt=$(($(date +%s) - t0))
	execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$dir/log" | tail -n1)
	verdict=ok
	if compgen -G "$dir/findings/crash-*" >/dev/null; then verdict=crash
	elif compgen -G "$dir/findings/leak-*" >/dev/null; then verdict=leak
	elif compgen -G "$dir/findings/timeout-*" >/dev/null; then verdict=timeout
	elif compgen -G "$dir/findings/oom-*" >/dev/null; then verdict=oom
	elif [[ $rc -ne 0 ]]; then verdict="error(exit $rc)"
	fi
	printf '%s\t%s\t%s\t%s\n' "$t" "$verdict" "${execs:-0}" "$dt" >"$dir/verdict"
}

running=0
for t in "${TARGETS[@]}"; do
	run_one "$t" &
	running=$((running + 1))
	if [[ $running -ge $JOBS ]]; then
		wait -n || true
		running=$((running - 1))
	fi
done
wait || true

failed=0
: >"$OUT/summary.tsv"
for t in "${TARGETS[@]}"; do
	line=$(cat "$OUT/$t/verdict" 2>/dev/null || printf '%s\tnot-run\t0\t0' "$t")
	[[ "$line" == *$'\t'* ]] || line=$(printf '%s\t%s\t0\t0' "$t" "$line")
	printf '%s\n' "$line" >>"$OUT/summary.tsv"
	IFS=$'\t' read -r _ verdict execs dt <<<"$line"
	if [[ "$verdict" == ok ]]; then
		printf '   fuzz ok: %-22s %9s runs in %ss\n' "$t" "$execs" "$dt"
	else
		failed=$((failed + 1))
		printf '   fuzz FAILED: %-18s %s (log: %s)\n' "$t" "$verdict" "${OUT#"$ROOT"/}/$t/log"
		grep -E -A40 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)|runtime error:|invariant failed' \
			"$OUT/$t/log" 2>/dev/null | head -n 60 | sed 's/^/      | /'
		for f in "$OUT/$t"/findings/*; do
			[[ -f "$f" ]] && echo "      input: ${f#"$ROOT"/} (reproduce: $BIN/$t $f)"
		done
	fi
done
[[ $failed -eq 0 ]]
