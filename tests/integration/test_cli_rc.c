/*
 * test_cli_rc.c — `shiplog rc cut|ls|show|ready|notes|state` and `shiplog
 * feedback add|ls|resolve`, run as a real process (fork/exec of the built
 * CLI) against the real server: tables and --json, the readiness exit code
 * a CI step gates on, an illegal state change naming the allowed states, an
 * unready RC naming its gates and a release manager's override,
 * the feedback round trip, usage errors (exit 2) and --help (exit 0).
 *
 * Data the commands read is made through the API with the admin token.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli_run.h"
#include "itest.h"

#ifndef SHIPLOG_CLI_PATH
#error "SHIPLOG_CLI_PATH must name the built shiplog CLI"
#endif

static struct itest_server server;
static char db_url[512];
static char *cli_token;	 /* scopes ci and feedback */
static char *read_token; /* scope read only */

#define SHA_1	 "1111111111111111111111111111111111111111"
#define SHA_2	 "2222222222222222222222222222222222222222"
#define SHA_3	 "3333333333333333333333333333333333333333"
#define SHA_4	 "4444444444444444444444444444444444444444"
#define SHA_5	 "5555555555555555555555555555555555555555"
#define DIGEST_A "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DIGEST_B "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* The CLI with the ci+feedback token against the test server. */
#define CLI(o, ...)                                                  \
	do {                                                         \
		const char *const cli_args_[] = {__VA_ARGS__, NULL}; \
		cli_exec((o), server.base, cli_token, NULL, cli_args_);    \
	} while (0)

/* The CLI with another URL and token. */
#define CLI_AS(o, url, token, ...)                                   \
	do {                                                         \
		const char *const cli_args_[] = {__VA_ARGS__, NULL}; \
		cli_exec((o), (url), (token), NULL, cli_args_);            \
	} while (0)

/* ---- the API, as the admin ---------------------------------------------------- */

/* Sends `body` (NULL: none) as the admin; asserts `status`; returns the JSON
 * answer (caller decrefs). */
static json_t *api(const char *method, const char *path, const char *body, long status)
{
	struct itest_response r;
	if (body)
		itest_json(&server, method, path, ITEST_ADMIN_TOKEN, body, &r);
	else
		itest_get(&server, path, ITEST_ADMIN_TOKEN, &r);
	if (r.status != status) {
		fprintf(stderr, "%s %s -> %ld, expected %ld: %s\n", method, path, r.status, status,
			r.body ? r.body : "");
		fail_msg("unexpected status from the API");
	}
	json_t *j = r.json;
	r.json = NULL;
	itest_response_free(&r);
	return j;
}

static long long json_id(const json_t *o)
{
	long long id = json_integer_value(json_object_get(o, "id"));
	assert_true(id > 0);
	return id;
}

/* Cuts an RC through the API; returns its id. */
static long long cut(const char *repo, const char *version, const char *sha)
{
	char body[512];
	snprintf(body, sizeof body, "{\"repository\":\"%s\",\"version\":\"%s\",\"commit\":\"%s\"}",
		 repo, version, sha);
	json_t *rc = api("POST", "/api/v1/release-candidates", body, 201);
	long long id = json_id(rc);
	json_decref(rc);
	return id;
}

static void set_state(long long id, const char *state)
{
	char path[96], body[128];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%lld", id);
	snprintf(body, sizeof body, "{\"state\":\"%s\",\"reason\":\"test\"}", state);
	json_decref(api("PATCH", path, body, 200));
}

/* Feedback through the API; returns its id. */
static long long give_feedback(long long rc_id, const char *json_body)
{
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%lld/feedback", rc_id);
	json_t *f = api("POST", path, json_body, 201);
	long long id = json_id(f);
	json_decref(f);
	return id;
}

/* The RC as the API answers it (caller decrefs). */
static json_t *get_rc(long long id)
{
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%lld", id);
	return api("GET", path, NULL, 200);
}

/* Reports a finished run on `sha` with a build and an e2e job. */
static void report_run(const char *repo, const char *sha, const char *external_id,
		       const char *conclusion)
{
	char body[1024];
	snprintf(
		body, sizeof body,
		"{\"repository\":\"%s\",\"provider\":\"gitlab-ci\",\"external_id\":\"%s\","
		"\"sha\":\"%s\",\"status\":\"completed\",\"conclusion\":\"%s\","
		"\"branch\":\"main\",\"workflow\":\"ci\","
		"\"started_at\":\"2026-11-20T10:00:00Z\",\"completed_at\":\"2026-11-20T10:05:00Z\","
		"\"jobs\":[{\"name\":\"build\",\"status\":\"completed\",\"conclusion\":\"%s\"},"
		"{\"name\":\"e2e\",\"status\":\"completed\",\"conclusion\":\"%s\"}]}",
		repo, external_id, sha, conclusion, conclusion, conclusion);
	json_decref(api("POST", "/api/v1/runs", body, 201));
}

static void id_text(char *buf, size_t size, long long id)
{
	snprintf(buf, size, "%lld", id);
}

/* ---- setup ------------------------------------------------------------------ */

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("cli_rc", db_url, sizeof db_url);
	itest_server_start(&server, db_url, NULL);
	cli_token = itest_token(&server, "ci,feedback");
	read_token = itest_token(&server, "read");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(cli_token);
	free(read_token);
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

