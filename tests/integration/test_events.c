/*
 * test_events.c — GET /api/v1/events: domain events arrive live, across
 * replicas (LISTEN/NOTIFY), a reconnect with Last-Event-ID catches up,
 * heartbeats flow, streams are capped, a vanished client is noticed, and
 * shutdown ends open streams instead of waiting on them.
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

#include "itest.h"

static char db_url[512];

struct stream {
	const struct itest_server *server;
	char last_event_id[32];
	pthread_mutex_t lock;
	char *data;
	size_t len;
	atomic_bool stop;
	atomic_bool connected;
	long status;
	pthread_t thread;
};

static size_t on_data(char *ptr, size_t size, size_t n, void *arg)
{
	struct stream *st = arg;
	pthread_mutex_lock(&st->lock);
	st->data = realloc(st->data, st->len + size * n + 1);
	memcpy(st->data + st->len, ptr, size * n);
	st->len += size * n;
	st->data[st->len] = '\0';
	pthread_mutex_unlock(&st->lock);
	atomic_store(&st->connected, true);
	return size * n;
}

static int on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	(void)a;
	(void)b;
	(void)c;
	(void)d;
	struct stream *st = arg;
	return atomic_load(&st->stop) ? 1 : 0;
}

static void *stream_main(void *arg)
{
	struct stream *st = arg;
	CURL *c = curl_easy_init();
	char url[256], leid[64];
	snprintf(url, sizeof url, "%s/api/v1/events", st->server->base);
	struct curl_slist *h = curl_slist_append(NULL, "Authorization: Bearer " ITEST_ADMIN_TOKEN);
	if (st->last_event_id[0]) {
		snprintf(leid, sizeof leid, "Last-Event-ID: %s", st->last_event_id);
		h = curl_slist_append(h, leid);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, st);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, st);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return NULL;
}

static struct stream *stream_open(const struct itest_server *s, const char *last_event_id)
{
	struct stream *st = calloc(1, sizeof *st);
	st->server = s;
	pthread_mutex_init(&st->lock, NULL);
	if (last_event_id)
		snprintf(st->last_event_id, sizeof st->last_event_id, "%s", last_event_id);
	pthread_create(&st->thread, NULL, stream_main, st);
	for (int i = 0; i < 500 && !atomic_load(&st->connected); i++)
		usleep(10 * 1000);
	return st;
}

static bool stream_wait_for(struct stream *st, const char *needle, int ms)
{
	for (int waited = 0; waited < ms; waited += 20) {
		pthread_mutex_lock(&st->lock);
		bool found = st->data && strstr(st->data, needle);
		pthread_mutex_unlock(&st->lock);
		if (found)
			return true;
		usleep(20 * 1000);
	}
	return false;
}

static void stream_close(struct stream *st)
{
	atomic_store(&st->stop, true);
	pthread_join(st->thread, NULL);
	free(st->data);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("events", db_url, sizeof db_url);
	return 0;
}

/* Two replicas on one database, a live stream open on each. */
struct replicas {
	struct itest_server a, b;
	struct stream *on_a, *on_b;
};

static void replicas_start(struct replicas *rp)
{
	itest_server_start(&rp->a, db_url, NULL);
	itest_server_start(&rp->b, db_url, NULL);
	rp->on_a = stream_open(&rp->a, NULL);
	rp->on_b = stream_open(&rp->b, NULL);
	assert_true(stream_wait_for(rp->on_a, ": connected", 5000));
	assert_true(stream_wait_for(rp->on_b, ": connected", 5000));
}

static void replicas_stop(struct replicas *rp)
{
	stream_close(rp->on_a);
	stream_close(rp->on_b);
	assert_int_equal(itest_server_stop(&rp->a), 0);
	assert_int_equal(itest_server_stop(&rp->b), 0);
}

static void changes_arrive_live_on_every_replica(void **state)
{
	(void)state;
	struct replicas rp;
	replicas_start(&rp);
	struct itest_server *a = &rp.a;
	struct stream *on_a = rp.on_a, *on_b = rp.on_b;
	/* a change made through replica a ... */
	struct itest_response r;
	itest_json(a, "POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN,
		   "{\"name\":\"live\",\"owner\":\"live@example.com\",\"scopes\":[\"read\"]}", &r);
	assert_int_equal(r.status, 201);
	itest_response_free(&r);
	/* ... reaches the clients of both */
	assert_true(stream_wait_for(on_a, "event: token.created", 5000));
	assert_true(stream_wait_for(on_b, "event: token.created", 5000));
	assert_true(stream_wait_for(on_b, "\"owner\":\"live@example.com\"", 1000));
	char ct_line[] = "text/event-stream";
	(void)ct_line;
	replicas_stop(&rp);
}

