/*
 * test_cli.c — the `shiplog` command-line client, run as a real process
 * (fork/exec of the built binary) against the real server: every
 * subcommand's table and --json output, `run report` posting a run from
 * another CI system, and the exit codes a CI step relies on (0 ok, 1 the
 * server said no with its detail printed, 2 usage, 3 unreachable).
 */
#include <arpa/inet.h>
#include <errno.h>
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

#include "github_send.h"
#include "cli_run.h"
#include "itest.h"

#ifndef SHIPLOG_CLI_PATH
#error "SHIPLOG_CLI_PATH must name the built shiplog CLI"
#endif

static struct itest_server server;
static char db_url[512];
static char *ci_token;	 /* scopes ci (records) */
static char *read_token; /* scope read only */

#define SHA_A	 "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
#define SHA_B	 "b1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
#define DIGEST_1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define DIGEST_2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define DIGEST_3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"
/* The commit pushed to master by push.with-new-branch.json, and the pull
 * request of pull_request.opened.json. */
#define FIXTURE_REPO "Codertocat/Hello-World"
#define FIXTURE_SHA  "6113728f27ae82c7b1a177c8d03f9e96e0adf246"

/* The CLI as the CI token against the test server. */
#define CLI(o, ...)                                                    \
	do {                                                           \
		const char *const cli_args_[] = {__VA_ARGS__, NULL};   \
		cli_exec((o), server.base, ci_token, NULL, cli_args_); \
	} while (0)

/* The CLI with another URL and token. */
#define CLI_AS(o, url, token, ...)                                   \
	do {                                                         \
		const char *const cli_args_[] = {__VA_ARGS__, NULL}; \
		cli_exec((o), (url), (token), NULL, cli_args_);      \
	} while (0)

/* o[a][b] (borrowed). */
static json_t *cli_test_get(const json_t *o, const char *a, const char *b)
{
	return json_object_get(json_object_get(o, a), b);
}

