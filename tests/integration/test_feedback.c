/*
 * test_feedback.c — feedback on release candidates through the API: who
 * says it (a mapped identity is verified; free text never counts), what
 * was running when it was said, validation errors naming the field, the
 * dashboard's form through an SSO session with its CSRF token, filters,
 * the open → acknowledged → resolved life, and 409 on closed RCs.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

#define REPO   "itest/feedback"
#define C1     "f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1"
#define C2     "f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2"
#define DIGEST "sha256:1111111111111111111111111111111111111111111111111111111111111111"

static struct itest_server server;
static char db_url[512];
static char config_path[256];
static char *ci, *alice, *bot_feedback;
static long rc1;

static const char config_text[] = "auth:\n"
				  "  sso_header: X-Forwarded-Email\n"
				  "  trusted_proxies: [\"127.0.0.1\"]\n"
				  "repositories:\n"
				  "  - name: " REPO "\n"
				  "environments:\n"
				  "  - {name: staging, tier: staging}\n"
				  "teams:\n"
				  "  - {name: sales, members: [\"*@sales.example.com\"]}\n"
				  "  - {name: support, members: [\"*@support.example.com\"]}\n"
				  "releases:\n"
				  "  gates:\n"
				  "    approvals: [{team: sales, min: 1}]\n";

static char *token_for(const char *owner, const char *scope)
{
	char body[300];
	snprintf(body, sizeof body, "{\"name\":\"t\",\"owner\":\"%s\",\"scopes\":[\"%s\"]}", owner,
		 scope);
	struct itest_response r;
	itest_json(&server, "POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN, body, &r);
	assert_int_equal(r.status, 201);
	char *t = strdup(json_string_value(json_object_get(r.json, "token")));
	itest_response_free(&r);
	return t;
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

static long cut(const char *version, const char *commit, const char *extra)
{
	char body[400];
	snprintf(body, sizeof body,
		 "{\"version\":\"%s\",\"repository\":\"" REPO "\",\"commit\":\"%s\"%s}", version,
		 commit, extra ? extra : "");
	struct itest_response r;
	call("POST", "/api/v1/release-candidates", ci, body, 201, &r);
	long id = (long)json_integer_value(json_object_get(r.json, "id"));
	itest_response_free(&r);
	return id;
}

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("feedback", db_url, sizeof db_url);
	char cfg_env[300];
	itest_config_file("feedback", config_text, config_path, sizeof config_path, cfg_env,
			  sizeof cfg_env);
	const char *env[] = {cfg_env, "SHIPLOG_NOW=2026-05-06T09:00:00Z",
			     "SHIPLOG_RATE_FEEDBACK=1000", NULL};
	itest_server_start(&server, db_url, env);
	ci = token_for("release-bot", "ci");
	alice = token_for("alice@sales.example.com", "feedback");
	bot_feedback = token_for("form-relay", "feedback");
	rc1 = cut("v9.1.0-rc.1", C1, ",\"artifacts\":[\"" DIGEST "\"]");
	struct itest_response r;
	call("POST", "/api/v1/deployments", ci,
	     "{\"environment\":\"staging\",\"repository\":\"" REPO "\",\"commit\":\"" C1 "\","
	     "\"status\":\"success\",\"finished_at\":\"2026-05-06T08:00:00Z\"}",
	     201, &r);
	itest_response_free(&r);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(ci);
	free(alice);
	free(bot_feedback);
	unlink(config_path);
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

static json_t *post_feedback(long rc, const char *token, const char *body, long want,
			     struct itest_response *r)
{
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback", rc);
	return call("POST", path, token, body, want, r);
}

static void expect_refused(long rc, const char *token, const char *body, long status,
			   const char *slug, const char *detail)
{
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback", rc);
	struct itest_response r;
	itest_json(&server, "POST", path, token, body, &r);
	itest_assert_problem(&r, status, slug, detail);
	itest_response_free(&r);
}

static const char *feedback_gate(long rc)
{
	static char reason[400];
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/readiness", rc);
	struct itest_response r;
	call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	size_t i;
	json_t *g;
	reason[0] = '\0';
	json_array_foreach(json_object_get(r.json, "gates"), i, g) {
		if (!strcmp(json_string_value(json_object_get(g, "gate")), "feedback"))
			snprintf(reason, sizeof reason, "%s: %s",
				 json_string_value(json_object_get(g, "status")),
				 json_string_value(json_object_get(g, "reason")));
	}
	itest_response_free(&r);
	return reason;
}

static void a_mapped_identity_gives_verified_feedback_with_what_was_running(void **state)
{
	(void)state;
	struct itest_response r;
	json_t *f =
		post_feedback(rc1, alice,
			      "{\"verdict\":\"concern\",\"severity\":\"medium\",\"area\":\"ui\","
			      "\"comment\":\"<script>alert(1)</script> pages are slow\"}",
			      201, &r);
	char loc[128];
	assert_true(itest_header(&r, "Location", loc, sizeof loc));
	assert_non_null(strstr(loc, "/api/v1/feedback/"));
	assert_string_equal(json_string_value(json_object_get(f, "author")),
			    "alice@sales.example.com");
	assert_string_equal(json_string_value(json_object_get(f, "team")), "sales");
	assert_true(json_is_true(json_object_get(f, "verified")));
	assert_true(json_is_false(json_object_get(f, "counts")));
	assert_string_equal(json_string_value(json_object_get(f, "status")), "open");
	assert_string_equal(json_string_value(json_object_get(f, "created_at")),
			    "2026-05-06T09:00:00Z");
	/* stored as text, as typed */
	assert_string_equal(json_string_value(json_object_get(f, "comment")),
			    "<script>alert(1)</script> pages are slow");
	json_t *running = json_object_get(f, "running");
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(running, "artifacts"), 0), "digest")),
		DIGEST);
	json_t *staging = json_object_get(running, "staging");
	assert_string_equal(json_string_value(json_object_get(staging, "environment")), "staging");
	assert_string_equal(json_string_value(json_object_get(staging, "commit")), C1);
	assert_string_equal(json_string_value(json_object_get(staging, "status")), "success");
	itest_response_free(&r);
	/* the same person may leave author and team out or name themselves */
	post_feedback(rc1, alice,
		      "{\"author\":\"Alice@Sales.example.com\",\"team\":\"sales\","
		      "\"verdict\":\"approve\"}",
		      201, &r);
	assert_true(json_is_true(json_object_get(r.json, "counts")));
	itest_response_free(&r);
	assert_string_equal(feedback_gate(rc1),
			    "passed: approved: sales 1 of 1; no unresolved block");
}

