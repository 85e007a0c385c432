/*
 * test_audit_routes.c — generated from the route table: every write route
 * (every method but GET) is made once, successfully, by the recipe this file
 * keeps for its "METHOD pattern", and must leave exactly one new row in the
 * audit trail — found by the request's X-Request-Id — with the action, the
 * actor and how they came (via), the target, the shape of before/after, and
 * the client address (X-Forwarded-For through a trusted proxy).  A write
 * route without a recipe FAILS: a new route cannot ship without its audit
 * row.  Exempt are only the webhooks (signed by GitHub or Flux, not a person
 * or a token, and recorded whole in `deliveries`); an exemption of any other
 * route fails too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "github_send.h"
#include "itest.h"
#include "shiplog/http.h"

#define REPO "itest/audit"
#define C1 "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define C2 "a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2"
#define DIGEST "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define ADMIN_ACTOR "admin (SHIPLOG_ADMIN_TOKEN)"
#define SALES "sam@sales.example.com"

static struct itest_server server;
static char db_url[512];
static char config_path[256];
static char *ci, *releaser;
static int seq;

static const char config_text[] = "auth:\n"
				  "  sso_header: X-Forwarded-Email\n"
				  "  trusted_proxies: [\"127.0.0.1\"]\n"
				  "repositories:\n"
				  "  - name: " REPO "\n"
				  "environments:\n"
				  "  - {name: staging, tier: staging}\n"
				  "teams:\n"
				  "  - {name: sales, members: [\"*@sales.example.com\"]}\n";

/* The webhooks: signed by GitHub or Flux, not by a person or a token; every
 * delivery is recorded whole in `deliveries` (and a replay, which a person
 * makes, has its audit row). */
static const char *const exempt[] = {"POST /webhooks/github", "POST /webhooks/flux", NULL};

/* What a recipe made, and the row it must have left. */
struct audited {
	char rid[64];	  /* the X-Request-Id it sent */
	char client[32];  /* the X-Forwarded-For it sent */
	const char *action, *actor, *via, *target_type;
	char target_id[128];
	bool has_before;  /* before is an object (else null) */
	const char *after_key; /* after is an object holding this key (NULL: after is null) */
	const char *reason;    /* NULL: reason is null */
};

/* How the request authenticates. */
struct auth {
	const char *token;  /* bearer token, or NULL */
	const char *cookie; /* "Cookie: ...", or NULL */
	const char *csrf;   /* "X-CSRF-Token: ...", with cookie */
};

static struct auth bearer(const char *token)
{
	return (struct auth){token, NULL, NULL};
}

/* Sends one write with a fresh request id and a forwarded client address;
 * fails unless it is answered `want` (-1: any 2xx).  *r keeps the answer. */
static void write_req(struct audited *a, const char *method, const char *path, struct auth au,
		      const char *body, long want, struct itest_response *r)
{
	seq++;
	snprintf(a->rid, sizeof a->rid, "audit-%d-%d", (int)getpid(), seq);
	snprintf(a->client, sizeof a->client, "203.0.113.%d", seq % 250 + 1);
	char rid[96], xff[64], authz[600];
	snprintf(rid, sizeof rid, "X-Request-Id: %s", a->rid);
	snprintf(xff, sizeof xff, "X-Forwarded-For: %s", a->client);
	const char *h[8] = {rid, xff};
	size_t n = 2;
	if (body)
		h[n++] = "Content-Type: application/json";
	if (au.token) {
		snprintf(authz, sizeof authz, "Authorization: Bearer %s", au.token);
		h[n++] = authz;
	}
	if (au.cookie) {
		h[n++] = au.cookie;
		h[n++] = au.csrf;
		h[n++] = "Sec-Fetch-Site: same-origin";
	}
	itest_http(&server, method, path, h, body, body ? strlen(body) : 0, r);
	bool ok = want < 0 ? r->status >= 200 && r->status < 300 : r->status == want;
	if (!ok)
		fail_msg("%s %s answered %ld, expected %ld: %s", method, path, r->status, want,
			 r->body ? r->body : "");
}

/* The same, the answer dropped. */
static void write_ok(struct audited *a, const char *method, const char *path, struct auth au,
		     const char *body, long want)
{
	struct itest_response r;
	write_req(a, method, path, au, body, want, &r);
	itest_response_free(&r);
}

