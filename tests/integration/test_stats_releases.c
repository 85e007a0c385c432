/*
 * test_stats_releases.c — GET /api/v1/stats/releases: release candidates
 * cut, versions released, readiness overrides and GitHub releases of
 * unready RCs per ISO week (UTC, Monday start), with the window's totals.
 *
 * Everything is made through the real API and GitHub webhooks, with the
 * clock pinned to Wednesday 2026-04-01 (week 2026-W14, starting Monday
 * 2026-03-30).  Two gates are evaluated, as in test_rc_readiness_enforced.c:
 * CI green on the RC's commit and one Sales approval.
 *
 *   W14: RCs 1, 2, 3 of REPO cut and one of OTHER; RC 1 (unready) approved
 *        and released by Rita over its gates: two overrides, one release.
 *   W13: GitHub releases v2.0.0 (RC 2, unready: released without readiness)
 *        and v3.0.0 (RC 3, ready).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "github_send.h"
#include "itest.h"

#define REPO  "itest/insights"
#define OTHER "itest/elsewhere"
#define NOW   "2026-04-01T12:00:00Z"

static struct itest_server server;
static char db_url[512];
static char config_path[256];
static char *ci, *rm, *sales;

static const char config_text[] = "repositories:\n"
				  "  - name: " REPO "\n"
				  "  - name: " OTHER "\n"
				  "teams:\n"
				  "  - {name: sales, members: [\"*@sales.example.com\"]}\n"
				  "releases:\n"
				  "  gates:\n"
				  "    smoke_tests: false\n"
				  "    staging: {enabled: false}\n"
				  "    approvals: [{team: sales, min: 1}]\n";

static void expect(const char *method, const char *path, const char *tok, const char *body,
		   long want, struct itest_response *r)
{
	if (body)
		itest_json(&server, method, path, tok, body, r);
	else
		itest_get(&server, path, tok, r);
	if (r->status != want)
		fail_msg("%s %s answered %ld, expected %ld: %s", method, path, r->status, want,
			 r->body ? r->body : "");
}

static void ok(const char *method, const char *path, const char *tok, const char *body, long want)
{
	struct itest_response r;
	expect(method, path, tok, body, want, &r);
	itest_response_free(&r);
}

static const char *rc_path(long id)
{
	static char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld", id);
	return path;
}

/* An RC v<k>.0.0-rc.1 of `repo` in testing, ready (CI passed, Sales
 * approved) or not (CI failed, no approval); returns its id. */
static long make_rc(const char *repo, int k, bool ready)
{
	char sha[41], body[1024];
	for (int i = 0; i < 20; i++)
		snprintf(sha + 2 * i, 3, "%02x", k);
	snprintf(body, sizeof body,
		 "{\"version\":\"v%d.0.0-rc.1\",\"repository\":\"%s\",\"commit\":\"%s\"}", k, repo,
		 sha);
	struct itest_response r;
	expect("POST", "/api/v1/release-candidates", ci, body, 201, &r);
	long id = (long)itest_int(r.json, "id");
	itest_response_free(&r);
	ok("PATCH", rc_path(id), ci, "{\"state\":\"testing\"}", 200);
	snprintf(body, sizeof body,
		 "{\"repository\":\"%s\",\"provider\":\"buildkite\",\"external_id\":\"bk-%d\","
		 "\"workflow\":\"pipeline\",\"sha\":\"%s\",\"status\":\"completed\","
		 "\"conclusion\":\"%s\",\"jobs\":[{\"name\":\"build\",\"status\":\"completed\","
		 "\"conclusion\":\"%s\",\"stage\":\"build\",\"required\":true}]}",
		 repo, k, sha, ready ? "success" : "failure", ready ? "success" : "failure");
	ok("POST", "/api/v1/runs", ci, body, 201);
	if (ready) {
		char path[128];
		snprintf(path, sizeof path, "%s/feedback", rc_path(id));
		ok("POST", path, sales, "{\"verdict\":\"approve\"}", 201);
	}
	return id;
}