static void free_text_authors_are_unverified_and_never_count(void **state)
{
	(void)state;
	long rc = cut("v9.2.0-rc.1", C2, NULL);
	struct itest_response r;
	/* a relay token that is nobody in particular names the author */
	post_feedback(rc, bot_feedback,
		      "{\"author\":\"someone@sales.example.com\",\"team\":\"sales\","
		      "\"verdict\":\"approve\"}",
		      201, &r);
	assert_true(json_is_false(json_object_get(r.json, "verified")));
	assert_true(json_is_false(json_object_get(r.json, "counts")));
	assert_string_equal(json_string_value(json_object_get(r.json, "team")), "sales");
	itest_response_free(&r);
	assert_string_equal(feedback_gate(rc), "pending: approvals needed: sales 0 of 1");
	/* a mapped identity of another team does not count for sales either */
	char *bob = token_for("bob@support.example.com", "feedback");
	post_feedback(rc, bob, "{\"verdict\":\"approve\"}", 201, &r);
	assert_string_equal(json_string_value(json_object_get(r.json, "team")), "support");
	itest_response_free(&r);
	free(bob);
	assert_string_equal(feedback_gate(rc), "pending: approvals needed: sales 0 of 1");
	/* an unverified block still blocks: it must be looked at */
	post_feedback(rc, bot_feedback,
		      "{\"author\":\"partner@example.org\",\"verdict\":\"block\","
		      "\"comment\":\"install fails\"}",
		      201, &r);
	itest_response_free(&r);
	assert_non_null(
		strstr(feedback_gate(rc), "failed: unresolved block by partner@example.org"));
}

/* The field a refusal names for programs: errors[0].pointer. */
static void expect_pointer(long rc, const char *token, const char *body, const char *pointer,
			   const char *reason)
{
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback", rc);
	struct itest_response r;
	itest_json(&server, "POST", path, token, body, &r);
	assert_int_equal(r.status, 400);
	const json_t *e = json_array_get(json_object_get(r.json, "errors"), 0);
	const char *at = json_string_value(json_object_get(e, "pointer"));
	const char *why = json_string_value(json_object_get(e, "detail"));
	if (!at || !why || strcmp(at, pointer) || strcmp(why, reason))
		fail_msg("%s: expected errors [{pointer %s, detail %s}], got %s", body, pointer,
			 reason, r.body);
	itest_response_free(&r);
}

