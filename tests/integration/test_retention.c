/*
 * test_retention.c — the retention job (server/core/retention.c): rows
 * older than each limit are pruned (delivery bodies NULLed with their
 * metadata kept, old deliveries and events deleted, sent notifications
 * deleted) and younger ones kept; what something still needs is kept (the
 * body of a failed delivery that never succeeded, an original a replay
 * points at); the counters on /metrics are exact; with two replicas only
 * the holder of the advisory lock prunes, the other skips, and the totals
 * are exact.
 *
 * Servers run the job every second (SHIPLOG_RETENTION_INTERVAL_SECONDS=1).
 * Rows are made by signed GitHub deliveries, then aged with UPDATEs that
 * move received_at / created_at into the past.
 */
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "github_send.h"
#include "itest.h"
#include "shiplog/retention.h"

#define WAIT_MS 30000

static const char *const fast_env[] = {ITEST_GITHUB_SECRET_ENV,
				       "SHIPLOG_RETENTION_INTERVAL_SECONDS=1", NULL};

/* The value of one series on /metrics ("name{labels}"), -1 if absent. */
static long long metric(const struct itest_server *s, const char *series)
{
	struct itest_response r;
	itest_get(s, "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	long long v = -1;
	size_t n = strlen(series);
	for (const char *p = r.body; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, series, n) && p[n] == ' ') {
			v = strtoll(p + n + 1, NULL, 10);
			break;
		}
	}
	itest_response_free(&r);
	return v;
}

static long long pruned(const struct itest_server *s, const char *what)
{
	char series[128];
	snprintf(series, sizeof series, "shiplog_retention_pruned_total{what=\"%s\"}", what);
	long long v = metric(s, series);
	assert_true(v >= 0);
	return v;
}

static long long runs(const struct itest_server *s, const char *result)
{
	char series[128];
	snprintf(series, sizeof series, "shiplog_retention_runs_total{result=\"%s\"}", result);
	long long v = metric(s, series);
	assert_true(v >= 0);
	return v;
}

/* Polls a count until it equals want; fails with the last value seen. */
static void wait_sql(const char *db, const char *sql, long want)
{
	long got = -1;
	for (int waited = 0; waited < WAIT_MS; waited += 100) {
		got = itest_sql_long(db, sql);
		if (got == want)
			return;
		usleep(100 * 1000);
	}
	fail_msg("after %d ms, %s gave %ld, not %ld", WAIT_MS, sql, got, want);
}

/* Waits for `n` more completed runs of the job on s: whatever was aged
 * before the call has been seen by a whole run afterwards. */
static void wait_runs(const struct itest_server *s, const char *result, long long n)
{
	long long start = runs(s, result);
	for (int waited = 0; waited < WAIT_MS; waited += 100) {
		if (runs(s, result) >= start + n)
			return;
		usleep(100 * 1000);
	}
	fail_msg("the retention job did not complete %lld %s runs in %d ms", n, result, WAIT_MS);
}

static long __attribute__((format(printf, 2, 3))) sql_long(const char *db, const char *fmt, ...)
{
	char sql[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	return itest_sql_long(db, sql);
}

static long send_fixture(const struct itest_server *s, const char *event, const char *fixture,
			 const char *delivery_id, long want_status)
{
	struct itest_response r;
	gh_send_fixture(s, event, delivery_id, fixture, &r);
	assert_int_equal(r.status, want_status);
	itest_response_free(&r);
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT max(id) FROM deliveries WHERE delivery_id = '%s' AND replay_of IS NULL",
		 delivery_id);
	return itest_sql_long(s->db_url, sql);
}

/* A signed delivery whose body is not JSON: stored, processing fails. */
static long send_broken(const struct itest_server *s, const char *delivery_id)
{
	static const char body[] = "{\"this is\": not json";
	struct itest_response r;
	gh_send_raw(s, "workflow_run", delivery_id, ITEST_GITHUB_SECRET, NULL, body,
		    sizeof body - 1, &r);
	assert_int_equal(r.status, 400);
	itest_response_free(&r);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT max(id) FROM deliveries WHERE delivery_id = '%s'",
		 delivery_id);
	return itest_sql_long(s->db_url, sql);
}

static long age_delivery(const char *db, long id, int days)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "WITH u AS (UPDATE deliveries SET received_at = now() - interval '%d days' "
		 "WHERE id = %ld RETURNING 1) SELECT count(*) FROM u",
		 days, id);
	return itest_sql_long(db, sql);
}