/* Writes `text` to a fresh temporary file; returns its path (caller frees). */
static char *temp_file(const char *text)
{
	char *path = strdup("/tmp/shiplog-cli-test-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* Reports a run through the CLI; returns its id. */
static long long report_run(const char *repo, const char *external_id, const char *sha,
			    const char *status, const char *conclusion, const char *branch)
{
	struct cli_out o;
	if (conclusion)
		CLI(&o, "run", "report", "--json", "--repository", repo, "--provider", "gitlab-ci",
		    "--external-id", external_id, "--sha", sha, "--status", status, "--conclusion",
		    conclusion, "--branch", branch, "--workflow", "build", "--started-at",
		    "2026-11-20T10:00:00Z", "--completed-at", "2026-11-20T10:03:12Z");
	else
		CLI(&o, "run", "report", "--json", "--repository", repo, "--provider", "gitlab-ci",
		    "--external-id", external_id, "--sha", sha, "--status", status, "--branch",
		    branch, "--workflow", "build", "--started-at", "2026-11-20T10:00:00Z");
	expect_code(&o, 0);
	json_t *run = out_json(&o);
	long long id = json_integer_value(json_object_get(run, "id"));
	assert_true(id > 0);
	json_decref(run);
	cli_out_free(&o);
	return id;
}

/* ---- setup ------------------------------------------------------------------ */

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("cli", db_url, sizeof db_url);
	const char *const env[] = {ITEST_GITHUB_SECRET_ENV, NULL};
	itest_server_start(&server, db_url, env);
	ci_token = itest_token(&server, "ci");
	read_token = itest_token(&server, "read");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(ci_token);
	free(read_token);
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

/* ---- help, version, usage ----------------------------------------------------- */

static void help_on_every_subcommand_exits_0_and_prints_its_usage(void **state)
{
	(void)state;
	static const char *const paths[][3] = {
		{NULL},
		{"artifact", NULL},
		{"artifact", "add", NULL},
		{"artifact", "ls", NULL},
		{"deploy", NULL},
		{"deploy", "record", NULL},
		{"runs", NULL},
		{"run", NULL},
		{"run", "show", NULL},
		{"run", "report", NULL},
		{"env", NULL},
		{"where", NULL},
		{"journey", NULL},
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		for (int style = 0; style < 2; style++) {
			const char *args[5] = {0};
			char expect[64] = "usage: shiplog";
			size_t n = 0;
			for (size_t k = 0; k < 2 && paths[i][k]; k++) {
				args[n++] = paths[i][k];
				strcat(expect, " ");
				strcat(expect, paths[i][k]);
			}
			args[n++] = style ? "-h" : "--help";
			struct cli_out o;
			/* no server needed, and none is asked */
			cli_exec(&o, NULL, NULL, NULL, args);
			expect_code(&o, 0);
			expect_contains(o.out, expect);
			expect_contains(o.out, "--json");
			assert_string_equal(o.err, "");
			cli_out_free(&o);
		}
	}
	struct cli_out o;
	CLI_AS(&o, NULL, NULL, "run", "report", "--help");
	expect_contains(o.out, "--job NAME=STATUS[:CONCLUSION]");
	expect_contains(o.out, "--file FILE");
	cli_out_free(&o);
	CLI_AS(&o, NULL, NULL, "--version");
	expect_code(&o, 0);
	expect_contains(o.out, "shiplog " SHIPLOG_VERSION);
	cli_out_free(&o);
}

static void usage_errors_exit_2_with_the_subcommands_usage(void **state)
{
	(void)state;
	struct cli_out o;
	/* no command at all */
	CLI(&o, "--json");
	expect_code(&o, 2);
	expect_contains(o.err, "missing command");
	cli_out_free(&o);
	/* unknown commands */
	CLI(&o, "deploi");
	expect_code(&o, 2);
	expect_contains(o.err, "unknown command 'deploi'");
	expect_contains(o.err, "usage: shiplog COMMAND");
	assert_string_equal(o.out, "");
	cli_out_free(&o);
	CLI(&o, "artifact", "remove");
	expect_code(&o, 2);
	expect_contains(o.err, "unknown command 'remove'");
	expect_contains(o.err, "usage: shiplog artifact COMMAND");
	cli_out_free(&o);
	/* a family without its subcommand */
	CLI(&o, "run");
	expect_code(&o, 2);
	expect_contains(o.err, "usage: shiplog run COMMAND");
	cli_out_free(&o);
	/* a missing required flag names the flag and shows that subcommand's usage */
	CLI(&o, "artifact", "add", "--kind", "image", "--name", "n", "--version", "1");
	expect_code(&o, 2);
	expect_contains(o.err, "missing --digest");
	expect_contains(o.err, "usage: shiplog artifact add --kind KIND");
	cli_out_free(&o);
	CLI(&o, "where", SHA_A);
	expect_code(&o, 2);
	expect_contains(o.err, "missing --repo");
	cli_out_free(&o);
	CLI(&o, "deploy", "record", "--status", "success");
	expect_code(&o, 2);
	expect_contains(o.err, "missing --environment");
	cli_out_free(&o);
	/* unknown option, option without its value, non-number */
	CLI(&o, "runs", "--colour");
	expect_code(&o, 2);
	expect_contains(o.err, "unknown option '--colour'");
	cli_out_free(&o);
	CLI(&o, "runs", "--repo");
	expect_code(&o, 2);
	expect_contains(o.err, "--repo needs a value");
	cli_out_free(&o);
	CLI(&o, "runs", "--limit", "ten");
	expect_code(&o, 2);
	expect_contains(o.err, "--limit: not a number");
	cli_out_free(&o);
	/* positional arguments */
	CLI(&o, "run", "show");
	expect_code(&o, 2);
	expect_contains(o.err, "missing ID");
	cli_out_free(&o);
	CLI(&o, "run", "show", "12", "13");
	expect_code(&o, 2);
	expect_contains(o.err, "unexpected argument '13'");
	cli_out_free(&o);
	CLI(&o, "run", "show", "twelve");
	expect_code(&o, 2);
	expect_contains(o.err, "not a run id");
	cli_out_free(&o);
	CLI(&o, "journey", "acme/app-12");
	expect_code(&o, 2);
	expect_contains(o.err, "expected OWNER/NAME#NUMBER");
	cli_out_free(&o);
	CLI(&o, "where", SHA_A, "--repo", "acme");
	expect_code(&o, 2);
	expect_contains(o.err, "--repo: expected OWNER/NAME");
	cli_out_free(&o);
	/* malformed repeated values */
	CLI(&o, "run", "report", "--repository", "cli/x", "--provider", "p", "--external-id", "1",
	    "--sha", SHA_A, "--status", "completed", "--job", "lint");
	expect_code(&o, 2);
	expect_contains(o.err, "--job: expected NAME=STATUS[:CONCLUSION]");
	cli_out_free(&o);
	CLI(&o, "artifact", "add", "--kind", "image", "--name", "n", "--version", "1", "--digest",
	    DIGEST_1, "--label", "novalue");
	expect_code(&o, 2);
	expect_contains(o.err, "--label: expected KEY=VALUE");
	cli_out_free(&o);
	/* --file replaces the other fields */
	CLI(&o, "run", "report", "--file", "/dev/null", "--sha", SHA_A);
	expect_code(&o, 2);
	expect_contains(o.err, "--sha cannot be combined with --file");
	cli_out_free(&o);
	/* no server configured */
	CLI_AS(&o, NULL, ci_token, "runs");
	expect_code(&o, 2);
	expect_contains(o.err, "SHIPLOG_URL");
	cli_out_free(&o);
	CLI_AS(&o, "ftp://127.0.0.1/", ci_token, "runs");
	expect_code(&o, 2);
	cli_out_free(&o);
	/* nothing was recorded by any of these */
	assert_int_equal(itest_sql_long(db_url,
					"SELECT count(*) FROM runs r JOIN repositories p"
					" ON p.id = r.repository_id WHERE p.full_name = 'cli/x'"),
			 0);
}

static void unreachable_server_exits_3(void **state)
{
	(void)state;
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%u", closed_port());
	struct cli_out o;
	CLI_AS(&o, url, ci_token, "runs");
	expect_code(&o, 3);
	expect_contains(o.err, "cannot reach http://127.0.0.1:");
	cli_out_free(&o);
	CLI_AS(&o, url, ci_token, "artifact", "add", "--kind", "image", "--name", "n", "--version",
	       "1", "--digest", DIGEST_1);
	expect_code(&o, 3);
	cli_out_free(&o);
	CLI_AS(&o, url, ci_token, "--json", "env");
	expect_code(&o, 3);
	assert_string_equal(o.out, "");
	cli_out_free(&o);
	/* a name that does not resolve (.invalid never does, RFC 6761) */
	CLI_AS(&o, "http://shiplog.invalid", ci_token, "--timeout", "5", "runs");
	expect_code(&o, 3);
	cli_out_free(&o);
}

/* ---- runs ------------------------------------------------------------------- */

static void run_report_creates_a_run_visible_in_the_runs_api(void **state)
{
	(void)state;
	struct cli_out o;
	CLI(&o, "run", "report", "--repository", "cli/report", "--provider", "buildkite",
	    "--external-id", "bk-4711", "--attempt", "2", "--sha", SHA_A, "--branch", "main",
	    "--workflow", "pipeline", "--workflow-path", ".buildkite/pipeline.yml", "--event",
	    "push", "--run-number", "4711", "--url", "https://buildkite.example/acme/4711",
	    "--status", "completed", "--conclusion", "failure", "--started-at",
	    "2026-11-20T10:00:00Z", "--completed-at", "2026-11-20T10:03:12Z", "--updated-at",
	    "2026-11-20T10:03:12Z", "--job", "lint=completed:success", "--job",
	    "unit tests=completed:failure", "--job", "e2e=queued");
	expect_code(&o, 0);
	expect_contains(o.out, "Recorded run ");
	expect_contains(o.out, "cli/report");
	expect_contains(o.out, "failure");
	cli_out_free(&o);

	/* the server has it, as reported */
	struct itest_response r;
	itest_get(&server, "/api/v1/runs?repo=cli/report", read_token, &r);
	assert_int_equal(r.status, 200);
	json_t *items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), 1);
	json_t *run = json_array_get(items, 0);
	assert_string_equal(json_string_value(json_object_get(run, "provider")), "buildkite");
	assert_string_equal(json_string_value(json_object_get(run, "external_id")), "bk-4711");
	assert_string_equal(json_string_value(json_object_get(run, "sha")), SHA_A);
	assert_string_equal(json_string_value(json_object_get(run, "status")), "completed");
	assert_string_equal(json_string_value(json_object_get(run, "conclusion")), "failure");
	assert_int_equal(json_integer_value(json_object_get(run, "attempt")), 2);
	assert_int_equal(json_integer_value(json_object_get(run, "run_number")), 4711);
	/* after the command word, --url is the run's link, not the server */
	assert_string_equal(json_string_value(json_object_get(run, "url")),
			    "https://buildkite.example/acme/4711");
	assert_int_equal(json_integer_value(json_object_get(run, "duration_seconds")), 192);
	long long id = json_integer_value(json_object_get(run, "id"));
	itest_response_free(&r);

	char path[64];
	snprintf(path, sizeof path, "/api/v1/runs/%lld", id);
	itest_get(&server, path, read_token, &r);
	assert_int_equal(r.status, 200);
	json_t *attempts = json_object_get(r.json, "attempts");
	json_t *last = json_array_get(attempts, json_array_size(attempts) - 1);
	char *dump = json_dumps(json_object_get(last, "stages"), JSON_COMPACT);
	expect_contains(dump, "\"name\":\"unit tests\"");
	expect_contains(dump, "\"name\":\"lint\"");
	expect_contains(dump, "\"name\":\"e2e\"");
	free(dump);
	itest_response_free(&r);

	/* the same run reported again is an update of it, not a new run */
	char idtext[32];
	snprintf(idtext, sizeof idtext, "%lld", id);
	CLI(&o, "--json", "run", "report", "--repository", "cli/report", "--provider", "buildkite",
	    "--external-id", "bk-4711", "--attempt", "2", "--sha", SHA_A, "--status", "completed",
	    "--conclusion", "success", "--completed-at", "2026-11-20T10:05:00Z", "--updated-at",
	    "2026-11-20T10:05:00Z");
	expect_code(&o, 0);
	json_t *again = out_json(&o);
	assert_int_equal(json_integer_value(json_object_get(again, "id")), id);
	assert_string_equal(json_string_value(json_object_get(again, "conclusion")), "success");
	json_decref(again);
	cli_out_free(&o);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM runs r JOIN repositories p"
						" ON p.id = r.repository_id"
						" WHERE p.full_name = 'cli/report'"),
			 1);
}