/* GitHub publishes release `tag` of REPO at `at`. */
static void release_published(long release_id, const char *tag, const char *at)
{
	json_t *p = gh_load_fixture("release.published.json");
	json_t *repo = json_object_get(p, "repository");
	json_object_set_new(repo, "full_name", json_string(REPO));
	json_object_set_new(repo, "name", json_string("insights"));
	json_object_set_new(repo, "default_branch", json_string("main"));
	json_object_set_new(repo, "id", json_integer(737373));
	json_t *rel = json_object_get(p, "release");
	json_object_set_new(rel, "id", json_integer(release_id));
	json_object_set_new(rel, "tag_name", json_string(tag));
	json_object_set_new(rel, "prerelease", json_false());
	json_object_set_new(rel, "draft", json_false());
	json_object_set_new(rel, "published_at", json_string(at));
	json_object_set_new(rel, "updated_at", json_string(at));
	char id[64];
	struct itest_response r;
	gh_send_json(&server, "release", gh_delivery_id(id, sizeof id), p, &r);
	if (r.status != 200)
		fail_msg("release answered %ld: %s", r.status, r.body ? r.body : "");
	itest_response_free(&r);
	json_decref(p);
}

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("statsreleases", db_url, sizeof db_url);
	char cfg_env[300];
	itest_config_file("statsreleases", config_text, config_path, sizeof config_path, cfg_env,
			  sizeof cfg_env);
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, "SHIPLOG_NOW=" NOW, cfg_env, NULL};
	itest_server_start(&server, db_url, env);
	ci = itest_token_owned(&server, "release-bot", "ci");
	rm = itest_token_owned(&server, "rita@example.com", "release");
	sales = itest_token_owned(&server, "sam@sales.example.com", "feedback");

	long one = make_rc(REPO, 1, false);
	make_rc(REPO, 2, false);
	make_rc(REPO, 3, true);
	make_rc(OTHER, 4, false);
	ok("PATCH", rc_path(one), rm,
	   "{\"state\":\"approved\",\"override_reason\":\"a known flake\"}", 200);
	ok("PATCH", rc_path(one), rm,
	   "{\"state\":\"released\",\"override_reason\":\"shipping the hotfix\"}", 200);
	release_published(9902, "v2.0.0", "2026-03-25T10:00:00Z");
	release_published(9903, "v3.0.0", "2026-03-26T10:00:00Z");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(ci);
	free(rm);
	free(sales);
	unlink(config_path);
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

/* Asserts the counts of one week (or the totals): cut, released,
 * overrides, released without readiness. */
static void counts(const json_t *o, long cut, long released, long overrides, long unready)
{
	if (!json_is_object(o))
		fail_msg("no counts");
	assert_int_equal(itest_int(o, "rcs_cut"), cut);
	assert_int_equal(itest_int(o, "released"), released);
	assert_int_equal(itest_int(o, "overrides"), overrides);
	assert_int_equal(itest_int(o, "released_without_readiness"), unready);
}

static void week(const json_t *series, size_t i, const char *name, const char *starts)
{
	const json_t *w = json_array_get(series, i);
	assert_string_equal(json_string_value(json_object_get(w, "week")), name);
	assert_string_equal(json_string_value(json_object_get(w, "starts")), starts);
}

