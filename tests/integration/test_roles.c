/*
 * test_roles.c — roles from the configuration: the people of a team (or an
 * SSO group, from a trusted proxy's groups header) get the release scope and
 * cut release candidates, move them and change anyone's feedback; Sales
 * people keep read and feedback (403 for the rest); a release token cuts but
 * reports no runs; a ci token changes no one else's feedback; a role naming
 * ci stops start-up; GET /api/v1/session says where each scope came from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_run.h"
#include "itest.h"

#define REPO "itest/roles"
#define C1   "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define C2   "a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2"
#define C3   "a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3"
#define C4   "a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4"

static struct itest_server server;
static char db_url[512];
static char config_path[256];
static char *zoe; /* feedback token of support's zoe */

static const char config_text[] =
	"auth:\n"
	"  sso_header: X-Forwarded-Email\n"
	"  sso_groups_header: X-Forwarded-Groups\n"
	"  trusted_proxies: [\"127.0.0.1\"]\n"
	"repositories:\n"
	"  - name: " REPO "\n"
	"teams:\n"
	"  - {name: release-managers, members: [rm@example.com]}\n"
	"  - {name: sales, members: [\"*@sales.example.com\"]}\n"
	"  - {name: support, members: [\"*@support.example.com\"]}\n"
	"roles:\n"
	"  - {team: release-managers, scopes: [read, feedback, release]}\n"
	"  - {group: release-leads, scopes: [release]}\n"
	"  - {team: sales, scopes: [read, feedback]}\n";

/* A browser behind the SSO proxy: its cookie and CSRF headers. */
struct browser {
	char cookie[1400];
	char csrf[256];
	char groups[200]; /* "X-Forwarded-Groups: ..." or "" */
	char email[200];
};

static json_t *sso_session(struct browser *b, const char *email, const char *groups,
			   struct itest_response *r)
{
	snprintf(b->email, sizeof b->email, "X-Forwarded-Email: %s", email);
	if (groups)
		snprintf(b->groups, sizeof b->groups, "X-Forwarded-Groups: %s", groups);
	else
		b->groups[0] = '\0';
	const char *h[] = {b->email, b->groups[0] ? b->groups : NULL, NULL};
	itest_http(&server, "GET", "/api/v1/session", h, NULL, 0, r);
	assert_int_equal(r->status, 200);
	char set_cookie[1200];
	assert_true(itest_header(r, "Set-Cookie", set_cookie, sizeof set_cookie));
	*strchr(set_cookie, ';') = '\0';
	snprintf(b->cookie, sizeof b->cookie, "Cookie: %s", set_cookie);
	snprintf(b->csrf, sizeof b->csrf, "X-CSRF-Token: %s",
		 json_string_value(json_object_get(r->json, "csrf_token")));
	return r->json;
}

/* A JSON write by the browser (cookie, CSRF token, the proxy's headers). */
static void browser_json(const struct browser *b, const char *method, const char *path,
			 const char *body, struct itest_response *r)
{
	const char *h[] = {b->cookie, b->csrf, b->email, "Content-Type: application/json",
			   b->groups[0] ? b->groups : NULL, NULL};
	itest_http(&server, method, path, h, body, strlen(body), r);
}

static char *token_for(const char *owner, const char *scope)
{
	return itest_token_owned(&server, owner, scope);
}

static long cut_with(const char *token, const struct browser *b, const char *version,
		     const char *commit, long want)
{
	char body[300];
	snprintf(body, sizeof body,
		 "{\"version\":\"%s\",\"repository\":\"" REPO "\",\"commit\":\"%s\"}", version,
		 commit);
	struct itest_response r;
	if (b)
		browser_json(b, "POST", "/api/v1/release-candidates", body, &r);
	else
		itest_json(&server, "POST", "/api/v1/release-candidates", token, body, &r);
	if (r.status != want)
		fail_msg("cut %s answered %ld, expected %ld: %s", version, r.status, want,
			 r.body ? r.body : "");
	long id = want == 201 ? (long)itest_int(r.json, "id") : 0;
	if (want == 403)
		itest_assert_problem(&r, 403, "/forbidden", "this needs the ci or release scope");
	itest_response_free(&r);
	return id;
}