static void run_report_sends_a_json_file_or_standard_input(void **state)
{
	(void)state;
	char *path =
		temp_file("{\"repository\": \"cli/file\", \"provider\": \"jenkins\","
			  " \"external_id\": \"job/main/88\", \"sha\": \"" SHA_B "\","
			  " \"branch\": \"main\", \"workflow\": \"nightly\","
			  " \"status\": \"in_progress\", \"started_at\": \"2026-11-20T10:00:00Z\","
			  " \"jobs\": [{\"name\": \"build\", \"status\": \"in_progress\","
			  " \"stage\": \"build\", \"runner\": \"agent-7\"}]}");
	struct cli_out o;
	CLI(&o, "run", "report", "--file", path);
	expect_code(&o, 0);
	expect_contains(o.out, "Recorded run ");
	expect_contains(o.out, "in_progress");
	cli_out_free(&o);

	/* "-" reads the body from standard input */
	char *done = temp_file("{\"repository\": \"cli/file\", \"provider\": \"jenkins\","
			       " \"external_id\": \"job/main/88\", \"sha\": \"" SHA_B "\","
			       " \"status\": \"completed\", \"conclusion\": \"success\","
			       " \"completed_at\": \"2026-11-20T10:09:00Z\"}");
	const char *const args[] = {"--json", "run", "report", "--file", "-", NULL};
	cli_exec(&o, server.base, ci_token, done, args);
	expect_code(&o, 0);
	json_t *run = out_json(&o);
	assert_string_equal(json_string_value(json_object_get(run, "conclusion")), "success");
	assert_string_equal(json_string_value(json_object_get(run, "provider")), "jenkins");
	json_decref(run);
	cli_out_free(&o);

	/* a file the server refuses: exit 1 and the field it names */
	char *bad = temp_file("{\"repository\": \"cli/file\", \"provider\": \"jenkins\"}");
	CLI(&o, "run", "report", "--file", bad);
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: A required field is missing: ");
	cli_out_free(&o);
	char *broken = temp_file("{\"repository\": ");
	CLI(&o, "run", "report", "--file", broken);
	expect_code(&o, 1);
	expect_contains(o.err, "not valid JSON");
	cli_out_free(&o);
	/* a file that is not there is a usage error, and nothing is sent */
	CLI(&o, "run", "report", "--file", "/nonexistent/run.json");
	expect_code(&o, 2);
	expect_contains(o.err, "cannot read /nonexistent/run.json");
	cli_out_free(&o);
	for (char **p = (char *[]){path, done, bad, broken, NULL}; *p; p++) {
		unlink(*p);
		free(*p);
	}
}