static void invalid_feedback_is_refused_naming_the_field(void **state)
{
	(void)state;
	expect_pointer(rc1, alice, "{\"verdict\":\"meh\"}", "/verdict",
		       "expected one of approve, concern, block");
	expect_pointer(rc1, alice, "{\"verdict\":\"block\"}", "/comment",
		       "required with verdict block (what did you see?)");
	expect_pointer(rc1, alice, "{\"verdict\":\"approve\",\"a/b\":1}", "/a~1b", "unknown field");
	expect_refused(rc1, alice, "{}", 400, "/missing-field", "verdict");
	expect_refused(rc1, alice, "{\"verdict\":\"meh\"}", 400, "/invalid-field", "verdict");
	expect_refused(rc1, alice,
		       "{\"verdict\":\"concern\",\"severity\":\"urgent\",\"comment\":\"x\"}", 400,
		       "/invalid-field", "severity");
	expect_refused(rc1, alice, "{\"verdict\":\"block\"}", 400, "/missing-field",
		       "comment: required with verdict block");
	expect_refused(rc1, alice, "{\"verdict\":\"concern\",\"comment\":\"\"}", 400,
		       "/invalid-field", "comment");
	expect_refused(rc1, alice, "{\"verdict\":\"approve\",\"mood\":\"good\"}", 400,
		       "/unknown-field", "mood");
	/* the comment is length-limited */
	size_t n = 4100;
	char *body = malloc(n + 64);
	int o = snprintf(body, n + 64, "{\"verdict\":\"concern\",\"comment\":\"");
	memset(body + o, 'x', n);
	strcpy(body + o + n, "\"}");
	expect_refused(rc1, alice, body, 400, "/invalid-field", "comment: at most 4000 characters");
	free(body);
	/* a mapped identity cannot speak for someone else or another team */
	expect_refused(rc1, alice,
		       "{\"author\":\"carol@sales.example.com\",\"verdict\":\"approve\"}", 400,
		       "/invalid-field", "author: you are signed in as alice@sales.example.com");
	expect_refused(rc1, alice, "{\"team\":\"support\",\"verdict\":\"approve\"}", 400,
		       "/invalid-field",
		       "team: the configuration puts alice@sales.example.com in team sales");
	/* nobody in particular must say who */
	expect_refused(rc1, bot_feedback, "{\"verdict\":\"approve\"}", 400, "/missing-field",
		       "author: required");
	/* scope and existence */
	expect_refused(rc1, ci, "{\"verdict\":\"approve\"}", 403, "/forbidden", NULL);
	expect_refused(424242, alice, "{\"verdict\":\"approve\"}", 404, "/not-found",
		       "no release candidate 424242");
	/* nothing of that was stored */
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM feedback WHERE rc_id = %ld", rc1);
	assert_int_equal(itest_sql_long(db_url, sql), 2);
}

static void the_form_works_through_an_sso_session_with_its_csrf_token(void **state)
{
	(void)state;
	const char *sso[] = {"X-Forwarded-Email: zoe@support.example.com", NULL};
	struct itest_response r;
	itest_http(&server, "GET", "/api/v1/session", sso, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "team")), "support");
	char csrf[200], cookie_hdr[1400], set_cookie[1200], csrf_hdr[256];
	snprintf(csrf, sizeof csrf, "%s", json_string_value(json_object_get(r.json, "csrf_token")));
	assert_true(itest_header(&r, "Set-Cookie", set_cookie, sizeof set_cookie));
	*strchr(set_cookie, ';') = '\0';
	itest_response_free(&r);
	snprintf(cookie_hdr, sizeof cookie_hdr, "Cookie: %s", set_cookie);
	snprintf(csrf_hdr, sizeof csrf_hdr, "X-CSRF-Token: %s", csrf);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback", rc1);
	const char *form =
		"verdict=concern&area=docs&severity=low&comment=the+upgrade+guide+is+out+of+date";
	/* without the token: refused */
	const char *no_csrf[] = {cookie_hdr, "Content-Type: application/x-www-form-urlencoded",
				 NULL};
	itest_http(&server, "POST", path, no_csrf, form, strlen(form), &r);
	itest_assert_problem(&r, 403, "/csrf", NULL);
	itest_response_free(&r);
	const char *h[] = {cookie_hdr, csrf_hdr, "Content-Type: application/x-www-form-urlencoded",
			   NULL};
	itest_http(&server, "POST", path, h, form, strlen(form), &r);
	if (r.status != 201)
		fail_msg("form post answered %ld: %s", r.status, r.body ? r.body : "");
	assert_string_equal(json_string_value(json_object_get(r.json, "author")),
			    "zoe@support.example.com");
	assert_string_equal(json_string_value(json_object_get(r.json, "team")), "support");
	assert_true(json_is_true(json_object_get(r.json, "verified")));
	assert_string_equal(json_string_value(json_object_get(r.json, "comment")),
			    "the upgrade guide is out of date");
	itest_response_free(&r);
}