static long block_by_zoe(long rc)
{
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback", rc);
	struct itest_response r;
	itest_json(&server, "POST", path, zoe, "{\"verdict\":\"block\",\"comment\":\"broken\"}",
		   &r);
	assert_int_equal(r.status, 201);
	long id = (long)itest_int(r.json, "id");
	itest_response_free(&r);
	return id;
}

static const char *source_of(json_t *session, const char *scope)
{
	return json_string_value(
		json_object_get(json_object_get(session, "scope_sources"), scope));
}

static bool has_scope(json_t *session, const char *scope)
{
	json_t *a = json_object_get(session, "scopes");
	for (size_t i = 0; i < json_array_size(a); i++)
		if (!strcmp(json_string_value(json_array_get(a, i)), scope))
			return true;
	return false;
}

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("roles", db_url, sizeof db_url);
	char cfg_env[300];
	itest_config_file("roles", config_text, config_path, sizeof config_path, cfg_env,
			  sizeof cfg_env);
	const char *env[] = {cfg_env, "SHIPLOG_NOW=2026-05-06T09:00:00Z",
			     "SHIPLOG_RATE_FEEDBACK=1000", NULL};
	itest_server_start(&server, db_url, env);
	zoe = token_for("zoe@support.example.com", "feedback");
	cli_run_path = SHIPLOGD_PATH;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(zoe);
	unlink(config_path);
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

static void a_release_manager_cuts_moves_and_resolves_anyones_feedback(void **state)
{
	(void)state;
	struct browser rm;
	struct itest_response r;
	json_t *s = sso_session(&rm, "rm@example.com", NULL, &r);
	assert_true(has_scope(s, "release"));
	assert_false(has_scope(s, "ci"));
	assert_false(has_scope(s, "admin"));
	assert_string_equal(source_of(s, "release"), "role:team:release-managers");
	assert_string_equal(source_of(s, "read"), "default");
	assert_string_equal(source_of(s, "feedback"), "default");
	assert_null(source_of(s, "ci"));
	itest_response_free(&r);

	long rc = cut_with(NULL, &rm, "v3.0.0-rc.1", C1, 201);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld", rc);
	browser_json(&rm, "PATCH", path, "{\"state\":\"testing\",\"reason\":\"QA\"}", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "state")), "testing");
	itest_response_free(&r);

	long fb = block_by_zoe(rc);
	snprintf(path, sizeof path, "/api/v1/feedback/%ld", fb);
	browser_json(&rm, "PATCH", path, "{\"status\":\"resolved\",\"resolution\":\"fixed\"}", &r);
	if (r.status != 200)
		fail_msg("resolve answered %ld: %s", r.status, r.body ? r.body : "");
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "resolved");
	itest_response_free(&r);
}