/* A plain request for a recipe's preparation (its audit rows are not looked at). */
static json_t *prepare(const char *method, const char *path, const char *token, const char *body,
		       long want)
{
	struct itest_response r;
	itest_json(&server, method, path, token, body, &r);
	if (r.status != want)
		fail_msg("preparing: %s %s answered %ld, expected %ld: %s", method, path, r.status,
			 want, r.body ? r.body : "");
	json_t *j = json_incref(r.json);
	itest_response_free(&r);
	return j;
}

static long prepared_id(const char *method, const char *path, const char *token, const char *body,
			long want)
{
	json_t *j = prepare(method, path, token, body, want);
	long id = (long)itest_int(j, "id");
	json_decref(j);
	return id;
}

static void set_target_name(struct audited *a, const char *type, const char *name)
{
	a->target_type = type;
	snprintf(a->target_id, sizeof a->target_id, "%s", name);
}

static void set_target(struct audited *a, const char *type, long id)
{
	char text[24];
	snprintf(text, sizeof text, "%ld", id);
	set_target_name(a, type, text);
}

/* What the row of a recipe's request must say. */
static void expect_row(struct audited *a, const char *action, const char *actor, const char *via,
		       bool has_before, const char *after_key)
{
	a->action = action;
	a->actor = actor;
	a->via = via;
	a->has_before = has_before;
	a->after_key = after_key;
}

static long cut(const char *version, const char *commit)
{
	char body[300];
	snprintf(body, sizeof body,
		 "{\"version\":\"%s\",\"repository\":\"" REPO "\",\"commit\":\"%s\"}", version,
		 commit);
	return prepared_id("POST", "/api/v1/release-candidates", ci, body, 201);
}

/* A browser session of an SSO person, as the dashboard makes it: GET
 * /api/v1/session through the proxy sets the cookie (and its audit row). */
struct browser {
	char cookie[256], csrf[256];
};

static void sso_browser(const char *email, struct browser *b, struct audited *signed_in)
{
	seq++;
	snprintf(signed_in->rid, sizeof signed_in->rid, "audit-%d-%d", (int)getpid(), seq);
	snprintf(signed_in->client, sizeof signed_in->client, "198.51.100.%d", seq % 250 + 1);
	char who[200], rid[96], xff[64];
	snprintf(who, sizeof who, "X-Forwarded-Email: %s", email);
	snprintf(rid, sizeof rid, "X-Request-Id: %s", signed_in->rid);
	snprintf(xff, sizeof xff, "X-Forwarded-For: %s", signed_in->client);
	struct itest_response r;
	itest_http(&server, "GET", "/api/v1/session", (const char *const[]){who, rid, xff, NULL},
		   NULL, 0, &r);
	assert_int_equal(r.status, 200);
	char set[200];
	assert_true(itest_header(&r, "Set-Cookie", set, sizeof set));
	*strchr(set, ';') = '\0';
	snprintf(b->cookie, sizeof b->cookie, "Cookie: %s", set);
	snprintf(b->csrf, sizeof b->csrf, "X-CSRF-Token: %s",
		 json_string_value(json_object_get(r.json, "csrf_token")));
	itest_response_free(&r);
	set_target_name(signed_in, "session", email);
	expect_row(signed_in, "session.signed_in", email, "sso", false, "kind");
}

/* ---- the recipes, one per write route ---- */

static void tokens_create(struct audited *a)
{
	struct itest_response r;
	write_req(a, "POST", "/api/v1/tokens", bearer(ITEST_ADMIN_TOKEN),
		  "{\"name\":\"audited\",\"owner\":\"ops@example.com\",\"scopes\":[\"read\"]}", 201,
		  &r);
	set_target(a, "token", (long)itest_int(r.json, "id"));
	itest_response_free(&r);
	expect_row(a, "token.created", ADMIN_ACTOR, "admin-token", false, "scopes");
}

static void tokens_revoke(struct audited *a)
{
	long id = prepared_id("POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN,
			      "{\"name\":\"doomed\",\"owner\":\"x@example.com\",\"scopes\":[\"read\"]}",
			      201);
	char path[64];
	snprintf(path, sizeof path, "/api/v1/tokens/%ld", id);
	write_ok(a, "DELETE", path, bearer(ITEST_ADMIN_TOKEN), NULL, 204);
	set_target(a, "token", id);
	expect_row(a, "token.revoked", ADMIN_ACTOR, "admin-token", true, "revoked_at");
}

static void session_sign_in(struct audited *a)
{
	char body[200];
	snprintf(body, sizeof body, "{\"token\":\"%s\"}", releaser);
	write_ok(a, "POST", "/api/v1/session", bearer(NULL), body, 200);
	set_target_name(a, "session", "rm@example.com");
	expect_row(a, "session.signed_in", "rm@example.com", "token", false, "token_id");
}