static void the_list_filters_by_verdict_status_and_team_and_pages(void **state)
{
	(void)state;
	char path[160];
	struct itest_response r;
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback", rc1);
	call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 3);
	/* newest first */
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(r.json, "items"), 0), "team")),
			    "support");
	itest_response_free(&r);
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback?verdict=concern", rc1);
	call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
	itest_response_free(&r);
	snprintf(path, sizeof path,
		 "/api/v1/release-candidates/%ld/feedback?team=SALES&verdict=approve", rc1);
	call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	itest_response_free(&r);
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback?status=resolved", rc1);
	call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_int_equal(itest_array_size(r.json, "items"), 0);
	itest_response_free(&r);
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback?limit=2", rc1);
	call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
	const char *next = json_string_value(json_object_get(r.json, "next"));
	assert_non_null(next);
	char next_path[400];
	snprintf(next_path, sizeof next_path, "%s", strstr(next, "/api/"));
	itest_response_free(&r);
	call("GET", next_path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	assert_true(json_is_null(json_object_get(r.json, "next")));
	itest_response_free(&r);
	itest_get(&server, "/api/v1/release-candidates/424242/feedback", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 404, "/not-found", NULL);
	itest_response_free(&r);
}

static void feedback_is_acknowledged_resolved_and_reopened(void **state)
{
	(void)state;
	long id = itest_sql_long(db_url, "SELECT min(id) FROM feedback WHERE verdict = 'concern'");
	char path[64], body[200];
	snprintf(path, sizeof path, "/api/v1/feedback/%ld", id);
	struct itest_response r;
	call("PATCH", path, ci, "{\"status\":\"acknowledged\"}", 403, &r);
	itest_response_free(&r);
	call("PATCH", path, alice, "{\"status\":\"acknowledged\"}", 200, &r);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "acknowledged");
	assert_string_equal(json_string_value(json_object_get(r.json, "status_changed_by")),
			    "alice@sales.example.com");
	itest_response_free(&r);
	/* acknowledged → open is not a step */
	itest_json(&server, "PATCH", path, alice, "{\"status\":\"open\"}", &r);
	itest_assert_problem(&r, 409, "/illegal-transition", "acknowledged → open is not allowed");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(r.json, "allowed"), 0)),
		"resolved");
	itest_response_free(&r);
	/* a note only goes with resolved; the fixing RC must exist in the repository */
	itest_json(&server, "PATCH", path, alice,
		   "{\"status\":\"acknowledged\",\"resolution\":\"looking\"}", &r);
	itest_assert_problem(&r, 400, "/invalid-field", "resolution: only with status resolved");
	itest_response_free(&r);
	itest_json(&server, "PATCH", path, alice, "{\"status\":\"resolved\",\"fixed_in\":424242}",
		   &r);
	itest_assert_problem(&r, 400, "/invalid-field",
			     "fixed_in: no release candidate 424242 in " REPO);
	itest_response_free(&r);
	long rc2 = cut("v9.1.0-rc.2", C2, NULL);
	snprintf(body, sizeof body,
		 "{\"status\":\"resolved\",\"resolution\":\"pages cached\",\"fixed_in\":%ld}", rc2);
	call("PATCH", path, alice, body, 200, &r);
	assert_string_equal(json_string_value(json_object_get(r.json, "resolution")),
			    "pages cached");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(r.json, "fixed_in"), "version")),
		"v9.1.0-rc.2");
	itest_response_free(&r);
	/* reopening clears the resolution */
	call("PATCH", path, alice, "{\"status\":\"open\"}", 200, &r);
	assert_true(json_is_null(json_object_get(r.json, "resolution")));
	assert_true(json_is_null(json_object_get(r.json, "fixed_in")));
	itest_response_free(&r);
	itest_json(&server, "PATCH", "/api/v1/feedback/424242", alice, "{\"status\":\"resolved\"}",
		   &r);
	itest_assert_problem(&r, 404, "/not-found", NULL);
	itest_response_free(&r);
	assert_true(itest_sql_long(db_url, "SELECT count(*) FROM events WHERE kind = "
					   "'feedback.updated'") == 3);
}