static void runs_lists_a_table_json_and_pages(void **state)
{
	(void)state;
	long long first = report_run("cli/list", "l-1", SHA_A, "completed", "success", "main");
	long long second = report_run("cli/list", "l-2", SHA_B, "in_progress", NULL, "feat/x");
	assert_true(second > first);

	struct cli_out o;
	CLI(&o, "runs", "--repo", "cli/list");
	expect_code(&o, 0);
	/* aligned columns: the header and both rows, newest first */
	expect_contains(o.out, "ID");
	expect_contains(o.out, "WORKFLOW");
	expect_contains(o.out, "DURATION");
	expect_contains(o.out, "a1b2c3d ");
	expect_contains(o.out, "3m12s");
	expect_contains(o.out, "2026-11-20 10:00");
	expect_contains(o.out, "in_progress");
	assert_null(strstr(o.out, "\033[")); /* not a terminal: no colours */
	const char *line2 = strchr(o.out, '\n') + 1;
	const char *line3 = strchr(line2, '\n') + 1;
	char id2[32];
	snprintf(id2, sizeof id2, "%lld ", second);
	assert_int_equal(strncmp(line2, id2, strlen(id2)), 0);
	/* columns line up: "SHA" starts where each row's sha starts */
	size_t col = (size_t)(strstr(o.out, "SHA") - o.out);
	assert_int_equal(strncmp(line2 + col, "b1b2c3d", 7), 0);
	assert_int_equal(strncmp(line3 + col, "a1b2c3d", 7), 0);
	assert_null(strstr(o.out, "(more: --all)"));
	cli_out_free(&o);

	/* filters reach the server */
	CLI(&o, "runs", "--repo", "cli/list", "--status", "in_progress");
	expect_code(&o, 0);
	expect_contains(o.out, "b1b2c3d");
	assert_null(strstr(o.out, "a1b2c3d"));
	cli_out_free(&o);

	/* --json prints the server's answer */
	CLI(&o, "runs", "--repo", "cli/list", "--json");
	expect_code(&o, 0);
	json_t *list = out_json(&o);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 2);
	assert_true(json_is_null(json_object_get(list, "next")));
	json_decref(list);
	cli_out_free(&o);

	/* one page, and a hint; --all follows the next links */
	CLI(&o, "runs", "--repo", "cli/list", "--limit", "1");
	expect_code(&o, 0);
	expect_contains(o.out, "(more: --all)");
	assert_null(strstr(o.out, "a1b2c3d"));
	cli_out_free(&o);
	CLI(&o, "runs", "--repo", "cli/list", "--limit", "1", "--all", "--json");
	expect_code(&o, 0);
	list = out_json(&o);
	json_t *items = json_object_get(list, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")),
			 second);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 1), "id")),
			 first);
	assert_true(json_is_null(json_object_get(list, "next")));
	json_decref(list);
	cli_out_free(&o);

	/* a filter the server refuses: exit 1 with its detail */
	CLI(&o, "runs", "--kind", "nightly");
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: A parameter has an invalid value: ");
	expect_contains(o.err, "kind");
	assert_string_equal(o.out, "");
	cli_out_free(&o);
}

