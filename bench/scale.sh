#!/usr/bin/env bash
# bench/scale.sh — are the read endpoints flat as history grows?  Loads the same synthetic history
# (bench/generate.sql) at two sizes into two databases of one PostgreSQL — SMALL runs (10,000) and
# LARGE runs (1,000,000: 5,000,000 jobs, 200,000 PRs, 50,000 deployments) — and measures the p95
# latency of each endpoint against each, one connection, requests one after another.
# Target: p95(LARGE) / p95(SMALL) <= 1.5 for every endpoint.  Then prints EXPLAIN (ANALYZE, BUFFERS)
# of every statement each endpoint runs against LARGE (auto_explain, the server's own prepared
# statements after their sixth execution, i.e. the plan PostgreSQL really uses).
#
#   bench/scale.sh [--smoke] [--keep]
#
# Environment: BENCH_DURATION (default 20: each endpoint is measured for 0.3 x that, at least 3 s,
# per size), BENCH_SMALL (10000), BENCH_LARGE (1000000; --smoke: 20000),
# BENCH_EXPLAIN_SMALL=1 also prints the plans against SMALL.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init scale "$@"

SMALL=${BENCH_SMALL:-10000}
LARGE=${BENCH_LARGE:-1000000}
[[ $SMOKE -eq 1 ]] && LARGE=${BENCH_LARGE:-20000}
SECS=$((DURATION * 3 / 10))
((SECS < 3)) && SECS=3

bench_deps
bench_build
bench_pg_start

declare -A DB_URL
for size in "$SMALL" "$LARGE"; do
	psql "$PG_BASE" -XqAt -c "CREATE DATABASE s$size" >/dev/null
	DB_URL[$size]="${PG_BASE%/postgres}/s$size"
	PG_URL=${DB_URL[$size]}
	bench_migrate
	bench_log "generating $size runs (bench/generate.sql)"
	t0=$(date +%s%N)
	psql "$PG_URL" -Xq -v runs="$size" -f "$BENCH_DIR/generate.sql" >"$WORK/generate-$size.log" 2>&1 ||
		{ cat "$WORK/generate-$size.log" >&2; bench_die "generation failed"; }
	t1=$(date +%s%N)
	echo "loaded $size runs in $(((t1 - t0) / 1000000)) ms: $(tail -n 3 "$WORK/generate-$size.log" | head -n 1 | tr -s ' ')"
done

# endpoints: the same question at both sizes (things as far from the end of history)
endpoints() {
	local n=$1 cycles=$(($1 / 500)) now sha short pr t_since t_until
	PG_URL=${DB_URL[$n]}
	pr=$((2 * (cycles - 10) + 1))
	sha=$(bench_psql -qAt -c "SELECT sha FROM branch_sequence WHERE repository_id = 7 AND seq = $((2 * (cycles - 10) + 2))")
	short=${sha:0:7}
	now=$(bench_psql -qAt -c "SELECT to_char(max(created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM runs")
	t_since=$(date -u -d "$now - 2 days" +%Y-%m-%dT%H:%M:%SZ)
	t_until=$(date -u -d "$now - 1 day" +%Y-%m-%dT%H:%M:%SZ)
	cat <<-EOF
		runs list|/api/v1/runs?limit=50
		runs by repo|/api/v1/runs?repo=bench-org/app-7&limit=50
		runs by repo+branch main|/api/v1/runs?repo=bench-org/app-7&branch=main&limit=50
		runs by branch (feature)|/api/v1/runs?branch=feature/$pr&limit=50
		runs by status in_progress|/api/v1/runs?status=in_progress&limit=10
		runs by conclusion failure|/api/v1/runs?conclusion=failure&limit=50
		runs by SHA|/api/v1/runs?sha=$sha&limit=50
		runs by short SHA|/api/v1/runs?sha=$short&limit=50
		runs by PR|/api/v1/runs?repo=bench-org/app-7&pr=$pr&limit=50
		runs by time range|/api/v1/runs?since=$t_since&until=$t_until&limit=50
		runs page 2 (cursor)|CURSOR
		run detail|/api/v1/runs/$((n - 5000))
		branch health main|/api/v1/repos/bench-org/app-7/branches/main/health
		pull request|/api/v1/repos/bench-org/app-7/pulls/$pr
		PR journey|/api/v1/repos/bench-org/app-7/pulls/$pr/journey
		commit|/api/v1/repos/bench-org/app-7/commits/$sha
		commit where|/api/v1/repos/bench-org/app-7/commits/$sha/where
		environment view|/api/v1/environments/staging
		environment deployments|/api/v1/environments/staging/deployments?limit=50
		environments list|/api/v1/environments
	EOF
	# release candidates, when this build has them
	if curl -fsS -o /dev/null -H "Authorization: Bearer $READ_TOKEN" "$BASE/api/v1/release-candidates" 2>/dev/null; then
		echo "release candidates|/api/v1/release-candidates?limit=50"
	fi
}