/* Feedback collected elsewhere and entered later says when it was given; the
 * time it was recorded stays as created_at. */
static void feedback_on_a_closed_rc_is_409(void **state)
{
	(void)state;
	/* v9.1.0-rc.2 superseded rc.1 */
	expect_refused(rc1, alice, "{\"verdict\":\"approve\"}", 409, "/conflict",
		       "is superseded: feedback is closed; give it on v9.1.0-rc.2");
	/* its open concerns are to re-check on rc.2 */
	long rc2 = itest_sql_long(
		db_url, "SELECT id FROM release_candidates WHERE version = 'v9.1.0-rc.2'");
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld", rc2);
	struct itest_response r;
	call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "to_recheck")), 2);
	assert_true(json_is_true(json_object_get(r.json, "feedback_open")));
	itest_response_free(&r);
	/* rejected */
	long rej = cut("v9.3.0-rc.1", "f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3", NULL);
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld", rej);
	call("PATCH", path, ci, "{\"state\":\"rejected\"}", 200, &r);
	assert_true(json_is_false(json_object_get(r.json, "feedback_open")));
	itest_response_free(&r);
	expect_refused(rej, alice, "{\"verdict\":\"approve\"}", 409, "/conflict",
		       "is rejected: feedback is closed");
	/* released by hand: the release is recorded too.  Its gates never ran
	 * (no CI, no Sales approval): the release bot, a release manager,
	 * overrides them with a reason */
	long rel = cut("v9.4.0-rc.1", "f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4", NULL);
	char *rm = token_for("release-bot", "release");
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld", rel);
	call("PATCH", path, ci, "{\"state\":\"testing\"}", 200, &r);
	itest_response_free(&r);
	call("PATCH", path, rm,
	     "{\"state\":\"approved\",\"override_reason\":\"tested by hand outside CI\"}", 200, &r);
	itest_response_free(&r);
	call("PATCH", path, rm,
	     "{\"state\":\"released\",\"reason\":\"shipped by hand\","
	     "\"override_reason\":\"tested by hand outside CI\"}",
	     200, &r);
	free(rm);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(r.json, "release"), "version")),
		"v9.4.0");
	itest_response_free(&r);
	expect_refused(rel, alice, "{\"verdict\":\"approve\"}", 409, "/conflict",
		       "is released: feedback is closed");
	call("GET", "/api/v1/releases?repo=" REPO, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	json_t *first = json_array_get(json_object_get(r.json, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "version")), "v9.4.0");
	assert_string_equal(json_string_value(json_object_get(first, "source")), "api");
	assert_string_equal(json_string_value(json_object_get(first, "released_by")),
			    "release-bot");
	itest_response_free(&r);
	/* feedback already given on a closed RC can still be resolved (this
	 * one is zoe's, of support: by someone of her team) */
	long fid = itest_sql_long(db_url, "SELECT max(id) FROM feedback WHERE verdict = 'concern'");
	snprintf(path, sizeof path, "/api/v1/feedback/%ld", fid);
	char *yara = token_for("yara@support.example.com", "feedback");
	call("PATCH", path, yara, "{\"status\":\"resolved\"}", 200, &r);
	itest_response_free(&r);
	free(yara);
}

