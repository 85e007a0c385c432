/*
 * test_webhook_queue.c — queued webhook processing (webhooks.processing:
 * queued, server/webhooks/queue.c).
 *
 * - every GitHub fixture, sent to an inline server and to a queued one:
 *   once the queue is applied, both databases hold the same facts;
 * - the answer is 202 "received" with the stored row, the row is then
 *   applied; a redelivery of an applied delivery is a 200 duplicate with no
 *   body stored; bad input is refused exactly as inline;
 * - a payload that cannot be mapped ends "failed" with its reason, and the
 *   queue goes on;
 * - many concurrent requests (group commit): each gets its own row, the
 *   same delivery id sent twice at once is applied once, two replicas share
 *   the backlog;
 * - durability: deliveries accepted by a server with no applier, then
 *   kill -9, are applied by the next start; no "received" row survives.
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

#define QUEUED_ENV "SHIPLOG_WEBHOOK_PROCESSING=queued"

/* Waits until no delivery of the database waits for an applier. */
static void wait_applied(const char *url, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 20) {
		if (itest_sql_long(url, "SELECT count(*) FROM deliveries WHERE status = 'received'") ==
		    0)
			return;
		usleep(20 * 1000);
	}
	fail_msg("queued deliveries still waiting after %d ms", timeout_ms);
}

static long json_int(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		fail_msg("answer has no integer \"%s\"", key);
	return (long)json_integer_value(v);
}

static void expect_status(const struct itest_response *r, long code, const char *status)
{
	if (r->status != code || !r->json ||
	    strcmp(json_string_value(json_object_get(r->json, "status")) ?: "", status) != 0)
		fail_msg("expected %ld \"%s\", got %ld: %.300s", code, status, r->status,
			 r->body ? r->body : "");
}

/* ---- the same facts as inline ---- */

struct manifest_row {
	char file[128], event[64];
};

static size_t read_manifest(struct manifest_row *rows, size_t max)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/github/MANIFEST.tsv", SHIPLOG_FIXTURES);
	char *text = itest_read_file(path, NULL);
	if (!text)
		fail_msg("%s is missing", path);
	size_t n = 0;
	char *save = NULL;
	bool header = true;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (header) {
			header = false;
			continue;
		}
		char *tab = strchr(line, '\t');
		if (!tab || n == max)
			continue;
		*tab = '\0';
		char *tab2 = strchr(tab + 1, '\t');
		if (tab2)
			*tab2 = '\0';
		snprintf(rows[n].file, sizeof rows[n].file, "%s", line);
		snprintf(rows[n].event, sizeof rows[n].event, "%s", tab + 1);
		n++;
	}
	free(text);
	return n;
}

/* A digest of every row of a table, without the columns a database fills
 * with the time of the write (DEFAULT now(), or set to now() by the
 * statements) and releases.event_at, which is the delivery's receive time
 * when the payload has no updated_at (each server received it at its own
 * moment). */
/* The rows of `table` that should not depend on when or how they were
 * processed, as sorted JSON text: columns stamped with the time of
 * processing, or of arrival (received_at: each server stamps a delivery when
 * it reaches it, and the two copies reach their servers a moment apart —
 * at second precision, in different seconds now and then), are left out. */
#define TABLE_ROWS                                                                                 \
	"SELECT %s(coalesce(string_agg(x, E'\\n' ORDER BY x), '')) FROM ("                       \
	" SELECT (to_jsonb(t) - ARRAY(SELECT column_name::text FROM information_schema.columns"   \
	"  WHERE table_schema = 'public' AND table_name = '%s'"                                   \
	"  AND (column_default LIKE '%%now()%%' OR column_name IN ('updated_at', "                \
	"  'processed_at', 'last_seen_at', 'settled_at', 'received_at')"                          \
	"  OR (table_name = 'releases' AND column_name = 'event_at'))))::text AS x"               \
	" FROM %s t) s"

static char *table_digest(const char *url, const char *table)
{
	return itest_sqlf(url, TABLE_ROWS, "md5", table, table);
}

/* The same rows in full, to show what differs. */
static char *table_rows(const char *url, const char *table)
{
	return itest_sqlf(url, TABLE_ROWS, "", table, table);
}

