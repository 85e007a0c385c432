/*
 * test_durability.c — nothing acknowledged is ever lost, nothing is applied
 * twice: SIGTERM and kill -9 in the middle of a burst, and three replicas on
 * one database receiving the same deliveries at the same moment.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "github_send.h"
#include "itest.h"

#define BURST 600
#define THREADS 4

struct burst {
	struct itest_server *servers;
	int n_servers;
	const char *prefix;
	atomic_int sent;
	atomic_int acked;
	char acked_ids[BURST][48];
	atomic_bool acked_flag[BURST];
	unsigned seed;
};

static void delivery_body(const char *prefix, int i, char *body, size_t size)
{
	snprintf(body, size,
		 "{\"zen\":\"Speak like a human.\",\"hook_id\":%d,"
		 "\"repository\":{\"full_name\":\"%s/repo-%d\"}}",
		 i, prefix, i);
}

struct sender_arg {
	struct burst *b;
	int thread;
};

static void *burst_sender(void *arg)
{
	struct sender_arg *sa = arg;
	struct burst *b = sa->b;
	for (int i = sa->thread; i < BURST; i += THREADS) {
		char id[48], body[256];
		snprintf(id, sizeof id, "%s-%d", b->prefix, i);
		delivery_body(b->prefix, i, body, sizeof body);
		struct itest_response r;
		gh_send_raw(&b->servers[i % b->n_servers], "ping", id, ITEST_GITHUB_SECRET, NULL, body,
			    strlen(body), &r);
		if (r.status >= 200 && r.status < 300) {
			atomic_store(&b->acked_flag[i], true);
			atomic_fetch_add(&b->acked, 1);
		}
		itest_response_free(&r);
		atomic_fetch_add(&b->sent, 1);
	}
	return NULL;
}

static void run_burst(struct burst *b, int interrupt_at, void (*interrupt)(struct burst *))
{
	pthread_t th[THREADS];
	struct sender_arg args[THREADS];
	for (int t = 0; t < THREADS; t++) {
		args[t] = (struct sender_arg){b, t};
		pthread_create(&th[t], NULL, burst_sender, &args[t]);
	}
	for (int i = 0; i < 6000 && atomic_load(&b->sent) < interrupt_at; i++)
		usleep(5 * 1000);
	if (interrupt)
		interrupt(b);
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
}

/* Every acknowledged delivery id has exactly one successful processing. */
static void assert_acked_processed_once(const char *url, struct burst *b)
{
	long missing = 0;
	for (int i = 0; i < BURST; i++) {
		if (!atomic_load(&b->acked_flag[i]))
			continue;
		char sql[256];
		snprintf(sql, sizeof sql,
			 "SELECT count(*) FROM deliveries WHERE delivery_id = '%s-%d' AND "
			 "status = 'processed'",
			 b->prefix, i);
		long n = itest_sql_long(url, sql);
		if (n != 1) {
			fprintf(stderr, "acknowledged delivery %s-%d processed %ld times\n", b->prefix,
				i, n);
			missing++;
		}
	}
	assert_int_equal(missing, 0);
}

static void sigterm(struct burst *b)
{
	kill(b->servers[0].pid, SIGTERM);
}

static void sigterm_mid_burst_keeps_every_acknowledged_delivery(void **state)
{
	(void)state;
	char url[512];
	itest_db_create("sigterm", url, sizeof url);
	struct itest_server s;
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, NULL};
	itest_server_start(&s, url, env);
	struct burst *b = calloc(1, sizeof *b);
	b->servers = &s;
	b->n_servers = 1;
	b->prefix = "term";
	run_burst(b, BURST / 3, sigterm);
	int st;
	assert_int_equal(waitpid(s.pid, &st, 0), s.pid);
	s.pid = 0;
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(atomic_load(&b->acked) >= BURST / 4);
	assert_true(atomic_load(&b->acked) < BURST); /* it really stopped mid-burst */
	assert_acked_processed_once(url, b);
	/* no transaction was cut short: nothing was left half-processed */
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM deliveries WHERE status = 'received'"),
			 0);
	free(b);
}