static void feedback_entered_later_says_when_it_was_given(void **state)
{
	(void)state;
	long rc = cut("v9.9.0-rc.1", C2, NULL);
	/* as if the RC came from a GitHub pre-release published days ago */
	free(itest_sqlf(db_url,
			"UPDATE release_candidates SET cut_at = '2026-05-01T09:00:00Z' WHERE id = %ld",
			rc));
	long before = itest_sql_longf(db_url, "SELECT count(*) FROM feedback WHERE rc_id = %ld", rc);
	struct itest_response r;
	post_feedback(rc, alice,
		      "{\"verdict\":\"concern\",\"comment\":\"slow on the demo call\","
		      "\"given_at\":\"2026-05-04T15:30:00Z\"}",
		      201, &r);
	assert_string_equal(json_string_value(json_object_get(r.json, "given_at")),
			    "2026-05-04T15:30:00Z");
	assert_string_equal(json_string_value(json_object_get(r.json, "created_at")),
			    "2026-05-06T09:00:00Z");
	itest_response_free(&r);
	/* given now when not said */
	post_feedback(rc, alice, "{\"verdict\":\"approve\"}", 201, &r);
	assert_string_equal(json_string_value(json_object_get(r.json, "given_at")),
			    json_string_value(json_object_get(r.json, "created_at")));
	itest_response_free(&r);
	/* never in the future, never before the RC existed */
	expect_pointer(rc, alice,
		       "{\"verdict\":\"approve\",\"given_at\":\"2026-05-06T09:00:01Z\"}", "/given_at",
		       "in the future (now is 2026-05-06T09:00:00Z)");
	char why[64];
	snprintf(why, sizeof why, "before release candidate %ld was cut", rc);
	expect_pointer(rc, alice,
		       "{\"verdict\":\"approve\",\"given_at\":\"2026-04-30T23:59:59Z\"}", "/given_at",
		       why);
	expect_refused(rc, alice, "{\"verdict\":\"approve\",\"given_at\":\"yesterday\"}", 400,
		       "/invalid-field", "given_at");
	assert_int_equal(
		itest_sql_longf(db_url, "SELECT count(*) FROM feedback WHERE rc_id = %ld", rc),
		before + 2);
	/* the list and the RC's feedback summary go by when it was given */
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback?limit=200", rc);
	call("GET", path, alice, NULL, 200, &r);
	bool seen = false;
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(r.json, "items"), i, f) {
		const char *g = json_string_value(json_object_get(f, "given_at"));
		assert_non_null(g);
		seen = seen || !strcmp(g, "2026-05-04T15:30:00Z");
	}
	assert_true(seen);
	itest_response_free(&r);
}

static void expect_status_change(long id, const char *token, const char *status, long want,
				 const char *detail)
{
	char path[64], body[64];
	snprintf(path, sizeof path, "/api/v1/feedback/%ld", id);
	snprintf(body, sizeof body, "{\"status\":\"%s\"}", status);
	struct itest_response r;
	itest_json(&server, "PATCH", path, token, body, &r);
	if (want == 403)
		itest_assert_problem(&r, 403, "/not-permitted", detail);
	else if (r.status != want)
		fail_msg("PATCH %s %s answered %ld, expected %ld: %s", path, body, r.status, want,
			 r.body ? r.body : "");
	itest_response_free(&r);
}

static const char *status_of(long id)
{
	static char s[32];
	char *v = itest_sqlf(db_url, "SELECT status FROM feedback WHERE id = %ld", id);
	snprintf(s, sizeof s, "%s", v ? v : "");
	free(v);
	return s;
}

/* Holding the feedback scope lets one give feedback, not resolve anyone's:
 * a block keeps the gate closed until its author, their team or an admin
 * resolves it. */
