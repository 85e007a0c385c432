#!/usr/bin/env bash
# `make test`: everything from a fresh Debian 12 machine to a verdict.
#
# Stages: deps, lint (eslint over all JavaScript, and the tests SECURITY.md names exist: tests/lint), build (+ unit tests), valgrind (unit tests), asan (clang ASan/UBSan build +
# unit tests), fuzz (libFuzzer harnesses, ~2 min: tests/fuzz/README.md),
# integration (throwaway PostgreSQL + integration tests in the ASan build),
# compose (docker-compose config -q), deploy (tests/deploy: offline validation of deploy/),
# bench (bench/ingest.sh --smoke: the benchmark's harness runs clean), browser (tests/browser,
# when it exists), make-run (`make run` in a clean clone: tests/browser/make-run.test.mjs).
#
# Environment:
#   CI=true        a skipped / not-run test is a failure
#   JOBS=N         parallelism (default: nproc)
#   FUZZ_BUDGET=S  wall-time seconds for the fuzz stage, all targets together (default 120)
#   SHIPLOG_TEST_KEEP_PG=1   keep the throwaway cluster after the run (for debugging)
#   SHIPLOG_TEST_STAGES="a b"  only these stages (make stress uses it); unset: all of them
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# When started from make, don't let its flags/jobserver leak into the CMake-generated build.
unset MAKEFLAGS MFLAGS MAKELEVEL

JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
RESULTS="$ROOT/test-results"
PG_SH="$ROOT/scripts/pg.sh"
CHECKOUT_HASH=$(printf '%s' "$ROOT" | sha256sum | cut -c1-8)

case "${CI:-}" in
"" | false | 0 | no) STRICT=0 ;;
*) STRICT=1 ;;
esac

STAGE=""
STAGE_LOG=()          # "name  Ns" per finished stage
RESULT_LOG=()         # per-suite result lines for the summary
TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0
PG_DIR=""             # throwaway cluster (destroyed at exit)

say() { echo "$*"; }
warn() { echo "test.sh: warning: $*" >&2; }
fail() {
	echo "test.sh: FAIL: $*" >&2
	exit 1
}

# --- exit handling: cleanup, failing stage, summary --------------------------------------
cleanup() {
	if [[ -n "$PG_DIR" ]]; then
		if [[ "${SHIPLOG_TEST_KEEP_PG:-}" == 1 ]]; then
			say "keeping test cluster $PG_DIR (SHIPLOG_TEST_KEEP_PG=1)"
		else
			"$PG_SH" destroy "$PG_DIR" >/dev/null 2>&1 || warn "could not destroy $PG_DIR"
		fi
	fi
}

summary() {
	local line
	say ""
	say "== summary"
	for line in "${STAGE_LOG[@]}"; do say "   stage $line"; done
	for line in "${RESULT_LOG[@]}"; do say "   $line"; done
	if [[ $TOTAL_SKIPPED -gt 0 ]]; then
		say "$TOTAL_PASSED passed, $TOTAL_FAILED failed, $TOTAL_SKIPPED skipped"
	else
		say "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
	fi
}

on_exit() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	cleanup
	if [[ $rc -ne 0 ]]; then
		say ""
		say "== stage ${STAGE:-?} FAILED (exit $rc)"
	fi
	summary
	if [[ $rc -ne 0 ]]; then
		say "make test: FAILED in stage ${STAGE:-?}"
	else
		say "make test: OK (${SECONDS}s)"
	fi
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Stage functions are called directly (not inside `if`), so `set -e` stays in force in them.
# SHIPLOG_TEST_STAGES="integration browser" runs only those stages (scripts/stress.sh); a stage
# left out is not run and not counted.
stage() {
	local name=$1 fn=$2 t0=$SECONDS dt
	if [[ -n "${SHIPLOG_TEST_STAGES:-}" && " $SHIPLOG_TEST_STAGES " != *" $name "* ]]; then
		return 0
	fi
	STAGE=$name
	say ""
	say "== stage $name"
	"$fn"
	dt=$((SECONDS - t0))
	say "== stage $name took ${dt}s"
	STAGE_LOG+=("$(printf '%-12s %4ss' "$name" "$dt")")
}

