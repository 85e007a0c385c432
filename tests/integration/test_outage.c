/*
 * test_outage.c — PostgreSQL goes away and comes back: /readyz says so,
 * requests that need the database answer 503 problem+json promptly (none
 * hangs), and shiplog recovers by itself without a restart.
 *
 * Stops the shared test cluster, so CMake runs it serially.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "itest.h"

static void readyz_follows_the_database_and_nothing_hangs(void **state)
{
	(void)state;
	char url[512];
	itest_db_create("outage", url, sizeof url);
	struct itest_server s;
	const char *envs[] = {"SHIPLOG_DB_WAIT_SECONDS=2", NULL};
	itest_server_start(&s, url, envs);
	struct itest_response r;
	itest_get(&s, "/readyz", NULL, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	/* warm the pool so live connections break, not just new ones */
	itest_get(&s, "/api/v1/tokens", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);

	itest_pg_stop();
	for (int i = 0; i < 3; i++) {
		itest_get(&s, "/readyz", NULL, &r);
		assert_int_equal(r.curl_error, 0); /* an answer came before curl's 15 s timeout */
		itest_assert_problem(&r, 503, "/database-unavailable", "database");
		char ra[16];
		assert_true(itest_header(&r, "Retry-After", ra, sizeof ra));
		itest_response_free(&r);
		itest_get(&s, "/api/v1/tokens", ITEST_ADMIN_TOKEN, &r);
		assert_int_equal(r.curl_error, 0);
		itest_assert_problem(&r, 503, "/database-unavailable", NULL);
		/* whether the pool found no connection or the statement lost
		 * it (the first time: the warm connection breaks mid-request),
		 * the client is told when to try again */
		assert_true(itest_header(&r, "Retry-After", ra, sizeof ra));
		itest_response_free(&r);
	}
	/* the process itself stays healthy */
	itest_get(&s, "/healthz", NULL, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);

	itest_pg_start();
	int ready = 0;
	for (int i = 0; i < 100 && !ready; i++) {
		itest_get(&s, "/readyz", NULL, &r);
		ready = r.status == 200;
		itest_response_free(&r);
		if (!ready) {
			struct timespec ts = {0, 100 * 1000000L};
			nanosleep(&ts, NULL);
		}
	}
	assert_true(ready);
	itest_get(&s, "/api/v1/tokens", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	/* the outage was counted */
	itest_get(&s, "/metrics", NULL, &r);
	assert_null(strstr(r.body, "shiplog_db_reconnects_total 0\n"));
	itest_response_free(&r);
	assert_int_equal(itest_server_stop(&s), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(readyz_follows_the_database_and_nothing_hangs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
