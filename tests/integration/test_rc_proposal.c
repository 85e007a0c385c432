/*
 * test_rc_proposal.c — GET /api/v1/release-candidates/proposal: the newest
 * green commit of the default branch (per workflow its latest run with a
 * verdict on that commit, all green), a few more to choose from, and the
 * version proposed from the previous release and the RC pattern; bad input.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "github_send.h"
#include "itest.h"

#define REPO  "itest/proposal"
#define OTHER "itest/proposal-empty"
#define ZERO  "0000000000000000000000000000000000000000"

static struct itest_server server;
static char db_url[512], config_path[256];

/* Readiness gates off: releasing an RC in the story needs no evidence. */
static const char config_text[] = "repositories:\n"
				  "  - {name: " REPO ", default_branch: main}\n"
				  "  - {name: " OTHER ", default_branch: main}\n"
				  "releases:\n"
				  "  rc_pattern: \"v*-rc.*\"\n"
				  "  gates: {ci: false, smoke_tests: false, artifacts: false}\n";

static char sha[9][41];

static void sha_of(unsigned n, char out[41])
{
	for (int i = 0; i < 40; i++)
		out[i] = "0123456789abcdef"[(n * 7 + (unsigned)i * 3) % 16];
	snprintf(out + 32, 9, "%08x", n);
}

static json_t *call(const char *method, const char *path, const char *token, const char *body,
		    long want, struct itest_response *r)
{
	if (body)
		itest_json(&server, method, path, token, body, r);
	else
		itest_get(&server, path, token, r);
	if (r->status != want)
		fail_msg("%s %s answered %ld, expected %ld: %s", method, path, r->status, want,
			 r->body ? r->body : "");
	return r->json;
}

/* One push of commits[0..n) onto main after `before`. */
static void push_main(const char *before, char (*commits)[41], size_t n, long pushed_at)
{
	json_t *p = gh_load_fixture("push.with-new-branch.json");
	json_t *repo = json_object_get(p, "repository");
	json_object_set_new(repo, "full_name", json_string(REPO));
	json_object_set_new(repo, "name", json_string("proposal"));
	json_object_set_new(repo, "default_branch", json_string("main"));
	json_object_set_new(repo, "pushed_at", json_integer(pushed_at));
	json_t *tmpl = json_deep_copy(json_array_get(json_object_get(p, "commits"), 0));
	assert_non_null(tmpl);
	json_object_set_new(p, "ref", json_string("refs/heads/main"));
	json_object_set_new(p, "before", json_string(before));
	json_object_set_new(p, "after", json_string(commits[n - 1]));
	json_object_set_new(p, "created", json_boolean(!strcmp(before, ZERO)));
	json_object_set_new(p, "deleted", json_false());
	json_object_set_new(p, "forced", json_false());
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_deep_copy(tmpl);
		char msg[80];
		snprintf(msg, sizeof msg, "Commit %zu\n\nThe body, not the title.", i);
		json_object_set_new(c, "id", json_string(commits[i]));
		json_object_set_new(c, "message", json_string(msg));
		json_array_append_new(list, c);
	}
	json_object_set_new(p, "commits", list);
	json_object_set_new(p, "head_commit", json_deep_copy(json_array_get(list, n - 1)));
	json_decref(tmpl);
	char id[64];
	struct itest_response r;
	gh_send_json(&server, "push", gh_delivery_id(id, sizeof id), p, &r);
	if (r.status != 200)
		fail_msg("push answered %ld: %s", r.status, r.body);
	itest_response_free(&r);
	json_decref(p);
}

