/*
 * test_rc_gates.c — readiness gate by gate, and the RC life through the API.
 *
 * Each gate case builds an RC whose every gate would pass (CI run with a
 * build and a smoke job, both required artifacts, a soaked staging
 * deployment, a Sales approval) and then breaks exactly one thing: that
 * gate, and only that gate, must fail (or wait) with the right reason.
 * Everything goes through the REST endpoints (runs, artifacts, deployments
 * reported by "another CI"); "now" is pinned with SHIPLOG_NOW.  The staging
 * environment has one current deployment, so the cases run in order, each
 * deploying a little later than the one before.
 *
 * Then the life of an RC: cut through the API (draft), merged with the
 * GitHub pre-release of the same version, conflicting cuts, illegal manual
 * transitions (409 listing the allowed ones), a deleted tag, an RC cut
 * late, and a pre-release ticked into a release.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "github_send.h"
#include "itest.h"

#define REPO "itest/gates"
#define ZERO "0000000000000000000000000000000000000000"
#define NOW  "2026-04-01T12:00:00Z"

static struct itest_server server;
static char db_url[512];
static char config_path[256];
static char *ci, *sales;

static const char config_text[] = "repositories:\n"
				  "  - name: " REPO "\n"
				  "environments:\n"
				  "  - {name: staging, tier: staging}\n"
				  "teams:\n"
				  "  - {name: sales, members: [\"*@sales.example.com\"]}\n"
				  "releases:\n"
				  "  required_artifacts: [\"chart:gates\", \"binary:gates\"]\n"
				  "  gates:\n"
				  "    staging: {soak: 30m}\n"
				  "    approvals: [{team: sales, min: 1}]\n";

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("rcgates", db_url, sizeof db_url);
	char cfg_env[300];
	itest_config_file("rcgates", config_text, config_path, sizeof config_path, cfg_env,
			  sizeof cfg_env);
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, "SHIPLOG_NOW=" NOW, cfg_env, NULL};
	itest_server_start(&server, db_url, env);
	struct itest_response r;
	itest_json(&server, "POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN,
		   "{\"name\":\"bot\",\"owner\":\"release-bot\",\"scopes\":[\"ci\"]}", &r);
	assert_int_equal(r.status, 201);
	ci = strdup(json_string_value(json_object_get(r.json, "token")));
	itest_response_free(&r);
	itest_json(&server, "POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN,
		   "{\"name\":\"s\",\"owner\":\"sam@sales.example.com\",\"scopes\":[\"feedback\"]}",
		   &r);
	assert_int_equal(r.status, 201);
	sales = strdup(json_string_value(json_object_get(r.json, "token")));
	itest_response_free(&r);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(ci);
	free(sales);
	unlink(config_path);
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

/* ---- helpers ---- */

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

static void ok(const char *method, const char *path, const char *token, const char *body, long want)
{
	struct itest_response r;
	call(method, path, token, body, want, &r);
	itest_response_free(&r);
}