/* ---- help and usage ------------------------------------------------------------ */

static void help_on_every_rc_and_feedback_subcommand_exits_0(void **state)
{
	(void)state;
	static const char *const paths[][2] = {
		{"rc", NULL},	    {"rc", "cut"},	     {"rc", "ls"},
		{"rc", "show"},	    {"rc", "ready"},	     {"rc", "notes"},
		{"rc", "state"},    {"feedback", NULL},	     {"feedback", "add"},
		{"feedback", "ls"}, {"feedback", "resolve"},
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		for (int style = 0; style < 2; style++) {
			const char *args[4] = {0};
			char expect[64] = "usage: shiplog";
			size_t n = 0;
			for (size_t k = 0; k < 2 && paths[i][k]; k++) {
				args[n++] = paths[i][k];
				strcat(expect, " ");
				strcat(expect, paths[i][k]);
			}
			args[n++] = style ? "-h" : "--help";
			struct cli_out o;
			cli_exec(&o, NULL, NULL, NULL, args); /* no server needed */
			expect_code(&o, 0);
			expect_contains(o.out, expect);
			expect_contains(o.out, "--json");
			assert_string_equal(o.err, "");
			cli_out_free(&o);
		}
	}
	struct cli_out o;
	/* the families are listed at the top */
	CLI_AS(&o, NULL, NULL, "--help");
	expect_code(&o, 0);
	expect_contains(o.out, "  rc ");
	expect_contains(o.out, "  feedback ");
	cli_out_free(&o);
	/* the readiness exit code is documented where a CI author looks */
	CLI_AS(&o, NULL, NULL, "rc", "ready", "--help");
	expect_contains(o.out, "usage: shiplog rc ready ID");
	expect_contains(o.out, "0 when the verdict is ready, 1 when it is not");
	cli_out_free(&o);
	CLI_AS(&o, NULL, NULL, "rc", "cut", "--help");
	expect_contains(o.out, "--repository OWNER/NAME --version VERSION --commit SHA");
	expect_contains(o.out, "--artifact DIGEST");
	expect_contains(o.out, "(repeatable)");
	cli_out_free(&o);
	CLI_AS(&o, NULL, NULL, "feedback", "resolve", "--help");
	expect_contains(o.out, "usage: shiplog feedback resolve FEEDBACK_ID");
	expect_contains(o.out, "--fixed-in RC_ID");
	cli_out_free(&o);
}

static void usage_errors_exit_2_without_asking_the_server(void **state)
{
	(void)state;
	/* a URL nothing listens on: a request would exit 3, not 2 */
	char closed[64];
	snprintf(closed, sizeof closed, "http://127.0.0.1:%u", closed_port());
	static const struct {
		const char *args[10];
		const char *err;
	} cases[] = {
		{{"rc"}, "usage: shiplog rc COMMAND"},
		{{"rc", "promote"}, "unknown command 'promote'"},
		{{"feedback", "delete"}, "unknown command 'delete'"},
		{{"rc", "cut", "--version", "v1.0.0-rc.1", "--commit", SHA_1},
		 "missing --repository"},
		{{"rc", "cut", "--repository", "a/b", "--version", "v1.0.0-rc.1"},
		 "missing --commit"},
		{{"rc", "cut", "--repository", "a/b", "--version", "v1", "--commit", SHA_1,
		  "--artifact"},
		 "--artifact needs a value"},
		{{"rc", "ls", "--limit", "many"}, "--limit: not a number"},
		{{"rc", "ls", "--colour"}, "unknown option '--colour'"},
		{{"rc", "show"}, "missing ID"},
		{{"rc", "show", "seven"}, "not a release candidate id: 'seven'"},
		{{"rc", "show", "0"}, "not a release candidate id: '0'"},
		{{"rc", "show", "1", "2"}, "unexpected argument '2'"},
		{{"rc", "ready"}, "missing ID"},
		{{"rc", "ready", "-1"}, "unknown option '-1'"},
		{{"rc", "notes", "1x"}, "not a release candidate id"},
		{{"rc", "state", "1"}, "missing ID STATE"},
		{{"rc", "state", "x", "testing"}, "not a release candidate id"},
		{{"rc", "state", "1", "testing", "extra"}, "unexpected argument 'extra'"},
		{{"feedback", "add", "1"}, "missing --verdict"},
		{{"feedback", "add", "--verdict", "approve"}, "missing RC_ID"},
		{{"feedback", "add", "one", "--verdict", "approve"}, "not a release candidate id"},
		{{"feedback", "ls"}, "missing RC_ID"},
		{{"feedback", "resolve"}, "missing FEEDBACK_ID"},
		{{"feedback", "resolve", "abc"}, "not a feedback id: 'abc'"},
		{{"feedback", "resolve", "1", "--fixed-in", "rc.2"}, "--fixed-in: not a number"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cli_out o;
		cli_exec(&o, closed, cli_token, NULL, cases[i].args);
		expect_code(&o, 2);
		expect_contains(o.err, cases[i].err);
		expect_contains(o.err, "usage: shiplog ");
		assert_string_equal(o.out, "");
		cli_out_free(&o);
	}
	/* the usage shown is the subcommand's own */
	struct cli_out o;
	CLI(&o, "feedback", "add", "7");
	expect_code(&o, 2);
	expect_contains(o.err, "usage: shiplog feedback add RC_ID --verdict VERDICT");
	cli_out_free(&o);
	/* and the server was reached by none of them */
	CLI_AS(&o, closed, cli_token, "rc", "ls");
	expect_code(&o, 3);
	cli_out_free(&o);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM release_candidates rc"
						" JOIN repositories p ON p.id = rc.repository_id"
						" WHERE p.full_name = 'a/b'"),
			 0);
}