# one measurement: wrk, 1 connection, $1 seconds; prints "p50 p95 requests"
lat() {
	local secs=$1 base=$2 token=$3 path=$4 out
	out=$(timeout $((secs + 30)) wrk -c 1 -t 1 -d "${secs}s" --timeout 10s -s "$BENCH_DIR/latency.lua" \
		-H "Authorization: Bearer $token" "$base$path" | awk '/^LAT / {print $3, $4, $2, $6}')
	read -r a b c err <<<"$out"
	[[ "$err" == 0 ]] || bench_die "GET $path: $err errors"
	echo "$a $b $c"
}
check200() {
	local base=$1 token=$2 path=$3 code
	code=$(curl -sS -o "$WORK/last.json" -w '%{http_code}' -H "Authorization: Bearer $token" "$base$path")
	[[ $code == 200 ]] || { head -c 600 "$WORK/last.json" >&2; bench_die "GET $path answered $code"; }
}
cursor_path() {
	curl -fsS -H "Authorization: Bearer $2" "$1/api/v1/runs?limit=50" |
		python3 -c 'import json,sys,urllib.parse as u; n=json.load(sys.stdin)["next"]; p=u.urlsplit(n); print(p.path + "?" + p.query)'
}

# EXPLAIN of every statement of each endpoint, from auto_explain in the server's own sessions
explain_all() {
	local n=$1 name path off
	psql "$PG_BASE" -XqAt >/dev/null <<-EOF
		LOAD 'auto_explain';
		ALTER SYSTEM SET session_preload_libraries = 'auto_explain';
		ALTER SYSTEM SET auto_explain.log_min_duration = 0;
		ALTER SYSTEM SET auto_explain.log_analyze = on;
		ALTER SYSTEM SET auto_explain.log_buffers = on;
		ALTER SYSTEM SET auto_explain.log_level = 'warning';
		SELECT pg_reload_conf();
	EOF
	PG_URL=${DB_URL[$n]}
	bench_server_start 1 2
	READ_TOKEN=${TOKENS[$n]}
	local log="$PG_DIR/postgres.log"
	echo
	echo "== EXPLAIN (ANALYZE, BUFFERS) at $n runs: every statement of one request, the 7th in a row"
	while IFS='|' read -r name path; do
		for _ in 1 2 3 4 5 6; do
			curl -fsS -o /dev/null -H "Authorization: Bearer $READ_TOKEN" "$BASE$path"
		done
		sleep 0.2
		off=$(stat -c %s "$log")
		curl -fsS -o /dev/null -H "Authorization: Bearer $READ_TOKEN" "$BASE$path"
		sleep 0.3
		echo
		echo "--- $name: GET $path"
		tail -c +$((off + 1)) "$log" | python3 "$BENCH_DIR/plans.py"
	done <"$WORK/paths-$n.txt"
	bench_server_stop
	psql "$PG_BASE" -XqAt >/dev/null <<-EOF
		ALTER SYSTEM RESET session_preload_libraries;
		SELECT pg_reload_conf();
	EOF
}