static void sha_for(int k, char out[41])
{
	for (int i = 0; i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", k);
}

enum broken {
	BREAK_NOTHING,
	BREAK_CI,
	BREAK_SMOKE,
	BREAK_ARTIFACT,
	BREAK_STAGING,
	BREAK_SOAK,
	BREAK_BLOCK,
	BREAK_NO_APPROVAL,
	BREAK_CI_RUNNING,
};

/* An RC v3.<k>.0-rc.1 with every gate green but `broken`; returns its id. */
static long build_rc(int k, enum broken broken)
{
	char sha[41], body[2048], version[32];
	sha_for(k, sha);
	snprintf(version, sizeof version, "v3.%d.0-rc.1", k);
	struct itest_response r;
	snprintf(body, sizeof body,
		 "{\"version\":\"%s\",\"repository\":\"" REPO "\",\"commit\":\"%s\"}", version,
		 sha);
	call("POST", "/api/v1/release-candidates", ci, body, 201, &r);
	long id = (long)json_integer_value(json_object_get(r.json, "id"));
	assert_string_equal(json_string_value(json_object_get(r.json, "state")), "draft");
	itest_response_free(&r);

	bool running = broken == BREAK_CI_RUNNING;
	snprintf(
		body, sizeof body,
		"{\"repository\":\"" REPO "\",\"provider\":\"buildkite\",\"external_id\":\"bk-%d\","
		"\"workflow\":\"pipeline\",\"sha\":\"%s\",\"status\":\"%s\"%s,"
		"\"jobs\":[{\"name\":\"build\",\"status\":\"%s\"%s,\"stage\":\"build\","
		"\"required\":true},"
		"{\"name\":\"smoke\",\"status\":\"completed\",\"conclusion\":\"%s\",\"stage\":"
		"\"e2e\","
		"\"required\":true},"
		"{\"name\":\"flaky-ui\",\"status\":\"completed\",\"conclusion\":\"failure\","
		"\"stage\":\"e2e\",\"required\":false}]}",
		k, sha, running ? "in_progress" : "completed",
		running ? "" : ",\"conclusion\":\"success\"", running ? "in_progress" : "completed",
		running		     ? ""
		: broken == BREAK_CI ? ",\"conclusion\":\"failure\""
				     : ",\"conclusion\":\"success\"",
		broken == BREAK_SMOKE ? "failure" : "success");
	ok("POST", "/api/v1/runs", ci, body, 201);

	snprintf(body, sizeof body,
		 "{\"kind\":\"chart\",\"name\":\"gates\",\"version\":\"3.%d.0-rc.1\","
		 "\"digest\":\"sha256:%s%s000000000000000000000000\",\"repository\":\"" REPO "\","
		 "\"commit\":\"%s\"}",
		 k, sha, "", sha);
	ok("POST", "/api/v1/artifacts", ci, body, 201);
	if (broken != BREAK_ARTIFACT && broken != BREAK_CI_RUNNING) {
		snprintf(body, sizeof body,
			 "{\"kind\":\"binary\",\"name\":\"gates\",\"version\":\"3.%d.0-rc.1\","
			 "\"digest\":\"sha256:%s111111111111111111111111\",\"repository\":\"" REPO
			 "\","
			 "\"commit\":\"%s\"}",
			 k, sha, sha);
		ok("POST", "/api/v1/artifacts", ci, body, 201);
	}

	/* deployed a little later than the case before (the soak case comes
	 * last); soaked unless asked */
	char started[32], finished[32];
	snprintf(started, sizeof started, "2026-04-01T10:%02d:00Z", k);
	snprintf(finished, sizeof finished, "2026-04-01T11:%02d:00Z",
		 broken == BREAK_SOAK ? 50 : k);
	snprintf(body, sizeof body,
		 "{\"environment\":\"staging\",\"repository\":\"" REPO "\",\"commit\":\"%s\","
		 "\"status\":\"%s\",\"started_at\":\"%s\",\"finished_at\":\"%s\"}",
		 sha, broken == BREAK_STAGING ? "failure" : "success", started, finished);
	ok("POST", "/api/v1/deployments", ci, body, 201);

	char path[128];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback", id);
	if (broken != BREAK_NO_APPROVAL)
		ok("POST", path, sales, "{\"verdict\":\"approve\"}", 201);
	if (broken == BREAK_BLOCK)
		ok("POST", path, ITEST_ADMIN_TOKEN,
		   "{\"author\":\"pat@partner.example.com\",\"verdict\":\"block\","
		   "\"area\":\"install\",\"comment\":\"helm install fails\"}",
		   201);
	return id;
}

/* Checks readiness: `key` has `status` with `reason_part`; every other gate
 * passed; the verdict is `verdict`. */
static void expect_only(long id, const char *key, const char *status, const char *reason_part,
			const char *verdict)
{
	char path[128];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/readiness", id);
	struct itest_response r;
	call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	size_t i, seen = 0;
	json_t *g;
	json_array_foreach(json_object_get(r.json, "gates"), i, g) {
		const char *gk = json_string_value(json_object_get(g, "gate"));
		const char *st = json_string_value(json_object_get(g, "status"));
		const char *reason = json_string_value(json_object_get(g, "reason"));
		assert_true(json_is_object(json_object_get(g, "evidence")));
		seen++;
		if (key && !strcmp(gk, key)) {
			if (strcmp(st, status) || !strstr(reason, reason_part))
				fail_msg("gate %s: %s \"%s\", expected %s \"%s\"", gk, st, reason,
					 status, reason_part);
		} else if (strcmp(st, "passed")) {
			fail_msg("gate %s should pass but is %s: %s", gk, st, reason);
		}
	}
	assert_int_equal(seen, 5);
	const char *v = json_string_value(json_object_get(r.json, "verdict"));
	if (strcmp(v, verdict))
		fail_msg("verdict %s, expected %s: %s", v, verdict, r.body);
	itest_response_free(&r);
}

/* ---- gates ---- */

static void every_gate_passes_when_everything_is_there(void **state)
{
	(void)state;
	long id = build_rc(1, BREAK_NOTHING);
	expect_only(id, NULL, NULL, NULL, "ready");
}

static void ci_fails_alone_on_a_failed_required_job(void **state)
{
	(void)state;
	long id = build_rc(2, BREAK_CI);
	expect_only(id, "ci", "failed",
		    "required job build in pipeline failed (failure) on 0202020", "failed");
}

static void ci_waits_while_a_job_runs_and_artifacts_wait_with_it(void **state)
{
	(void)state;
	long id = build_rc(3, BREAK_CI_RUNNING);
	char path[128];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/readiness", id);
	struct itest_response r;
	call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	json_t *gates = json_object_get(r.json, "gates");
	assert_string_equal(json_string_value(json_object_get(json_array_get(gates, 0), "status")),
			    "pending");
	assert_non_null(
		strstr(json_string_value(json_object_get(json_array_get(gates, 0), "reason")),
		       "1 required job is still running on 0303030 (build)"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(gates, 2), "gate")),
			    "artifacts");
	assert_string_equal(json_string_value(json_object_get(json_array_get(gates, 2), "status")),
			    "pending");
	assert_non_null(
		strstr(json_string_value(json_object_get(json_array_get(gates, 2), "reason")),
		       "not published yet (CI is still running): binary:gates"));
	assert_string_equal(json_string_value(json_object_get(r.json, "verdict")), "pending");
	itest_response_free(&r);
}