/* ---- rc cut --------------------------------------------------------------------- */

static void rc_cut_creates_then_merges_and_refuses_another_commit(void **state)
{
	(void)state;
	/* an artifact the RC ships */
	json_decref(api(
		"POST", "/api/v1/artifacts",
		"{\"kind\":\"image\",\"name\":\"ghcr.io/clirc/cut\",\"version\":\"v3.0.0-rc.1\","
		"\"digest\":\"" DIGEST_A "\",\"repository\":\"clirc/cut\",\"commit\":\"" SHA_1
		"\"}",
		201));
	struct cli_out o;
	CLI(&o, "rc", "cut", "--repository", "clirc/cut", "--version", "v3.0.0-rc.1", "--commit",
	    SHA_1, "--artifact", DIGEST_A, "--notes", "first cut");
	expect_code(&o, 0);
	expect_contains(o.out, "Cut release candidate ");
	expect_contains(o.out, "clirc/cut v3.0.0-rc.1 (target v3.0.0) at 1111111, draft");
	assert_string_equal(o.err, "");
	long long id = itest_sql_long(db_url, "SELECT rc.id FROM release_candidates rc"
					      " JOIN repositories p ON p.id = rc.repository_id"
					      " WHERE p.full_name = 'clirc/cut'"
					      " AND rc.version = 'v3.0.0-rc.1'");
	assert_true(id > 0);
	char expect[64];
	snprintf(expect, sizeof expect, "Cut release candidate %lld:", id);
	expect_contains(o.out, expect);
	cli_out_free(&o);
	/* the API has what the CLI sent */
	json_t *rc = get_rc(id);
	assert_string_equal(json_string_value(json_object_get(rc, "commit")), SHA_1);
	assert_string_equal(json_string_value(json_object_get(rc, "notes")), "first cut");
	assert_string_equal(json_string_value(json_object_get(rc, "state")), "draft");
	json_t *digests = json_object_get(rc, "artifact_digests");
	assert_int_equal(json_array_size(digests), 1);
	assert_string_equal(json_string_value(json_array_get(digests, 0)), DIGEST_A);
	json_decref(rc);

	/* the same again: merged, exit 0 */
	CLI(&o, "rc", "cut", "--repository", "clirc/cut", "--version", "v3.0.0-rc.1", "--commit",
	    SHA_1, "--artifact", DIGEST_A);
	expect_code(&o, 0);
	snprintf(expect, sizeof expect, "Merged into release candidate %lld:", id);
	expect_contains(o.out, expect);
	cli_out_free(&o);

	/* --json prints the server's answer */
	CLI(&o, "rc", "cut", "--json", "--repository", "clirc/cut", "--version", "v3.0.0-rc.2",
	    "--commit", SHA_2, "--artifact", DIGEST_A, "--artifact", DIGEST_B);
	expect_code(&o, 0);
	json_t *j = out_json(&o);
	assert_true(json_id(j) > id);
	assert_string_equal(json_string_value(json_object_get(j, "version")), "v3.0.0-rc.2");
	assert_string_equal(json_string_value(json_object_get(j, "target")), "v3.0.0");
	assert_int_equal(json_array_size(json_object_get(j, "artifact_digests")), 2);
	json_decref(j);
	cli_out_free(&o);

	/* that version at another commit: refused, exit 1 with the server's detail */
	CLI(&o, "rc", "cut", "--repository", "clirc/cut", "--version", "v3.0.0-rc.1", "--commit",
	    SHA_3);
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: Conflict with the current state: ");
	expect_contains(o.err, "already cut at " SHA_1);
	assert_string_equal(o.out, "");
	cli_out_free(&o);
	/* a field the server refuses, named */
	CLI(&o, "rc", "cut", "--repository", "clirc/cut", "--version", "v3.0.0-rc.3", "--commit",
	    "abc");
	expect_code(&o, 1);
	expect_contains(o.err, "commit");
	cli_out_free(&o);
	/* a read token may not cut */
	CLI_AS(&o, server.base, read_token, "rc", "cut", "--repository", "clirc/cut", "--version",
	       "v3.0.0-rc.4", "--commit", SHA_4);
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: The token lacks the scope this needs");
	cli_out_free(&o);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM release_candidates rc"
						" JOIN repositories p ON p.id = rc.repository_id"
						" WHERE p.full_name = 'clirc/cut'"),
			 2);
}

/* ---- rc ls ---------------------------------------------------------------------- */