/* A completed run of `workflow` at commit `sha` on `branch`, created at minute m. */
static void run(const char *workflow, const char *commit, const char *branch,
		const char *conclusion, int m)
{
	static int external;
	char body[900];
	snprintf(body, sizeof body,
		 "{\"repository\":\"" REPO "\",\"provider\":\"itest\",\"external_id\":\"%d\","
		 "\"workflow\":\"%s\",\"workflow_path\":\".ci/%s.yml\",\"kind\":\"main\","
		 "\"branch\":\"%s\",\"sha\":\"%s\",\"status\":\"completed\",\"conclusion\":\"%s\","
		 "\"started_at\":\"2026-05-01T10:%02d:00Z\",\"completed_at\":\"2026-05-01T10:%02d:30Z\","
		 "\"updated_at\":\"2026-05-01T10:%02d:30Z\"}",
		 ++external, workflow, workflow, branch, commit, conclusion, m, m, m);
	struct itest_response r;
	call("POST", "/api/v1/runs", ITEST_ADMIN_TOKEN, body, 201, &r);
	itest_response_free(&r);
}

static long cut(const char *version, const char *commit)
{
	char body[300];
	snprintf(body, sizeof body,
		 "{\"version\":\"%s\",\"repository\":\"" REPO "\",\"commit\":\"%s\"}", version,
		 commit);
	struct itest_response r;
	call("POST", "/api/v1/release-candidates", ITEST_ADMIN_TOKEN, body, 201, &r);
	long id = (long)itest_int(r.json, "id");
	itest_response_free(&r);
	return id;
}

static void move(long id, const char *state)
{
	char path[80], body[80];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld", id);
	snprintf(body, sizeof body, "{\"state\":\"%s\"}", state);
	struct itest_response r;
	call("PATCH", path, ITEST_ADMIN_TOKEN, body, 200, &r);
	itest_response_free(&r);
}

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("rc_proposal", db_url, sizeof db_url);
	char cfg_env[300];
	itest_config_file("rc_proposal", config_text, config_path, sizeof config_path, cfg_env,
			  sizeof cfg_env);
	const char *env[] = {cfg_env, ITEST_GITHUB_SECRET_ENV, "SHIPLOG_NOW=2026-05-06T09:00:00Z",
			     NULL};
	itest_server_start(&server, db_url, env);
	for (unsigned i = 0; i < 9; i++)
		sha_of(i + 1, sha[i]);
	/* main: sha[0..6], in two pushes; sha[7] only on a branch */
	push_main(ZERO, sha, 3, 1777000000);
	push_main(sha[2], sha + 3, 4, 1777000600);
	/* 0: green; 1: two workflows green */
	run("build", sha[0], "main", "success", 1);
	run("build", sha[1], "main", "success", 2);
	run("test", sha[1], "main", "success", 3);
	/* 2: red */
	run("build", sha[2], "main", "failure", 4);
	/* 3: red, re-run green (the latest run with a verdict counts) */
	run("build", sha[3], "main", "failure", 5);
	run("build", sha[3], "main", "success", 6);
	/* 4: one workflow green, another red */
	run("build", sha[4], "main", "success", 7);
	run("test", sha[4], "main", "failure", 8);
	/* 5: cancelled only: no verdict */
	run("build", sha[5], "main", "cancelled", 9);
	/* 6: no run; 7: green but not on main */
	run("build", sha[7], "feature", "success", 10);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(config_path);
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

static const char *str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_string(v))
		fail_msg("%s is not a string: %s", key, json_dumps(o, JSON_COMPACT));
	return json_string_value(v);
}

static void the_newest_green_commits_newest_first(void **state)
{
	(void)state;
	struct itest_response r;
	json_t *o = call("GET", "/api/v1/release-candidates/proposal?repo=" REPO, ITEST_ADMIN_TOKEN,
			 NULL, 200, &r);
	assert_string_equal(str(o, "repository"), REPO);
	assert_string_equal(str(o, "default_branch"), "main");
	json_t *commit = json_object_get(o, "commit");
	assert_string_equal(str(commit, "sha"), sha[3]);
	/* the title is the message's first line */
	assert_string_equal(str(commit, "title"), "Commit 0");
	assert_true(json_is_null(json_object_get(commit, "release_candidate")));
	json_t *cands = json_object_get(o, "candidates");
	assert_int_equal(json_array_size(cands), 3);
	assert_string_equal(str(json_array_get(cands, 0), "sha"), sha[3]);
	assert_string_equal(str(json_array_get(cands, 1), "sha"), sha[1]);
	assert_string_equal(str(json_array_get(cands, 2), "sha"), sha[0]);
	/* nothing released, no RC */
	assert_string_equal(str(o, "version"), "v0.1.0-rc.1");
	assert_string_equal(str(o, "target"), "v0.1.0");
	assert_true(json_is_null(json_object_get(o, "previous_release")));
	assert_string_equal(str(o, "rc_pattern"), "v*-rc.*");
	itest_response_free(&r);
	/* a read token is enough; the repository's name in any case */
	char *read = itest_token(&server, "read");
	o = call("GET", "/api/v1/release-candidates/proposal?repo=ITEST/Proposal", read, NULL, 200,
		 &r);
	assert_string_equal(str(json_object_get(o, "commit"), "sha"), sha[3]);
	itest_response_free(&r);
	free(read);
}