static void smoke_tests_fail_alone_and_optional_ones_never_count(void **state)
{
	(void)state;
	long id = build_rc(4, BREAK_SMOKE);
	expect_only(id, "smoke_tests", "failed", "smoke test smoke in pipeline failed (failure)",
		    "failed");
}

static void artifacts_fail_alone_when_a_required_one_is_missing(void **state)
{
	(void)state;
	long id = build_rc(5, BREAK_ARTIFACT);
	expect_only(id, "artifacts", "failed", "not published: binary:gates", "failed");
}

static void staging_fails_alone_when_the_deployment_failed(void **state)
{
	(void)state;
	long id = build_rc(6, BREAK_STAGING);
	expect_only(id, "staging", "failed", "the deployment of 0606060 to staging failed",
		    "failed");
}

static void staging_waits_for_the_soak_time(void **state)
{
	(void)state;
	long id = build_rc(9, BREAK_SOAK);
	expect_only(id, "staging", "pending",
		    "healthy for 10 min of the 30 min soak (soaked at 2026-04-01T12:20:00Z)",
		    "pending");
}

static void staging_waits_while_it_runs_an_older_revision(void **state)
{
	(void)state;
	/* rc 9's commit is deployed now; rc 1's commit is not: not comparable */
	char path[128];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/readiness",
		 itest_sql_long(db_url,
				"SELECT id FROM release_candidates WHERE version = 'v3.1.0-rc.1'"));
	struct itest_response r;
	call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	json_t *g = json_array_get(json_object_get(r.json, "gates"), 3);
	assert_string_equal(json_string_value(json_object_get(g, "gate")), "staging");
	assert_string_equal(json_string_value(json_object_get(g, "status")), "pending");
	assert_non_null(strstr(json_string_value(json_object_get(g, "reason")),
			       "staging runs 0909090, which is not the RC's revision"));
	itest_response_free(&r);
}

static void feedback_fails_alone_on_an_unresolved_block(void **state)
{
	(void)state;
	long id = build_rc(7, BREAK_BLOCK);
	expect_only(id, "feedback", "failed",
		    "unresolved block by pat@partner.example.com on v3.7.0-rc.1, area install",
		    "failed");
}