static void session_sign_out(struct audited *a)
{
	struct browser b;
	struct audited in = {0};
	sso_browser(SALES, &b, &in);
	write_ok(a, "DELETE", "/api/v1/session", (struct auth){NULL, b.cookie, b.csrf}, NULL, 204);
	set_target_name(a, "session", SALES);
	expect_row(a, "session.signed_out", SALES, "cookie", true, NULL);
}

static void deliveries_replay(struct audited *a)
{
	char did[64];
	struct itest_response r;
	gh_send_fixture(&server, "push", gh_delivery_id(did, sizeof did), "push.json", &r);
	assert_true(r.status == 200 || r.status == 202);
	long row = (long)itest_int(r.json, "delivery");
	itest_response_free(&r);
	char path[64];
	snprintf(path, sizeof path, "/api/v1/deliveries/%ld/replay", row);
	/* processed again: 200, or 202 when it is ignored or unmatched */
	write_ok(a, "POST", path, bearer(ITEST_ADMIN_TOKEN), NULL, -1);
	set_target(a, "delivery", row);
	expect_row(a, "delivery.replayed", ADMIN_ACTOR, "admin-token", false, "attempt");
}

static void runs_report(struct audited *a)
{
	struct itest_response r;
	write_req(a, "POST", "/api/v1/runs", bearer(ci),
		  "{\"repository\":\"" REPO "\",\"provider\":\"buildkite\",\"external_id\":\"77\","
		  "\"sha\":\"" C1 "\",\"status\":\"completed\",\"conclusion\":\"success\","
		  "\"jobs\":[{\"name\":\"unit\",\"status\":\"completed\",\"conclusion\":\"success\"}]}",
		  201, &r);
	set_target(a, "run", (long)itest_int(r.json, "id"));
	itest_response_free(&r);
	expect_row(a, "run.reported", "ci-bot", "token", false, "jobs");
}

static void artifacts_report(struct audited *a)
{
	struct itest_response r;
	write_req(a, "POST", "/api/v1/artifacts", bearer(ci),
		  "{\"kind\":\"image\",\"name\":\"ghcr.io/itest/audit\",\"version\":\"1.0.0\","
		  "\"digest\":\"" DIGEST "\",\"repository\":\"" REPO "\",\"commit\":\"" C1 "\"}",
		  201, &r);
	set_target(a, "artifact", (long)itest_int(r.json, "id"));
	itest_response_free(&r);
	expect_row(a, "artifact.reported", "ci-bot", "token", false, "digest");
}

static void environments_create(struct audited *a)
{
	write_ok(a, "POST", "/api/v1/environments", bearer(ITEST_ADMIN_TOKEN),
		 "{\"name\":\"audit-a\",\"tier\":\"development\"}", 201);
	set_target_name(a, "environment", "audit-a");
	expect_row(a, "environment.created", ADMIN_ACTOR, "admin-token", false, "tier");
}

static void environments_change(struct audited *a)
{
	json_decref(prepare("POST", "/api/v1/environments", ITEST_ADMIN_TOKEN,
			    "{\"name\":\"audit-b\",\"tier\":\"development\"}", 201));
	write_ok(a, "PATCH", "/api/v1/environments/audit-b", bearer(ITEST_ADMIN_TOKEN),
		 "{\"description\":\"the second\"}", 200);
	set_target_name(a, "environment", "audit-b");
	expect_row(a, "environment.changed", ADMIN_ACTOR, "admin-token", true, "description");
}

static void environments_delete(struct audited *a)
{
	json_decref(prepare("POST", "/api/v1/environments", ITEST_ADMIN_TOKEN,
			    "{\"name\":\"audit-c\"}", 201));
	write_ok(a, "DELETE", "/api/v1/environments/audit-c", bearer(ITEST_ADMIN_TOKEN), NULL, 204);
	set_target_name(a, "environment", "audit-c");
	expect_row(a, "environment.deleted", ADMIN_ACTOR, "admin-token", true, "deleted");
}

static void deployments_report(struct audited *a)
{
	struct itest_response r;
	write_req(a, "POST", "/api/v1/deployments", bearer(ci),
		  "{\"environment\":\"staging\",\"repository\":\"" REPO "\",\"commit\":\"" C1 "\","
		  "\"status\":\"success\"}",
		  201, &r);
	set_target(a, "deployment", (long)itest_int(r.json, "id"));
	itest_response_free(&r);
	expect_row(a, "deployment.reported", "ci-bot", "token", false, "environment");
}