static void run_show_prints_jobs_by_stage(void **state)
{
	(void)state;
	struct cli_out o;
	CLI(&o, "--json", "run", "report", "--repository", "cli/show", "--provider", "gitlab-ci",
	    "--external-id", "s-1", "--sha", SHA_A, "--branch", "main", "--workflow", "deploy",
	    "--status", "completed", "--conclusion", "failure", "--job", "lint=completed:success",
	    "--job", "smoke tests=completed:failure");
	expect_code(&o, 0);
	json_t *run = out_json(&o);
	char id[32];
	snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(run, "id")));
	json_decref(run);
	cli_out_free(&o);

	CLI(&o, "run", "show", id);
	expect_code(&o, 0);
	expect_contains(o.out, "cli/show");
	expect_contains(o.out, "deploy");
	expect_contains(o.out, "Attempt 1: failure");
	expect_contains(o.out, "STAGE");
	expect_contains(o.out, "smoke tests");
	expect_contains(o.out, SHA_A);
	/* lint's stage comes before the other jobs' */
	const char *lint = strstr(o.out, "lint");
	const char *smoke = strstr(o.out, "smoke tests");
	assert_non_null(lint);
	assert_true(lint < smoke);
	cli_out_free(&o);

	CLI(&o, "run", "show", id, "--json");
	expect_code(&o, 0);
	run = out_json(&o);
	assert_string_equal(json_string_value(json_object_get(run, "repository")), "cli/show");
	assert_true(json_is_array(json_object_get(run, "attempts")));
	json_decref(run);
	cli_out_free(&o);

	CLI(&o, "run", "show", "999999");
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: Not found");
	cli_out_free(&o);
}

/* ---- artifacts ---------------------------------------------------------------- */

static void artifact_add_records_once_and_refuses_another_digest(void **state)
{
	(void)state;
	struct cli_out o;
	CLI(&o, "artifact", "add", "--kind", "image", "--name", "ghcr.io/cli/app", "--version",
	    "v1.0.0", "--digest", DIGEST_1, "--uri", "ghcr.io/cli/app:v1.0.0", "--size", "4096",
	    "--repository", "cli/app", "--commit", SHA_A, "--run-id", "9001", "--label",
	    "team=core", "--label", "arch=amd64");
	expect_code(&o, 0);
	expect_contains(o.out, "Recorded artifact ");
	expect_contains(o.out, "ghcr.io/cli/app v1.0.0 sha256:111111111111");
	cli_out_free(&o);

	/* the server has every field */
	struct itest_response r;
	itest_get(&server, "/api/v1/artifacts?name=ghcr.io/cli/app", read_token, &r);
	assert_int_equal(r.status, 200);
	json_t *a = json_array_get(json_object_get(r.json, "items"), 0);
	assert_non_null(a);
	assert_string_equal(json_string_value(json_object_get(a, "digest")), DIGEST_1);
	assert_string_equal(json_string_value(json_object_get(a, "uri")), "ghcr.io/cli/app:v1.0.0");
	assert_int_equal(json_integer_value(json_object_get(a, "size")), 4096);
	assert_string_equal(json_string_value(json_object_get(a, "repository")), "cli/app");
	assert_string_equal(json_string_value(json_object_get(a, "commit")), SHA_A);
	assert_int_equal(json_integer_value(json_object_get(a, "run_id")), 9001);
	json_t *labels = json_object_get(a, "labels");
	assert_string_equal(json_string_value(json_object_get(labels, "team")), "core");
	assert_string_equal(json_string_value(json_object_get(labels, "arch")), "amd64");
	json_int_t id = json_integer_value(json_object_get(a, "id"));
	itest_response_free(&r);

	/* the same again: fine, a CI step may retry */
	CLI(&o, "artifact", "add", "--kind", "image", "--name", "ghcr.io/cli/app", "--version",
	    "v1.0.0", "--digest", DIGEST_1);
	expect_code(&o, 0);
	expect_contains(o.out, "Already recorded artifact ");
	cli_out_free(&o);
	CLI(&o, "--json", "artifact", "add", "--kind", "image", "--name", "ghcr.io/cli/app",
	    "--version", "v1.0.0", "--digest", DIGEST_1);
	expect_code(&o, 0);
	json_t *j = out_json(&o);
	assert_int_equal(json_integer_value(json_object_get(j, "id")), id);
	json_decref(j);
	cli_out_free(&o);

	/* another digest for a published version: 409, exit 1, the detail printed */
	CLI(&o, "artifact", "add", "--kind", "image", "--name", "ghcr.io/cli/app", "--version",
	    "v1.0.0", "--digest", DIGEST_2);
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: Published records are immutable: digest: ");
	expect_contains(o.err, DIGEST_1);
	assert_string_equal(o.out, "");
	cli_out_free(&o);
	/* a malformed digest: 400, exit 1, the field named */
	CLI(&o, "artifact", "add", "--kind", "image", "--name", "ghcr.io/cli/app", "--version",
	    "v1.0.1", "--digest", "sha256:abc");
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: A field has an invalid value: digest");
	cli_out_free(&o);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM artifacts"
						" WHERE name = 'ghcr.io/cli/app'"),
			 1);
}