static void feedback_waits_for_the_quorum(void **state)
{
	(void)state;
	long id = build_rc(8, BREAK_NO_APPROVAL);
	expect_only(id, "feedback", "pending", "approvals needed: sales 0 of 1", "pending");
}

static void readiness_of_an_unknown_rc_is_404(void **state)
{
	(void)state;
	struct itest_response r;
	itest_get(&server, "/api/v1/release-candidates/999999/readiness", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 404, "/not-found", "no release candidate 999999");
	itest_response_free(&r);
}

/* ---- the life of an RC ---- */

static void set_repo(json_t *payload)
{
	json_t *repo = json_object_get(payload, "repository");
	json_object_set_new(repo, "full_name", json_string(REPO));
	json_object_set_new(repo, "name", json_string("gates"));
	json_object_set_new(repo, "default_branch", json_string("main"));
	json_object_set_new(repo, "id", json_integer(626262));
}

static void deliver(const char *event, json_t *payload)
{
	char id[64];
	struct itest_response r;
	gh_send_json(&server, event, gh_delivery_id(id, sizeof id), payload, &r);
	if (r.status != 200)
		fail_msg("%s answered %ld: %s", event, r.status, r.body ? r.body : "");
	itest_response_free(&r);
	json_decref(payload);
}

static void release_event(const char *action, long id, const char *tag, bool prerelease,
			  const char *at)
{
	json_t *p =
		gh_load_fixture(prerelease ? "release.prereleased.json" : "release.released.json");
	set_repo(p);
	json_t *rel = json_object_get(p, "release");
	json_object_set_new(p, "action", json_string(action));
	json_object_set_new(rel, "id", json_integer(id));
	json_object_set_new(rel, "tag_name", json_string(tag));
	json_object_set_new(rel, "prerelease", json_boolean(prerelease));
	json_object_set_new(rel, "draft", json_false());
	json_object_set_new(rel, "published_at", json_string(at));
	json_object_set_new(rel, "updated_at", json_string(at));
	deliver("release", p);
}

static void tag_push(const char *tag, const char *sha, bool deleted, const char *at)
{
	json_t *p = gh_load_fixture("push.json");
	set_repo(p);
	json_object_set_new(p, "ref", json_string(tag));
	json_object_set_new(p, "before", json_string(deleted ? sha : ZERO));
	json_object_set_new(p, "after", json_string(deleted ? ZERO : sha));
	json_object_set_new(p, "created", json_boolean(!deleted));
	json_object_set_new(p, "deleted", json_boolean(deleted));
	json_object_set_new(p, "forced", json_false());
	json_object_set_new(p, "commits", json_array());
	json_object_set_new(p, "head_commit",
			    deleted ? json_null()
				    : json_pack("{s:s, s:s}", "id", sha, "message", "t"));
	json_object_set_new(json_object_get(p, "repository"), "pushed_at", json_string(at));
	deliver("push", p);
}

static json_t *get_rc(long id, struct itest_response *r)
{
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld", id);
	return call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, r);
}

static const char *state_of(long id)
{
	static char st[32];
	struct itest_response r;
	snprintf(st, sizeof st, "%s", json_string_value(json_object_get(get_rc(id, &r), "state")));
	itest_response_free(&r);
	return st;
}