# --- ctest with result accounting ----------------------------------------------------------
# run_ctest TAG BUILD_DIR LABEL TIMEOUT JOBS
# Runs one label, writes JUnit to test-results/, adds to the totals, fails on failures,
# and on skipped / not-run tests (and cmocka "[  SKIPPED ]" cases) under CI.
run_ctest() {
	local tag=$1 dir=$2 label=$3 timeout=$4 jobs=$5
	local junit="$RESULTS/ctest-$tag.xml" log="$RESULTS/ctest-$tag.log" rc counts
	local passed failed skipped total
	rm -f "$junit"
	set +e
	ctest --test-dir "$dir" -L "^${label}\$" --output-on-failure --timeout "$timeout" \
		--no-tests=error -j "$jobs" --output-junit "$junit" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	set -e

	if [[ ! -s "$junit" ]]; then
		RESULT_LOG+=("$tag: ctest produced no results (exit $rc)")
		TOTAL_FAILED=$((TOTAL_FAILED + 1))
		fail "$tag: ctest found/ran no '$label' tests in $dir (exit $rc)"
	fi

	counts=$(python3 - "$junit" <<'EOF'
import re, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
passed = failed = skipped = 0
notes = []
for tc in root.iter("testcase"):
    name = tc.get("name")
    status = tc.get("status")
    out = tc.findtext("system-out") or ""
    sk = tc.find("skipped")
    if status in ("notrun", "disabled") or sk is not None:
        skipped += 1
        msg = sk.get("message", "") if sk is not None else status
        notes.append(f"skipped: {name} ({msg})")
    elif status == "run" and tc.find("failure") is None:
        passed += 1
        if "[  SKIPPED ]" in out:
            # cmocka's skip() leaves the binary's exit status at 0; count it as a skip.
            skipped += 1
            m = re.search(r"\[  SKIPPED \] (\d+) test", out)
            n = m.group(1) if m else "some"
            notes.append(f"skipped: {name} has {n} cmocka-skipped case(s)")
    else:
        failed += 1
        notes.append(f"failed: {name}")
print(passed, failed, skipped)
for n in notes:
    print(n)
EOF
)
	read -r passed failed skipped <<<"$(head -n1 <<<"$counts")"
	total=$((passed + failed))
	TOTAL_PASSED=$((TOTAL_PASSED + passed))
	TOTAL_FAILED=$((TOTAL_FAILED + failed))
	TOTAL_SKIPPED=$((TOTAL_SKIPPED + skipped))
	RESULT_LOG+=("$(printf '%-22s %s passed, %s failed, %s skipped' "$tag:" "$passed" "$failed" "$skipped")")
	tail -n +2 <<<"$counts" | sed "s/^/   $tag: /"

	if [[ $total -eq 0 && $skipped -eq 0 ]]; then
		fail "$tag: ctest found no '$label' tests in $dir"
	fi
	if [[ $rc -ne 0 || $failed -ne 0 ]]; then
		fail "$tag: $failed failed, $skipped skipped/not run (ctest exit $rc); log: ${log#"$ROOT"/}"
	fi
	if [[ $skipped -ne 0 ]] || grep -qE '\*\*\*(Not Run|Skipped)|No tests were found' "$log"; then
		if [[ $STRICT -eq 1 ]]; then
			fail "$tag: $skipped test(s) skipped or not run; under CI a skipped test is a failure"
		fi
		warn "$tag: $skipped test(s) skipped or not run (would fail under CI=true)"
	fi
	if [[ $total -eq 0 ]]; then
		fail "$tag: no '$label' tests ran"
	fi
}