static void notifications_retry(struct audited *a)
{
	/* a dead message, as the sender leaves one that kept failing */
	long id = itest_sql_long(db_url,
				 "INSERT INTO notifications (sink, sink_type, kind, dedupe_key, status,"
				 " attempts, last_error) VALUES ('audit-hook', 'webhook', 'rc.cut',"
				 " 'audit-1', 'dead', 8, 'HTTP 500') RETURNING id");
	char path[64];
	snprintf(path, sizeof path, "/api/v1/notifications/%ld/retry", id);
	write_ok(a, "POST", path, bearer(ITEST_ADMIN_TOKEN), NULL, 200);
	set_target(a, "notification", id);
	expect_row(a, "notification.retried", ADMIN_ACTOR, "admin-token", true, "status");
}

static void rcs_create(struct audited *a)
{
	struct itest_response r;
	write_req(a, "POST", "/api/v1/release-candidates", bearer(releaser),
		  "{\"version\":\"v1.0.0-rc.1\",\"repository\":\"" REPO "\",\"commit\":\"" C1 "\"}",
		  201, &r);
	set_target(a, "release_candidate", (long)itest_int(r.json, "id"));
	itest_response_free(&r);
	expect_row(a, "rc.created", "rm@example.com", "token", false, "version");
}

static void rcs_change(struct audited *a)
{
	long id = cut("v1.1.0-rc.1", C2);
	char path[64];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld", id);
	write_ok(a, "PATCH", path, bearer(releaser),
		 "{\"state\":\"rejected\",\"reason\":\"the login page is broken\"}", 200);
	set_target(a, "release_candidate", id);
	expect_row(a, "rc.changed", "rm@example.com", "token", true, "state");
	a->reason = "the login page is broken";
}

static void feedback_post(struct audited *a)
{
	long rc = cut("v1.2.0-rc.1", C1);
	struct browser b;
	struct audited in = {0};
	sso_browser(SALES, &b, &in);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback", rc);
	struct itest_response r;
	write_req(a, "POST", path, (struct auth){NULL, b.cookie, b.csrf},
		  "{\"verdict\":\"concern\",\"comment\":\"slow search\"}", 201, &r);
	set_target(a, "feedback", (long)itest_int(r.json, "id"));
	itest_response_free(&r);
	expect_row(a, "feedback.posted", SALES, "cookie", false, "verdict");
}

static void feedback_triage(struct audited *a)
{
	long rc = cut("v1.3.0-rc.1", C2);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback", rc);
	char *fb = itest_token_owned(&server, "pat@sales.example.com", "feedback");
	long id = prepared_id("POST", path, fb, "{\"verdict\":\"block\",\"comment\":\"crash\"}", 201);
	free(fb);
	snprintf(path, sizeof path, "/api/v1/feedback/%ld", id);
	write_ok(a, "PATCH", path, bearer(releaser),
		 "{\"status\":\"resolved\",\"resolution\":\"fixed in rc.2\"}", 200);
	set_target(a, "feedback", id);
	expect_row(a, "feedback.triaged", "rm@example.com", "token", true, "status");
	a->reason = "fixed in rc.2";
}

static void feedback_request(struct audited *a)
{
	long rc = cut("v1.4.0-rc.1", C1);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback-requests", rc);
	write_ok(a, "POST", path, bearer(releaser),
		 "{\"teams\":[\"sales\"],\"message\":\"please try the new login\"}", 201);
	set_target(a, "release_candidate", rc);
	expect_row(a, "feedback.requested", "rm@example.com", "token", false, "teams");
}

static const struct recipe {
	const char *route; /* "METHOD pattern", as in the route table */
	void (*make)(struct audited *a);
} recipes[] = {
	{"POST /api/v1/tokens", tokens_create},
	{"DELETE /api/v1/tokens/{id}", tokens_revoke},
	{"POST /api/v1/session", session_sign_in},
	{"DELETE /api/v1/session", session_sign_out},
	{"POST /api/v1/deliveries/{id}/replay", deliveries_replay},
	{"POST /api/v1/runs", runs_report},
	{"POST /api/v1/artifacts", artifacts_report},
	{"POST /api/v1/environments", environments_create},
	{"PATCH /api/v1/environments/{name}", environments_change},
	{"DELETE /api/v1/environments/{name}", environments_delete},
	{"POST /api/v1/deployments", deployments_report},
	{"POST /api/v1/notifications/{id}/retry", notifications_retry},
	{"POST /api/v1/release-candidates", rcs_create},
	{"PATCH /api/v1/release-candidates/{id}", rcs_change},
	{"POST /api/v1/release-candidates/{id}/feedback", feedback_post},
	{"PATCH /api/v1/feedback/{id}", feedback_triage},
	{"POST /api/v1/release-candidates/{id}/feedback-requests", feedback_request},
	{NULL, NULL},
};