static void kill9(struct burst *b)
{
	kill(b->servers[0].pid, SIGKILL);
}

static void kill_9_mid_burst_loses_nothing_acknowledged(void **state)
{
	(void)state;
	char url[512], data_dir[] = "/tmp/shiplog-kill9-XXXXXX", env_dir[600];
	itest_db_create("kill9", url, sizeof url);
	assert_non_null(mkdtemp(data_dir));
	snprintf(env_dir, sizeof env_dir, "SHIPLOG_DATA_DIR=%s", data_dir);
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, env_dir, NULL};
	struct itest_server s;
	itest_server_start(&s, url, env);
	struct burst *b = calloc(1, sizeof *b);
	b->servers = &s;
	b->n_servers = 1;
	b->prefix = "kill";
	run_burst(b, BURST / 3, kill9);
	int st;
	waitpid(s.pid, &st, 0);
	s.pid = 0;
	assert_true(atomic_load(&b->acked) < BURST);
	/* a restart applies whatever was spooled before the crash */
	itest_server_start(&s, url, env);
	usleep(1500 * 1000);
	assert_acked_processed_once(url, b);
	assert_int_equal(itest_server_stop(&s), 0);
	free(b);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", data_dir);
	assert_int_equal(system(cmd), 0);
}

struct race_arg {
	struct itest_server *server;
	const char *id;
	const char *body;
	long status;
};

static void *race_send(void *arg)
{
	struct race_arg *ra = arg;
	struct itest_response r;
	gh_send_raw(ra->server, "ping", ra->id, ITEST_GITHUB_SECRET, NULL, ra->body,
		    strlen(ra->body), &r);
	ra->status = r.status;
	itest_response_free(&r);
	return NULL;
}

static void three_replicas_apply_each_delivery_once(void **state)
{
	(void)state;
	char url[512];
	itest_db_create("replicas", url, sizeof url);
	struct itest_server s[3];
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, NULL};
	for (int i = 0; i < 3; i++)
		itest_server_spawn(&s[i], url, env);
	for (int i = 0; i < 3; i++)
		assert_true(itest_server_wait(&s[i], 20000));
	/* migrations applied once, whoever won the lock */
	char *logs = NULL;
	long applied = 0;
	for (int i = 0; i < 3; i++) {
		logs = itest_read_file(s[i].log_path, NULL);
		for (const char *q = logs; (q = strstr(q, "applying migration")); q++)
			applied++;
		free(logs);
	}
	assert_int_equal(applied, itest_sql_long(url, "SELECT count(*) FROM schema_migrations"));

	/* each delivery goes to two replicas at the same moment, in a random order */
	srand(7);
	int n = 150;
	for (int i = 0; i < n; i++) {
		char id[48], body[256];
		snprintf(id, sizeof id, "rep-%d", i);
		delivery_body("rep", i, body, sizeof body);
		int a = rand() % 3, bsrv = (a + 1 + rand() % 2) % 3;
		struct race_arg ra = {&s[a], id, body, 0}, rb = {&s[bsrv], id, body, 0};
		pthread_t ta, tb;
		pthread_create(&ta, NULL, race_send, &ra);
		pthread_create(&tb, NULL, race_send, &rb);
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		assert_int_equal(ra.status, 200);
		assert_int_equal(rb.status, 200);
	}
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM deliveries WHERE "
					     "status = 'processed' AND delivery_id LIKE 'rep-%'"),
			 n);
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM deliveries WHERE "
					     "status = 'duplicate' AND delivery_id LIKE 'rep-%'"),
			 n);
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM repositories WHERE "
					     "full_name LIKE 'rep/repo-%'"),
			 n);
	for (int i = 0; i < 3; i++)
		assert_int_equal(itest_server_stop(&s[i]), 0);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sigterm_mid_burst_keeps_every_acknowledged_delivery),
		cmocka_unit_test(kill_9_mid_burst_loses_nothing_acknowledged),
		cmocka_unit_test(three_replicas_apply_each_delivery_once),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