# --- stages ---------------------------------------------------------------------------------
stage_deps() {
	local flags=()
	if [[ -f tests/browser/package.json ]]; then flags+=(--browser); fi
	if [[ -f tests/deploy/package.json ]]; then flags+=(--node); fi # deploy validation: node + npm
	if [[ -f tests/lint/package.json ]]; then flags+=(--node); fi   # eslint
	bash scripts/deps.sh ${flags[@]+"${flags[@]}"}
}

stage_build() {
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHIPLOG_WERROR=ON
	cmake --build build -j "$JOBS"
	run_ctest unit build unit 60 "$JOBS"
	# A plain Release configuration (what the Dockerfile builds) compiles with -Werror too:
	# gcc's -O3 warns where -O2 does not (-Wstringop-overflow). Compiled only, never run.
	say "   Release build with -Werror (build-release/, compiled only)"
	cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DSHIPLOG_WERROR=ON >/dev/null
	if ! cmake --build build-release -j "$JOBS" >"$RESULTS/build-release.log" 2>&1; then
		grep -E 'error|warning' "$RESULTS/build-release.log" | head -n 40 >&2
		fail "the Release build failed (-Werror); log: ${RESULTS#"$ROOT"/}/build-release.log"
	fi
}

# Unit test binaries of the normal build, one "cwd<TAB>json-command" line each.
unit_test_commands() {
	ctest --test-dir build -L '^unit$' --show-only=json-v1 | python3 -c '
import json, sys
for t in json.load(sys.stdin).get("tests", []):
    cwd = ""
    for p in t.get("properties", []):
        if p.get("name") == "WORKING_DIRECTORY":
            cwd = p.get("value")
    if t.get("command"):
        print(t["name"], cwd, json.dumps(t["command"]), sep="\t")
'
}

valgrind_one() {
	local name=$1 cwd=$2 cmd_json=$3 out="$RESULTS/valgrind/$1"
	local -a cmd supp=()
	mapfile -t cmd < <(python3 -c 'import json,sys; print("\n".join(json.loads(sys.argv[1])))' "$cmd_json")
	[[ -f "$ROOT/tests/valgrind.supp" ]] && supp=(--suppressions="$ROOT/tests/valgrind.supp")
	set +e
	(cd "${cwd:-$ROOT/build/tests}" &&
		valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
			--show-leak-kinds=definite,indirect --error-exitcode=1 --num-callers=30 \
			"${supp[@]}" --log-file="$out.valgrind.log" "${cmd[@]}") >"$out.out.log" 2>&1
	echo $? >"$out.rc"
}

stage_valgrind() {
	local lines name cwd cmd running=0 bad=0 n=0 rc
	rm -rf "$RESULTS/valgrind"
	mkdir -p "$RESULTS/valgrind"
	lines=$(unit_test_commands)
	[[ -n "$lines" ]] || fail "no unit test binaries found for valgrind"
	while IFS=$'\t' read -r name cwd cmd; do
		n=$((n + 1))
		valgrind_one "$name" "$cwd" "$cmd" </dev/null &
		running=$((running + 1))
		if [[ $running -ge $JOBS ]]; then
			wait -n || true
			running=$((running - 1))
		fi
	done <<<"$lines"
	wait || true
	while IFS=$'\t' read -r name cwd cmd; do
		rc=$(cat "$RESULTS/valgrind/$name.rc" 2>/dev/null || echo missing)
		if [[ "$rc" == 0 ]]; then
			say "   valgrind ok: $name"
		else
			bad=$((bad + 1))
			say "   valgrind FAILED: $name (exit $rc)"
			sed 's/^/      | /' "$RESULTS/valgrind/$name.out.log" | tail -n 40
			sed 's/^/      valgrind| /' "$RESULTS/valgrind/$name.valgrind.log" | tail -n 80
		fi
	done <<<"$lines"
	RESULT_LOG+=("$(printf '%-22s %s binaries, %s with errors' "valgrind:" "$n" "$bad")")
	[[ $bad -eq 0 ]] || fail "valgrind found errors in $bad of $n unit test binaries (logs in test-results/valgrind/)"
}

export_sanitizer_env() {
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
}