static bool has_body(const char *db, long id)
{
	return sql_long(db, "SELECT count(*) FROM deliveries WHERE id = %ld AND body IS NOT NULL",
			id) == 1;
}

static bool exists(const char *db, long id)
{
	return sql_long(db, "SELECT count(*) FROM deliveries WHERE id = %ld", id) == 1;
}

static void old_rows_are_pruned_by_each_limit_and_young_ones_kept(void **state)
{
	(void)state;
	char db[512], id[64];
	itest_db_create("retention_rules", db, sizeof db);
	struct itest_server s;
	itest_server_start(&s, db, fast_env);

	/* real rows: successful deliveries, a failure that never succeeded, a
	 * failure whose delivery id succeeded later, and a replay */
	long old_body = send_fixture(&s, "workflow_run", "workflow_run.requested.json",
				     gh_delivery_id(id, sizeof id), 200);
	long young = send_fixture(&s, "workflow_run", "workflow_run.requested.json",
				  gh_delivery_id(id, sizeof id), 200);
	long ancient = send_fixture(&s, "workflow_run", "workflow_run.requested.json",
				    gh_delivery_id(id, sizeof id), 200);
	long never_succeeded = send_broken(&s, gh_delivery_id(id, sizeof id));
	char retried[64];
	gh_delivery_id(retried, sizeof retried);
	long failed_then_ok = send_broken(&s, retried);
	long retried_ok =
		send_fixture(&s, "workflow_run", "workflow_run.requested.json", retried, 200);
	long original = send_fixture(&s, "workflow_run", "workflow_run.requested.json",
				     gh_delivery_id(id, sizeof id), 200);
	char path[128];
	snprintf(path, sizeof path, "/api/v1/deliveries/%ld/replay", original);
	struct itest_response r;
	itest_json(&s, "POST", path, ITEST_ADMIN_TOKEN, NULL, &r);
	assert_true(r.status >= 200 && r.status < 300);
	itest_response_free(&r);
	long replay =
		sql_long(db, "SELECT max(id) FROM deliveries WHERE replay_of = %ld", original);
	assert_true(replay > original);
	assert_true(old_body && young && ancient && never_succeeded && failed_then_ok &&
		    retried_ok && original);
	long events_before = itest_sql_long(db, "SELECT count(*) FROM events");
	assert_true(events_before > 0);

	/* a run that finds nothing old prunes nothing */
	wait_runs(&s, "done", 2);
	assert_int_equal(itest_sql_long(db, "SELECT count(*) FROM deliveries WHERE body IS NULL"),
			 0);
	assert_int_equal(pruned(&s, "delivery_bodies"), 0);
	assert_int_equal(pruned(&s, "deliveries"), 0);
	assert_int_equal(pruned(&s, "events"), 0);

	/* the notification outbox: one sent long ago, one never sent, one sent recently */
	long sent_old = itest_sql_long(
		db, "INSERT INTO notifications (sink, sink_type, kind, dedupe_key, status, sent_at) "
		    "VALUES ('s', 'webhook', 'rc.cut', 'old', 'sent', now() - interval '91 days') "
		    "RETURNING id");
	long unsent = itest_sql_long(
		db, "INSERT INTO notifications (sink, sink_type, kind, dedupe_key, status, sent_at) "
		    "VALUES ('s', 'webhook', 'rc.cut', 'unsent', 'pending', NULL) RETURNING id");
	long sent_young = itest_sql_long(
		db, "INSERT INTO notifications (sink, sink_type, kind, dedupe_key, status, sent_at) "
		    "VALUES ('s', 'webhook', 'rc.cut', 'young', 'sent', now() - interval '89 days') "
		    "RETURNING id");

	/* browser sessions: one expired 8 days ago, one signed out 8 days ago,
	 * one expired yesterday, one live */
	itest_sql(db, "INSERT INTO sessions (id_hash, kind, subject, expires_at, revoked_at) VALUES "
		      "(sha256('expired-long-ago'), 'sso', 'a@example.com', now() - interval '8 days', NULL), "
		      "(sha256('revoked-long-ago'), 'sso', 'b@example.com', now() + interval '1 day', "
		      " now() - interval '8 days'), "
		      "(sha256('expired-yesterday'), 'sso', 'c@example.com', now() - interval '1 day', NULL), "
		      "(sha256('live'), 'sso', 'd@example.com', now() + interval '1 day', NULL)");

	/* age them: 31 days (bodies only), 366 days (whole rows); the
	 * original a replay points at is ancient, its replay is not */
	assert_int_equal(age_delivery(db, old_body, 31), 1);
	assert_int_equal(age_delivery(db, ancient, 366), 1);
	assert_int_equal(age_delivery(db, never_succeeded, 31), 1);
	assert_int_equal(age_delivery(db, failed_then_ok, 31), 1);
	assert_int_equal(age_delivery(db, original, 366), 1);
	long old_events = itest_sql_long(
		db, "WITH u AS (UPDATE events SET created_at = now() - interval '91 days' "
		    "RETURNING 1) SELECT count(*) FROM u");
	assert_int_equal(old_events, events_before);
	/* a younger event, recorded by a later delivery */
	send_fixture(&s, "workflow_run", "workflow_run.completed.json",
		     gh_delivery_id(id, sizeof id), 200);
	long young_events = itest_sql_long(
		db, "SELECT count(*) FROM events WHERE created_at > now() - interval '1 day'");
	assert_true(young_events > 0);

	wait_sql(db, "SELECT count(*) FROM events WHERE created_at < now() - interval '90 days'",
		 0);
	wait_runs(&s, "done", 2);

	/* bodies: NULL past 30 days, the row and its metadata kept */
	assert_false(has_body(db, old_body));
	assert_int_equal(
		sql_long(
			db,
			"SELECT count(*) FROM deliveries WHERE id = %ld AND status = 'processed' "
			"AND event = 'workflow_run' AND body_size > 0 AND length(body_sha256) = 32",
			old_body),
		1);
	assert_true(has_body(db, young));
	assert_true(has_body(db, retried_ok));
	/* a failure that never succeeded keeps its body (replay needs it) */
	assert_true(has_body(db, never_succeeded));
	/* one whose delivery id succeeded since does not */
	assert_false(has_body(db, failed_then_ok));
	assert_true(exists(db, failed_then_ok));

	/* whole rows: gone past 365 days, unless a replay points at them */
	assert_false(exists(db, ancient));
	assert_true(exists(db, original));
	assert_false(has_body(db, original));
	assert_true(exists(db, replay));

	/* events and sent notifications past their limit; unsent ones stay */
	assert_int_equal(itest_sql_long(db, "SELECT count(*) FROM events"), young_events);
	assert_int_equal(
		sql_long(db, "SELECT count(*) FROM notifications WHERE id = %ld", sent_old), 0);
	assert_int_equal(sql_long(db, "SELECT count(*) FROM notifications WHERE id = %ld", unsent),
			 1);
	assert_int_equal(
		sql_long(db, "SELECT count(*) FROM notifications WHERE id = %ld", sent_young), 1);

	/* the counters say exactly that: bodies of old_body, ancient,
	 * failed_then_ok and original; one delivery; every aged event */
	assert_int_equal(pruned(&s, "delivery_bodies"), 4);
	assert_int_equal(pruned(&s, "deliveries"), 1);
	assert_int_equal(pruned(&s, "events"), old_events);
	assert_int_equal(pruned(&s, "notifications"), 1);
	/* ended sessions go a week after they ended */
	assert_int_equal(pruned(&s, "sessions"), 2);
	assert_int_equal(itest_sql_long(db, "SELECT count(*) FROM sessions WHERE id_hash IN "
					    "(sha256('expired-yesterday'), sha256('live'))"),
			 2);
	assert_int_equal(itest_sql_long(db, "SELECT count(*) FROM sessions"), 2);

	/* once the replay is old too, both go (the replay first) */
	assert_int_equal(age_delivery(db, replay, 366), 1);
	wait_sql(db,
		 "SELECT count(*) FROM deliveries WHERE received_at < now() - interval '365 days'",
		 0);
	assert_false(exists(db, original));
	assert_false(exists(db, replay));
	wait_runs(&s, "done", 1);
	assert_int_equal(pruned(&s, "deliveries"), 3);
	assert_int_equal(pruned(&s, "delivery_bodies"), 5); /* the replay's body */
	assert_int_equal(runs(&s, "failed"), 0);
	assert_int_equal(itest_server_stop(&s), 0);
}

