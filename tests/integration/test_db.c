/*
 * test_db.c — the PostgreSQL layer against a real database: the
 * transaction helper retries serialization failures and deadlocks, waits
 * for a connection are bounded, statements survive a reconnect, deferred
 * commands travel with the next statement, and a domain event is NOTIFYed
 * (or handed to the notify hook) only when its transaction commits.
 */
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "itest.h"
#include "shiplog/clock.h"
#include "shiplog/db.h"

static char db_url[512];

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("db", db_url, sizeof db_url);
	char why[512];
	if (!db_migrate(db_url, why, sizeof why))
		fail_msg("migrate: %s", why);
	return 0;
}

struct retry_ctx {
	int attempts;
	int fail_times;
	const char *sqlstate;
};

static int fails_then_succeeds(struct db_conn *c, void *arg)
{
	struct retry_ctx *x = arg;
	x->attempts++;
	if (x->attempts <= x->fail_times) {
		/* the same error PostgreSQL raises for a real conflict */
		static const char *const raise_40001 =
			"DO $$BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END$$";
		static const char *const raise_40p01 =
			"DO $$BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = '40P01'; END$$";
		return db_exec(c, strcmp(x->sqlstate, "40001") == 0 ? raise_40001 : raise_40p01);
	}
	return db_query(c, "INSERT INTO events (kind, entity_type, entity_id, actor) "
			   "VALUES ('test.retry', 'test', '1', 'test')",
			0, NULL, NULL);
}

static void transaction_retries_serialization_failures_and_deadlocks(void **state)
{
	(void)state;
	struct db_pool *pool = db_pool_new(db_url, 2, 2000);
	struct db_conn *c = db_acquire(pool);
	assert_non_null(c);
	struct retry_ctx a = {0, 2, "40001"};
	assert_true(db_transaction(c, fails_then_succeeds, &a) >= 0);
	assert_int_equal(a.attempts, 3);
	struct retry_ctx b = {0, 1, "40P01"};
	assert_true(db_transaction(c, fails_then_succeeds, &b) >= 0);
	assert_int_equal(b.attempts, 2);
	/* it gives up after five attempts and rolls back */
	struct retry_ctx d = {0, 100, "40001"};
	assert_int_equal(db_transaction(c, fails_then_succeeds, &d), DB_SOFT_ERROR);
	assert_int_equal(d.attempts, 5);
	assert_int_equal(PQtransactionStatus(db_pg(c)), PQTRANS_IDLE);
	db_release(c);
	db_pool_free(pool);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM events WHERE kind = 'test.retry'"),
			 2);
}

static int hard_error(struct db_conn *c, void *arg)
{
	(void)arg;
	return db_exec(c, "SELECT * FROM no_such_table");
}

static void transaction_does_not_retry_other_errors(void **state)
{
	(void)state;
	struct db_pool *pool = db_pool_new(db_url, 1, 2000);
	struct db_conn *c = db_acquire(pool);
	assert_int_equal(db_transaction(c, hard_error, NULL), DB_HARD_ERROR);
	assert_string_equal(db_last_sqlstate(c), "42P01");
	assert_int_equal(PQtransactionStatus(db_pg(c)), PQTRANS_IDLE);
	db_release(c);
	db_pool_free(pool);
}

static void waiting_for_a_connection_is_bounded(void **state)
{
	(void)state;
	struct db_pool *pool = db_pool_new(db_url, 2, 300);
	struct db_conn *a = db_acquire(pool), *b = db_acquire(pool);
	assert_non_null(a);
	assert_non_null(b);
	int64_t t0 = clock_monotonic_ms();
	assert_null(db_acquire(pool)); /* all taken: gives up instead of hanging */
	int64_t waited = clock_monotonic_ms() - t0;
	assert_true(waited >= 250);
	db_release(a);
	struct db_conn *again = db_acquire(pool);
	assert_ptr_equal(again, a);
	db_release(again);
	db_release(b);
	db_pool_free(pool);
}