static void queued_processing_produces_the_same_facts_as_inline(void **state)
{
	(void)state;
	char url_inline[512], url_queued[512];
	itest_db_create("qsame_inline", url_inline, sizeof url_inline);
	itest_db_create("qsame_queued", url_queued, sizeof url_queued);
	struct itest_server inl, que;
	const char *env_inline[] = {ITEST_GITHUB_SECRET_ENV, NULL};
	const char *env_queued[] = {ITEST_GITHUB_SECRET_ENV, QUEUED_ENV, NULL};
	itest_server_start(&inl, url_inline, env_inline);
	itest_server_start(&que, url_queued, env_queued);

	struct manifest_row rows[128];
	size_t n = read_manifest(rows, 128);
	assert_true(n >= 40);
	long queued = 0;
	for (size_t i = 0; i < n; i++) {
		char id[64];
		snprintf(id, sizeof id, "same-%zu", i);
		struct itest_response a, b;
		gh_send_fixture(&inl, rows[i].event, id, rows[i].file, &a);
		gh_send_fixture(&que, rows[i].event, id, rows[i].file, &b);
		/* inline: 200 processed or 202 ignored; queued: 202 received */
		if (a.status != 200 && a.status != 202)
			fail_msg("%s inline: %ld %s", rows[i].file, a.status, a.body);
		expect_status(&b, 202, "received");
		assert_true(json_int(b.json, "delivery") > 0);
		queued++;
		itest_response_free(&a);
		itest_response_free(&b);
	}
	wait_applied(url_queued, 20000);
	/* each delivery ended as it did inline */
	char *outcomes_inline = itest_sql(url_inline, "SELECT string_agg(delivery_id || '=' || status, "
						      "',' ORDER BY id) FROM deliveries");
	char *outcomes_queued = itest_sql(url_queued, "SELECT string_agg(delivery_id || '=' || status, "
						      "',' ORDER BY id) FROM deliveries");
	assert_string_equal(outcomes_queued, outcomes_inline);
	assert_non_null(strstr(outcomes_queued, "=processed"));
	free(outcomes_inline);
	free(outcomes_queued);
	assert_int_equal(itest_sql_long(url_queued, "SELECT count(*) FROM deliveries WHERE "
						    "processed_at IS NULL OR body IS NULL"),
			 0);
	/* and every table of facts holds the same rows */
	char *tables = itest_sql(url_inline,
				 "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
				 "WHERE schemaname = 'public' AND tablename NOT IN ('deliveries', "
				 "'schema_migrations', 'api_tokens', 'sessions')");
	assert_non_null(tables);
	int compared = 0, differ = 0;
	char *save = NULL;
	for (char *t = strtok_r(tables, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *da = table_digest(url_inline, t), *db = table_digest(url_queued, t);
		if (strcmp(da, db) != 0) {
			char *ra = table_rows(url_inline, t), *rb = table_rows(url_queued, t);
			fprintf(stderr,
				"table %s differs between inline and queued processing\n"
				"inline:\n%s\nqueued:\n%s\n",
				t, ra, rb);
			free(ra);
			free(rb);
			differ++;
		}
		compared++;
		free(da);
		free(db);
	}
	free(tables);
	assert_true(compared >= 15);
	assert_int_equal(differ, 0);
	/* the facts are there at all (not two empty databases) */
	assert_true(itest_sql_long(url_queued, "SELECT count(*) FROM runs") > 0);
	assert_true(itest_sql_long(url_queued, "SELECT count(*) FROM jobs") > 0);

	/* /metrics counts what the appliers did */
	struct itest_response m;
	itest_get(&que, "/metrics", NULL, &m);
	assert_int_equal(m.status, 200);
	char want[80];
	snprintf(want, sizeof want, "shiplog_webhook_queued_total %ld\n", queued);
	assert_non_null(strstr(m.body, want));
	snprintf(want, sizeof want, "shiplog_webhook_applied_total{result=\"done\"} %ld\n", queued);
	assert_non_null(strstr(m.body, want));
	itest_response_free(&m);
	assert_int_equal(itest_server_stop(&inl), 0);
	assert_int_equal(itest_server_stop(&que), 0);
}

/* ---- one delivery's way, and bad input ---- */

static void queued_answers_stores_applies_and_refuses_like_inline(void **state)
{
	(void)state;
	char url[512];
	itest_db_create("qway", url, sizeof url);
	struct itest_server s;
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, QUEUED_ENV, NULL};
	itest_server_start(&s, url, env);

	struct itest_response r;
	gh_send_fixture(&s, "workflow_job", "way-1", "workflow_job.completed.success.json", &r);
	expect_status(&r, 202, "received");
	long row = json_int(r.json, "delivery");
	itest_response_free(&r);
	wait_applied(url, 10000);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/deliveries/%ld", row);
	itest_get(&s, path, ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "processed");
	assert_string_equal(json_string_value(json_object_get(r.json, "action")), "completed");
	assert_string_equal(json_string_value(json_object_get(r.json, "repository")),
			    "Codertocat/Hello-World");
	itest_response_free(&r);
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM jobs WHERE external_id = "
					     "'289782451' AND status = 'completed'"),
			 1);

	/* GitHub's Redeliver of an applied delivery: 200 duplicate, no body, no effect */
	gh_send_fixture(&s, "workflow_job", "way-1", "workflow_job.completed.success.json", &r);
	expect_status(&r, 200, "duplicate");
	long dup = json_int(r.json, "delivery");
	assert_true(dup > row);
	itest_response_free(&r);
	assert_int_equal(itest_sql_longf(url, "SELECT count(*) FROM deliveries WHERE id = %ld AND "
					      "status = 'duplicate' AND body IS NULL",
					 dup),
			 1);
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM events WHERE kind = 'job.updated'"),
			 1);

	/* bad input: the same answers as inline */
	const char *broken = "{\"action\": \"completed\", \"workflow_job\": {";
	gh_send_raw(&s, "workflow_job", "way-broken", ITEST_GITHUB_SECRET, NULL, broken,
		    strlen(broken), &r);
	itest_assert_problem(&r, 400, "invalid-field", "not valid JSON");
	itest_response_free(&r);
	gh_send_raw(&s, "workflow_job", "way-array", ITEST_GITHUB_SECRET, NULL, "[1]", 3, &r);
	itest_assert_problem(&r, 400, "invalid-field", "expected a JSON object");
	itest_response_free(&r);
	gh_send_raw(&s, "workflow_job", "way-unsigned", "not-the-secret", NULL, "{}", 2, &r);
	itest_assert_problem(&r, 401, "bad-signature", "does not match");
	itest_response_free(&r);
	gh_send_raw(&s, "workflow_job", "way-type", ITEST_GITHUB_SECRET, "text/plain", "{}", 2, &r);
	itest_assert_problem(&r, 415, "unsupported-media-type", "Content-Type");
	itest_response_free(&r);
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM deliveries WHERE delivery_id IN "
					     "('way-broken', 'way-array') AND status = 'failed' AND "
					     "body IS NOT NULL"),
			 2);
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM deliveries WHERE delivery_id = "
					     "'way-unsigned' AND status = 'rejected' AND body IS NULL"),
			 1);

	/* valid JSON the mapper cannot use: accepted, then failed with the reason;
	 * the queue goes on with the next delivery */
	const char *no_id = "{\"action\": \"queued\", \"workflow_job\": {\"run_id\": 5}, "
			    "\"repository\": {\"full_name\": \"octo/queue\"}}";
	gh_send_raw(&s, "workflow_job", "way-noid", ITEST_GITHUB_SECRET, NULL, no_id,
		    strlen(no_id), &r);
	expect_status(&r, 202, "received");
	long bad_row = json_int(r.json, "delivery");
	itest_response_free(&r);
	gh_send_fixture(&s, "ping", "way-after", "ping.json", &r);
	expect_status(&r, 202, "received");
	itest_response_free(&r);
	wait_applied(url, 10000);
	char *err = itest_sqlf(url, "SELECT status || ': ' || error FROM deliveries WHERE id = %ld",
			       bad_row);
	assert_non_null(strstr(err, "failed: "));
	assert_non_null(strstr(err, "workflow_job.id"));
	free(err);
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM deliveries WHERE delivery_id = "
					     "'way-after' AND status = 'processed'"),
			 1);
	/* a large body (5 MiB) goes the same way, byte for byte */
	size_t big_len = 5u << 20;
	char *big = malloc(big_len + 1);
	assert_non_null(big);
	const char *head = "{\"zen\":\"", *tail = "\",\"repository\":{\"full_name\":\"octo/big\"}}";
	memcpy(big, head, strlen(head));
	memset(big + strlen(head), 'z', big_len - strlen(head) - strlen(tail));
	memcpy(big + big_len - strlen(tail), tail, strlen(tail));
	big[big_len] = '\0';
	gh_send_raw(&s, "ping", "way-big", ITEST_GITHUB_SECRET, NULL, big, big_len, &r);
	expect_status(&r, 202, "received");
	itest_response_free(&r);
	wait_applied(url, 15000);
	assert_int_equal(itest_sql_longf(url, "SELECT count(*) FROM deliveries WHERE delivery_id = "
					      "'way-big' AND status = 'processed' AND length(body) = %zu "
					      "AND body_size = %zu AND sha256(body) = body_sha256",
					 big_len, big_len),
			 1);
	free(big);

	/* a failed queued delivery is replayable as any other */
	snprintf(path, sizeof path, "/api/v1/deliveries/%ld/replay", bad_row);
	itest_json(&s, "POST", path, ITEST_ADMIN_TOKEN, NULL, &r);
	itest_assert_problem(&r, 400, "invalid-field", "workflow_job.id");
	itest_response_free(&r);
	assert_int_equal(itest_server_stop(&s), 0);
}