# Both servers run at once; each endpoint is measured small, large, large, small, small, large
# (a third of the time each) and the lowest p95 of each size is kept: other load on the machine only ever adds latency,
# and measuring the two sizes in the same moments cancels its drift from the ratio.
declare -A BASES TOKENS PIDS
for size in "$SMALL" "$LARGE"; do
	PG_URL=${DB_URL[$size]}
	bench_server_start 4
	bench_read_token
	BASES[$size]=$BASE TOKENS[$size]=$READ_TOKEN PIDS[$size]=$SERVER_PID
	SERVER_PID=""
	endpoints "$size" | while IFS='|' read -r name path; do
		[[ $path == CURSOR ]] && path=$(cursor_path "$BASE" "$READ_TOKEN")
		check200 "$BASE" "$READ_TOKEN" "$path"
		echo "$name|$path"
		# warm the caches and the statements
		for _ in 1 2 3 4 5 6 7 8; do curl -fsS -o /dev/null -H "Authorization: Bearer $READ_TOKEN" "$BASE$path"; done
	done >"$WORK/paths-$size.txt"
done
HALF=$(((SECS + 2) / 3))
echo
echo "== p95 latency, 1 connection, ${HALF}s x 3 per endpoint and size (the lowest of the three p95s)"
printf '  %-30s %21s   %21s\n' endpoint "$SMALL runs p50/p95" "$LARGE runs p50/p95"
declare -A P95
while IFS='|' read -r name path_s <&3 && IFS='|' read -r _ path_l <&4; do
	read -r s50a s95a _ < <(lat "$HALF" "${BASES[$SMALL]}" "${TOKENS[$SMALL]}" "$path_s")
	read -r l50a l95a _ < <(lat "$HALF" "${BASES[$LARGE]}" "${TOKENS[$LARGE]}" "$path_l")
	if [[ $SMOKE -eq 1 ]]; then # one round is enough to see that it works
		s50b=$s50a s95b=$s95a s50c=$s50a s95c=$s95a l50b=$l50a l95b=$l95a l50c=$l50a l95c=$l95a
	else
		read -r l50b l95b _ < <(lat "$HALF" "${BASES[$LARGE]}" "${TOKENS[$LARGE]}" "$path_l")
		read -r s50b s95b _ < <(lat "$HALF" "${BASES[$SMALL]}" "${TOKENS[$SMALL]}" "$path_s")
		read -r s50c s95c _ < <(lat "$HALF" "${BASES[$SMALL]}" "${TOKENS[$SMALL]}" "$path_s")
		read -r l50c l95c _ < <(lat "$HALF" "${BASES[$LARGE]}" "${TOKENS[$LARGE]}" "$path_l")
	fi
	s95=$(python3 -c "print(min($s95a, $s95b, $s95c))") l95=$(python3 -c "print(min($l95a, $l95b, $l95c))")
	s50=$(python3 -c "print(min($s50a, $s50b, $s50c))") l50=$(python3 -c "print(min($l50a, $l50b, $l50c))")
	P95["$name|$SMALL"]=$s95 P95["$name|$LARGE"]=$l95
	printf '  %-30s %9.2f / %9.2f ms   %9.2f / %9.2f ms\n' "$name" "$s50" "$s95" "$l50" "$l95"
done 3<"$WORK/paths-$SMALL.txt" 4<"$WORK/paths-$LARGE.txt"
for size in "$SMALL" "$LARGE"; do
	SERVER_PID=${PIDS[$size]}
	bench_server_stop
done

echo
echo "== scale: p95 at $LARGE runs vs $SMALL runs (target ratio <= 1.5)"
while IFS='|' read -r name _; do
	bench_ratio "$name (p95 ms)" "${P95["$name|$LARGE"]}" "${P95["$name|$SMALL"]}" 1.5 le
done <"$WORK/paths-$SMALL.txt"

if [[ ${BENCH_EXPLAIN_SMALL:-0} == 1 ]]; then
	explain_all "$SMALL"
fi
explain_all "$LARGE"
bench_summary