static void an_api_cut_merges_with_the_prerelease_of_the_same_version(void **state)
{
	(void)state;
	char sha[41];
	sha_for(0x41, sha);
	char body[600];
	snprintf(body, sizeof body,
		 "{\"version\":\"v4.0.0-rc.1\",\"repository\":\"" REPO "\",\"commit\":\"%s\","
		 "\"artifacts\":[\"sha256:%s000000000000000000000000\"],\"notes\":\"first cut\"}",
		 sha, sha);
	struct itest_response r;
	call("POST", "/api/v1/release-candidates", ci, body, 201, &r);
	long id = (long)json_integer_value(json_object_get(r.json, "id"));
	char loc[128];
	assert_true(itest_header(&r, "Location", loc, sizeof loc));
	assert_non_null(strstr(loc, "/api/v1/release-candidates/"));
	assert_string_equal(json_string_value(json_object_get(r.json, "state")), "draft");
	assert_string_equal(json_string_value(json_object_get(r.json, "artifacts_from")),
			    "digests");
	itest_response_free(&r);

	/* the same again: merged (200), nothing new */
	call("POST", "/api/v1/release-candidates", ci, body, 200, &r);
	assert_int_equal(json_integer_value(json_object_get(r.json, "id")), id);
	itest_response_free(&r);
	/* another commit or other artifacts for the same version: 409 */
	char other[41];
	sha_for(0x42, other);
	snprintf(body, sizeof body,
		 "{\"version\":\"v4.0.0-rc.1\",\"repository\":\"" REPO "\",\"commit\":\"%s\"}",
		 other);
	itest_json(&server, "POST", "/api/v1/release-candidates", ci, body, &r);
	itest_assert_problem(&r, 409, "/conflict", "commit: v4.0.0-rc.1 is already cut at");
	itest_response_free(&r);
	snprintf(body, sizeof body,
		 "{\"version\":\"v4.0.0-rc.1\",\"repository\":\"" REPO "\",\"commit\":\"%s\","
		 "\"artifacts\":[\"sha256:%s999999999999999999999999\"]}",
		 sha, sha);
	itest_json(&server, "POST", "/api/v1/release-candidates", ci, body, &r);
	itest_assert_problem(&r, 409, "/conflict", "artifacts: v4.0.0-rc.1 already ships");
	itest_response_free(&r);
	/* a bad version and a read-only token */
	itest_json(&server, "POST", "/api/v1/release-candidates", ci,
		   "{\"version\":\"v4 rc\",\"repository\":\"" REPO "\",\"commit\":"
		   "\"4141414141414141414141414141414141414141\"}",
		   &r);
	itest_assert_problem(&r, 400, "/invalid-field", "version:");
	itest_response_free(&r);
	itest_json(&server, "POST", "/api/v1/release-candidates", sales, body, &r);
	itest_assert_problem(&r, 403, "/forbidden", NULL);
	itest_response_free(&r);

	/* GitHub publishes the pre-release of that version: one RC, testing now */
	tag_push("refs/tags/v4.0.0-rc.1", sha, false, "2026-04-01T11:00:00Z");
	release_event("prereleased", 8101, "v4.0.0-rc.1", true, "2026-04-01T11:01:00Z");
	call("GET", "/api/v1/release-candidates?target=v4.0.0", ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	itest_response_free(&r);
	json_t *rc = get_rc(id, &r);
	assert_string_equal(json_string_value(json_object_get(rc, "state")), "testing");
	json_t *sources = json_object_get(rc, "sources");
	assert_int_equal(json_array_size(sources), 3);
	assert_string_equal(json_string_value(json_object_get(rc, "notes")), "first cut");
	json_t *history = json_object_get(rc, "history");
	assert_int_equal(json_array_size(history), 2);
	json_t *h = json_array_get(history, 1);
	assert_string_equal(json_string_value(json_object_get(h, "from")), "draft");
	assert_string_equal(json_string_value(json_object_get(h, "to")), "testing");
	assert_string_equal(json_string_value(json_object_get(h, "source")), "github");
	itest_response_free(&r);
}

static void illegal_manual_transitions_are_409_with_the_allowed_ones(void **state)
{
	(void)state;
	long id = itest_sql_long(db_url,
				 "SELECT id FROM release_candidates WHERE version = 'v4.0.0-rc.1'");
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld", id);
	struct itest_response r;
	/* testing → released skips the approval */
	itest_json(&server, "PATCH", path, ci, "{\"state\":\"released\"}", &r);
	itest_assert_problem(&r, 409, "/illegal-transition", "testing → released is not allowed");
	assert_string_equal(json_string_value(json_object_get(r.json, "current")), "testing");
	json_t *allowed = json_object_get(r.json, "allowed");
	assert_int_equal(json_array_size(allowed), 2);
	assert_string_equal(json_string_value(json_array_get(allowed, 0)), "approved");
	assert_string_equal(json_string_value(json_array_get(allowed, 1)), "rejected");
	itest_response_free(&r);
	/* superseding is never manual */
	itest_json(&server, "PATCH", path, ci, "{\"state\":\"superseded\"}", &r);
	itest_assert_problem(&r, 409, "/illegal-transition", NULL);
	itest_response_free(&r);
	assert_string_equal(state_of(id), "testing");
	/* the legal road, with reasons kept; this RC's gates never ran, so
	 * approving it takes an override (test_rc_readiness_enforced.c) */
	call("PATCH", path, ITEST_ADMIN_TOKEN,
	     "{\"state\":\"approved\",\"reason\":\"green\","
	     "\"override_reason\":\"checked by hand\"}",
	     200, &r);
	json_t *allowed_now = json_object_get(r.json, "allowed_transitions");
	assert_int_equal(json_array_size(allowed_now), 3);
	itest_response_free(&r);
	call("PATCH", path, ci, "{\"state\":\"rejected\",\"reason\":\"install broken\"}", 200, &r);
	assert_int_equal(itest_array_size(r.json, "allowed_transitions"), 0);
	json_t *history = json_object_get(r.json, "history");
	json_t *last = json_array_get(history, json_array_size(history) - 1);
	assert_string_equal(json_string_value(json_object_get(last, "reason")), "install broken");
	assert_string_equal(json_string_value(json_object_get(last, "actor")), "release-bot");
	assert_string_equal(json_string_value(json_object_get(last, "at")), NOW);
	itest_response_free(&r);
	/* rejected is final */
	itest_json(&server, "PATCH", path, ci, "{\"state\":\"testing\"}", &r);
	itest_assert_problem(&r, 409, "/illegal-transition", "from rejected: no change is allowed");
	itest_response_free(&r);
	/* unknown RC, bad state, feedback-only token */
	itest_json(&server, "PATCH", "/api/v1/release-candidates/999999", ci,
		   "{\"state\":\"approved\"}", &r);
	itest_assert_problem(&r, 404, "/not-found", NULL);
	itest_response_free(&r);
	itest_json(&server, "PATCH", path, ci, "{\"state\":\"shipped\"}", &r);
	itest_assert_problem(&r, 400, "/invalid-field", "state");
	itest_response_free(&r);
	itest_json(&server, "PATCH", path, sales, "{\"state\":\"approved\"}", &r);
	itest_assert_problem(&r, 403, "/forbidden", NULL);
	itest_response_free(&r);
}

static void a_deleted_rc_tag_rejects_its_rc(void **state)
{
	(void)state;
	char sha[41];
	sha_for(0x51, sha);
	tag_push("refs/tags/v5.0.0-rc.1", sha, false, "2026-04-01T11:10:00Z");
	struct itest_response r;
	call("GET", "/api/v1/release-candidates?target=v5.0.0", ITEST_ADMIN_TOKEN, NULL, 200, &r);
	json_t *rc = json_array_get(json_object_get(r.json, "items"), 0);
	long id = (long)json_integer_value(json_object_get(rc, "id"));
	assert_string_equal(json_string_value(json_object_get(rc, "state")), "testing");
	assert_string_equal(json_string_value(json_object_get(rc, "commit")), sha);
	itest_response_free(&r);
	tag_push("refs/tags/v5.0.0-rc.1", sha, true, "2026-04-01T11:20:00Z");
	rc = get_rc(id, &r);
	assert_string_equal(json_string_value(json_object_get(rc, "state")), "rejected");
	json_t *history = json_object_get(rc, "history");
	json_t *last = json_array_get(history, json_array_size(history) - 1);
	assert_string_equal(json_string_value(json_object_get(last, "fact")),
			    "tag v5.0.0-rc.1 deleted");
	assert_string_equal(json_string_value(json_object_get(last, "at")), "2026-04-01T11:20:00Z");
	itest_response_free(&r);
}

static void an_rc_cut_late_starts_superseded(void **state)
{
	(void)state;
	char a[41], b[41];
	sha_for(0x61, a);
	sha_for(0x62, b);
	/* rc.2 arrives first, rc.1 after it */
	tag_push("refs/tags/v6.0.0-rc.2", b, false, "2026-04-01T11:30:00Z");
	tag_push("refs/tags/v6.0.0-rc.1", a, false, "2026-04-01T11:00:00Z");
	struct itest_response r;
	call("GET", "/api/v1/release-candidates?target=v6.0.0&state=superseded", ITEST_ADMIN_TOKEN,
	     NULL, 200, &r);
	json_t *items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), 1);
	json_t *rc = json_array_get(items, 0);
	assert_string_equal(json_string_value(json_object_get(rc, "version")), "v6.0.0-rc.1");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(rc, "superseded_by"), "version")),
		"v6.0.0-rc.2");
	itest_response_free(&r);
	call("GET", "/api/v1/release-candidates?target=v6.0.0&state=testing", ITEST_ADMIN_TOKEN,
	     NULL, 200, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	itest_response_free(&r);
}

