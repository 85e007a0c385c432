/*
 * test_audit.c — the audit trail beyond one row per route (that is
 * test_audit_routes.c): append-only in the database; a change and its row
 * commit together or not at all; exactly one row per change under
 * concurrent writes through two replicas; failed sign-ins counted per
 * address and hour; retention prunes only old rows; GET /api/v1/audit
 * (filters, pages, admins only, bad filters 400).
 */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"
#include "shiplog/http.h"

#define NOW "2026-05-06T09:30:00Z"
#define ADMIN_ACTOR "admin (SHIPLOG_ADMIN_TOKEN)"
#define WAIT_MS 30000

static struct itest_server server;
static char db_url[512];
static char config_path[256];

static const char config_text[] = "auth:\n"
				  "  trusted_proxies: [\"127.0.0.1\"]\n";

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("audit", db_url, sizeof db_url);
	char cfg_env[300];
	itest_config_file("audit", config_text, config_path, sizeof config_path, cfg_env,
			  sizeof cfg_env);
	/* the clock pinned: failed sign-ins fall in one hour whenever this runs */
	const char *env[] = {cfg_env, "SHIPLOG_NOW=" NOW, "SHIPLOG_RETENTION_INTERVAL_SECONDS=1",
			     NULL};
	itest_server_start(&server, db_url, env);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(config_path);
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

/* Runs `sql` on a plain connection; returns its SQLSTATE ("" when it
 * succeeded), into state. */
static void sql_state(const char *sql, char state[6])
{
	PGconn *c = PQconnectdb(db_url);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PGresult *res = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(res);
	const char *s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	snprintf(state, 6, "%s", st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? "" : s ? s : "?");
	PQclear(res);
	PQfinish(c);
}

static long audit_count(const char *where)
{
	return itest_sql_longf(db_url, "SELECT count(*) FROM audit_log WHERE %s", where);
}

static void request(const char *method, const char *path, const char *token, const char *body,
		    long want)
{
	struct itest_response r;
	if (body || strcmp(method, "GET"))
		itest_json(&server, method, path, token, body, &r);
	else
		itest_get(&server, path, token, &r);
	if (r.status != want)
		fail_msg("%s %s answered %ld, expected %ld: %s", method, path, r.status, want,
			 r.body ? r.body : "");
	itest_response_free(&r);
}

/* ---- append-only ---- */

static void the_trail_cannot_be_changed_or_deleted(void **state)
{
	(void)state;
	request("POST", "/api/v1/environments", ITEST_ADMIN_TOKEN, "{\"name\":\"ao-env\"}", 201);
	long rows = audit_count("true");
	assert_true(rows >= 1);
	char st[6];
	sql_state("UPDATE audit_log SET actor = 'someone else'", st);
	assert_string_equal(st, "42501");
	sql_state("UPDATE audit_log SET reason = 'x' WHERE target_id = 'ao-env'", st);
	assert_string_equal(st, "42501");
	sql_state("DELETE FROM audit_log WHERE target_id = 'ao-env'", st);
	assert_string_equal(st, "42501");
	sql_state("DELETE FROM audit_log", st);
	assert_string_equal(st, "42501");
	sql_state("TRUNCATE audit_log", st);
	assert_string_equal(st, "42501");
	sql_state("BEGIN; SET LOCAL shiplog.audit_prune = 'off'; DELETE FROM audit_log; COMMIT", st);
	assert_string_equal(st, "42501");
	assert_int_equal(audit_count("true"), rows);
	assert_int_equal(audit_count("actor = 'someone else' OR reason = 'x'"), 0);

	/* no route writes to the trail: every /audit route is a GET, and the
	 * others are refused 405 */
	for (const struct route *r = http_routes; r->method; r++)
		if (strstr(r->pattern, "/audit"))
			assert_string_equal(r->method, "GET");
	static const char *const methods[] = {"POST", "PUT", "PATCH", "DELETE"};
	for (size_t i = 0; i < 4; i++) {
		struct itest_response r;
		itest_json(&server, methods[i], "/api/v1/audit", ITEST_ADMIN_TOKEN, "{}", &r);
		assert_int_equal(r.status, 405);
		itest_response_free(&r);
	}
	assert_int_equal(audit_count("true"), rows);
}

