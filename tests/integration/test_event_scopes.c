/*
 * test_event_scopes.c — GET /api/v1/events sends each client only the events
 * its scopes may read (server/db/event_kinds.c): token.created/revoked
 * (names, owners, scopes) only to admins, like GET /api/v1/tokens; every
 * other kind to any reader.  One event of every kind in the table, and one
 * of a kind the table lacks (admins only), live and replayed with
 * Last-Event-ID; and the real token events the API writes.
 *
 * The streams are read with curl's multi interface in this thread: each
 * wait ends as soon as the awaited text has arrived (a bound of 20 s is
 * only there to fail instead of hanging).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/event_kinds.h"
#include "itest.h"

static char db_url[512];
static struct itest_server server;
static char *reader, *ci;

struct feed {
	CURL *easy;
	struct curl_slist *headers;
	char *data;
	size_t len;
};

static size_t feed_write(char *ptr, size_t size, size_t n, void *arg)
{
	struct feed *f = arg;
	f->data = realloc(f->data, f->len + size * n + 1);
	memcpy(f->data + f->len, ptr, size * n);
	f->len += size * n;
	f->data[f->len] = '\0';
	return size * n;
}

static CURLM *multi;

/* Opens GET /api/v1/events on `s` as `token` (NULL: anonymous), replaying
 * after `last` (NULL: live only), and adds it to the multi handle. */
static struct feed *feed_open_on(const struct itest_server *s, const char *token, const char *last)
{
	struct feed *f = calloc(1, sizeof *f);
	char url[128], h[600];
	snprintf(url, sizeof url, "%s/api/v1/events", s->base);
	snprintf(h, sizeof h, "Authorization: Bearer %s", token);
	f->headers = token ? curl_slist_append(NULL, h) : NULL;
	if (last) {
		snprintf(h, sizeof h, "Last-Event-ID: %s", last);
		f->headers = curl_slist_append(f->headers, h);
	}
	f->easy = curl_easy_init();
	curl_easy_setopt(f->easy, CURLOPT_URL, url);
	curl_easy_setopt(f->easy, CURLOPT_HTTPHEADER, f->headers);
	curl_easy_setopt(f->easy, CURLOPT_WRITEFUNCTION, feed_write);
	curl_easy_setopt(f->easy, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(f->easy, CURLOPT_NOSIGNAL, 1L);
	curl_multi_add_handle(multi, f->easy);
	return f;
}

static struct feed *feed_open(const char *token, const char *last)
{
	return feed_open_on(&server, token, last);
}

static void feed_close(struct feed *f)
{
	curl_multi_remove_handle(multi, f->easy);
	curl_easy_cleanup(f->easy);
	curl_slist_free_all(f->headers);
	free(f->data);
	free(f);
}

/* Drives every open stream until each of `feeds` has received `needle`. */
static void feeds_wait_for(struct feed **feeds, size_t n, const char *needle)
{
	for (int round = 0; round < 200; round++) {
		size_t have = 0;
		for (size_t i = 0; i < n; i++)
			have += feeds[i]->data && strstr(feeds[i]->data, needle) ? 1 : 0;
		if (have == n)
			return;
		int running = 0;
		curl_multi_perform(multi, &running);
		if (!running)
			break;
		curl_multi_poll(multi, NULL, 0, 100, NULL);
	}
	for (size_t i = 0; i < n; i++)
		if (!feeds[i]->data || !strstr(feeds[i]->data, needle))
			fail_msg("stream %zu never received %s; it has:\n%s", i, needle,
				 feeds[i]->data ? feeds[i]->data : "(nothing)");
}

/* Drives every open stream until `f`'s has ended (the server closed it). */
static bool feed_wait_done(struct feed *f)
{
	for (int round = 0; round < 200; round++) {
		int running = 0, queued = 0;
		curl_multi_perform(multi, &running);
		for (CURLMsg *m; (m = curl_multi_info_read(multi, &queued));)
			if (m->msg == CURLMSG_DONE && m->easy_handle == f->easy)
				return true;
		curl_multi_poll(multi, NULL, 0, 100, NULL);
	}
	return false;
}

static int group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	multi = curl_multi_init();
	itest_db_create("event_scopes", db_url, sizeof db_url);
	itest_server_start(&server, db_url, NULL);
	reader = itest_token(&server, "read");
	ci = itest_token(&server, "ci");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(reader);
	free(ci);
	assert_int_equal(itest_server_stop(&server), 0);
	curl_multi_cleanup(multi);
	curl_global_cleanup();
	return 0;
}

