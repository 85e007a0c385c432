/*
 * test_branch_verdict.c — the branch red/green rule lives once, in SQL
 * (migrations/017_branch_verdict.sql: run_workflow_key, run_verdict), and
 * both of its readers use it: the branch health answer (GET
 * .../branches/{branch}/health) and the main.broken / main.fixed
 * notifications (the outbox trigger).  The rule's table is checked as
 * shipped; then the rule is changed in this test's database only (a
 * cancelled run counts as red) and both readers must follow the change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "github_send.h"
#include "http_sink.h"
#include "itest.h"

#define REPO "acme/verdict"
#define SHA_1 "1111111111111111111111111111111111111111"
#define SHA_2 "2222222222222222222222222222222222222222"

static const char config[] = "repositories: [{name: " REPO ", default_branch: main}]\n"
			     "notifications:\n"
			     "  sinks:\n"
			     "    - {name: hooks, type: webhook, url_env: ITEST_HOOKS_URL,\n"
			     "       events: [main.broken, main.fixed]}\n";

static struct itest_server srv;
static struct http_sink *sink;
static char db_url[512], config_path[256], config_env[300], hooks_env[300];

static int setup(void **state)
{
	(void)state;
	itest_db_create("verdict", db_url, sizeof db_url);
	snprintf(config_path, sizeof config_path, "/tmp/shiplog-verdict-%d.yaml", (int)getpid());
	FILE *f = fopen(config_path, "w");
	assert_non_null(f);
	fputs(config, f);
	fclose(f);
	sink = http_sink_start();
	char url[256];
	snprintf(hooks_env, sizeof hooks_env, "ITEST_HOOKS_URL=%s",
		 http_sink_url(sink, "/hooks", url, sizeof url));
	snprintf(config_env, sizeof config_env, "SHIPLOG_CONFIG=%s", config_path);
	const char *env[] = {config_env, hooks_env, ITEST_GITHUB_SECRET_ENV, NULL};
	itest_server_start(&srv, db_url, env);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (srv.pid > 0)
		assert_int_equal(itest_server_stop(&srv), 0);
	http_sink_stop(sink);
	unlink(config_path);
	return 0;
}

static void assert_sql(const char *expected, const char *sql)
{
	char *got = itest_sql(db_url, sql);
	if (!got || strcmp(got, expected) != 0)
		fail_msg("%s\n  expected: %s\n  got:      %s", sql, expected, got ? got : "(null)");
	free(got);
}

/* A completed workflow_run of REPO's workflow "build" on main. */
static void run_completed(long long id, const char *conclusion, const char *created,
			  const char *sha)
{
	json_t *p = gh_load_fixture("workflow_run.completed.json");
	json_t *run = json_object_get(p, "workflow_run");
	assert_non_null(run);
	char url[200], delivery[64];
	snprintf(url, sizeof url, "https://github.com/" REPO "/actions/runs/%lld", id);
	json_object_set_new(p, "action", json_string("completed"));
	json_t *repo = json_object_get(p, "repository");
	json_object_set_new(repo, "full_name", json_string(REPO));
	json_object_set_new(repo, "default_branch", json_string("main"));
	json_object_set_new(run, "id", json_integer(id));
	json_object_set_new(run, "run_attempt", json_integer(1));
	json_object_set_new(run, "status", json_string("completed"));
	json_object_set_new(run, "conclusion", json_string(conclusion));
	json_object_set_new(run, "event", json_string("push"));
	json_object_set_new(run, "created_at", json_string(created));
	json_object_set_new(run, "run_started_at", json_string(created));
	json_object_set_new(run, "updated_at", json_string(created));
	json_object_set_new(run, "head_branch", json_string("main"));
	json_object_set_new(run, "head_sha", json_string(sha));
	json_object_set_new(run, "path", json_string(".github/workflows/build.yml"));
	json_object_set_new(run, "name", json_string("build"));
	json_object_set_new(run, "html_url", json_string(url));
	json_t *wf = json_object_get(p, "workflow");
	if (json_is_object(wf)) {
		json_object_set_new(wf, "path", json_string(".github/workflows/build.yml"));
		json_object_set_new(wf, "name", json_string("build"));
	}
	struct itest_response r;
	gh_send_json(&srv, "workflow_run", gh_delivery_id(delivery, sizeof delivery), p, &r);
	if (r.status != 200)
		fail_msg("workflow_run answered %ld: %s", r.status, r.body);
	itest_response_free(&r);
	json_decref(p);
}