static void rc_ls_lists_a_table_json_filters_and_pages(void **state)
{
	(void)state;
	long long a = cut("clirc/ls", "v2.0.0-rc.1", SHA_1);
	long long b = cut("clirc/ls", "v2.1.0-rc.1", SHA_2);
	long long c = cut("clirc/ls", "v2.1.0-rc.2", SHA_3);
	set_state(c, "testing");
	(void)a;
	(void)b;

	struct cli_out o;
	CLI(&o, "rc", "ls", "--repo", "clirc/ls");
	expect_code(&o, 0);
	expect_contains(o.out, "ID");
	expect_contains(o.out, "REPO");
	expect_contains(o.out, "VERSION");
	expect_contains(o.out, "TARGET");
	expect_contains(o.out, "STATE");
	expect_contains(o.out, "COMMIT");
	expect_contains(o.out, "CUT AT");
	/* columns line up: every version starts where the header's does */
	const char *header = o.out;
	size_t col = (size_t)(strstr(header, "VERSION") - header);
	const char *row = strchr(o.out, '\n') + 1;
	assert_int_equal(strncmp(row + col, "v2.1.0-rc.2", 11), 0);
	expect_contains(row, "clirc/ls");
	expect_contains(row, "v2.1.0  testing");
	expect_contains(row, "3333333");
	/* newest first; no colours when stdout is not a terminal */
	assert_true(strstr(o.out, "v2.1.0-rc.2") < strstr(o.out, "v2.1.0-rc.1"));
	assert_true(strstr(o.out, "v2.1.0-rc.1") < strstr(o.out, "v2.0.0-rc.1"));
	assert_null(strchr(o.out, '\033'));
	expect_lacks(o.out, "(more: --all)");
	cli_out_free(&o);

	/* filters */
	CLI(&o, "rc", "ls", "--repo", "clirc/ls", "--state", "testing");
	expect_code(&o, 0);
	expect_contains(o.out, "v2.1.0-rc.2");
	expect_lacks(o.out, "v2.1.0-rc.1");
	expect_lacks(o.out, "v2.0.0-rc.1");
	cli_out_free(&o);
	CLI(&o, "rc", "ls", "--repo", "clirc/ls", "--target", "v2.0.0");
	expect_code(&o, 0);
	expect_contains(o.out, "v2.0.0-rc.1");
	expect_lacks(o.out, "v2.1.0");
	cli_out_free(&o);
	CLI(&o, "rc", "ls", "--repo", "clirc/nothing-here");
	expect_code(&o, 0);
	assert_string_equal(o.out, "No release candidates.\n");
	cli_out_free(&o);

	/* --json: the server's list */
	CLI(&o, "rc", "ls", "--repo", "clirc/ls", "--json");
	expect_code(&o, 0);
	json_t *j = out_json(&o);
	json_t *items = json_object_get(j, "items");
	assert_int_equal(json_array_size(items), 3);
	assert_int_equal(json_id(json_array_get(items, 0)), c);
	assert_true(json_is_null(json_object_get(j, "next")));
	json_decref(j);
	cli_out_free(&o);

	/* pages: the first, then every one */
	CLI(&o, "rc", "ls", "--repo", "clirc/ls", "--limit", "2");
	expect_code(&o, 0);
	expect_contains(o.out, "(more: --all)");
	expect_lacks(o.out, "v2.0.0-rc.1");
	cli_out_free(&o);
	CLI(&o, "rc", "ls", "--repo", "clirc/ls", "--limit", "1", "--all", "--json");
	expect_code(&o, 0);
	j = out_json(&o);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 3);
	assert_true(json_is_null(json_object_get(j, "next")));
	json_decref(j);
	cli_out_free(&o);

	/* a filter value the server refuses: exit 1, the field named */
	CLI(&o, "rc", "ls", "--state", "shipped");
	expect_code(&o, 1);
	expect_contains(o.err, "state");
	cli_out_free(&o);
	/* a read token may list */
	CLI_AS(&o, server.base, read_token, "rc", "ls", "--repo", "clirc/ls");
	expect_code(&o, 0);
	expect_contains(o.out, "v2.0.0-rc.1");
	cli_out_free(&o);
}

/* ---- rc show -------------------------------------------------------------------- */