static void artifact_ls_lists_a_table_json_and_filters(void **state)
{
	(void)state;
	struct cli_out o;
	CLI(&o, "artifact", "add", "--kind", "chart", "--name", "cli-chart", "--version", "0.1.0",
	    "--digest", DIGEST_1, "--repository", "cli/ls", "--commit", SHA_A);
	expect_code(&o, 0);
	cli_out_free(&o);
	CLI(&o, "artifact", "add", "--kind", "npm", "--name", "@cli/ui", "--version", "0.1.0",
	    "--digest", DIGEST_2, "--repository", "cli/ls", "--commit", SHA_B);
	expect_code(&o, 0);
	cli_out_free(&o);

	CLI(&o, "artifact", "ls", "--repo", "cli/ls");
	expect_code(&o, 0);
	expect_contains(o.out, "KIND");
	expect_contains(o.out, "DIGEST");
	expect_contains(o.out, "cli-chart");
	expect_contains(o.out, "@cli/ui");
	expect_contains(o.out, "sha256:222222222222");
	expect_contains(o.out, "b1b2c3d");
	/* newest first */
	assert_true(strstr(o.out, "@cli/ui") < strstr(o.out, "cli-chart"));
	cli_out_free(&o);

	CLI(&o, "artifact", "ls", "--repo", "cli/ls", "--kind", "chart");
	expect_code(&o, 0);
	expect_contains(o.out, "cli-chart");
	assert_null(strstr(o.out, "@cli/ui"));
	cli_out_free(&o);
	CLI(&o, "artifact", "ls", "--commit", "b1b2c3d", "--json");
	expect_code(&o, 0);
	json_t *list = out_json(&o);
	json_t *items = json_object_get(list, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "name")),
			    "@cli/ui");
	json_decref(list);
	cli_out_free(&o);

	CLI(&o, "artifact", "ls", "--repo", "cli/ls", "--limit", "1");
	expect_code(&o, 0);
	expect_contains(o.out, "(more: --all)");
	cli_out_free(&o);
	CLI(&o, "artifact", "ls", "--repo", "cli/ls", "--limit", "1", "--all");
	expect_code(&o, 0);
	expect_contains(o.out, "cli-chart");
	expect_contains(o.out, "@cli/ui");
	assert_null(strstr(o.out, "(more: --all)"));
	cli_out_free(&o);

	CLI(&o, "artifact", "ls", "--kind", "tarball");
	expect_code(&o, 1);
	expect_contains(o.err, "kind");
	cli_out_free(&o);
}

/* ---- deployments and environments ------------------------------------------------ */

static void create_environment(const char *name, const char *tier)
{
	char body[256];
	snprintf(body, sizeof body, "{\"name\": \"%s\", \"tier\": \"%s\"}", name, tier);
	struct itest_response r;
	itest_json(&server, "POST", "/api/v1/environments", ITEST_ADMIN_TOKEN, body, &r);
	assert_int_equal(r.status, 201);
	itest_response_free(&r);
}