/* The one row the request left, as JSON; NULL (said on stderr) unless
 * there is exactly one. */
static json_t *row_of(const char *route, const char *rid)
{
	long n = itest_sql_longf(db_url, "SELECT count(*) FROM audit_log WHERE request_id = '%s'",
				 rid);
	if (n != 1) {
		fprintf(stderr, "%s: request %s left %ld audit rows, expected 1\n", route, rid, n);
		return NULL;
	}
	char *text = itest_sqlf(db_url,
				"SELECT json_build_object('action', action, 'actor', actor,"
				" 'actor_id', actor_id, 'via', via, 'target_type', target_type,"
				" 'target_id', target_id, 'before', before, 'after', after,"
				" 'reason', reason, 'remote_addr', remote_addr)::text"
				" FROM audit_log WHERE request_id = '%s'",
				rid);
	json_t *row = json_loads(text, 0, NULL);
	free(text);
	assert_non_null(row);
	return row;
}

static const char *str(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "(null)";
}

/* The row matches what the recipe expects; false (with what differs on
 * stderr) otherwise. */
static bool row_matches(const char *route, const struct audited *a)
{
	json_t *row = row_of(route, a->rid);
	if (!row)
		return false;
	bool ok = true;
#define EXPECT(cond, ...)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s: ", route);                                            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fprintf(stderr, "\n");                                                     \
			ok = false;                                                                \
		}                                                                                  \
	} while (0)
	EXPECT(!strcmp(str(row, "action"), a->action), "action %s, expected %s",
	       str(row, "action"), a->action);
	EXPECT(!strcmp(str(row, "actor"), a->actor), "actor %s, expected %s", str(row, "actor"),
	       a->actor);
	EXPECT(!strcmp(str(row, "via"), a->via), "via %s, expected %s", str(row, "via"), a->via);
	bool token_id = json_is_integer(json_object_get(row, "actor_id"));
	/* the recipes' cookies are SSO sessions: only a token has an id */
	EXPECT(token_id == !strcmp(a->via, "token"), "actor_id %s with via %s",
	       token_id ? "set" : "null", a->via);
	EXPECT(!strcmp(str(row, "target_type"), a->target_type), "target_type %s, expected %s",
	       str(row, "target_type"), a->target_type);
	EXPECT(!strcmp(str(row, "target_id"), a->target_id), "target_id %s, expected %s",
	       str(row, "target_id"), a->target_id);
	EXPECT(json_is_object(json_object_get(row, "before")) == a->has_before, "before is %s",
	       a->has_before ? "not an object" : "not null");
	const json_t *after = json_object_get(row, "after");
	if (a->after_key)
		EXPECT(json_object_get(after, a->after_key), "after has no %s", a->after_key);
	else
		EXPECT(json_is_null(after), "after is not null");
	if (a->reason)
		EXPECT(!strcmp(str(row, "reason"), a->reason), "reason %s, expected %s",
		       str(row, "reason"), a->reason);
	else
		EXPECT(json_is_null(json_object_get(row, "reason")), "reason %s, expected null",
		       str(row, "reason"));
	EXPECT(!strcmp(str(row, "remote_addr"), a->client), "remote_addr %s, expected %s",
	       str(row, "remote_addr"), a->client);
	/* never a secret: no token value, no session id (nor their hashes) */
	char *dump = json_dumps(row, JSON_COMPACT);
	EXPECT(!strstr(dump, "shiplog_") && !strstr(dump, "shiplog_session") &&
		       !strstr(dump, ITEST_ADMIN_TOKEN) && !strstr(dump, "hash"),
	       "a secret in the row: %s", dump);
	free(dump);