static void only_the_author_their_team_or_an_admin_change_feedback(void **state)
{
	(void)state;
	long rc = cut("v9.6.0-rc.1", "f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6", NULL);
	struct itest_response r;
	post_feedback(rc, alice, "{\"verdict\":\"block\",\"comment\":\"checkout is broken\"}",
		      201, &r);
	long id = (long)json_integer_value(json_object_get(r.json, "id"));
	itest_response_free(&r);
	assert_non_null(strstr(feedback_gate(rc), "failed: unresolved block"));
	char *carol = token_for("carol@sales.example.com", "feedback");
	char *mallory = token_for("mallory@support.example.com", "feedback");
	const char *resolve_why = "only the author (alice@sales.example.com), their team (sales), "
				  "a release manager or an admin may resolve this feedback";

	/* strangers with the feedback scope: another team, nobody in particular */
	expect_status_change(id, mallory, "resolved", 403, resolve_why);
	expect_status_change(id, bot_feedback, "resolved", 403, resolve_why);
	expect_status_change(id, mallory, "acknowledged", 403,
			     "only the author (alice@sales.example.com), their team (sales), a "
			     "release manager or an admin may acknowledge this feedback");
	/* an SSO identity of another team is no better */
	const char *sso[] = {"X-Forwarded-Email: zoe@support.example.com", NULL};
	itest_http(&server, "GET", "/api/v1/session", sso, NULL, 0, &r);
	char csrf[200], cookie_hdr[1400], set_cookie[1200], csrf_hdr[256], path[64];
	snprintf(csrf, sizeof csrf, "%s", json_string_value(json_object_get(r.json, "csrf_token")));
	assert_true(itest_header(&r, "Set-Cookie", set_cookie, sizeof set_cookie));
	*strchr(set_cookie, ';') = '\0';
	itest_response_free(&r);
	snprintf(cookie_hdr, sizeof cookie_hdr, "Cookie: %s", set_cookie);
	snprintf(csrf_hdr, sizeof csrf_hdr, "X-CSRF-Token: %s", csrf);
	const char *h[] = {cookie_hdr, csrf_hdr, "Content-Type: application/json", NULL};
	snprintf(path, sizeof path, "/api/v1/feedback/%ld", id);
	const char *resolve = "{\"status\":\"resolved\"}";
	itest_http(&server, "PATCH", path, h, resolve, strlen(resolve), &r);
	itest_assert_problem(&r, 403, "/not-permitted", resolve_why);
	itest_response_free(&r);
	/* nothing changed: still open, still blocking */
	assert_string_equal(status_of(id), "open");
	assert_non_null(strstr(feedback_gate(rc), "failed: unresolved block"));

	/* a teammate acknowledges, the author resolves */
	expect_status_change(id, carol, "acknowledged", 200, NULL);
	expect_status_change(id, alice, "resolved", 200, NULL);
	assert_null(strstr(feedback_gate(rc), "unresolved block"));
	/* a stranger cannot reopen it either; an admin can, and it blocks again */
	expect_status_change(id, mallory, "open", 403,
			     "only the author (alice@sales.example.com), their team (sales), a "
			     "release manager or an admin may reopen this feedback");
	assert_string_equal(status_of(id), "resolved");
	expect_status_change(id, ITEST_ADMIN_TOKEN, "open", 200, NULL);
	assert_non_null(strstr(feedback_gate(rc), "failed: unresolved block"));
	/* the teammate may reopen and resolve too; an admin resolves */
	expect_status_change(id, carol, "resolved", 200, NULL);
	expect_status_change(id, carol, "open", 200, NULL);
	expect_status_change(id, ITEST_ADMIN_TOKEN, "resolved", 200, NULL);
	assert_null(strstr(feedback_gate(rc), "unresolved block"));

	/* feedback given by an identity of no team (unverified, whoever it
	 * names): only that identity or an admin */
	post_feedback(rc, bot_feedback,
		      "{\"author\":\"partner@example.org\",\"verdict\":\"block\","
		      "\"comment\":\"install fails\"}",
		      201, &r);
	long relayed = (long)json_integer_value(json_object_get(r.json, "id"));
	itest_response_free(&r);
	expect_status_change(relayed, alice, "resolved", 403,
			     "only the author (form-relay), a release manager or an admin may "
			     "resolve this feedback");
	assert_non_null(
		strstr(feedback_gate(rc), "failed: unresolved block by partner@example.org"));
	expect_status_change(relayed, bot_feedback, "resolved", 200, NULL);
	assert_null(strstr(feedback_gate(rc), "unresolved block"));
	free(carol);
	free(mallory);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_mapped_identity_gives_verified_feedback_with_what_was_running),
		cmocka_unit_test(free_text_authors_are_unverified_and_never_count),
		cmocka_unit_test(invalid_feedback_is_refused_naming_the_field),
		cmocka_unit_test(the_form_works_through_an_sso_session_with_its_csrf_token),
		cmocka_unit_test(the_list_filters_by_verdict_status_and_team_and_pages),
		cmocka_unit_test(feedback_is_acknowledged_resolved_and_reopened),
		cmocka_unit_test(feedback_on_a_closed_rc_is_409),
		cmocka_unit_test(feedback_entered_later_says_when_it_was_given),
		cmocka_unit_test(only_the_author_their_team_or_an_admin_change_feedback),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