static void deploy_record_shows_in_env(void **state)
{
	(void)state;
	create_environment("cli-staging", "staging");
	create_environment("cli-prod", "production");
	struct cli_out o;
	CLI(&o, "deploy", "record", "--environment", "cli-staging", "--repository", "cli/deploy",
	    "--commit", SHA_A, "--artifact", DIGEST_1, "--artifact", DIGEST_2, "--status",
	    "success", "--started-at", "2026-11-20T11:00:00Z", "--finished-at",
	    "2026-11-20T11:04:00Z");
	expect_code(&o, 0);
	expect_contains(o.out, "Recorded deployment ");
	expect_contains(o.out, "cli-staging");
	expect_contains(o.out, "success");
	cli_out_free(&o);

	/* the server has it as the environment's current deployment */
	struct itest_response r;
	itest_get(&server, "/api/v1/environments/cli-staging", read_token, &r);
	assert_int_equal(r.status, 200);
	json_t *d = json_object_get(r.json, "current_deployment");
	assert_string_equal(json_string_value(json_object_get(d, "commit")), SHA_A);
	assert_string_equal(json_string_value(json_object_get(d, "status")), "success");
	assert_string_equal(json_string_value(json_object_get(d, "repository")), "cli/deploy");
	assert_int_equal(json_array_size(json_object_get(d, "artifacts")), 2);
	itest_response_free(&r);

	/* every environment, aligned */
	CLI(&o, "env");
	expect_code(&o, 0);
	expect_contains(o.out, "HEALTHY SINCE");
	expect_contains(o.out, "cli-staging");
	expect_contains(o.out, "cli-prod");
	expect_contains(o.out, "a1b2c3d");
	cli_out_free(&o);
	CLI(&o, "env", "--json");
	expect_code(&o, 0);
	json_t *list = out_json(&o);
	bool found = false;
	size_t i;
	json_t *env;
	json_array_foreach(json_object_get(list, "items"), i, env) {
		if (strcmp(json_string_value(json_object_get(env, "name")), "cli-staging") == 0)
			found = true;
	}
	assert_true(found);
	json_decref(list);
	cli_out_free(&o);
	CLI(&o, "env", "--tier", "production");
	expect_code(&o, 0);
	expect_contains(o.out, "cli-prod");
	assert_null(strstr(o.out, "cli-staging"));
	cli_out_free(&o);

	/* one environment and its deployments */
	CLI(&o, "env", "cli-staging");
	expect_code(&o, 0);
	expect_contains(o.out, "cli-staging");
	expect_contains(o.out, "Deployments:");
	expect_contains(o.out, "2026-11-20 11:04");
	cli_out_free(&o);
	CLI(&o, "env", "cli-staging", "--json");
	expect_code(&o, 0);
	env = out_json(&o);
	assert_string_equal(json_string_value(json_object_get(env, "name")), "cli-staging");
	assert_string_equal(json_string_value(cli_test_get(env, "current_deployment", "commit")),
			    SHA_A);
	json_decref(env);
	cli_out_free(&o);

	/* refusals */
	CLI(&o, "env", "cli-nowhere");
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: Not found: ");
	cli_out_free(&o);
	CLI(&o, "deploy", "record", "--environment", "cli-nowhere", "--commit", SHA_A, "--status",
	    "success");
	expect_code(&o, 1);
	expect_contains(o.err, "environment");
	cli_out_free(&o);
	CLI(&o, "deploy", "record", "--environment", "cli-staging", "--commit", SHA_A, "--status",
	    "deployed");
	expect_code(&o, 1);
	expect_contains(o.err, "status");
	cli_out_free(&o);
	CLI(&o, "deploy", "record", "--environment", "cli-staging", "--commit", SHA_A, "--status",
	    "success", "--artifact", "sha256:nope");
	expect_code(&o, 1);
	expect_contains(o.err, "artifacts");
	cli_out_free(&o);
}

/* ---- where is my change, the journey of a pull request ------------------------------ */

static void where_lists_the_environments_and_artifacts_of_a_commit(void **state)
{
	(void)state;
	char id[64];
	struct itest_response r;
	gh_send_fixture(&server, "push", gh_delivery_id(id, sizeof id), "push.with-new-branch.json",
			&r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	create_environment("cli-where", "staging");
	create_environment("cli-where-never", "production");
	struct cli_out o;
	CLI(&o, "deploy", "record", "--environment", "cli-where", "--repository", FIXTURE_REPO,
	    "--commit", FIXTURE_SHA, "--status", "success", "--finished-at",
	    "2026-11-20T12:00:00Z");
	expect_code(&o, 0);
	cli_out_free(&o);
	CLI(&o, "artifact", "add", "--kind", "binary", "--name", "cli-where-bin", "--version",
	    "1.0.0", "--digest", DIGEST_3, "--repository", FIXTURE_REPO, "--commit", FIXTURE_SHA);
	expect_code(&o, 0);
	cli_out_free(&o);

	CLI(&o, "where", "6113728", "--repo", FIXTURE_REPO);
	expect_code(&o, 0);
	expect_contains(o.out, "Commit 6113728f27ae in " FIXTURE_REPO ": Initial commit");
	expect_contains(o.out, "On master since 2019-05-15 15:20.");
	expect_contains(o.out, "Environments:");
	expect_contains(o.out, "CONTAINS IT");
	expect_contains(o.out, "Artifacts:");
	expect_contains(o.out, "cli-where-bin");
	expect_contains(o.out, "sha256:333333333333");
	/* the environment that runs it says so, one that does not says not */
	const char *row = strstr(o.out, "cli-where ");
	assert_non_null(row);
	size_t row_len = strcspn(row, "\n");
	char line[256];
	snprintf(line, sizeof line, "%.*s", (int)row_len, row);
	expect_contains(line, " yes ");
	expect_contains(line, "6113728");
	expect_contains(line, "success");
	expect_contains(line, "2026-11-20 12:00");
	row = strstr(o.out, "cli-where-never ");
	assert_non_null(row);
	snprintf(line, sizeof line, "%.*s", (int)strcspn(row, "\n"), row);
	expect_contains(line, " no ");
	cli_out_free(&o);

	/* --json is the server's answer */
	CLI(&o, "where", FIXTURE_SHA, "--repo", FIXTURE_REPO, "--json");
	expect_code(&o, 0);
	json_t *w = out_json(&o);
	itest_get(&server, "/api/v1/repos/" FIXTURE_REPO "/commits/" FIXTURE_SHA "/where",
		  read_token, &r);
	assert_int_equal(r.status, 200);
	char *mine = json_dumps(json_object_get(w, "environments"), JSON_SORT_KEYS);
	char *theirs = json_dumps(json_object_get(r.json, "environments"), JSON_SORT_KEYS);
	assert_string_equal(mine, theirs);
	free(mine);
	free(theirs);
	assert_int_equal(json_array_size(json_object_get(w, "artifacts")), 1);
	itest_response_free(&r);
	json_decref(w);
	cli_out_free(&o);

	CLI(&o, "where", "0000000", "--repo", "cli/nowhere");
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: Not found");
	cli_out_free(&o);
}

static void journey_shows_the_steps_of_a_pull_request(void **state)
{
	(void)state;
	char id[64];
	struct itest_response r;
	gh_send_fixture(&server, "pull_request", gh_delivery_id(id, sizeof id),
			"pull_request.opened.json", &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);

	struct cli_out o;
	CLI(&o, "journey", FIXTURE_REPO "#2");
	expect_code(&o, 0);
	expect_contains(o.out, FIXTURE_REPO "#2  Update the README with new information.");
	expect_contains(o.out, "STEP");
	expect_contains(o.out, "opened");
	expect_contains(o.out, "Now: ");
	cli_out_free(&o);

	CLI(&o, "journey", FIXTURE_REPO "#2", "--json");
	expect_code(&o, 0);
	json_t *j = out_json(&o);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(j, "pull_request"), "number")),
		2);
	json_t *steps = json_object_get(j, "steps");
	assert_true(json_array_size(steps) > 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(steps, 0), "step")),
			    "opened");
	assert_non_null(json_string_value(json_object_get(j, "current_step")));
	json_decref(j);
	cli_out_free(&o);

	CLI(&o, "journey", FIXTURE_REPO "#999");
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: Not found");
	cli_out_free(&o);
}