/* ---- atomicity ---- */

/* While the trail refuses every insert, writes fail and change nothing. */
static void a_change_without_its_row_does_not_commit(void **state)
{
	(void)state;
	request("POST", "/api/v1/environments", ITEST_ADMIN_TOKEN,
		"{\"name\":\"atom-env\",\"description\":\"before\"}", 201);
	struct itest_response r;
	itest_json(&server, "POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN,
		   "{\"name\":\"atom\",\"owner\":\"a@example.com\",\"scopes\":[\"read\"]}", &r);
	assert_int_equal(r.status, 201);
	long token = (long)itest_int(r.json, "id");
	itest_response_free(&r);
	long rows = audit_count("true");
	long envs = itest_sql_long(db_url, "SELECT count(*) FROM environments");
	long tokens = itest_sql_long(db_url, "SELECT count(*) FROM api_tokens");

	free(itest_sql(db_url, "ALTER TABLE audit_log ADD CONSTRAINT itest_refuse CHECK (false) "
			       "NOT VALID"));
	struct {
		const char *method, *path, *body;
	} writes[] = {
		{"POST", "/api/v1/environments", "{\"name\":\"atom-new\"}"},
		{"PATCH", "/api/v1/environments/atom-env", "{\"description\":\"after\"}"},
		{"DELETE", "/api/v1/environments/atom-env", NULL},
		{"POST", "/api/v1/tokens",
		 "{\"name\":\"atom2\",\"owner\":\"b@example.com\",\"scopes\":[\"read\"]}"},
		{"DELETE", NULL, NULL},
	};
	char revoke[64];
	snprintf(revoke, sizeof revoke, "/api/v1/tokens/%ld", token);
	writes[4].path = revoke;
	for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
		itest_json(&server, writes[i].method, writes[i].path, ITEST_ADMIN_TOKEN,
			   writes[i].body, &r);
		if (r.status < 400)
			fail_msg("%s %s answered %ld while the audit row could not be written",
				 writes[i].method, writes[i].path, r.status);
		itest_response_free(&r);
	}
	free(itest_sql(db_url, "ALTER TABLE audit_log DROP CONSTRAINT itest_refuse"));

	assert_int_equal(audit_count("true"), rows);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM environments"), envs);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM api_tokens"), tokens);
	char *d = itest_sql(db_url, "SELECT description FROM environments WHERE name = 'atom-env' "
				    "AND deleted_at IS NULL");
	assert_non_null(d);
	assert_string_equal(d, "before");
	free(d);
	assert_int_equal(itest_sql_longf(db_url,
					 "SELECT count(*) FROM api_tokens WHERE id = %ld AND "
					 "revoked_at IS NULL",
					 token),
			 1);
	/* and with the trail back, the same write goes through with its row */
	request("PATCH", "/api/v1/environments/atom-env", ITEST_ADMIN_TOKEN,
		"{\"description\":\"after\"}", 200);
	assert_int_equal(audit_count("action = 'environment.changed' AND target_id = 'atom-env'"),
			 1);
}

/* ---- concurrency, two replicas ---- */

#define THREADS 6
#define PER_THREAD 15

struct worker {
	const struct itest_server *srv[2];
	int n;
	int created, changed; /* 2xx answers */
	int failed;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < PER_THREAD; i++) {
		const struct itest_server *s = w->srv[i % 2];
		char body[200];
		struct itest_response r;
		snprintf(body, sizeof body, "{\"name\":\"cc-%d-%d\"}", w->n, i);
		itest_json(s, "POST", "/api/v1/environments", ITEST_ADMIN_TOKEN, body, &r);
		if (r.status == 201)
			w->created++;
		else
			w->failed++;
		itest_response_free(&r);
		/* every thread changes the one shared environment, through both */
		snprintf(body, sizeof body, "{\"description\":\"w%d-%d\"}", w->n, i);
		itest_json(s, "PATCH", "/api/v1/environments/cc-shared", ITEST_ADMIN_TOKEN, body,
			   &r);
		if (r.status == 200)
			w->changed++;
		else
			w->failed++;
		itest_response_free(&r);
	}
	return NULL;
}