/* Ages copies of a real delivery and a batch of events in one go. */
static void make_old_rows(const char *db, int bodies, int whole, int events)
{
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "INSERT INTO deliveries (source, event, action, delivery_id, repository, "
		 " received_at, headers, body, body_size, body_sha256, signature, status) "
		 "SELECT source, event, action, 'bulk-' || g, repository, "
		 " now() - CASE WHEN g <= %d THEN interval '40 days' ELSE interval '400 days' END, "
		 " headers, body, body_size, body_sha256, signature, status "
		 "FROM deliveries d, generate_series(1, %d) g "
		 "WHERE d.id = (SELECT min(id) FROM deliveries WHERE status = 'processed')",
		 bodies, bodies + whole);
	itest_sql(db, sql);
	snprintf(sql, sizeof sql,
		 "INSERT INTO events (kind, entity_type, entity_id, actor, created_at) "
		 "SELECT 'itest.old', 'itest', g::text, 'itest', now() - interval '100 days' "
		 "FROM generate_series(1, %d) g",
		 events);
	itest_sql(db, sql);
}

static void two_replicas_take_turns_and_the_totals_are_exact(void **state)
{
	(void)state;
	char db[512], id[64];
	itest_db_create("retention_replicas", db, sizeof db);
	/* small batches: a run takes many transactions, so runs overlap in time */
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, "SHIPLOG_RETENTION_INTERVAL_SECONDS=1",
			     "SHIPLOG_RETENTION_BATCH_SIZE=7", NULL};
	struct itest_server a, b;
	itest_server_start(&a, db, env);
	itest_server_start(&b, db, env);
	for (int i = 0; i < 3; i++)
		send_fixture(i % 2 ? &a : &b, "workflow_run", "workflow_run.requested.json",
			     gh_delivery_id(id, sizeof id), 200);
	long young_deliveries = itest_sql_long(db, "SELECT count(*) FROM deliveries");
	long young_events = itest_sql_long(db, "SELECT count(*) FROM events");

	/* someone else holds the job's lock: both replicas skip, nothing goes */
	PGconn *holder = PQconnectdb(db);
	assert_int_equal(PQstatus(holder), CONNECTION_OK);
	PGresult *res = PQexec(holder, "SELECT pg_advisory_lock(" RETENTION_LOCK_KEY ")");
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	PQclear(res);
	make_old_rows(db, 60, 45, 80);
	wait_runs(&a, "skipped", 2);
	wait_runs(&b, "skipped", 2);
	assert_int_equal(itest_sql_long(db, "SELECT count(*) FROM deliveries WHERE body IS NULL"),
			 0);
	assert_int_equal(itest_sql_long(db, "SELECT count(*) FROM deliveries"),
			 young_deliveries + 105);
	assert_int_equal(itest_sql_long(db, "SELECT count(*) FROM events"), young_events + 80);
	assert_int_equal(pruned(&a, "delivery_bodies") + pruned(&b, "delivery_bodies"), 0);

	/* released: they prune, one at a time, each row counted once */
	PQfinish(holder);
	wait_sql(db,
		 "SELECT count(*) FROM deliveries WHERE received_at < now() - interval '365 days'",
		 0);
	wait_sql(db, "SELECT count(*) FROM events WHERE created_at < now() - interval '90 days'",
		 0);
	wait_sql(db,
		 "SELECT count(*) FROM deliveries WHERE body IS NOT NULL "
		 "AND received_at < now() - interval '30 days'",
		 0);
	wait_runs(&a, "done", 1);
	wait_runs(&b, "done", 1);
	assert_int_equal(pruned(&a, "delivery_bodies") + pruned(&b, "delivery_bodies"), 105);
	assert_int_equal(pruned(&a, "deliveries") + pruned(&b, "deliveries"), 45);
	assert_int_equal(pruned(&a, "events") + pruned(&b, "events"), 80);
	assert_int_equal(itest_sql_long(db, "SELECT count(*) FROM deliveries"),
			 young_deliveries + 60);
	assert_int_equal(itest_sql_long(db, "SELECT count(*) FROM deliveries WHERE body IS NULL"),
			 60);
	assert_int_equal(itest_sql_long(db, "SELECT count(*) FROM events"), young_events);
	assert_int_equal(runs(&a, "failed") + runs(&b, "failed"), 0);
	assert_int_equal(itest_server_stop(&a), 0);
	assert_int_equal(itest_server_stop(&b), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(old_rows_are_pruned_by_each_limit_and_young_ones_kept),
		cmocka_unit_test(two_replicas_take_turns_and_the_totals_are_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