static void a_lost_connection_is_replaced_without_failing_the_statement(void **state)
{
	(void)state;
	struct db_pool *pool = db_pool_new(db_url, 1, 2000);
	struct db_conn *c = db_acquire(pool);
	PGresult *res = NULL;
	static const char *const sql = "SELECT $1::int + 1";
	const char *p[1] = {"41"};
	assert_int_equal(db_query(c, sql, 1, p, &res), 1);
	assert_string_equal(PQgetvalue(res, 0, 0), "42");
	PQclear(res);
	int pid = PQbackendPID(db_pg(c));
	db_release(c);
	char kill_sql[128];
	snprintf(kill_sql, sizeof kill_sql, "SELECT pg_terminate_backend(%d)", pid);
	free(itest_sql(db_url, kill_sql));
	c = db_acquire(pool);
	assert_non_null(c);
	/* outside a transaction the dead connection is replaced and the
	 * statement (prepared again) succeeds at the first try */
	assert_int_equal(db_query(c, sql, 1, p, &res), 1);
	assert_string_equal(PQgetvalue(res, 0, 0), "42");
	PQclear(res);
	assert_true(db_metric_reconnects() >= 1);
	db_release(c);
	db_pool_free(pool);
}

static int deferred_tx(struct db_conn *c, void *arg)
{
	(void)arg;
	static const char *const ins = "INSERT INTO defer_t (v) VALUES ($1::int)";
	const char *one[1] = {"1"}, *two[1] = {"2"};
	/* BEGIN went with this first statement */
	assert_true(db_query(c, ins, 1, one, NULL) >= 0);
	assert_int_equal(PQtransactionStatus(db_pg(c)), PQTRANS_INTRANS);
	db_defer(c, "SAVEPOINT s");
	assert_int_equal(db_query(c, ins, 1, one, NULL), DB_HARD_ERROR); /* unique */
	assert_string_equal(db_last_sqlstate(c), "23505");
	assert_int_equal(PQtransactionStatus(db_pg(c)), PQTRANS_INERROR);
	/* a statement never prepared on this connection, after a deferred
	 * ROLLBACK TO: it cannot be prepared in the aborted transaction, so it
	 * goes as text behind the command that makes the transaction usable */
	db_defer(c, "ROLLBACK TO SAVEPOINT s");
	assert_int_equal(db_query(c, "INSERT INTO defer_t (v) VALUES ($1::int) RETURNING v", 1, two,
				  NULL),
			 1);
	db_defer(c, "RELEASE SAVEPOINT s");
	return db_exec(c, "SELECT 1"); /* and with a plain command */
}

static int commit_after_a_failing_deferred_command(struct db_conn *c, void *arg)
{
	(void)arg;
	assert_true(db_query(c, "INSERT INTO defer_t (v) VALUES (7)", 0, NULL, NULL) >= 0);
	db_defer(c, "RELEASE SAVEPOINT nosuch"); /* fails, so the COMMIT behind it is skipped */
	return DB_OK;
}

static void deferred_commands_travel_with_the_next_statement(void **state)
{
	(void)state;
	free(itest_sql(db_url, "CREATE TABLE defer_t (v int UNIQUE)"));
	struct db_pool *pool = db_pool_new(db_url, 1, 2000);
	struct db_conn *c = db_acquire(pool);
	assert_true(db_transaction(c, deferred_tx, NULL) >= 0);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM defer_t"), 2);
	assert_int_equal(itest_sql_long(db_url, "SELECT sum(v) FROM defer_t"), 3);

	/* a deferred command that fails fails the statement, which does not
	 * run; the connection stays usable */
	db_defer(c, "RELEASE SAVEPOINT nosuch");
	assert_true(db_query(c, "INSERT INTO defer_t (v) VALUES (9)", 0, NULL, NULL) < 0);
	/* outside a transaction block: its error, not the statement's */
	assert_string_equal(db_last_sqlstate(c), "25P01");
	assert_non_null(strstr(db_last_error(c), "RELEASE SAVEPOINT"));
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM defer_t WHERE v = 9"), 0);
	PGresult *res = NULL;
	assert_int_equal(db_query(c, "SELECT count(*) FROM defer_t", 0, NULL, &res), 1);
	assert_string_equal(PQgetvalue(res, 0, 0), "2");
	PQclear(res);

	/* a deferred command that fails before the COMMIT: the transaction is
	 * rolled back, not left open on the connection */
	assert_true(db_transaction(c, commit_after_a_failing_deferred_command, NULL) < 0);
	assert_string_equal(db_last_sqlstate(c), "3B001");
	assert_int_equal(PQtransactionStatus(db_pg(c)), PQTRANS_IDLE);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM defer_t WHERE v = 7"), 0);

	/* the connection dies while idle: the transaction's first statement is
	 * retried on a new one, its deferred BEGIN with it */
	char kill_sql[128];
	snprintf(kill_sql, sizeof kill_sql, "SELECT pg_terminate_backend(%d)",
		 PQbackendPID(db_pg(c)));
	db_release(c);
	free(itest_sql(db_url, kill_sql));
	c = db_acquire(pool);
	free(itest_sql(db_url, "DELETE FROM defer_t"));
	assert_true(db_transaction(c, deferred_tx, NULL) >= 0);
	assert_int_equal(itest_sql_long(db_url, "SELECT sum(v) FROM defer_t"), 3);
	db_release(c);
	db_pool_free(pool);
}