#define UNLISTED "zz.not_in_the_table"

/* One event of every kind in the table, then one the table lacks, then the
 * sentinel (a read kind, so every stream gets it last), in one transaction
 * with the NOTIFY the server's commits send. */
static void write_one_of_each(const char *sentinel)
{
	size_t cap = 256 + (event_kinds_count + 2) * 160, o = 0;
	char *sql = malloc(cap);
	o += (size_t)snprintf(
		sql + o, cap - o,
		"INSERT INTO events (kind, entity_type, entity_id, actor, payload) VALUES ");
	for (size_t i = 0; i <= event_kinds_count; i++) {
		const char *kind = i < event_kinds_count ? event_kinds[i].kind : UNLISTED;
		o += (size_t)snprintf(
			sql + o, cap - o,
			"('%s', 'probe', 'probe-%s', 'itest', '{\"probe\":\"%s\"}'), ", kind, kind,
			kind);
	}
	snprintf(sql + o, cap - o,
		 "('run.updated', 'probe', '%s', 'itest', '{}'); NOTIFY shiplog_events", sentinel);
	free(itest_sql(db_url, sql));
	free(sql);
}

/* Which probes a stream received: exactly those its scopes may read. */
static void expect_probes(const struct feed *f, unsigned scopes, const char *who)
{
	char needle[160];
	for (size_t i = 0; i <= event_kinds_count; i++) {
		const char *kind = i < event_kinds_count ? event_kinds[i].kind : UNLISTED;
		enum auth_scope need =
			i < event_kinds_count ? event_kinds[i].scope : AUTH_SCOPE_ADMIN;
		snprintf(needle, sizeof needle, "event: %s\ndata: {\"id\"", kind);
		bool got = strstr(f->data, needle) != NULL;
		snprintf(needle, sizeof needle, "\"entity_id\":\"probe-%s\"", kind);
		got = got && strstr(f->data, needle) != NULL;
		if (got != auth_allows(scopes, need))
			fail_msg("%s: event %s (for %s) %s", who, kind, auth_scope_name(need),
				 got ? "was sent" : "was not sent");
	}
}