/* Commits only flag that a NOTIFY is wanted; the listener sends one for many
 * (server/http/sse.c).  A burst of concurrent changes must still reach the
 * streams of both replicas whole: none is lost to the coalescing. */
#define BURST_THREADS 4
#define BURST_EACH    15

struct burst {
	const struct itest_server *server;
	int thread;
	int created;
};

static void *burst_main(void *arg)
{
	struct burst *b = arg;
	for (int i = 0; i < BURST_EACH; i++) {
		char body[200];
		snprintf(body, sizeof body,
			 "{\"name\":\"burst\",\"owner\":\"burst-%d-%d@example.com\","
			 "\"scopes\":[\"read\"]}",
			 b->thread, i);
		struct itest_response r;
		itest_json(b->server, "POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN, body, &r);
		if (r.status == 201)
			b->created++;
		itest_response_free(&r);
	}
	return NULL;
}

static void a_burst_of_concurrent_changes_arrives_whole_on_every_replica(void **state)
{
	(void)state;
	struct replicas rp;
	replicas_start(&rp);
	struct itest_server *a = &rp.a;
	struct stream *on_a = rp.on_a, *on_b = rp.on_b;
	pthread_t t[BURST_THREADS];
	struct burst bs[BURST_THREADS];
	for (int i = 0; i < BURST_THREADS; i++) {
		bs[i] = (struct burst){a, i, 0};
		pthread_create(&t[i], NULL, burst_main, &bs[i]);
	}
	for (int i = 0; i < BURST_THREADS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(bs[i].created, BURST_EACH);
	}
	for (int i = 0; i < BURST_THREADS; i++)
		for (int j = 0; j < BURST_EACH; j++) {
			char needle[80];
			snprintf(needle, sizeof needle, "\"owner\":\"burst-%d-%d@example.com\"", i,
				 j);
			if (!stream_wait_for(on_b, needle, 5000) || !stream_wait_for(on_a, needle, 1000))
				fail_msg("%s did not arrive live", needle);
		}
	replicas_stop(&rp);
}

static void reconnect_with_last_event_id_catches_up(void **state)
{
	(void)state;
	struct itest_server s;
	itest_server_start(&s, db_url, NULL);
	char *last = itest_sql(db_url, "SELECT max(id) FROM events");
	/* two changes while no one listens */
	for (int i = 0; i < 2; i++) {
		char body[160];
		snprintf(body, sizeof body,
			 "{\"name\":\"missed-%d\",\"owner\":\"o@example.com\",\"scopes\":[\"read\"]}", i);
		struct itest_response r;
		itest_json(&s, "POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN, body, &r);
		itest_response_free(&r);
	}
	struct stream *st = stream_open(&s, last);
	assert_true(stream_wait_for(st, "\"name\":\"missed-0\"", 5000));
	assert_true(stream_wait_for(st, "\"name\":\"missed-1\"", 5000));
	char id_line[48];
	snprintf(id_line, sizeof id_line, "id: %ld\n", strtol(last, NULL, 10) + 1);
	assert_true(stream_wait_for(st, id_line, 1000));
	stream_close(st);
	free(last);
	/* a malformed Last-Event-ID is refused */
	struct itest_response r;
	itest_http(&s, "GET", "/api/v1/events",
		   (const char *const[]){"Authorization: Bearer " ITEST_ADMIN_TOKEN,
					 "Last-Event-ID: abc", NULL},
		   NULL, 0, &r);
	itest_assert_problem(&r, 400, "/bad-request", "Last-Event-ID");
	itest_response_free(&r);
	assert_int_equal(itest_server_stop(&s), 0);
}

static long metric(const struct itest_server *s, const char *name)
{
	struct itest_response r;
	itest_get(s, "/metrics", NULL, &r);
	char line[128];
	snprintf(line, sizeof line, "\n%s ", name);
	const char *p = strstr(r.body, line);
	long v = p ? strtol(p + strlen(line), NULL, 10) : -1;
	itest_response_free(&r);
	return v;
}

static void heartbeats_flow_streams_are_capped_and_vanished_clients_noticed(void **state)
{
	(void)state;
	const char *env[] = {"SHIPLOG_SSE_HEARTBEAT_MS=200", "SHIPLOG_SSE_MAX_STREAMS=2", NULL};
	struct itest_server s;
	itest_server_start(&s, db_url, env);
	struct stream *one = stream_open(&s, NULL), *two = stream_open(&s, NULL);
	assert_true(stream_wait_for(one, ": heartbeat", 3000));
	assert_int_equal(metric(&s, "shiplog_event_streams"), 2);
	struct itest_response r;
	itest_get(&s, "/api/v1/events", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 429, "/rate-limited", "streams");
	itest_response_free(&r);
	/* a client that goes away is noticed */
	stream_close(two);
	int n = -1;
	for (int i = 0; i < 100 && n != 1; i++) {
		usleep(50 * 1000);
		n = (int)metric(&s, "shiplog_event_streams");
	}
	assert_int_equal(n, 1);
	/* anonymous readers need a token unless reading is public */
	itest_get(&s, "/api/v1/events", NULL, &r);
	itest_assert_problem(&r, 401, "/unauthorized", NULL);
	itest_response_free(&r);
	stream_close(one);
	assert_int_equal(itest_server_stop(&s), 0);
}

/* A closed stream frees its slot at once, not at the next heartbeat: with a
 * heartbeat of a minute, the slots of streams whose clients went away must
 * be free for new streams within the bound below. */
static void a_closed_stream_frees_its_slot_at_once(void **state)
{
	(void)state;
	const char *env[] = {"SHIPLOG_SSE_HEARTBEAT_MS=60000", "SHIPLOG_SSE_MAX_STREAMS=4", NULL};
	struct itest_server s;
	itest_server_start(&s, db_url, env);
	for (int round = 0; round < 2; round++) {
		struct stream *st[4];
		for (int i = 0; i < 4; i++) {
			st[i] = stream_open(&s, NULL);
			if (!stream_wait_for(st[i], ": connected", 5000))
				fail_msg("round %d: stream %d was refused (%ld)", round, i,
					 st[i]->status);
		}
		assert_int_equal(metric(&s, "shiplog_event_streams"), 4);
		struct itest_response r;
		itest_get(&s, "/api/v1/events", ITEST_ADMIN_TOKEN, &r);
		itest_assert_problem(&r, 429, "/rate-limited", "streams");
		itest_response_free(&r);
		/* every client goes away */
		for (int i = 0; i < 4; i++)
			atomic_store(&st[i]->stop, true);
		for (int i = 0; i < 4; i++)
			stream_close(st[i]);
		long n = -1;
		for (int waited = 0; waited < 5000 && n != 0; waited += 50) {
			usleep(50 * 1000);
			n = metric(&s, "shiplog_event_streams");
		}
		assert_int_equal(n, 0);
	}
	assert_int_equal(itest_server_stop(&s), 0);
}

static void shutdown_ends_open_streams(void **state)
{
	(void)state;
	struct itest_server s;
	itest_server_start(&s, db_url, NULL);
	struct stream *st = stream_open(&s, NULL);
	assert_true(stream_wait_for(st, ": connected", 5000));
	int64_t t0 = time(NULL);
	kill(s.pid, SIGTERM);
	int status;
	assert_int_equal(waitpid(s.pid, &status, 0), s.pid);
	s.pid = 0;
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(time(NULL) - t0 < 10); /* it did not sit out the drain limit */
	pthread_join(st->thread, NULL);
	assert_int_equal(st->status, 200);
	free(st->data);
	free(st);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(changes_arrive_live_on_every_replica),
		cmocka_unit_test(a_burst_of_concurrent_changes_arrives_whole_on_every_replica),
		cmocka_unit_test(reconnect_with_last_event_id_catches_up),
		cmocka_unit_test(heartbeats_flow_streams_are_capped_and_vanished_clients_noticed),
		cmocka_unit_test(a_closed_stream_frees_its_slot_at_once),
		cmocka_unit_test(shutdown_ends_open_streams),
	};
	int rc = cmocka_run_group_tests(tests, group_setup, NULL);
	curl_global_cleanup();
	return rc;
}
