/*
 * test_outage_spool.c — PostgreSQL stops in the middle of a burst of 2,000
 * signed deliveries: every one is answered 2xx (processed, or spooled to
 * disk), and once the database is back all 2,000 are processed exactly once.
 * A spool that cannot be written answers 503, never a 2xx.
 *
 * Stops the shared test cluster, so CMake runs it serially.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "github_send.h"
#include "itest.h"

#define BURST 2000
#define THREADS 4

static struct itest_server server;
static atomic_int sent, ok_2xx, spooled, failed;

static void *sender(void *arg)
{
	int t = (int)(intptr_t)arg;
	for (int i = t; i < BURST; i += THREADS) {
		char id[64], body[256];
		snprintf(id, sizeof id, "burst-%d", i);
		snprintf(body, sizeof body,
			 "{\"zen\":\"Keep it logically awesome.\",\"hook_id\":%d,"
			 "\"repository\":{\"full_name\":\"burst/repo-%d\"}}",
			 i, i);
		struct itest_response r;
		gh_send_raw(&server, "ping", id, ITEST_GITHUB_SECRET, NULL, body, strlen(body), &r);
		if (r.status >= 200 && r.status < 300) {
			atomic_fetch_add(&ok_2xx, 1);
			const char *st = json_string_value(json_object_get(r.json, "status"));
			if (st && !strcmp(st, "spooled"))
				atomic_fetch_add(&spooled, 1);
		} else {
			fprintf(stderr, "delivery %s answered %ld: %s\n", id, r.status, r.body);
			atomic_fetch_add(&failed, 1);
		}
		itest_response_free(&r);
		atomic_fetch_add(&sent, 1);
	}
	return NULL;
}

static void wait_sent(int n)
{
	for (int i = 0; i < 6000 && atomic_load(&sent) < n; i++)
		usleep(10 * 1000);
}

static void burst_survives_a_database_outage_exactly_once(void **state)
{
	(void)state;
	char url[512], data_dir[] = "/tmp/shiplog-spool-XXXXXX", env_dir[600];
	itest_db_create("spool", url, sizeof url);
	assert_non_null(mkdtemp(data_dir));
	snprintf(env_dir, sizeof env_dir, "SHIPLOG_DATA_DIR=%s", data_dir);
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, env_dir, "SHIPLOG_DB_WAIT_SECONDS=2", NULL};
	itest_server_start(&server, url, env);

	pthread_t th[THREADS];
	for (int t = 0; t < THREADS; t++)
		pthread_create(&th[t], NULL, sender, (void *)(intptr_t)t);
	wait_sent(300);
	itest_pg_stop();
	wait_sent(1300);
	itest_pg_start();
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);

	assert_int_equal(atomic_load(&failed), 0);
	assert_int_equal(atomic_load(&ok_2xx), BURST);
	/* the outage really happened during the burst */
	assert_true(atomic_load(&spooled) > 0);
	fprintf(stderr, "%d of %d deliveries were spooled during the outage\n",
		atomic_load(&spooled), BURST);

	/* the spool drains on its own once the database is back */
	long processed = 0;
	for (int i = 0; i < 600; i++) {
		processed = itest_sql_long(url, "SELECT count(DISTINCT delivery_id) FROM deliveries "
						"WHERE status = 'processed' AND delivery_id LIKE 'burst-%'");
		if (processed == BURST)
			break;
		usleep(100 * 1000);
	}
	assert_int_equal(processed, BURST);
	/* exactly once: no delivery id was processed twice, every effect is there */
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM deliveries WHERE "
					     "status = 'processed' AND delivery_id LIKE 'burst-%'"),
			 BURST);
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM repositories WHERE "
					     "full_name LIKE 'burst/repo-%'"),
			 BURST);
	struct itest_response r;
	itest_get(&server, "/metrics", NULL, &r);
	assert_non_null(strstr(r.body, "shiplog_spool_pending 0"));
	itest_response_free(&r);
	assert_int_equal(itest_server_stop(&server), 0);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", data_dir);
	assert_int_equal(system(cmd), 0);
}

static void unwritable_spool_answers_503_never_2xx(void **state)
{
	(void)state;
	char url[512];
	itest_db_create("spoolfail", url, sizeof url);
	/* a data dir below a regular file cannot be created, not even by root */
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, "SHIPLOG_DATA_DIR=/dev/null/shiplog",
			     "SHIPLOG_DB_WAIT_SECONDS=2", NULL};
	struct itest_server s;
	itest_server_start(&s, url, env);
	itest_pg_stop();
	struct itest_response r;
	const char body[] = "{\"repository\":{\"full_name\":\"acme/widget\"}}";
	gh_send_raw(&s, "ping", "nospool-1", ITEST_GITHUB_SECRET, NULL, body, strlen(body), &r);
	itest_pg_start();
	itest_assert_problem(&r, 503, "/database-unavailable", "spool");
	char ra[16];
	assert_true(itest_header(&r, "Retry-After", ra, sizeof ra));
	itest_response_free(&r);
	assert_int_equal(itest_server_stop(&s), 0);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(burst_survives_a_database_outage_exactly_once),
		cmocka_unit_test(unwritable_spool_answers_503_never_2xx),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