static void concurrent_writes_through_two_replicas_have_one_row_each(void **state)
{
	(void)state;
	struct itest_server replica;
	const char *env[] = {"SHIPLOG_NOW=" NOW, NULL};
	itest_server_start(&replica, db_url, env);
	request("POST", "/api/v1/environments", ITEST_ADMIN_TOKEN,
		"{\"name\":\"cc-shared\",\"description\":\"start\"}", 201);

	struct worker w[THREADS];
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){{&server, &replica}, i, 0, 0, 0};
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	int created = 0, changed = 0, failed = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		created += w[i].created;
		changed += w[i].changed;
		failed += w[i].failed;
	}
	assert_int_equal(itest_server_stop(&replica), 0);
	assert_int_equal(failed, 0);
	assert_int_equal(created, THREADS * PER_THREAD);
	assert_int_equal(changed, THREADS * PER_THREAD);

	/* every environment made has exactly one creation row, and no row is
	 * without its environment */
	assert_int_equal(itest_sql_long(db_url,
					"SELECT count(*) FROM environments e WHERE e.name LIKE "
					"'cc-%-%' AND (SELECT count(*) FROM audit_log a WHERE "
					"a.action = 'environment.created' AND a.target_id = e.name) "
					"<> 1"),
			 0);
	assert_int_equal(audit_count("action = 'environment.created' AND target_id LIKE 'cc-%-%'"),
			 created);
	assert_int_equal(itest_sql_long(db_url,
					"SELECT count(*) FROM environments WHERE name LIKE 'cc-%-%'"),
			 created);
	/* one row per change of the shared one, each before what the one
	 * before it left: no change was lost or recorded twice */
	assert_int_equal(audit_count("action = 'environment.changed' AND target_id = 'cc-shared'"),
			 changed);
	assert_int_equal(itest_sql_long(db_url,
					"SELECT count(*) FROM (SELECT before->>'description' AS b,"
					" lag(after->>'description') OVER (ORDER BY id) AS prev"
					" FROM audit_log WHERE target_id = 'cc-shared') x"
					" WHERE prev IS NOT NULL AND b IS DISTINCT FROM prev"),
			 0);
	char *last = itest_sql(db_url, "SELECT after->>'description' FROM audit_log WHERE "
				       "target_id = 'cc-shared' ORDER BY id DESC LIMIT 1");
	char *now = itest_sql(db_url, "SELECT description FROM environments WHERE name = "
				      "'cc-shared' AND deleted_at IS NULL");
	assert_string_equal(last, now);
	free(last);
	free(now);
	/* both replicas wrote, and ids are unique */
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) - count(DISTINCT id) FROM "
						"audit_log"),
			 0);
}

/* ---- failed sign-ins ---- */