static int record_event(struct db_conn *c, void *arg)
{
	bool *rollback = arg;
	int n = db_event_record(c, "test.notify", "test", "7", "tester", NULL);
	return *rollback ? DB_HARD_ERROR : n;
}

static bool wait_notify(PGconn *listener, int ms, char *payload, size_t size)
{
	int64_t deadline = clock_monotonic_ms() + ms;
	while (clock_monotonic_ms() < deadline) {
		PQconsumeInput(listener);
		PGnotify *n = PQnotifies(listener);
		if (n) {
			snprintf(payload, size, "%s", n->extra);
			PQfreemem(n);
			return true;
		}
		struct pollfd pfd = {PQsocket(listener), POLLIN, 0};
		poll(&pfd, 1, 50);
	}
	return false;
}

/* A connection of its own that LISTENs to shiplog_events. */
static PGconn *listen_events(void)
{
	PGconn *listener = PQconnectdb(db_url);
	assert_int_equal(PQstatus(listener), CONNECTION_OK);
	PQclear(PQexec(listener, "LISTEN shiplog_events"));
	return listener;
}

static void domain_event_is_notified_only_when_committed(void **state)
{
	(void)state;
	PGconn *listener = listen_events();
	struct db_pool *pool = db_pool_new(db_url, 1, 2000);
	struct db_conn *c = db_acquire(pool);
	char payload[64];
	bool rollback = true;
	assert_true(db_transaction(c, record_event, &rollback) < 0);
	assert_false(wait_notify(listener, 300, payload, sizeof payload));
	rollback = false;
	assert_true(db_transaction(c, record_event, &rollback) >= 0);
	assert_true(wait_notify(listener, 3000, payload, sizeof payload));
	/* by the time it arrives, the event is there to be read */
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM events WHERE "
						"kind = 'test.notify' AND actor = 'tester'"),
			 1);
	db_release(c);
	db_pool_free(pool);
	PQfinish(listener);
}

/* migration 011: raw bodies compress with lz4 (Debian's PostgreSQL has
 * it), and the index that repeated the primary key is gone */
static void deliveries_are_cheap_to_write(void **state)
{
	(void)state;
	char *method = itest_sql(db_url, "SELECT attcompression FROM pg_attribute WHERE attrelid ="
					 " 'deliveries'::regclass AND attname = 'body'");
	assert_string_equal(method, "l");
	free(method);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM pg_indexes WHERE indexname ="
						" 'deliveries_recent'"),
			 0);
}

static int hook_calls;

static void count_hook(void)
{
	hook_calls++;
}

static void with_a_notify_hook_a_commit_calls_it_instead_of_notifying(void **state)
{
	(void)state;
	PGconn *listener = listen_events();
	struct db_pool *pool = db_pool_new(db_url, 1, 2000);
	struct db_conn *c = db_acquire(pool);
	db_set_notify_hook(count_hook);
	char payload[64];
	bool rollback = true;
	assert_true(db_transaction(c, record_event, &rollback) < 0);
	assert_int_equal(hook_calls, 0); /* rolled back: nothing to announce */
	rollback = false;
	assert_true(db_transaction(c, record_event, &rollback) >= 0);
	assert_int_equal(hook_calls, 1);
	assert_false(wait_notify(listener, 300, payload, sizeof payload));
	db_set_notify_hook(NULL);
	db_release(c);
	db_pool_free(pool);
	PQfinish(listener);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(transaction_retries_serialization_failures_and_deadlocks),
		cmocka_unit_test(transaction_does_not_retry_other_errors),
		cmocka_unit_test(waiting_for_a_connection_is_bounded),
		cmocka_unit_test(a_lost_connection_is_replaced_without_failing_the_statement),
		cmocka_unit_test(deferred_commands_travel_with_the_next_statement),
		cmocka_unit_test(deliveries_are_cheap_to_write),
		cmocka_unit_test(domain_event_is_notified_only_when_committed),
		cmocka_unit_test(with_a_notify_hook_a_commit_calls_it_instead_of_notifying),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