/* ---- concurrency: group commit, exactly once ---- */

#define SENDERS 8
#define PER_SENDER 40

struct sender {
	struct itest_server *servers;
	int n_servers;
	int index;
	long rows[PER_SENDER];
	long status[PER_SENDER];
	long twin_status; /* the delivery id every sender sends once */
};

static void *send_many(void *arg)
{
	struct sender *sd = arg;
	for (int i = 0; i < PER_SENDER; i++) {
		char id[48], body[200];
		snprintf(id, sizeof id, "many-%d-%d", sd->index, i);
		snprintf(body, sizeof body,
			 "{\"zen\":\"Keep it logically awesome.\",\"hook_id\":%d,"
			 "\"repository\":{\"full_name\":\"many/repo-%d-%d\"}}",
			 i, sd->index, i);
		struct itest_response r;
		gh_send_raw(&sd->servers[(sd->index + i) % sd->n_servers], "ping", id,
			    ITEST_GITHUB_SECRET, NULL, body, strlen(body), &r);
		sd->status[i] = r.status;
		sd->rows[i] = r.json && json_is_integer(json_object_get(r.json, "delivery"))
				      ? (long)json_integer_value(json_object_get(r.json, "delivery"))
				      : -1;
		itest_response_free(&r);
		if (i == PER_SENDER / 2) {
			const char *twin = "{\"zen\":\"twin\",\"repository\":{\"full_name\":"
					   "\"many/twin\"}}";
			gh_send_raw(&sd->servers[sd->index % sd->n_servers], "ping", "many-twin",
				    ITEST_GITHUB_SECRET, NULL, twin, strlen(twin), &r);
			sd->twin_status = r.status;
			itest_response_free(&r);
		}
	}
	return NULL;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

static void concurrent_deliveries_on_two_replicas_are_applied_once(void **state)
{
	(void)state;
	char url[512];
	itest_db_create("qmany", url, sizeof url);
	struct itest_server s[2];
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, QUEUED_ENV, "SHIPLOG_WEBHOOK_WORKERS=2", NULL};
	itest_server_start(&s[0], url, env);
	itest_server_start(&s[1], url, env);
	struct sender sd[SENDERS];
	pthread_t th[SENDERS];
	for (int t = 0; t < SENDERS; t++) {
		memset(&sd[t], 0, sizeof sd[t]);
		sd[t].servers = s;
		sd[t].n_servers = 2;
		sd[t].index = t;
		pthread_create(&th[t], NULL, send_many, &sd[t]);
	}
	for (int t = 0; t < SENDERS; t++)
		pthread_join(th[t], NULL);
	/* every answer is a 202 with a row of its own */
	long rows[SENDERS * PER_SENDER];
	size_t k = 0;
	for (int t = 0; t < SENDERS; t++)
		for (int i = 0; i < PER_SENDER; i++) {
			if (sd[t].status[i] != 202)
				fail_msg("many-%d-%d answered %ld", t, i, sd[t].status[i]);
			rows[k++] = sd[t].rows[i];
		}
	qsort(rows, k, sizeof rows[0], cmp_long);
	for (size_t i = 1; i < k; i++)
		assert_true(rows[i] > rows[i - 1]);
	assert_true(rows[0] > 0);
	/* each row is the delivery it was answered for */
	for (int t = 0; t < SENDERS; t++)
		for (int i = 0; i < PER_SENDER; i += 7) {
			char *id = itest_sqlf(url, "SELECT delivery_id FROM deliveries WHERE id = %ld",
					      sd[t].rows[i]);
			char want[48];
			snprintf(want, sizeof want, "many-%d-%d", t, i);
			assert_string_equal(id, want);
			free(id);
		}
	wait_applied(url, 30000);
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM deliveries WHERE status = "
					     "'processed' AND delivery_id LIKE 'many-%-%'"),
			 SENDERS * PER_SENDER);
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM repositories WHERE full_name "
					     "LIKE 'many/repo-%'"),
			 SENDERS * PER_SENDER);
	/* the same delivery id, sent by every sender around the same moment:
	 * applied once, every other attempt a duplicate */
	for (int t = 0; t < SENDERS; t++)
		assert_true(sd[t].twin_status == 202 || sd[t].twin_status == 200);
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM deliveries WHERE delivery_id = "
					     "'many-twin' AND status = 'processed'"),
			 1);
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM deliveries WHERE delivery_id = "
					     "'many-twin' AND status = 'duplicate'"),
			 SENDERS - 1);
	for (int i = 0; i < 2; i++)
		assert_int_equal(itest_server_stop(&s[i]), 0);
}