static void every_kind_reaches_only_those_who_may_read_it(void **state)
{
	(void)state;
	char *before = itest_sql(db_url, "SELECT coalesce(max(id), 0) FROM events");
	struct feed *admin = feed_open(ITEST_ADMIN_TOKEN, NULL), *read = feed_open(reader, NULL),
		    *other = feed_open(ci, NULL);
	struct feed *all[] = {admin, read, other};
	feeds_wait_for(all, 3, ": connected");

	/* live: the table's kinds and one it lacks */
	write_one_of_each("sentinel-live");
	feeds_wait_for(all, 3, "\"entity_id\":\"sentinel-live\"");
	expect_probes(admin, AUTH_SCOPE_ADMIN, "admin");
	expect_probes(read, AUTH_SCOPE_READ, "read token");
	expect_probes(other, AUTH_SCOPE_CI, "ci token");

	/* the token events the API itself writes */
	struct itest_response r;
	itest_json(&server, "POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN,
		   "{\"name\":\"deploy key\",\"owner\":\"owner-secret@example.com\","
		   "\"scopes\":[\"admin\"]}",
		   &r);
	assert_int_equal(r.status, 201);
	char path[64];
	snprintf(path, sizeof path, "/api/v1/tokens/%lld", (long long)itest_int(r.json, "id"));
	itest_response_free(&r);
	itest_http(&server, "DELETE", path,
		   (const char *const[]){"Authorization: Bearer " ITEST_ADMIN_TOKEN, NULL}, NULL, 0,
		   &r);
	assert_true(r.status == 200 || r.status == 204);
	itest_response_free(&r);
	write_one_of_each("sentinel-after-tokens");
	feeds_wait_for(all, 3, "\"entity_id\":\"sentinel-after-tokens\"");
	assert_non_null(strstr(admin->data, "event: token.created"));
	assert_non_null(strstr(admin->data, "event: token.revoked"));
	assert_non_null(strstr(admin->data, "owner-secret@example.com"));
	for (size_t i = 1; i < 3; i++) {
		assert_null(strstr(all[i]->data, "event: token."));
		assert_null(strstr(all[i]->data, "owner-secret@example.com"));
	}
	for (size_t i = 0; i < 3; i++)
		feed_close(all[i]);

	/* replayed after Last-Event-ID: the same choice */
	admin = feed_open(ITEST_ADMIN_TOKEN, before);
	read = feed_open(reader, before);
	struct feed *replayed[] = {admin, read};
	feeds_wait_for(replayed, 2, "\"entity_id\":\"sentinel-after-tokens\"");
	expect_probes(admin, AUTH_SCOPE_ADMIN, "admin, replayed");
	expect_probes(read, AUTH_SCOPE_READ, "read token, replayed");
	assert_non_null(strstr(admin->data, "owner-secret@example.com"));
	assert_null(strstr(read->data, "event: token."));
	assert_null(strstr(read->data, "owner-secret@example.com"));
	feed_close(admin);
	feed_close(read);
	free(before);
}

/* A stream opened with a token ends when the token is revoked, like its
 * sessions: the revocation reaches every replica as the token.revoked event. */
static void revoking_a_token_ends_its_streams(void **state)
{
	(void)state;
	char *doomed = itest_token(&server, "read");
	long id = itest_sql_long(db_url, "SELECT max(id) FROM api_tokens");
	struct feed *gone = feed_open(doomed, NULL), *stays = feed_open(reader, NULL);
	struct feed *both[] = {gone, stays};
	feeds_wait_for(both, 2, ": connected");
	char path[64];
	snprintf(path, sizeof path, "/api/v1/tokens/%ld", id);
	struct itest_response r;
	itest_http(&server, "DELETE", path,
		   (const char *const[]){"Authorization: Bearer " ITEST_ADMIN_TOKEN, NULL}, NULL, 0,
		   &r);
	assert_int_equal(r.status, 204);
	itest_response_free(&r);
	assert_true(feed_wait_done(gone));
	/* the other reader's stream goes on and gets what comes next */
	write_one_of_each("sentinel-after-revoke");
	feeds_wait_for(&stays, 1, "\"entity_id\":\"sentinel-after-revoke\"");
	assert_null(strstr(gone->data, "sentinel-after-revoke"));
	feed_close(gone);
	feed_close(stays);
	free(doomed);
}

/* With public_read, anyone may read what the read scope may: the same
 * events, and still no token events. */
static void public_read_streams_what_a_reader_may_read(void **state)
{
	(void)state;
	const char *env[] = {"SHIPLOG_PUBLIC_READ=true", NULL};
	struct itest_server open_server;
	itest_server_start(&open_server, db_url, env);
	struct feed *anon = feed_open_on(&open_server, NULL, NULL);
	feeds_wait_for(&anon, 1, ": connected");
	write_one_of_each("sentinel-public");
	feeds_wait_for(&anon, 1, "\"entity_id\":\"sentinel-public\"");
	expect_probes(anon, AUTH_SCOPE_READ, "anonymous, public_read");
	feed_close(anon);
	assert_int_equal(itest_server_stop(&open_server), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_kind_reaches_only_those_who_may_read_it),
		cmocka_unit_test(revoking_a_token_ends_its_streams),
		cmocka_unit_test(public_read_streams_what_a_reader_may_read),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