static void a_sales_person_gets_403_for_release_work(void **state)
{
	(void)state;
	struct browser dana;
	struct itest_response r;
	json_t *s = sso_session(&dana, "dana@sales.example.com", NULL, &r);
	assert_false(has_scope(s, "release"));
	assert_true(has_scope(s, "feedback"));
	/* a role granting what the default gives changes no source */
	assert_string_equal(source_of(s, "feedback"), "default");
	assert_null(source_of(s, "release"));
	itest_response_free(&r);

	cut_with(NULL, &dana, "v3.1.0-rc.1", C2, 403);
	/* an RC someone else cut: dana can neither move it nor resolve support's block */
	char *ci = token_for("release-bot", "ci");
	long rc = cut_with(ci, NULL, "v3.1.0-rc.1", C2, 201);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld", rc);
	browser_json(&dana, "PATCH", path, "{\"state\":\"testing\"}", &r);
	itest_assert_problem(&r, 403, "/forbidden", "this needs the ci or release scope");
	itest_response_free(&r);
	long fb = block_by_zoe(rc);
	snprintf(path, sizeof path, "/api/v1/feedback/%ld", fb);
	browser_json(&dana, "PATCH", path, "{\"status\":\"resolved\"}", &r);
	itest_assert_problem(&r, 403, "/not-permitted",
			     "only the author (zoe@support.example.com), their team (support), a "
			     "release manager or an admin may resolve this feedback");
	itest_response_free(&r);
	/* nor can a ci token, even with feedback: ci moves RCs, it does not
	 * triage people's feedback */
	char *ci_fb = token_for("release-bot", "ci,feedback");
	itest_json(&server, "PATCH", path, ci_fb, "{\"status\":\"resolved\"}", &r);
	itest_assert_problem(&r, 403, "/not-permitted", NULL);
	itest_response_free(&r);
	free(ci_fb);
	free(ci);
	snprintf(path, sizeof path, "SELECT status FROM feedback WHERE id = %ld", fb);
	char *st = itest_sql(db_url, path);
	assert_string_equal(st, "open");
	free(st);
}

