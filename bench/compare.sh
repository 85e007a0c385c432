#!/usr/bin/env bash
# bench/compare.sh — did a change make the read endpoints slower?  Builds this checkout and a
# baseline revision, loads the same synthetic history (bench/generate.sql, BENCH_RUNS runs) into
# one database each in one PostgreSQL, runs both servers at once, and measures each endpoint
# against the two alternately: ROUNDS rounds of 1 s per server (wrk, one connection, requests one
# after another).  Alternating in short windows puts whatever else the machine does on both
# sides equally, so the comparison holds on a busy machine, where two benchmark runs made
# minutes apart do not.  Prints the median p50 and p95 of the rounds for each side and the ratio
# this/baseline of the p95s.
#
#   bench/compare.sh [--smoke] [--keep] [REVISION]     (REVISION: default HEAD~1)
#
# Environment: BENCH_RUNS (default 10000), BENCH_ROUNDS (default 20; --smoke: 2), BENCH_TARGET
# (default 1.25: the largest p95 ratio this/baseline that passes).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
REV=HEAD~1
ARGS=()
for a in "$@"; do
	case "$a" in
	--* | -h) ARGS+=("$a") ;;
	*) REV=$a ;;
	esac
done
bench_init compare ${ARGS[@]+"${ARGS[@]}"}

RUNS=${BENCH_RUNS:-10000}
ROUNDS=${BENCH_ROUNDS:-20}
TARGET=${BENCH_TARGET:-1.25} # p95 this/baseline at most this
[[ $SMOKE -eq 1 ]] && ROUNDS=${BENCH_ROUNDS:-2}
BASE_SHA=$(git -C "$ROOT" rev-parse --verify "$REV^{commit}") || bench_die "no such revision: $REV"
HEAD_DESC="$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- server include migrations || echo '+changes')"

bench_deps
bench_build
HEAD_BIN=$SHIPLOGD
bench_log "building the baseline $REV (${BASE_SHA:0:9}) in $WORK/base"
git -C "$ROOT" archive --format=tar --prefix=base/ "$BASE_SHA" | tar -x -C "$WORK"
cmake -S "$WORK/base" -B "$WORK/base/build-bench" -DCMAKE_BUILD_TYPE=Release -DSHIPLOG_TESTS=OFF \
	>"$WORK/cmake-base.log" 2>&1 || { cat "$WORK/cmake-base.log" >&2; bench_die "cmake (baseline) failed"; }
cmake --build "$WORK/base/build-bench" -j "$(nproc)" --target shiplogd >>"$WORK/cmake-base.log" 2>&1 ||
	{ tail -30 "$WORK/cmake-base.log" >&2; bench_die "build (baseline) failed"; }
BASE_BIN="$WORK/base/build-bench/shiplogd"

bench_pg_start
declare -A BASES TOKENS
for side in base head; do
	psql "$PG_BASE" -XqAt -c "CREATE DATABASE cmp_$side" >/dev/null
	PG_URL="${PG_BASE%/postgres}/cmp_$side"
	if [[ $side == base ]]; then SHIPLOGD=$BASE_BIN; else SHIPLOGD=$HEAD_BIN; fi
	bench_migrate # each side with its own migrations
	bench_log "generating $RUNS runs for the $side (bench/generate.sql)"
	psql "$PG_URL" -Xq -v runs="$RUNS" -f "$BENCH_DIR/generate.sql" >"$WORK/generate-$side.log" 2>&1 ||
		{ cat "$WORK/generate-$side.log" >&2; bench_die "generation failed"; }
	bench_server_start 4
	bench_read_token
	BASES[$side]=$BASE TOKENS[$side]=$READ_TOKEN
	# shellcheck disable=SC2034 # both run until the end: bench_cleanup stops them
	SERVER_PID=""
done

cycles=$((RUNS / 500))
pr=$((2 * (cycles - 10) + 1))
sha=$(bench_psql -qAt -c "SELECT sha FROM branch_sequence WHERE repository_id = 7 AND seq = $((2 * (cycles - 10) + 2))")
cat >"$WORK/paths.txt" <<-EOF
	runs list|/api/v1/runs?limit=50
	runs by repo+branch main|/api/v1/runs?repo=bench-org/app-7&branch=main&limit=50
	run detail|/api/v1/runs/$((RUNS - 5000 > 0 ? RUNS - 5000 : 1))
	branch health main|/api/v1/repos/bench-org/app-7/branches/main/health
	PR journey|/api/v1/repos/bench-org/app-7/pulls/$pr/journey
	commit where|/api/v1/repos/bench-org/app-7/commits/$sha/where
	environment view|/api/v1/environments/staging
	release candidates|/api/v1/release-candidates?limit=50
EOF

# one window: "p50 p95" in ms
lat() {
	local base=$1 token=$2 path=$3 out a b err
	out=$(timeout 40 wrk -c 1 -t 1 -d 1s --timeout 10s -s "$BENCH_DIR/latency.lua" \
		-H "Authorization: Bearer $token" "$base$path" | awk '/^LAT / {print $3, $4, $2, $6}')
	read -r a b _ err <<<"$out"
	[[ "$err" == 0 ]] || bench_die "GET $path: $err errors"
	echo "$a $b"
}

echo
echo "== p50 / p95 latency, 1 connection: median of $ROUNDS alternating 1-s windows per side"
echo "   baseline $REV (${BASE_SHA:0:9}) vs this checkout ($HEAD_DESC), $RUNS runs"
printf '  %-26s %19s   %19s   %s\n' endpoint "baseline p50/p95" "this p50/p95" "p95 this/baseline"
while IFS='|' read -r name path; do
	for side in base head; do
		code=$(curl -sS -o "$WORK/last.json" -w '%{http_code}' -H "Authorization: Bearer ${TOKENS[$side]}" "${BASES[$side]}$path")
		[[ $code == 200 ]] || { head -c 600 "$WORK/last.json" >&2; bench_die "$side: GET $path answered $code"; }
		for _ in 1 2 3 4 5 6 7 8; do curl -fsS -o /dev/null -H "Authorization: Bearer ${TOKENS[$side]}" "${BASES[$side]}$path"; done
	done
	: >"$WORK/rounds.txt"
	for _ in $(seq "$ROUNDS"); do
		echo "base $(lat "${BASES[base]}" "${TOKENS[base]}" "$path")" >>"$WORK/rounds.txt"
		echo "head $(lat "${BASES[head]}" "${TOKENS[head]}" "$path")" >>"$WORK/rounds.txt"
	done
	python3 - "$name" "$WORK/rounds.txt" "$WORK/p95.txt" <<-'EOF'
		import statistics as st, sys
		name, rows = sys.argv[1], [l.split() for l in open(sys.argv[2])]
		m = {s: (st.median(float(r[1]) for r in rows if r[0] == s),
		         st.median(float(r[2]) for r in rows if r[0] == s)) for s in ("base", "head")}
		print("  %-26s %8.2f / %8.2f ms   %8.2f / %8.2f ms   %.2f" % (
		    name, *m["base"], *m["head"], m["head"][1] / m["base"][1]))
		open(sys.argv[3], "w").write("%s %s\n" % (m["base"][1], m["head"][1]))
	EOF
	read -r b95 h95 <"$WORK/p95.txt"
	bench_ratio "$name (p95 ms, this vs baseline)" "$h95" "$b95" "$TARGET" le >/dev/null
done <"$WORK/paths.txt"
bench_summary