static void failed_sign_ins_are_one_row_per_address_and_hour(void **state)
{
	(void)state;
	for (int i = 0; i < 50; i++) {
		struct itest_response r;
		char body[120];
		snprintf(body, sizeof body, "{\"token\":\"shiplog_%043d\"}", i);
		itest_http(&server, "POST", "/api/v1/session",
			   (const char *const[]){"Content-Type: application/json",
						 "X-Forwarded-For: 192.0.2.50", NULL},
			   body, strlen(body), &r);
		/* 401, and past the failure limit 429: each one counted */
		assert_true(r.status == 401 || r.status == 429);
		itest_response_free(&r);
	}
	/* a bad bearer token elsewhere is a failed sign-in too; a webhook's
	 * signature is not */
	struct itest_response r;
	itest_http(&server, "GET", "/api/v1/runs",
		   (const char *const[]){"Authorization: Bearer shiplog_nope",
					 "X-Forwarded-For: 192.0.2.51", NULL},
		   NULL, 0, &r);
	assert_true(r.status == 401 || r.status == 429);
	itest_response_free(&r);

	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM audit_failed_sign_ins "
						"WHERE remote_addr = '192.0.2.50'"),
			 1);
	assert_int_equal(itest_sql_long(db_url, "SELECT attempts FROM audit_failed_sign_ins "
						"WHERE remote_addr = '192.0.2.50'"),
			 50);
	assert_int_equal(itest_sql_long(db_url, "SELECT attempts FROM audit_failed_sign_ins "
						"WHERE remote_addr = '192.0.2.51'"),
			 1);
	/* not one audit row per attempt */
	assert_int_equal(audit_count("remote_addr IN ('192.0.2.50', '192.0.2.51')"), 0);

	itest_get(&server, "/api/v1/audit/failed-sign-ins?limit=200", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	bool seen = false;
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(r.json, "items"), i, it)
	{
		if (strcmp(json_string_value(json_object_get(it, "remote_addr")), "192.0.2.50"))
			continue;
		seen = true;
		assert_int_equal(itest_int(it, "attempts"), 50);
		assert_string_equal(json_string_value(json_object_get(it, "hour")),
				    "2026-05-06T09:00:00Z");
	}
	assert_true(seen);
	itest_response_free(&r);
	char *read = itest_token(&server, "read");
	itest_get(&server, "/api/v1/audit/failed-sign-ins", read, &r);
	itest_assert_problem(&r, 403, "/forbidden", "admin");
	itest_response_free(&r);
	free(read);
}

/* ---- retention ---- */

static void retention_prunes_only_old_rows(void **state)
{
	(void)state;
	/* rows cannot be aged (UPDATE is refused): old ones are inserted old */
	free(itest_sql(db_url,
		       "INSERT INTO audit_log (at, actor, via, action, target_type, target_id) "
		       "SELECT timestamptz '" NOW "' - make_interval(days => d), 'old@example.com', "
		       "'token', 'token.created', 'token', 'ret-' || d FROM generate_series(731, 740) d"));
	free(itest_sql(db_url,
		       "INSERT INTO audit_log (at, actor, via, action, target_type, target_id) "
		       "SELECT timestamptz '" NOW "' - make_interval(days => d), 'old@example.com', "
		       "'token', 'token.created', 'token', 'ret-' || d FROM generate_series(700, 729) d"));
	free(itest_sql(db_url, "INSERT INTO audit_failed_sign_ins (remote_addr, hour, attempts, "
			       "first_at, last_at) VALUES ('192.0.2.99', timestamptz '" NOW
			       "' - interval '800 days', 3, now(), now()), ('192.0.2.98', "
			       "timestamptz '" NOW "' - interval '10 days', 2, now(), now())"));
	long waited = 0;
	while (audit_count("target_id LIKE 'ret-73_' OR target_id = 'ret-740'") > 0 ||
	       itest_sql_long(db_url, "SELECT count(*) FROM audit_failed_sign_ins WHERE "
				      "remote_addr = '192.0.2.99'") > 0) {
		if ((waited += 100) > WAIT_MS)
			fail_msg("the old audit rows were not pruned within %d ms", WAIT_MS);
		usleep(100 * 1000);
	}
	/* the 730-day limit keeps everything younger */
	assert_int_equal(audit_count("target_id LIKE 'ret-%'"), 30);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM audit_failed_sign_ins WHERE "
						"remote_addr = '192.0.2.98'"),
			 1);
}

/* ---- GET /api/v1/audit ---- */