stage_asan() {
	export_sanitizer_env
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSHIPLOG_SANITIZE=ON -DCMAKE_C_COMPILER=clang
	cmake --build build-asan -j "$JOBS"
	run_ctest unit-asan build-asan unit 60 "$JOBS"
}

# --- fuzz (tests/fuzz/README.md) -------------------------------------------------------------
# libFuzzer harnesses (clang, ASan+UBSan) in build-fuzz, each on a copy of its committed corpus
# with -seed=1 and a fixed budget: FUZZ_BUDGET seconds of wall time for all targets (default
# 120). Any crash, leak, timeout or out-of-memory fails the stage. `make fuzz-long` runs longer.
run_fuzzers() {
	local summary="$RESULTS/fuzz/summary.tsv" rc t verdict execs dt passed=0 failed=0
	export_sanitizer_env
	cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
		-DSHIPLOG_FUZZ=ON -DSHIPLOG_SANITIZE=ON -DSHIPLOG_TESTS=OFF
	cmake --build build-fuzz -j "$JOBS" --target fuzzers
	set +e
	bash tests/fuzz/run.sh --build build-fuzz --out "$RESULTS/fuzz" --budget "${FUZZ_BUDGET:-120}" \
		--jobs "$JOBS"
	rc=$?
	set -e
	[[ -s "$summary" ]] || { TOTAL_FAILED=$((TOTAL_FAILED + 1)); fail "fuzz: no results (exit $rc)"; }
	while IFS=$'\t' read -r t verdict execs dt; do
		if [[ "$verdict" == ok ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
	done <"$summary"
	[[ $rc -eq 0 || $failed -gt 0 ]] || failed=1
	TOTAL_PASSED=$((TOTAL_PASSED + passed))
	TOTAL_FAILED=$((TOTAL_FAILED + failed))
	RESULT_LOG+=("$(printf '%-22s %s passed, %s failed, %s skipped' "fuzz:" "$passed" "$failed" 0)")
	[[ $failed -eq 0 ]] || fail "fuzz: $failed target(s) found a crash, leak or timeout (test-results/fuzz/)"
}

start_test_cluster() {
	local d pid url
	# Remove clusters left behind by earlier runs of this checkout that were killed hard.
	for d in /var/tmp/shiplog-test-"$CHECKOUT_HASH"-*; do
		[[ -d "$d" ]] || continue
		pid=${d##*-}
		if [[ "$pid" =~ ^[0-9]+$ ]] && ! kill -0 "$pid" 2>/dev/null; then
			say "   removing stale test cluster $d"
			"$PG_SH" destroy "$d" >/dev/null 2>&1 || warn "could not remove $d"
		fi
	done
	PG_DIR="/var/tmp/shiplog-test-$CHECKOUT_HASH-$$"
	url=$("$PG_SH" start "$PG_DIR")
	export SHIPLOG_TEST_DATABASE_URL="$url"
	export SHIPLOG_TEST_PG_CTL="$PG_SH"
	export SHIPLOG_TEST_PG_DIR="$PG_DIR"
	say "   SHIPLOG_TEST_DATABASE_URL=$SHIPLOG_TEST_DATABASE_URL"
	say "   SHIPLOG_TEST_PG_DIR=$SHIPLOG_TEST_PG_DIR"
}

stage_integration() {
	export_sanitizer_env
	start_test_cluster
	if ! compgen -G "tests/integration/test_*.c" >/dev/null; then
		say "   no integration tests (tests/integration/test_*.c): nothing to run"
		if [[ $STRICT -eq 1 ]]; then
			warn "CI: no integration tests exist yet"
		fi
		return 0
	fi
	run_ctest integration build-asan integration 300 2
}

# --- node --test stages (contract, deploy, browser) ------------------------------------------
# tally_node_tests LABEL LOG RC: adds the totals of a node --test run ("# pass N" with the TAP
# reporter, "ℹ pass N" with spec; todo and cancelled count as skipped) to the summary, and
# fails the stage on a failure, on no test at all, or on a skip under CI.
node_total() { sed -nE "s/^(# |ℹ )$2 ([0-9]+)/\2/p" "$1" | tail -n1; }

tally_node_tests() {
	local label=$1 log=$2 rc=$3 passed failed skipped
	passed=$(($(node_total "$log" pass) + 0))
	failed=$(($(node_total "$log" fail) + 0))
	skipped=$(($(node_total "$log" skipped) + $(node_total "$log" todo) + $(node_total "$log" cancelled) + 0))
	[[ $rc -ne 0 && $failed -eq 0 ]] && failed=1
	TOTAL_PASSED=$((TOTAL_PASSED + passed))
	TOTAL_FAILED=$((TOTAL_FAILED + failed))
	TOTAL_SKIPPED=$((TOTAL_SKIPPED + skipped))
	RESULT_LOG+=("$(printf '%-22s %s passed, %s failed, %s skipped' "$label:" "$passed" "$failed" "$skipped")")
	[[ $rc -eq 0 ]] || fail "$label tests failed (exit $rc); log: ${log#"$ROOT"/}"
	[[ $((passed + failed)) -gt 0 ]] || fail "$label tests: no tests ran"
	if [[ $skipped -ne 0 && $STRICT -eq 1 ]]; then
		fail "$label tests: $skipped skipped/todo/cancelled; under CI a skipped test is a failure"
	fi
}

# --- contract (tests/contract) -------------------------------------------------------------
# build/shiplogd on its own database in the test cluster, data loaded through real endpoints,
# then every GET route of /api/v1/openapi.json called with real ids and each answer (and a few
# problem answers) validated against the document with ajv. Node modules from the lock file.
run_contract_tests() {
	local dir="$ROOT/tests/contract" log="$RESULTS/contract.log" rc
	command -v node >/dev/null 2>&1 || fail "node is not installed (scripts/deps.sh --node)"
	command -v npm >/dev/null 2>&1 || fail "npm is not installed (scripts/deps.sh --node)"
	[[ -n "${SHIPLOG_TEST_DATABASE_URL:-}" ]] || start_test_cluster
	(cd "$dir" && npm ci --no-audit --no-fund)
	set +e
	SHIPLOGD="$ROOT/build/shiplogd" timeout 120 \
		node --test --test-reporter=tap "$dir"/*.test.mjs 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	set -e
	tally_node_tests contract "$log" "$rc"
}

stage_compose() {
	[[ -f docker-compose.yml ]] || fail "docker-compose.yml is missing"
	# Offline validation only; needs no Docker engine.
	docker-compose -f docker-compose.yml config -q
	say "   docker-compose.yml is valid"
}

# --- the ingest benchmark's harness (bench/README.md) ----------------------------------------
# bench/ingest.sh --smoke: its own PostgreSQL and Release build, both processing modes under wrk,
# the queued backlog applied, the three pgbench baselines.  A few seconds of load on small data:
# the figures mean nothing and are not judged (speed is measured by `make bench`, not here);
# the run is: it completes, every delivery is answered 2xx and ends processed, and it prints
# every ratio.
stage_bench() {
	local log="$RESULTS/bench-ingest-smoke.log" rc ratios
	set +e
	timeout --kill-after=10 900 bash bench/ingest.sh --smoke >"$log" 2>&1
	rc=$?
	set -e
	ratios=$(grep -c ' ratio ' "$log" || true)
	if [[ $rc -eq 0 && $ratios -ge 8 ]] && grep -q ' 0 non-2xx/socket errors and 0 deliveries not processed' "$log"; then
		TOTAL_PASSED=$((TOTAL_PASSED + 1))
		RESULT_LOG+=("$(printf '%-22s %s passed, %s failed, %s skipped' "bench (smoke):" 1 0 0)")
		say "   bench/ingest.sh --smoke ran clean (${RESULTS#"$ROOT"/}/bench-ingest-smoke.log)"
	else
		TOTAL_FAILED=$((TOTAL_FAILED + 1))
		RESULT_LOG+=("$(printf '%-22s %s passed, %s failed, %s skipped' "bench (smoke):" 0 1 0)")
		tail -30 "$log" >&2
		fail "bench/ingest.sh --smoke failed (exit $rc, $ratios ratio lines)"
	fi
}

# --- deploy validation (tests/deploy) ---------------------------------------------------------
# Offline: every manifest under deploy/ against the Kubernetes and Flux schemas, both overlays
# rendered (also with `kubectl kustomize` where kubectl exists), the security settings,
# `shiplogd --check-config` on the mounted config, the example workflow run with the CLI.
run_deploy_validation() {
	local dir="$ROOT/tests/deploy" log="$RESULTS/deploy.log" rc
	command -v node >/dev/null 2>&1 || fail "node is not installed (scripts/deps.sh --node)"
	command -v npm >/dev/null 2>&1 || fail "npm is not installed (scripts/deps.sh --node)"
	(cd "$dir" && npm ci --no-audit --no-fund)
	set +e
	SHIPLOGD="$ROOT/build/shiplogd" SHIPLOG_CLI="$ROOT/build/shiplog" \
		node --test --test-reporter=tap "$dir"/*.test.mjs 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	set -e
	tally_node_tests deploy "$log" "$rc"
}

stage_deploy() {
	if [[ ! -f tests/deploy/package.json ]]; then
		say "   no tests/deploy/package.json: nothing to run"
		return 0
	fi
	run_deploy_validation
}

# --- lint (tests/lint) --------------------------------------------------------------------------
# eslint with the usual correctness rules and Prettier's layout as one rule, over the dashboard's
# JavaScript and the Node test suites (tests/lint/eslint.config.mjs). Modules from the lock file.
run_lint() {
	local dir="$ROOT/tests/lint" log="$RESULTS/lint.log" rc
	command -v npm >/dev/null 2>&1 || fail "npm is not installed (scripts/deps.sh --node)"
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
	set +e
	(cd "$dir" && timeout --kill-after=10 300 npm run --silent lint) >"$log" 2>&1
	rc=$?
	set -e
	if [[ $rc -ne 0 ]]; then
		tail -n 40 "$log" >&2
		TOTAL_FAILED=$((TOTAL_FAILED + 1))
		RESULT_LOG+=("$(printf '%-22s %s passed, %s failed, %s skipped' "lint:" 0 1 0)")
		fail "eslint found problems (exit $rc; cd tests/lint && npm run fix rewrites the layout); log: ${log#"$ROOT"/}"
	fi
	# SECURITY.md's attacks table names a test for each attack: each must exist
	if ! node "$dir/security-tests.mjs" >>"$log" 2>&1; then
		tail -n 20 "$log" >&2
		TOTAL_FAILED=$((TOTAL_FAILED + 1))
		RESULT_LOG+=("$(printf '%-22s %s passed, %s failed, %s skipped' "lint:" 1 1 0)")
		fail "SECURITY.md names a test that does not exist (tests/lint/security-tests.mjs); log: ${log#"$ROOT"/}"
	fi
	TOTAL_PASSED=$((TOTAL_PASSED + 2))
	RESULT_LOG+=("$(printf '%-22s %s passed, %s failed, %s skipped' "lint:" 2 0 0)")
	say "   eslint: no problems in web/js, tests/browser, tests/deploy, tests/contract"
	say "   $(tail -n 1 "$log")"
}

stage_lint() {
	if [[ ! -f tests/lint/package.json ]]; then
		say "   no tests/lint/package.json: nothing to run"
		return 0
	fi
	run_lint
}

# --- browser tests ----------------------------------------------------------------------------
# tests/browser (tests/browser/README.md): the dashboard and the feedback form in Debian's
# headless Chromium, driven by playwright-core (npm ci from the committed lock file). The tests
# start their own build/shiplogd (database shiplog_browser in the test cluster, the test
# configuration tests/browser/shiplog.test.yaml, fresh secrets), load a few weeks of demo data
# through the real webhook and API endpoints (tests/browser/seed.mjs), and write screenshots of
# every page, desktop and phone, to build/screenshots/.
run_browser_tests() {
	local dir="$ROOT/tests/browser" log="$RESULTS/browser.log" shots="$ROOT/build/screenshots"
	local rc n
	command -v node >/dev/null 2>&1 || fail "node is not installed (scripts/deps.sh --browser)"
	command -v npm >/dev/null 2>&1 || fail "npm is not installed (scripts/deps.sh --browser)"
	[[ -x /usr/bin/chromium ]] || fail "/usr/bin/chromium is missing (scripts/deps.sh --browser)"
	[[ -x "$ROOT/build/shiplogd" ]] || fail "build/shiplogd is missing (stage build)"
	# playwright-core drives Debian's chromium; nothing may download a browser of its own
	export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 CHROME_PATH=/usr/bin/chromium
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
	# the throwaway cluster of the integration stage; started here when that stage did not run
	[[ -n "${SHIPLOG_TEST_DATABASE_URL:-}" ]] || start_test_cluster
	rm -rf "$shots"
	set +e
	(
		cd "$dir" &&
			SHIPLOGD="$ROOT/build/shiplogd" SHIPLOG_BROWSER_DB=shiplog_browser \
				SHIPLOG_BROWSER_LOG="$RESULTS/browser-shiplogd.log" SHIPLOG_SCREENSHOTS="$shots" \
				timeout --kill-after=10 600 npm test --silent
	) 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	set -e
	n=$(find "$shots" -name '*.png' 2>/dev/null | wc -l)
	say "   browser: $n screenshots in ${shots#"$ROOT"/}/; server log: ${RESULTS#"$ROOT"/}/browser-shiplogd.log"
	tally_node_tests browser "$log" "$rc"
}

stage_browser() {
	if [[ ! -f tests/browser/package.json ]]; then
		say "   no tests/browser/package.json: nothing to run"
		return 0
	fi
	run_browser_tests
}

# --- make run, as a newcomer runs it (tests/browser/make-run.test.mjs) ---------------------------
# `make run` in a clean clone of this checkout's HEAD (built from nothing with JOBS, its own
# PostgreSQL under a temporary SHIPLOG_STATE_DIR, a free PORT), then the printed URL in Chromium,
# signed in with the printed admin token, showing the demo data; Ctrl-C; all of it removed after.
run_make_run_test() {
	local dir="$ROOT/tests/browser" log="$RESULTS/make-run-test.log" rc
	[[ -x /usr/bin/chromium ]] || fail "/usr/bin/chromium is missing (scripts/deps.sh --browser)"
	export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 CHROME_PATH=/usr/bin/chromium
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
	set +e
	(
		cd "$dir" &&
			JOBS="$JOBS" SHIPLOG_MAKE_RUN_LOG="$RESULTS/make-run.log" \
				timeout --kill-after=30 900 node --test --test-reporter=tap make-run.test.mjs
	) 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	set -e
	say "   output of make run: ${RESULTS#"$ROOT"/}/make-run.log"
	tally_node_tests make-run "$log" "$rc"
}

# --- main -------------------------------------------------------------------------------------
say "shiplog make test in $ROOT (jobs: $JOBS, CI strict: $([[ $STRICT -eq 1 ]] && echo yes || echo no))"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"

stage deps stage_deps
stage lint stage_lint # eslint over all JavaScript (tests/lint)
stage build stage_build
stage valgrind stage_valgrind
stage asan stage_asan
stage fuzz run_fuzzers # libFuzzer harnesses (tests/fuzz)
stage integration stage_integration
stage contract run_contract_tests # the OpenAPI document against a running server (tests/contract)
stage bench stage_bench # the ingest benchmark's harness, smoke mode
stage compose stage_compose
stage deploy stage_deploy
stage browser stage_browser
stage make-run run_make_run_test # `make run` in a clean clone, its dashboard in Chromium
STAGE=""