static void rc_show_prints_state_history_artifacts_and_feedback(void **state)
{
	(void)state;
	json_decref(api(
		"POST", "/api/v1/artifacts",
		"{\"kind\":\"image\",\"name\":\"ghcr.io/clirc/show\",\"version\":\"v4.0.0-rc.2\","
		"\"digest\":\"" DIGEST_B "\",\"repository\":\"clirc/show\",\"commit\":\"" SHA_2
		"\"}",
		201));
	long long first = cut("clirc/show", "v4.0.0-rc.1", SHA_1);
	give_feedback(first, "{\"verdict\":\"block\",\"author\":\"qa@acme.com\",\"team\":\"qa\","
			     "\"severity\":\"critical\",\"area\":\"checkout\","
			     "\"comment\":\"pay button does nothing\"}");
	json_t *second_rc = api("POST", "/api/v1/release-candidates",
				"{\"repository\":\"clirc/show\",\"version\":\"v4.0.0-rc.2\","
				"\"commit\":\"" SHA_2 "\",\"artifacts\":[\"" DIGEST_B "\"],"
				"\"notes\":\"second try\\nwith the checkout fix\"}",
				201);
	long long second = json_id(second_rc);
	json_decref(second_rc);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%lld", second);
	json_decref(
		api("PATCH", path, "{\"state\":\"testing\",\"reason\":\"QA starts today\"}", 200));
	give_feedback(second, "{\"verdict\":\"concern\",\"author\":\"ux@acme.com\",\"team\":\"ux\","
			      "\"area\":\"search\",\"comment\":\"results load slowly\"}");
	long long resolved = give_feedback(
		second, "{\"verdict\":\"concern\",\"author\":\"ops@acme.com\",\"comment\":\"old "
			"banner still shown\"}");
	snprintf(path, sizeof path, "/api/v1/feedback/%lld", resolved);
	json_decref(api("PATCH", path, "{\"status\":\"resolved\"}", 200));

	char id[32];
	id_text(id, sizeof id, second);
	struct cli_out o;
	CLI(&o, "rc", "show", id);
	expect_code(&o, 0);
	char title[96];
	snprintf(title, sizeof title, "Release candidate %lld  clirc/show v4.0.0-rc.2\n", second);
	assert_int_equal(strncmp(o.out, title, strlen(title)), 0);
	expect_contains(o.out, "  state          testing\n");
	expect_contains(o.out, "  target         v4.0.0\n");
	expect_contains(o.out, "  commit         " SHA_2 "\n");
	expect_contains(o.out, "next states    approved, rejected");
	expect_contains(o.out, "1 unresolved; open");
	/* notes line by line */
	expect_contains(o.out, "Notes:\n  second try\n  with the checkout fix\n");
	/* history, oldest first */
	expect_contains(o.out, "History:");
	const char *cut_row = strstr(o.out, "draft    ");
	const char *testing_row = strstr(o.out, "QA starts today");
	assert_non_null(cut_row);
	assert_non_null(testing_row);
	assert_true(cut_row < testing_row);
	/* the artifact it was cut with, known by its digest */
	expect_contains(o.out, "Artifacts (the digests it was cut with):");
	expect_contains(o.out, "ghcr.io/clirc/show");
	expect_contains(o.out, "sha256:bbbbbbbbbbbb");
	/* open feedback: the unresolved concern, not the resolved one */
	const char *open = strstr(o.out, "Open feedback:");
	const char *recheck = strstr(o.out, "To re-check");
	assert_non_null(open);
	assert_non_null(recheck);
	assert_true(open < recheck);
	const char *slow = strstr(o.out, "results load slowly");
	assert_true(slow && slow > open && slow < recheck);
	expect_lacks(o.out, "old banner");
	/* to re-check: the block on the earlier RC */
	const char *pay = strstr(o.out, "pay button does nothing");
	assert_true(pay && pay > recheck);
	expect_contains(recheck, "v4.0.0-rc.1");
	expect_contains(recheck, "critical");
	cli_out_free(&o);

	/* the earlier RC: superseded, no next state, nothing to re-check */
	id_text(id, sizeof id, first);
	CLI(&o, "rc", "show", id);
	expect_code(&o, 0);
	expect_contains(o.out, "  state          superseded\n");
	expect_contains(o.out, "superseded by  v4.0.0-rc.2");
	expect_contains(o.out, "next states    none");
	expect_contains(o.out, "Artifacts (built from its commit): none");
	expect_contains(o.out, "To re-check (unresolved on earlier RCs of this release): none");
	cli_out_free(&o);

	/* --json: the server's answer as is */
	id_text(id, sizeof id, second);
	CLI(&o, "rc", "show", id, "--json");
	expect_code(&o, 0);
	json_t *j = out_json(&o);
	assert_int_equal(json_id(j), second);
	assert_int_equal(json_array_size(json_object_get(j, "history")), 2);
	assert_int_equal(json_array_size(json_object_get(j, "to_recheck")), 1);
	assert_int_equal(json_array_size(json_object_get(j, "artifacts")), 1);
	json_decref(j);
	cli_out_free(&o);

	CLI(&o, "rc", "show", "987654");
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: Not found: id: no release candidate 987654");
	assert_string_equal(o.out, "");
	cli_out_free(&o);
}

/* ---- rc ready ------------------------------------------------------------------- */