static void overrides_and_releases_are_counted_per_week(void **state)
{
	(void)state;
	struct itest_response r;
	/* a read token is enough */
	char *reader = itest_token_owned(&server, "reader", "read");
	expect("GET", "/api/v1/stats/releases?repo=" REPO "&weeks=3", reader, NULL, 200, &r);
	free(reader);
	assert_string_equal(json_string_value(json_object_get(r.json, "repository")), REPO);
	assert_int_equal(itest_int(r.json, "weeks"), 3);
	assert_string_equal(json_string_value(json_object_get(r.json, "until")), NOW);
	const json_t *series = json_object_get(r.json, "series");
	assert_int_equal(json_array_size(series), 3);
	week(series, 0, "2026-W12", "2026-03-16");
	counts(json_array_get(series, 0), 0, 0, 0, 0);
	week(series, 1, "2026-W13", "2026-03-23");
	counts(json_array_get(series, 1), 0, 2, 0, 1);
	week(series, 2, "2026-W14", "2026-03-30");
	counts(json_array_get(series, 2), 3, 1, 2, 0);
	counts(json_object_get(r.json, "totals"), 3, 3, 2, 1);
	itest_response_free(&r);
}

static void the_window_and_the_repository_bound_what_is_counted(void **state)
{
	(void)state;
	struct itest_response r;
	/* this week only (the default repository filter: all of them) */
	expect("GET", "/api/v1/stats/releases?weeks=1", ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_true(json_is_null(json_object_get(r.json, "repository")));
	assert_int_equal(itest_array_size(r.json, "series"), 1);
	counts(json_array_get(json_object_get(r.json, "series"), 0), 4, 1, 2, 0);
	counts(json_object_get(r.json, "totals"), 4, 1, 2, 0);
	itest_response_free(&r);
	/* the default window is 12 weeks, ending with this one */
	expect("GET", "/api/v1/stats/releases", ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_int_equal(itest_int(r.json, "weeks"), 12);
	assert_int_equal(itest_array_size(r.json, "series"), 12);
	week(json_object_get(r.json, "series"), 11, "2026-W14", "2026-03-30");
	counts(json_object_get(r.json, "totals"), 4, 3, 2, 1);
	itest_response_free(&r);
	/* the other repository: its one RC; its name is matched case-insensitively */
	expect("GET", "/api/v1/stats/releases?weeks=2&repo=ITEST/Elsewhere", ITEST_ADMIN_TOKEN,
	       NULL, 200, &r);
	counts(json_object_get(r.json, "totals"), 1, 0, 0, 0);
	itest_response_free(&r);
	/* a repository shiplog does not know has nothing, like the other stats */
	expect("GET", "/api/v1/stats/releases?weeks=2&repo=acme/unknown", ITEST_ADMIN_TOKEN, NULL,
	       200, &r);
	assert_int_equal(itest_array_size(r.json, "series"), 2);
	counts(json_array_get(json_object_get(r.json, "series"), 1), 0, 0, 0, 0);
	counts(json_object_get(r.json, "totals"), 0, 0, 0, 0);
	itest_response_free(&r);
}

static void bad_parameters_are_400_naming_them(void **state)
{
	(void)state;
	static const struct {
		const char *query, *param;
	} cases[] = {
		{"weeks=0", "weeks"},
		{"weeks=105", "weeks"},
		{"weeks=abc", "weeks"},
		{"weeks=-1", "weeks"},
		{"repo=no-slash", "repo"},
		{"repo=a/b/c", "repo"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char path[128];
		snprintf(path, sizeof path, "/api/v1/stats/releases?%s", cases[i].query);
		struct itest_response r;
		itest_get(&server, path, ITEST_ADMIN_TOKEN, &r);
		itest_assert_problem(&r, 400, "/invalid-parameter", cases[i].param);
		itest_response_free(&r);
	}
	/* and without a token, 401 */
	struct itest_response r;
	itest_get(&server, "/api/v1/stats/releases", NULL, &r);
	assert_int_equal(r.status, 401);
	itest_response_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(overrides_and_releases_are_counted_per_week),
		cmocka_unit_test(the_window_and_the_repository_bound_what_is_counted),
		cmocka_unit_test(bad_parameters_are_400_naming_them),
	};
	return cmocka_run_group_tests_name("stats: releases and overrides", tests, group_setup,
					   group_teardown);
}