#undef EXPECT
	json_decref(row);
	return ok;
}

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("auditroutes", db_url, sizeof db_url);
	char cfg_env[300];
	itest_config_file("auditroutes", config_text, config_path, sizeof config_path, cfg_env,
			  sizeof cfg_env);
	const char *env[] = {cfg_env, ITEST_GITHUB_SECRET_ENV, "SHIPLOG_RATE_FEEDBACK=1000", NULL};
	itest_server_start(&server, db_url, env);
	ci = itest_token_owned(&server, "ci-bot", "ci");
	releaser = itest_token_owned(&server, "rm@example.com", "release,feedback");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(ci);
	free(releaser);
	unlink(config_path);
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

static bool listed(const char *const *list, const char *key)
{
	for (; *list; list++)
		if (!strcmp(*list, key))
			return true;
	return false;
}

static void every_write_route_leaves_one_audit_row(void **state)
{
	(void)state;
	int missing = 0, wrong = 0, checked = 0;
	for (const struct route *rt = http_routes; rt->method; rt++) {
		if (!strcmp(rt->method, "GET"))
			continue;
		char key[300];
		snprintf(key, sizeof key, "%s %s", rt->method, rt->pattern);
		if (listed(exempt, key)) {
			/* only a signed webhook may go without an audit row */
			if (rt->body != BODY_RAW || strncmp(rt->pattern, "/webhooks/", 10)) {
				fprintf(stderr, "%s is exempt but is no webhook\n", key);
				wrong++;
			}
			continue;
		}
		const struct recipe *rc = recipes;
		while (rc->route && strcmp(rc->route, key))
			rc++;
		if (!rc->route) {
			fprintf(stderr,
				"%s is a write route without an audit recipe in %s: give it its "
				"audit row (db_audit_record) and a recipe\n",
				key, __FILE__);
			missing++;
			continue;
		}
		struct audited a = {0};
		rc->make(&a);
		if (!row_matches(key, &a))
			wrong++;
		checked++;
	}
	/* a recipe or an exemption whose route is gone is stale */
	for (const struct recipe *rc = recipes; rc->route; rc++) {
		bool found = false;
		for (const struct route *rt = http_routes; rt->method && !found; rt++) {
			char key[300];
			snprintf(key, sizeof key, "%s %s", rt->method, rt->pattern);
			found = !strcmp(key, rc->route);
		}
		if (!found) {
			fprintf(stderr, "recipe %s names no route\n", rc->route);
			wrong++;
		}
	}
	assert_int_equal(missing, 0);
	assert_int_equal(wrong, 0);
	assert_true(checked >= 17);
}

/* The SSO sign-in that the dashboard's first request makes is a write too
 * (a GET that starts a session): its row says via sso. */
static void an_sso_sign_in_is_recorded_via_sso(void **state)
{
	(void)state;
	struct browser b;
	struct audited in = {0};
	sso_browser("sue@sales.example.com", &b, &in);
	assert_true(row_matches("GET /api/v1/session (SSO)", &in));
}

/* Moving an unready RC on with override_reason is its own action, with the
 * reason and the gates it went past; a refusal (409 not-ready) changes
 * nothing and leaves no row. */
static void an_override_is_recorded_as_rc_overridden(void **state)
{
	(void)state;
	long id = cut("v2.0.0-rc.1", C1);
	char path[64];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld", id);
	json_decref(prepare("PATCH", path, releaser, "{\"state\":\"testing\"}", 200));
	long rows = itest_sql_long(db_url, "SELECT count(*) FROM audit_log");
	struct audited refused = {0};
	write_ok(&refused, "PATCH", path, bearer(releaser), "{\"state\":\"approved\"}", 409);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM audit_log"), rows);

	struct audited a = {0};
	write_ok(&a, "PATCH", path, bearer(releaser),
		 "{\"state\":\"approved\",\"override_reason\":\"hotfix; CI is down\"}", 200);
	set_target(&a, "release_candidate", id);
	expect_row(&a, "rc.overridden", "rm@example.com", "token", true, "override");
	a.reason = "hotfix; CI is down";
	assert_true(row_matches("PATCH /api/v1/release-candidates/{id} (override)", &a));
	json_t *row = row_of("override", a.rid);
	const json_t *ov = json_object_get(json_object_get(row, "after"), "override");
	assert_string_equal(json_string_value(json_object_get(ov, "reason")), "hotfix; CI is down");
	assert_true(json_array_size(json_object_get(ov, "gates")) > 0);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(row, "after"), "state")),
		"approved");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(row, "before"), "state")),
		"testing");
	json_decref(row);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_write_route_leaves_one_audit_row),
		cmocka_unit_test(an_sso_sign_in_is_recorded_via_sso),
		cmocka_unit_test(an_override_is_recorded_as_rc_overridden),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