static void rc_ready_exit_code_follows_the_verdict(void **state)
{
	(void)state;
	long long pending = cut("clirc/ready", "v5.0.0-rc.1", SHA_1);
	char id[32];
	id_text(id, sizeof id, pending);

	/* nothing has run on its commit: pending, exit 1 */
	struct cli_out o;
	CLI(&o, "rc", "ready", id);
	expect_code(&o, 1);
	expect_contains(o.out, "clirc/ready v5.0.0-rc.1 (draft)");
	expect_contains(o.out, "GATE");
	expect_contains(o.out, "STATUS");
	expect_contains(o.out, "REASON");
	expect_contains(o.out, "ci           pending");
	expect_contains(o.out, "no CI run has reported on 1111111 yet");
	expect_contains(o.out, "Not ready: pending");
	cli_out_free(&o);
	CLI(&o, "rc", "ready", id, "--json");
	expect_code(&o, 1);
	json_t *j = out_json(&o);
	assert_string_equal(json_string_value(json_object_get(j, "verdict")), "pending");
	assert_true(json_is_false(json_object_get(j, "ready")));
	json_decref(j);
	expect_contains(o.err, "v5.0.0-rc.1 is not ready: pending");
	cli_out_free(&o);

	/* CI green with its smoke tests: ready, exit 0 */
	report_run("clirc/ready", SHA_1, "ready-1", "success");
	CLI(&o, "rc", "ready", id);
	expect_code(&o, 0);
	expect_contains(o.out, "ci           passed");
	expect_contains(o.out, "smoke_tests  passed");
	expect_contains(o.out, "\nReady (as of ");
	expect_lacks(o.out, "pending");
	assert_string_equal(o.err, "");
	cli_out_free(&o);
	CLI(&o, "rc", "ready", id, "--json");
	expect_code(&o, 0);
	j = out_json(&o);
	assert_string_equal(json_string_value(json_object_get(j, "verdict")), "ready");
	assert_true(json_is_true(json_object_get(j, "ready")));
	json_decref(j);
	cli_out_free(&o);

	/* CI red: failed, exit 1 */
	long long failed = cut("clirc/ready", "v5.1.0-rc.1", SHA_2);
	report_run("clirc/ready", SHA_2, "ready-2", "failure");
	id_text(id, sizeof id, failed);
	CLI(&o, "rc", "ready", id);
	expect_code(&o, 1);
	expect_contains(o.out, "ci           failed");
	expect_contains(o.out, "Not ready: failed");
	cli_out_free(&o);
	CLI(&o, "rc", "ready", id, "--json");
	expect_code(&o, 1);
	j = out_json(&o);
	assert_string_equal(json_string_value(json_object_get(j, "verdict")), "failed");
	json_decref(j);
	cli_out_free(&o);

	/* an unresolved block fails the feedback gate of a green RC */
	id_text(id, sizeof id, pending);
	give_feedback(pending, "{\"verdict\":\"block\",\"author\":\"qa@acme.com\","
			       "\"comment\":\"data loss on save\"}");
	CLI(&o, "rc", "ready", id);
	expect_code(&o, 1);
	expect_contains(o.out, "feedback     failed");
	cli_out_free(&o);

	CLI(&o, "rc", "ready", "987654");
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: Not found");
	assert_string_equal(o.out, "");
	cli_out_free(&o);
}

/* ---- rc notes ------------------------------------------------------------------- */

static void rc_notes_prints_the_servers_markdown_as_is(void **state)
{
	(void)state;
	long long rc = cut("clirc/notes", "v6.0.0-rc.1", SHA_1);
	char id[32], path[96];
	id_text(id, sizeof id, rc);
	snprintf(path, sizeof path, "/api/v1/release-candidates/%lld/notes.md", rc);
	struct itest_response r;
	itest_get(&server, path, ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	assert_true(r.body_len > 0);

	struct cli_out o;
	CLI(&o, "rc", "notes", id);
	expect_code(&o, 0);
	assert_string_equal(o.out, r.body);
	expect_contains(o.out, "v6.0.0-rc.1");
	assert_string_equal(o.err, "");
	cli_out_free(&o);
	itest_response_free(&r);

	/* --json: the structured changes the notes are made from */
	CLI(&o, "rc", "notes", id, "--json");
	expect_code(&o, 0);
	json_t *j = out_json(&o);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(j, "release_candidate"), "version")),
			    "v6.0.0-rc.1");
	assert_true(json_is_object(json_object_get(j, "groups")));
	json_decref(j);
	cli_out_free(&o);

	CLI(&o, "rc", "notes", "987654");
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: Not found: id: no release candidate 987654");
	assert_string_equal(o.out, "");
	cli_out_free(&o);
}

/* ---- rc state ------------------------------------------------------------------- */

static void rc_state_changes_state_and_names_the_allowed_ones_when_refused(void **state)
{
	(void)state;
	long long rc = cut("clirc/state", "v7.0.0-rc.1", SHA_1);
	char id[32];
	id_text(id, sizeof id, rc);

	struct cli_out o;
	CLI(&o, "rc", "state", id, "testing", "--reason", "QA starts");
	expect_code(&o, 0);
	expect_contains(o.out, "(clirc/state v7.0.0-rc.1): draft -> testing; next: approved, "
			       "rejected");
	cli_out_free(&o);
	json_t *j = get_rc(rc);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "testing");
	json_t *history = json_object_get(j, "history");
	json_t *last = json_array_get(history, json_array_size(history) - 1);
	assert_string_equal(json_string_value(json_object_get(last, "reason")), "QA starts");
	assert_string_equal(json_string_value(json_object_get(last, "source")), "api");
	json_decref(j);

	/* testing -> released is not a legal move: exit 1, detail and allowed states */
	CLI(&o, "rc", "state", id, "released");
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: That state change is not allowed: ");
	expect_contains(o.err, "testing → released is not allowed");
	expect_contains(o.err, "shiplog: allowed from testing: approved, rejected\n");
	assert_string_equal(o.out, "");
	cli_out_free(&o);
	j = get_rc(rc);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "testing");
	json_decref(j);

	/* --json prints the changed RC */
	CLI(&o, "rc", "state", id, "rejected", "--json", "--reason", "crash on login");
	expect_code(&o, 0);
	j = out_json(&o);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "rejected");
	assert_int_equal(itest_array_size(j, "allowed_transitions"), 0);
	json_decref(j);
	cli_out_free(&o);

	/* from a final state nothing is allowed, and the CLI says so */
	CLI(&o, "rc", "state", id, "testing", "--json");
	expect_code(&o, 1);
	expect_contains(o.err, "rejected → testing is not allowed");
	expect_contains(o.err, "shiplog: allowed from rejected: none");
	assert_string_equal(o.out, "");
	cli_out_free(&o);

	/* a word that is no state: the server names the field */
	CLI(&o, "rc", "state", id, "shipped");
	expect_code(&o, 1);
	expect_contains(o.err, "state: expected one of draft, testing");
	cli_out_free(&o);
	CLI(&o, "rc", "state", "987654", "testing");
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: Not found");
	cli_out_free(&o);
	/* a read token may not change it */
	CLI_AS(&o, server.base, read_token, "rc", "state", id, "approved");
	expect_code(&o, 1);
	expect_contains(o.err, "lacks the scope");
	cli_out_free(&o);
}