static void a_prerelease_ticked_into_a_release_is_released(void **state)
{
	(void)state;
	/* the later reference-team practice: the pre-release v7.0.0 is the
	 * candidate, and unticking "pre-release" makes it final */
	char sha[41];
	sha_for(0x71, sha);
	tag_push("refs/tags/v7.0.0", sha, false, "2026-04-01T11:40:00Z");
	release_event("prereleased", 8701, "v7.0.0", true, "2026-04-01T11:41:00Z");
	struct itest_response r;
	call("GET", "/api/v1/release-candidates?target=v7.0.0", ITEST_ADMIN_TOKEN, NULL, 200, &r);
	json_t *rc = json_array_get(json_object_get(r.json, "items"), 0);
	long id = (long)json_integer_value(json_object_get(rc, "id"));
	assert_string_equal(json_string_value(json_object_get(rc, "version")), "v7.0.0");
	assert_string_equal(json_string_value(json_object_get(rc, "state")), "testing");
	itest_response_free(&r);
	release_event("released", 8701, "v7.0.0", false, "2026-04-01T11:50:00Z");
	assert_string_equal(state_of(id), "released");
	call("GET", "/api/v1/releases?repo=" REPO, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	json_t *rel = json_array_get(json_object_get(r.json, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(rel, "version")), "v7.0.0");
	assert_int_equal(json_integer_value(
				 json_object_get(json_object_get(rel, "release_candidate"), "id")),
			 id);
	long rel_id = (long)json_integer_value(json_object_get(rel, "id"));
	itest_response_free(&r);
	char path[64];
	snprintf(path, sizeof path, "/api/v1/releases/%ld", rel_id);
	call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_string_equal(json_string_value(json_object_get(r.json, "commit")), sha);
	itest_response_free(&r);
	itest_get(&server, "/api/v1/releases/999999", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 404, "/not-found", NULL);
	itest_response_free(&r);
	/* GitHub saying it again changes nothing */
	release_event("published", 8701, "v7.0.0", false, "2026-04-01T11:50:00Z");
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM shipped_releases "
						"WHERE version = 'v7.0.0'"),
			 1);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM rc_state_changes WHERE "
						"to_state = 'released'"),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_gate_passes_when_everything_is_there),
		cmocka_unit_test(ci_fails_alone_on_a_failed_required_job),
		cmocka_unit_test(ci_waits_while_a_job_runs_and_artifacts_wait_with_it),
		cmocka_unit_test(smoke_tests_fail_alone_and_optional_ones_never_count),
		cmocka_unit_test(artifacts_fail_alone_when_a_required_one_is_missing),
		cmocka_unit_test(staging_fails_alone_when_the_deployment_failed),
		cmocka_unit_test(feedback_fails_alone_on_an_unresolved_block),
		cmocka_unit_test(feedback_waits_for_the_quorum),
		cmocka_unit_test(staging_waits_for_the_soak_time),
		cmocka_unit_test(staging_waits_while_it_runs_an_older_revision),
		cmocka_unit_test(readiness_of_an_unknown_rc_is_404),
		cmocka_unit_test(an_api_cut_merges_with_the_prerelease_of_the_same_version),
		cmocka_unit_test(illegal_manual_transitions_are_409_with_the_allowed_ones),
		cmocka_unit_test(a_deleted_rc_tag_rejects_its_rc),
		cmocka_unit_test(an_rc_cut_late_starts_superseded),
		cmocka_unit_test(a_prerelease_ticked_into_a_release_is_released),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