static void nothing_green_yet(void **state)
{
	(void)state;
	/* a configured repository shiplog has heard nothing of yet */
	struct itest_response r;
	json_t *o = call("GET", "/api/v1/release-candidates/proposal?repo=" OTHER,
			 ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_true(json_is_null(json_object_get(o, "commit")));
	assert_int_equal(itest_array_size(o, "candidates"), 0);
	assert_string_equal(str(o, "version"), "v0.1.0-rc.1");
	itest_response_free(&r);
}

static void the_version_follows_the_previous_release_and_the_rcs_cut(void **state)
{
	(void)state;
	long first = cut("v0.37.0-rc.1", sha[0]);
	move(first, "testing");
	move(first, "approved");
	move(first, "released");
	struct itest_response r;
	json_t *o = call("GET", "/api/v1/release-candidates/proposal?repo=" REPO, ITEST_ADMIN_TOKEN,
			 NULL, 200, &r);
	assert_string_equal(str(o, "previous_release"), "v0.37.0");
	assert_string_equal(str(o, "version"), "v0.38.0-rc.1");
	assert_string_equal(str(o, "target"), "v0.38.0");
	itest_response_free(&r);

	long next = cut("v0.38.0-rc.1", sha[3]);
	o = call("GET", "/api/v1/release-candidates/proposal?repo=" REPO, ITEST_ADMIN_TOKEN, NULL,
		 200, &r);
	assert_string_equal(str(o, "previous_release"), "v0.37.0");
	assert_string_equal(str(o, "version"), "v0.38.0-rc.2");
	/* the commit says which RC was cut from it */
	json_t *rc = json_object_get(json_object_get(o, "commit"), "release_candidate");
	assert_int_equal(itest_int(rc, "id"), next);
	assert_string_equal(str(rc, "version"), "v0.38.0-rc.1");
	itest_response_free(&r);
}

static void bad_input_is_refused(void **state)
{
	(void)state;
	struct itest_response r;
	itest_get(&server, "/api/v1/release-candidates/proposal", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 400, "", "repo");
	itest_response_free(&r);
	const char *bad[] = {"?repo=", "?repo=nope", "?repo=a/b/c", "?repo=%00x/y",
			     "?repo=a%20b/c"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char path[120];
		snprintf(path, sizeof path, "/api/v1/release-candidates/proposal%s", bad[i]);
		itest_get(&server, path, ITEST_ADMIN_TOKEN, &r);
		if (r.status != 400)
			fail_msg("%s answered %ld: %s", path, r.status, r.body);
		itest_assert_problem(&r, 400, "", "repo");
		itest_response_free(&r);
	}
	itest_get(&server, "/api/v1/release-candidates/proposal?repo=nobody/nothing",
		  ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 404, "not-found", "nobody/nothing");
	itest_response_free(&r);
	/* without a token */
	itest_get(&server, "/api/v1/release-candidates/proposal?repo=" REPO, NULL, &r);
	assert_int_equal(r.status, 401);
	itest_response_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_newest_green_commits_newest_first),
		cmocka_unit_test(nothing_green_yet),
		cmocka_unit_test(the_version_follows_the_previous_release_and_the_rcs_cut),
		cmocka_unit_test(bad_input_is_refused),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