/* ---- the server says no ------------------------------------------------------ */

static void refusals_exit_1_with_the_problem_detail(void **state)
{
	(void)state;
	struct cli_out o;
	/* a field the server refuses, named in its detail */
	CLI(&o, "run", "report", "--repository", "cli/refused", "--provider", "gitlab-ci",
	    "--external-id", "r-1", "--sha", "abc", "--status", "completed");
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: A field has an invalid value: sha");
	assert_string_equal(o.out, "");
	cli_out_free(&o);
	CLI(&o, "run", "report", "--repository", "cli/refused", "--provider", "gitlab-ci",
	    "--external-id", "r-1", "--sha", SHA_A, "--status", "done");
	expect_code(&o, 1);
	expect_contains(o.err, "status");
	cli_out_free(&o);
	/* a read token may not record */
	CLI_AS(&o, server.base, read_token, "run", "report", "--repository", "cli/refused",
	       "--provider", "gitlab-ci", "--external-id", "r-1", "--sha", SHA_A, "--status",
	       "completed");
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: The token lacks the scope this needs");
	cli_out_free(&o);
	/* no token: 401, and the CLI says how to give one */
	CLI_AS(&o, server.base, NULL, "runs");
	expect_code(&o, 1);
	expect_contains(o.err, "shiplog: Authentication required");
	expect_contains(o.err, "SHIPLOG_TOKEN");
	cli_out_free(&o);
	/* --token overrides $SHIPLOG_TOKEN */
	CLI_AS(&o, server.base, "not-a-valid-token-at-all-0123456789", "--token", read_token,
	       "runs", "--repo", "cli/refused");
	expect_code(&o, 0);
	cli_out_free(&o);
	/* --url overrides $SHIPLOG_URL */
	char closed[64];
	snprintf(closed, sizeof closed, "http://127.0.0.1:%u", closed_port());
	CLI_AS(&o, closed, read_token, "--url", server.base, "runs", "--repo", "cli/refused");
	expect_code(&o, 0);
	cli_out_free(&o);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM runs r JOIN repositories p"
						" ON p.id = r.repository_id"
						" WHERE p.full_name = 'cli/refused'"),
			 0);
}

int main(void)
{
	cli_run_path = SHIPLOG_CLI_PATH;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(help_on_every_subcommand_exits_0_and_prints_its_usage),
		cmocka_unit_test(usage_errors_exit_2_with_the_subcommands_usage),
		cmocka_unit_test(unreachable_server_exits_3),
		cmocka_unit_test(run_report_creates_a_run_visible_in_the_runs_api),
		cmocka_unit_test(run_report_sends_a_json_file_or_standard_input),
		cmocka_unit_test(runs_lists_a_table_json_and_pages),
		cmocka_unit_test(run_show_prints_jobs_by_stage),
		cmocka_unit_test(artifact_add_records_once_and_refuses_another_digest),
		cmocka_unit_test(artifact_ls_lists_a_table_json_and_filters),
		cmocka_unit_test(deploy_record_shows_in_env),
		cmocka_unit_test(where_lists_the_environments_and_artifacts_of_a_commit),
		cmocka_unit_test(journey_shows_the_steps_of_a_pull_request),
		cmocka_unit_test(refusals_exit_1_with_the_problem_detail),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