/* An RC that is not ready: the gates named, a stale expected state named, and a release
 * manager's override recorded. */
static void rc_state_names_the_gates_of_an_unready_rc_and_a_release_token_overrides(void **state)
{
	(void)state;
	char *release_token = itest_token(&server, "release");
	long long rc = cut("clirc/override", "v8.0.0-rc.1", SHA_3);
	char id[32];
	id_text(id, sizeof id, rc);
	set_state(rc, "testing");

	/* nothing has run on its commit: the ci gate is pending, so approving is refused */
	struct cli_out o;
	CLI(&o, "rc", "state", id, "approved");
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: gate ci pending: no CI run has reported on 3333333 yet\n");
	expect_contains(o.err, "--override-reason TEXT");
	assert_string_equal(o.out, "");
	cli_out_free(&o);

	/* someone moved it meanwhile: the state it is in now is named */
	CLI_AS(&o, server.base, release_token, "rc", "state", id, "approved", "--expected-state",
	       "draft", "--override-reason", "agreed with Sales");
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: it is testing now, not draft\n");
	cli_out_free(&o);

	/* an override needs the release scope */
	CLI(&o, "rc", "state", id, "approved", "--override-reason", "agreed with Sales");
	expect_code(&o, 1);
	expect_contains(o.err, "release");
	cli_out_free(&o);
	json_t *j = get_rc(rc);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "testing");
	assert_int_equal(itest_array_size(j, "overrides"), 0);
	json_decref(j);

	/* a release manager goes on, and the override is recorded */
	CLI_AS(&o, server.base, release_token, "rc", "state", id, "approved", "--expected-state",
	       "testing", "--override-reason", "Support signs off on Monday");
	expect_code(&o, 0);
	expect_contains(o.out, "testing -> approved");
	cli_out_free(&o);
	j = get_rc(rc);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "approved");
	assert_int_equal(itest_array_size(j, "overrides"), 1);
	json_t *ov = json_array_get(json_object_get(j, "overrides"), 0);
	assert_string_equal(json_string_value(json_object_get(ov, "reason")),
			    "Support signs off on Monday");
	json_decref(j);
	free(release_token);
}

/* ---- feedback add, ls, resolve ------------------------------------------------------ */