static void a_release_token_cuts_rcs_but_reports_no_runs(void **state)
{
	(void)state;
	struct itest_response r;
	itest_json(&server, "POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN,
		   "{\"name\":\"x\",\"owner\":\"rm@example.com\",\"scopes\":[\"release\",\"root\"]}",
		   &r);
	assert_int_equal(r.status, 400);
	itest_assert_problem(&r, 400, "/invalid-field",
			     "scopes[1]: expected one of read, ci, feedback, admin, release");
	itest_response_free(&r);
	char *rel = token_for("rm-bot", "release");
	long rc = cut_with(rel, NULL, "v3.2.0-rc.1", C3, 201);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld", rc);
	itest_json(&server, "PATCH", path, rel, "{\"state\":\"testing\"}", &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	/* the token's own scopes, whatever groups header comes with it */
	const char *h[] = {"Authorization: Bearer", NULL, NULL};
	char authz[200];
	snprintf(authz, sizeof authz, "Authorization: Bearer %s", rel);
	h[0] = authz;
	h[1] = "X-Forwarded-Groups: release-leads";
	itest_http(&server, "GET", "/api/v1/session", h, NULL, 0, &r);
	assert_string_equal(source_of(r.json, "release"), "token");
	assert_false(has_scope(r.json, "feedback"));
	itest_response_free(&r);
	/* runs, artifacts, deployments stay with ci */
	itest_json(&server, "POST", "/api/v1/runs", rel,
		   "{\"repository\":\"" REPO "\",\"commit\":\"" C3 "\",\"name\":\"build\","
		   "\"status\":\"completed\",\"conclusion\":\"success\"}",
		   &r);
	itest_assert_problem(&r, 403, "/forbidden", "this needs the ci scope");
	itest_response_free(&r);
	/* a read token with a groups header gains nothing */
	char *reader = token_for("rm@example.com", "read");
	snprintf(authz, sizeof authz, "Authorization: Bearer %s", reader);
	itest_http(&server, "GET", "/api/v1/session", h, NULL, 0, &r);
	assert_false(has_scope(r.json, "release"));
	assert_string_equal(source_of(r.json, "read"), "token");
	itest_response_free(&r);
	free(reader);
	free(rel);
	itest_get(&server, "/api/v1/session", ITEST_ADMIN_TOKEN, &r);
	assert_string_equal(source_of(r.json, "admin"), "admin-token");
	assert_int_equal(json_object_size(json_object_get(r.json, "scope_sources")), 1);
	itest_response_free(&r);
}

/* groups come with each request: a session's scopes follow the header now */
static void a_group_role_follows_the_groups_header_of_each_request(void **state)
{
	(void)state;
	struct browser gus;
	struct itest_response r;
	json_t *s = sso_session(&gus, "gus@example.com", "engineering, release-leads", &r);
	assert_true(has_scope(s, "release"));
	assert_string_equal(source_of(s, "release"), "role:group:release-leads");
	itest_response_free(&r);
	long rc = cut_with(NULL, &gus, "v3.3.0-rc.1", C4, 201);
	assert_true(rc > 0);
	/* the same cookie without the group: no release any more */
	gus.groups[0] = '\0';
	itest_http(&server, "GET", "/api/v1/session",
		   (const char *const[]){gus.cookie, gus.email, NULL}, NULL, 0, &r);
	assert_true(json_is_true(json_object_get(r.json, "authenticated")));
	assert_false(has_scope(r.json, "release"));
	itest_response_free(&r);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld", rc);
	browser_json(&gus, "PATCH", path, "{\"state\":\"testing\"}", &r);
	itest_assert_problem(&r, 403, "/forbidden", NULL);
	itest_response_free(&r);
}

/* from an address that is no trusted proxy, neither header is anyone */
static void headers_from_an_untrusted_address_are_ignored(void **state)
{
	(void)state;
	char path[512], env[600];
	itest_config_file("roles-untrusted",
			  "auth:\n  sso_header: X-Forwarded-Email\n"
			  "  sso_groups_header: X-Forwarded-Groups\n"
			  "  trusted_proxies: [\"10.9.9.9\"]\n"
			  "teams: [{name: release-managers, members: [rm@example.com]}]\n"
			  "roles: [{team: release-managers, scopes: [release]},"
			  " {group: release-leads, scopes: [release]}]\n",
			  path, sizeof path, env, sizeof env);
	struct itest_server s;
	char db2[512];
	itest_db_create("roles_untrusted", db2, sizeof db2);
	const char *e[] = {env, NULL};
	itest_server_start(&s, db2, e);
	struct itest_response r;
	const char *h[] = {"X-Forwarded-Email: rm@example.com",
			   "X-Forwarded-Groups: release-leads", "Content-Type: application/json",
			   NULL};
	itest_http(&s, "GET", "/api/v1/session", h, NULL, 0, &r);
	assert_true(json_is_false(json_object_get(r.json, "authenticated")));
	itest_response_free(&r);
	const char *body = "{\"version\":\"v1.0.0-rc.1\",\"repository\":\"a/b\",\"commit\":\"" C1
			   "\"}";
	itest_http(&s, "POST", "/api/v1/release-candidates", h, body, strlen(body), &r);
	itest_assert_problem(&r, 401, "/unauthorized", NULL);
	itest_response_free(&r);
	assert_int_equal(itest_server_stop(&s), 0);
	unlink(path);
}

static void a_role_granting_ci_stops_start_up(void **state)
{
	(void)state;
	char path[512], env[600];
	itest_config_file("roles-ci",
			  "teams: [{name: ops, members: [ops@example.com]}]\n"
			  "roles:\n"
			  "  - {team: ops, scopes: [read, ci]}\n",
			  path, sizeof path, env, sizeof env);
	struct cli_out o;
	cli_exec(&o, NULL, NULL, NULL, (const char *const[]){"--check-config", path, NULL});
	expect_code(&o, 1);
	expect_contains(o.err, ":3:32: roles[0].scopes[1]: \"ci\" is not granted by a role (ci "
			       "and admin stay with tokens)");
	cli_out_free(&o);
	cli_exec(&o, NULL, NULL, NULL, (const char *const[]){"--config", path, NULL});
	expect_code(&o, 1);
	expect_contains(o.err, ":3:32: roles[0].scopes[1]:");
	cli_out_free(&o);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_release_manager_cuts_moves_and_resolves_anyones_feedback),
		cmocka_unit_test(a_sales_person_gets_403_for_release_work),
		cmocka_unit_test(a_release_token_cuts_rcs_but_reports_no_runs),
		cmocka_unit_test(a_group_role_follows_the_groups_header_of_each_request),
		cmocka_unit_test(headers_from_an_untrusted_address_are_ignored),
		cmocka_unit_test(a_role_granting_ci_stops_start_up),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