static void the_api_filters_pages_and_is_for_admins(void **state)
{
	(void)state;
	char *ops = itest_token_owned(&server, "ops@example.com", "admin");
	for (int i = 0; i < 5; i++) {
		char body[100];
		snprintf(body, sizeof body, "{\"name\":\"api-%d\"}", i);
		request("POST", "/api/v1/environments", ops, body, 201);
	}
	request("DELETE", "/api/v1/environments/api-3", ops, NULL, 204);

	/* actor and action */
	assert_int_equal(itest_list_all(&server, "/api/v1/audit?actor=ops@example.com&limit=2",
					ITEST_ADMIN_TOKEN, 10),
			 6);
	assert_int_equal(itest_list_all(&server,
					"/api/v1/audit?actor=ops@example.com&action=environment."
					"created&limit=2",
					ITEST_ADMIN_TOKEN, 10),
			 5);
	/* target */
	struct itest_response r;
	itest_get(&server, "/api/v1/audit?target_type=environment&target_id=api-3",
		  ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	json_t *items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), 2);
	/* newest first */
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "action")),
			    "environment.deleted");
	const json_t *row = json_array_get(items, 1);
	assert_string_equal(json_string_value(json_object_get(row, "action")),
			    "environment.created");
	assert_string_equal(json_string_value(json_object_get(row, "via")), "token");
	assert_true(json_is_integer(json_object_get(row, "actor_id")));
	assert_true(json_is_null(json_object_get(row, "before")));
	assert_true(json_is_object(json_object_get(row, "after")));
	assert_non_null(json_string_value(json_object_get(row, "request_id")));
	assert_string_equal(json_string_value(json_object_get(row, "at")),
			    "2026-05-06T09:30:00.000000Z");
	itest_response_free(&r);
	/* since / until (the clock is pinned: every row of this server is at NOW) */
	assert_int_equal(itest_list_all(&server,
					"/api/v1/audit?actor=ops@example.com&since=" NOW
					"&until=2026-05-06T09:30:01Z",
					ITEST_ADMIN_TOKEN, 5),
			 6);
	assert_int_equal(itest_list_all(&server,
					"/api/v1/audit?actor=ops@example.com&since=2026-05-06T09:30:01Z",
					ITEST_ADMIN_TOKEN, 5),
			 0);
	assert_int_equal(itest_list_all(&server, "/api/v1/audit?actor=ops@example.com&until=" NOW,
					ITEST_ADMIN_TOKEN, 5),
			 0);

	/* admins only */
	static const char *const scopes[] = {"read", "ci", "feedback", "release"};
	for (size_t i = 0; i < 4; i++) {
		char *t = itest_token(&server, scopes[i]);
		itest_get(&server, "/api/v1/audit", t, &r);
		itest_assert_problem(&r, 403, "/forbidden", "admin");
		itest_response_free(&r);
		free(t);
	}
	itest_get(&server, "/api/v1/audit", NULL, &r);
	assert_int_equal(r.status, 401);
	itest_response_free(&r);

	/* bad input on every filter: 400 naming it */
	static const struct {
		const char *query, *names;
	} bad[] = {
		{"actor=", "actor"},
		{"action=", "action"},
		{"target_type=", "target_type"},
		{"target_id=", "target_id"},
		{"since=yesterday", "since"},
		{"until=2026-02-30T00:00:00Z", "until"},
		{"since=2026-05-06T10:00:00Z&until=2026-05-06T09:00:00Z", "until"},
		{"limit=0", "limit"},
		{"limit=201", "limit"},
		{"cursor=not-a-cursor", "cursor"},
		{"target=x", "target"},
		{"actor=a%01b", "actor"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char path[200];
		snprintf(path, sizeof path, "/api/v1/audit?%s", bad[i].query);
		itest_get(&server, path, ITEST_ADMIN_TOKEN, &r);
		if (r.status != 400)
			fail_msg("%s answered %ld, not 400", path, r.status);
		itest_assert_problem(&r, 400, "", bad[i].names);
		itest_response_free(&r);
	}
	free(ops);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_trail_cannot_be_changed_or_deleted),
		cmocka_unit_test(a_change_without_its_row_does_not_commit),
		cmocka_unit_test(concurrent_writes_through_two_replicas_have_one_row_each),
		cmocka_unit_test(failed_sign_ins_are_one_row_per_address_and_hour),
		cmocka_unit_test(retention_prunes_only_old_rows),
		cmocka_unit_test(the_api_filters_pages_and_is_for_admins),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