static void feedback_add_ls_resolve_round_trip(void **state)
{
	(void)state;
	long long rc1 = cut("clirc/feedback", "v8.0.0-rc.1", SHA_1);
	char id1[32];
	id_text(id1, sizeof id1, rc1);

	struct cli_out o;
	CLI(&o, "feedback", "add", id1, "--verdict", "block", "--author", "ana@acme.com", "--team",
	    "qa", "--severity", "high", "--area", "login", "--comment", "SSO login loops");
	expect_code(&o, 0);
	expect_contains(o.out, " on v8.0.0-rc.1: block (high, login) by ana@acme.com (qa, "
			       "unverified), open\n");
	assert_true(strncmp(o.out, "Recorded feedback ", 18) == 0);
	long long block_id = strtoll(o.out + 18, NULL, 10);
	assert_true(block_id > 0);
	cli_out_free(&o);

	/* --json; the author defaults to the token's owner, an email */
	CLI(&o, "feedback", "add", id1, "--verdict", "approve", "--team", "ux", "--json");
	expect_code(&o, 0);
	json_t *j = out_json(&o);
	long long approve_id = json_id(j);
	assert_string_equal(json_string_value(json_object_get(j, "verdict")), "approve");
	assert_string_equal(json_string_value(json_object_get(j, "author")), "itest@example.com");
	assert_string_equal(json_string_value(json_object_get(j, "status")), "open");
	json_decref(j);
	cli_out_free(&o);

	/* a concern needs a comment: the server says so, exit 1 */
	CLI(&o, "feedback", "add", id1, "--verdict", "concern", "--author", "bo@acme.com");
	expect_code(&o, 1);
	expect_contains(o.err, "comment: required with verdict concern");
	cli_out_free(&o);
	CLI(&o, "feedback", "add", "987654", "--verdict", "approve");
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: Not found");
	cli_out_free(&o);

	/* ls: a table, newest first */
	CLI(&o, "feedback", "ls", id1);
	expect_code(&o, 0);
	expect_contains(o.out, "ID");
	expect_contains(o.out, "VERDICT");
	expect_contains(o.out, "SEVERITY");
	expect_contains(o.out, "STATUS");
	expect_contains(o.out, "AUTHOR");
	expect_contains(o.out, "COMMENT");
	expect_contains(o.out, "ana@acme.com (unverified)");
	expect_contains(o.out, "SSO login loops");
	const char *approve_row = strstr(o.out, "approve");
	const char *block_row = strstr(o.out, "block");
	assert_true(approve_row && block_row && approve_row < block_row);
	cli_out_free(&o);
	/* filters */
	CLI(&o, "feedback", "ls", id1, "--verdict", "block", "--json");
	expect_code(&o, 0);
	j = out_json(&o);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
	assert_int_equal(json_id(json_array_get(json_object_get(j, "items"), 0)), block_id);
	json_decref(j);
	cli_out_free(&o);
	CLI(&o, "feedback", "ls", id1, "--team", "ux");
	expect_code(&o, 0);
	expect_contains(o.out, "approve");
	expect_lacks(o.out, "SSO login loops");
	cli_out_free(&o);
	CLI(&o, "feedback", "ls", id1, "--limit", "1");
	expect_code(&o, 0);
	expect_contains(o.out, "(more: --all)");
	cli_out_free(&o);
	CLI(&o, "feedback", "ls", id1, "--limit", "1", "--all", "--json");
	expect_code(&o, 0);
	j = out_json(&o);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 2);
	json_decref(j);
	cli_out_free(&o);

	/* the fix comes in rc.2; resolve the block with it (status resolved by default) */
	long long rc2 = cut("clirc/feedback", "v8.0.0-rc.2", SHA_2);
	char bid[32], aid[32], id2[32];
	id_text(bid, sizeof bid, block_id);
	id_text(aid, sizeof aid, approve_id);
	id_text(id2, sizeof id2, rc2);
	CLI(&o, "feedback", "resolve", bid, "--resolution", "fixed the SSO redirect", "--fixed-in",
	    id2);
	expect_code(&o, 0);
	expect_contains(o.out, "block (high, login) by ana@acme.com (qa, unverified), resolved, "
			       "fixed in v8.0.0-rc.2\n");
	cli_out_free(&o);
	/* the API has it */
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%lld/feedback?verdict=block", rc1);
	j = api("GET", path, NULL, 200);
	json_t *f = json_array_get(json_object_get(j, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(f, "status")), "resolved");
	assert_string_equal(json_string_value(json_object_get(f, "resolution")),
			    "fixed the SSO redirect");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(f, "fixed_in"), "id")),
			 rc2);
	json_decref(j);

	/* acknowledge the other; --json */
	CLI(&o, "feedback", "resolve", aid, "--status", "acknowledged", "--json");
	expect_code(&o, 0);
	j = out_json(&o);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "acknowledged");
	json_decref(j);
	cli_out_free(&o);
	/* ls by status sees both changes */
	CLI(&o, "feedback", "ls", id1, "--status", "resolved");
	expect_code(&o, 0);
	expect_contains(o.out, "resolved");
	expect_contains(o.out, "SSO login loops");
	expect_lacks(o.out, "approve");
	cli_out_free(&o);
	CLI(&o, "feedback", "ls", id1, "--status", "open");
	expect_code(&o, 0);
	assert_string_equal(o.out, "No feedback.\n");
	cli_out_free(&o);

	/* resolved -> acknowledged is refused: exit 1 naming what is allowed */
	CLI(&o, "feedback", "resolve", bid, "--status", "acknowledged");
	expect_code(&o, 1);
	expect_contains(o.err, "resolved → acknowledged is not allowed");
	expect_contains(o.err, "open");
	cli_out_free(&o);
	CLI(&o, "feedback", "resolve", "987654");
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: Not found");
	cli_out_free(&o);

	/* the superseded rc.1 takes no more feedback */
	CLI(&o, "feedback", "add", id1, "--verdict", "approve", "--author", "late@acme.com");
	expect_code(&o, 1);
	expect_contains(o.err, "feedback is closed; give it on v8.0.0-rc.2");
	cli_out_free(&o);
	/* a read token may list but not give feedback */
	CLI_AS(&o, server.base, read_token, "feedback", "ls", id2);
	expect_code(&o, 0);
	assert_string_equal(o.out, "No feedback.\n");
	cli_out_free(&o);
	CLI_AS(&o, server.base, read_token, "feedback", "add", id2, "--verdict", "approve",
	       "--author", "x@acme.com");
	expect_code(&o, 1);
	expect_contains(o.err, "lacks the scope");
	cli_out_free(&o);
}

int main(void)
{
	cli_run_path = SHIPLOG_CLI_PATH;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(help_on_every_rc_and_feedback_subcommand_exits_0),
		cmocka_unit_test(usage_errors_exit_2_without_asking_the_server),
		cmocka_unit_test(rc_cut_creates_then_merges_and_refuses_another_commit),
		cmocka_unit_test(rc_ls_lists_a_table_json_filters_and_pages),
		cmocka_unit_test(rc_show_prints_state_history_artifacts_and_feedback),
		cmocka_unit_test(rc_ready_exit_code_follows_the_verdict),
		cmocka_unit_test(rc_notes_prints_the_servers_markdown_as_is),
		cmocka_unit_test(rc_state_changes_state_and_names_the_allowed_ones_when_refused),
		cmocka_unit_test(rc_state_names_the_gates_of_an_unready_rc_and_a_release_token_overrides),
		cmocka_unit_test(feedback_add_ls_resolve_round_trip),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