/* ---- durability ---- */

static void accepted_deliveries_survive_kill_9_and_are_applied_on_restart(void **state)
{
	(void)state;
	char url[512];
	itest_db_create("qkill", url, sizeof url);
	struct itest_server s;
	/* no applier: everything accepted stays queued */
	const char *env_accept[] = {ITEST_GITHUB_SECRET_ENV, QUEUED_ENV,
				    "SHIPLOG_WEBHOOK_WORKERS=0", NULL};
	itest_server_start(&s, url, env_accept);
	int n = 30;
	for (int i = 0; i < n; i++) {
		char id[32], body[160];
		snprintf(id, sizeof id, "kill-%d", i);
		snprintf(body, sizeof body, "{\"zen\":\"z\",\"repository\":{\"full_name\":\"kill/r%d\"}}",
			 i);
		struct itest_response r;
		gh_send_raw(&s, "ping", id, ITEST_GITHUB_SECRET, NULL, body, strlen(body), &r);
		expect_status(&r, 202, "received");
		itest_response_free(&r);
	}
	kill(s.pid, SIGKILL);
	int st;
	waitpid(s.pid, &st, 0);
	s.pid = 0;
	/* what was answered 202 is committed, and not applied */
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM deliveries WHERE status = "
					     "'received' AND body IS NOT NULL"),
			 n);
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM repositories"), 0);
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, QUEUED_ENV, NULL};
	itest_server_start(&s, url, env);
	wait_applied(url, 15000);
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM deliveries WHERE status = "
					     "'processed'"),
			 n);
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM repositories"), n);
	/* an inline server applies what a queued one left (rolling back the
	 * setting loses nothing): queue one more without an applier, switch */
	assert_int_equal(itest_server_stop(&s), 0);
	itest_server_start(&s, url, env_accept);
	struct itest_response r;
	gh_send_fixture(&s, "ping", "kill-last", "ping.json", &r);
	expect_status(&r, 202, "received");
	itest_response_free(&r);
	assert_int_equal(itest_server_stop(&s), 0);
	const char *env_inline[] = {ITEST_GITHUB_SECRET_ENV, NULL};
	itest_server_start(&s, url, env_inline);
	gh_send_fixture(&s, "ping", "kill-inline", "ping.json", &r);
	expect_status(&r, 200, "processed");
	itest_response_free(&r);
	wait_applied(url, 15000);
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM deliveries WHERE delivery_id = "
					     "'kill-last' AND status = 'processed'"),
			 1);
	assert_int_equal(itest_server_stop(&s), 0);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(queued_processing_produces_the_same_facts_as_inline),
		cmocka_unit_test(queued_answers_stores_applies_and_refuses_like_inline),
		cmocka_unit_test(concurrent_deliveries_on_two_replicas_are_applied_once),
		cmocka_unit_test(accepted_deliveries_survive_kill_9_and_are_applied_on_restart),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