static void health(const char *want_state, long long want_failing_external)
{
	struct itest_response r;
	itest_get(&srv, "/api/v1/repos/" REPO "/branches/main/health", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	const char *state = json_string_value(json_object_get(r.json, "state"));
	if (!state || strcmp(state, want_state) != 0)
		fail_msg("health state %s, expected %s: %s", state ? state : "(none)", want_state,
			 r.body);
	if (want_failing_external) {
		json_t *ff = json_object_get(r.json, "first_failing_run");
		char sql[200];
		snprintf(sql, sizeof sql, "SELECT id FROM runs WHERE external_id = '%lld'",
			 want_failing_external);
		assert_int_equal(itest_int(ff, "id"), itest_sql_long(db_url, sql));
	}
	itest_response_free(&r);
}

/* The rule as shipped: which workflow a run belongs to, and its verdict. */
static void the_rule_as_shipped(void **state)
{
	(void)state;
	assert_sql("green|red|red|red||||||||",
		   "SELECT concat_ws('|', run_verdict('completed', 'success'), "
		   "coalesce(run_verdict('completed', 'failure'), ''), "
		   "coalesce(run_verdict('completed', 'timed_out'), ''), "
		   "coalesce(run_verdict('completed', 'startup_failure'), ''), "
		   "coalesce(run_verdict('completed', 'cancelled'), ''), "
		   "coalesce(run_verdict('completed', 'skipped'), ''), "
		   "coalesce(run_verdict('completed', 'neutral'), ''), "
		   "coalesce(run_verdict('completed', 'stale'), ''), "
		   "coalesce(run_verdict('completed', 'action_required'), ''), "
		   "coalesce(run_verdict('completed', NULL), ''), "
		   "coalesce(run_verdict('in_progress', 'failure'), ''), "
		   "coalesce(run_verdict(NULL, 'success'), ''))");
	assert_sql("p|n|7|", "SELECT concat_ws('|', run_workflow_key('p', 'n', 7), "
			     "run_workflow_key(NULL, 'n', 7), run_workflow_key(NULL, NULL, 7), "
			     "run_workflow_key(NULL, NULL, NULL))");
}

/* Both readers take the rule from the one definition: changed there (a
 * cancelled run is red), the health answer and the notifications follow. */
static void health_and_notifications_follow_the_one_rule(void **state)
{
	(void)state;
	run_completed(701, "success", "2026-05-01T10:00:00Z", SHA_1);
	run_completed(702, "cancelled", "2026-05-01T11:00:00Z", SHA_2);
	/* as shipped: a cancelled run carries no verdict */
	health("green", 0);
	assert_sql("0", "SELECT count(*) FROM notifications WHERE kind = 'main.broken'");

	/* the rule changed in this database only */
	free(itest_sql(db_url,
		       "CREATE OR REPLACE FUNCTION run_verdict(p_status text, p_conclusion text) "
		       "RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "
		       "SELECT CASE WHEN p_status = 'completed' THEN "
		       "CASE WHEN p_conclusion = 'success' THEN 'green' "
		       "WHEN p_conclusion IN ('failure', 'timed_out', 'startup_failure', "
		       "'cancelled') THEN 'red' END END $$"));
	run_completed(703, "cancelled", "2026-05-01T12:00:00Z", SHA_2);
	assert_sql("1", "SELECT count(*) FROM notifications WHERE kind = 'main.broken'");
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM notifications WHERE kind = 'main.broken' AND entity_id = "
		 "(SELECT id::text FROM runs WHERE external_id = '703')");
	assert_sql("1", sql);
	health("red", 702);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_rule_as_shipped),
		cmocka_unit_test(health_and_notifications_follow_the_one_rule),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
