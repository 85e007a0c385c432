/*
 * test_webhooks.c — POST /webhooks/github as an endpoint: signatures before
 * parsing, what is stored for each attempt, idempotency on the delivery id,
 * content types, malformed and odd bodies, size limits, form encoding,
 * replay, and per-repository secrets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "github_send.h"
#include "itest.h"
#include "shiplog/crypto.h"

static struct itest_server server;
static char db_url[512];

static const char ping_body[] =
	"{\"zen\":\"Design for failure.\",\"hook_id\":1,"
	"\"repository\":{\"id\":42,\"full_name\":\"acme/widget\",\"default_branch\":\"main\"},"
	"\"sender\":{\"login\":\"octocat\"}}";

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("webhooks", db_url, sizeof db_url);
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, NULL};
	itest_server_start(&server, db_url, env);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

static long count_rows(const char *where)
{
	char sql[1024];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM deliveries WHERE %s", where);
	return itest_sql_long(db_url, sql);
}

static void ping_is_answered_200_and_stored(void **state)
{
	(void)state;
	struct itest_response r;
	gh_send_raw(&server, "ping", "wh-ping-1", ITEST_GITHUB_SECRET, NULL, ping_body,
		    strlen(ping_body), &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "processed");
	itest_response_free(&r);
	assert_int_equal(count_rows("delivery_id = 'wh-ping-1' AND status = 'processed' AND "
				    "signature = 'valid' AND body IS NOT NULL"),
			 1);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM repositories WHERE "
						"full_name = 'acme/widget'"),
			 1);
}

static void unused_event_is_stored_and_answered_202(void **state)
{
	(void)state;
	struct itest_response r;
	gh_send_raw(&server, "star", "wh-star-1", ITEST_GITHUB_SECRET, NULL, ping_body,
		    strlen(ping_body), &r);
	assert_int_equal(r.status, 202);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "ignored");
	itest_response_free(&r);
	assert_int_equal(count_rows("delivery_id = 'wh-star-1' AND status = 'ignored' AND "
				    "event = 'star' AND body IS NOT NULL"),
			 1);
}

static void duplicate_after_success_has_no_second_effect(void **state)
{
	(void)state;
	struct itest_response r;
	for (int i = 0; i < 3; i++) {
		gh_send_raw(&server, "ping", "wh-dup-1", ITEST_GITHUB_SECRET, NULL, ping_body,
			    strlen(ping_body), &r);
		assert_int_equal(r.status, 200);
		assert_string_equal(json_string_value(json_object_get(r.json, "status")),
				    i == 0 ? "processed" : "duplicate");
		itest_response_free(&r);
	}
	/* every attempt is a row; only one was processed; duplicates keep no body */
	assert_int_equal(count_rows("delivery_id = 'wh-dup-1'"), 3);
	assert_int_equal(count_rows("delivery_id = 'wh-dup-1' AND status = 'processed'"), 1);
	assert_int_equal(count_rows("delivery_id = 'wh-dup-1' AND status = 'duplicate' AND body IS NULL"),
			 2);
}

static void failed_delivery_is_kept_and_processed_when_redelivered(void **state)
{
	(void)state;
	struct itest_response r;
	const char *broken = "{\"zen\": \"half a document";
	gh_send_raw(&server, "ping", "wh-fail-1", ITEST_GITHUB_SECRET, NULL, broken,
		    strlen(broken), &r);
	itest_assert_problem(&r, 400, "/invalid-field", "not valid JSON");
	itest_response_free(&r);
	assert_int_equal(count_rows("delivery_id = 'wh-fail-1' AND status = 'failed' AND "
				    "error LIKE '%not valid JSON%' AND body IS NOT NULL"),
			 1);
	/* GitHub's "Redeliver" sends the same id again: processed this time */
	gh_send_raw(&server, "ping", "wh-fail-1", ITEST_GITHUB_SECRET, NULL, ping_body,
		    strlen(ping_body), &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "processed");
	itest_response_free(&r);
	assert_int_equal(count_rows("delivery_id = 'wh-fail-1'"), 2);
}

static void bad_or_missing_signature_is_401_and_body_not_stored(void **state)
{
	(void)state;
	struct itest_response r;
	gh_send_raw(&server, "ping", "wh-badsig-1", "not-the-secret", NULL, ping_body,
		    strlen(ping_body), &r);
	itest_assert_problem(&r, 401, "/bad-signature", "X-Hub-Signature-256");
	itest_response_free(&r);
	gh_send_raw(&server, "ping", "wh-nosig-1", NULL, NULL, ping_body, strlen(ping_body), &r);
	itest_assert_problem(&r, 401, "/bad-signature", "missing");
	itest_response_free(&r);
	char sql[512];
	unsigned char sha[32];
	char hex[65];
	crypto_sha256(ping_body, strlen(ping_body), sha);
	crypto_hex(sha, 32, hex);
	snprintf(sql, sizeof sql,
		 "delivery_id = 'wh-badsig-1' AND status = 'rejected' AND signature = 'invalid' AND "
		 "body IS NULL AND body_size = %zu AND encode(body_sha256, 'hex') = '%s' AND "
		 "headers->>'x-github-event' = 'ping'",
		 strlen(ping_body), hex);
	assert_int_equal(count_rows(sql), 1);
	assert_int_equal(count_rows("delivery_id = 'wh-nosig-1' AND status = 'rejected' AND "
				    "signature = 'missing' AND body IS NULL"),
			 1);
	/* the sender fixes its secret and redelivers: processed */
	gh_send_raw(&server, "ping", "wh-badsig-1", ITEST_GITHUB_SECRET, NULL, ping_body,
		    strlen(ping_body), &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	assert_int_equal(count_rows("delivery_id = 'wh-badsig-1' AND status = 'processed'"), 1);
}

static void signature_is_checked_before_the_body_is_parsed(void **state)
{
	(void)state;
	/* an unsigned, malformed body is refused for its signature, not its JSON */
	struct itest_response r;
	gh_send_raw(&server, "push", "wh-order-1", NULL, NULL, "{{{", 3, &r);
	itest_assert_problem(&r, 401, "/bad-signature", NULL);
	itest_response_free(&r);
}

static void wrong_content_type_is_415_and_missing_headers_are_400(void **state)
{
	(void)state;
	struct itest_response r;
	gh_send_raw(&server, "ping", "wh-ct-1", ITEST_GITHUB_SECRET, "text/plain", ping_body,
		    strlen(ping_body), &r);
	itest_assert_problem(&r, 415, "/unsupported-media-type", "Content-Type");
	itest_response_free(&r);
	const char *no_event[] = {"Content-Type: application/json", "X-GitHub-Delivery: x1", NULL};
	itest_http(&server, "POST", "/webhooks/github", no_event, ping_body, strlen(ping_body), &r);
	itest_assert_problem(&r, 400, "/bad-request", "X-GitHub-Event");
	itest_response_free(&r);
	const char *no_delivery[] = {"Content-Type: application/json", "X-GitHub-Event: ping", NULL};
	itest_http(&server, "POST", "/webhooks/github", no_delivery, ping_body, strlen(ping_body),
		   &r);
	itest_assert_problem(&r, 400, "/bad-request", "X-GitHub-Delivery");
	itest_response_free(&r);
}

static void nul_in_a_string_is_accepted_and_stored_byte_exact(void **state)
{
	(void)state;
	const char body[] = "{\"zen\":\"a\\u0000b\",\"repository\":{\"full_name\":\"acme/nul\"},"
			    "\"sender\":{\"login\":\"x\\u0000y\"}}";
	struct itest_response r;
	gh_send_raw(&server, "ping", "wh-nul-1", ITEST_GITHUB_SECRET, NULL, body, strlen(body), &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	char sql[256];
	snprintf(sql, sizeof sql,
		 "delivery_id = 'wh-nul-1' AND status = 'processed' AND length(body) = %zu",
		 strlen(body));
	assert_int_equal(count_rows(sql), 1);
	/* a raw NUL byte in the body (not valid JSON) is stored too, then refused */
	const char raw[] = "{\"zen\":\"a\0b\"}";
	gh_send_raw(&server, "ping", "wh-nul-2", ITEST_GITHUB_SECRET, NULL, raw, sizeof raw - 1, &r);
	assert_int_equal(r.status, 400);
	itest_response_free(&r);
	assert_int_equal(count_rows("delivery_id = 'wh-nul-2' AND status = 'failed' AND "
				    "length(body) = 13"),
			 1);
}

static void body_over_25_mib_is_413(void **state)
{
	(void)state;
	size_t n = 26u * 1024 * 1024;
	char *big = malloc(n);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	struct itest_response r;
	/* sent whole (no Expect: 100-continue): shiplog reads and drops it, so the
	 * client reads the 413 instead of finding the connection reset */
	gh_send_raw(&server, "push", "wh-big-1", ITEST_GITHUB_SECRET, NULL, big, n, &r);
	itest_assert_problem(&r, 413, "/payload-too-large", "Content-Length");
	char conn[32] = "";
	assert_true(itest_header(&r, "Connection", conn, sizeof conn));
	assert_string_equal(conn, "close");
	itest_response_free(&r);
	free(big);
	/* a large but allowed body (2 MiB, over the API's 1 MiB) goes through */
	n = 2u * 1024 * 1024;
	char *ok = malloc(n + 1);
	int head = snprintf(ok, n, "{\"repository\":{\"full_name\":\"acme/big\"},\"padding\":\"");
	memset(ok + head, 'x', n - (size_t)head - 2);
	ok[n - 2] = '"';
	ok[n - 1] = '}';
	gh_send_raw(&server, "ping", "wh-big-2", ITEST_GITHUB_SECRET, NULL, ok, n, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	free(ok);
}

static size_t drop_bytes(char *p, size_t size, size_t n, void *cls)
{
	(void)p;
	*(size_t *)cls += size * n;
	return size * n;
}

/* A client that asks first (Expect: 100-continue) gets the 413 without sending
 * the body at all. */
static void an_oversized_body_announced_with_expect_is_refused_before_it_is_sent(void **state)
{
	(void)state;
	size_t n = 26u * 1024 * 1024;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, ' ', n);
	CURL *c = curl_easy_init();
	char url[128];
	snprintf(url, sizeof url, "%s/webhooks/github", server.base);
	struct curl_slist *h = NULL;
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "X-GitHub-Event: push");
	h = curl_slist_append(h, "X-GitHub-Delivery: wh-big-expect");
	h = curl_slist_append(h, "Expect: 100-continue");
	size_t got = 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, big);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
	/* long enough that curl never sends the body for want of an answer */
	curl_easy_setopt(c, CURLOPT_EXPECT_100_TIMEOUT_MS, 30000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 60000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, drop_bytes);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &got);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_off_t sent = -1;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c, CURLINFO_SIZE_UPLOAD_T, &sent);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(big);
	if (rc != CURLE_OK)
		fail_msg("curl: %s", curl_easy_strerror(rc));
	assert_int_equal(status, 413);
	assert_true(got > 0); /* the problem+json body */
	if (sent > 65536)
		fail_msg("the client sent %lld bytes of a body refused by its headers",
			 (long long)sent);
}

static void form_encoded_delivery_is_verified_over_the_raw_body(void **state)
{
	(void)state;
	char *enc = malloc(3 * sizeof ping_body + 16);
	strcpy(enc, "payload=");
	size_t o = strlen(enc);
	for (const char *p = ping_body; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			enc[o++] = (char)c;
		else if (c == ' ')
			enc[o++] = '+';
		else
			o += (size_t)sprintf(enc + o, "%%%02X", c);
	}
	enc[o] = '\0';
	struct itest_response r;
	gh_send_raw(&server, "ping", "wh-form-1", ITEST_GITHUB_SECRET,
		    "application/x-www-form-urlencoded", enc, o, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	assert_int_equal(count_rows("delivery_id = 'wh-form-1' AND status = 'processed' AND "
				    "repository = 'acme/widget'"),
			 1);
	/* a form without payload= is stored and refused, naming the field */
	gh_send_raw(&server, "ping", "wh-form-2", ITEST_GITHUB_SECRET,
		    "application/x-www-form-urlencoded", "other=1", 7, &r);
	itest_assert_problem(&r, 400, "/invalid-field", "payload");
	itest_response_free(&r);
	free(enc);
}

static void replay_reprocesses_the_stored_body(void **state)
{
	(void)state;
	struct itest_response r;
	gh_send_raw(&server, "ping", "wh-replay-1", ITEST_GITHUB_SECRET, NULL, ping_body,
		    strlen(ping_body), &r);
	long id = (long)json_integer_value(json_object_get(r.json, "delivery"));
	itest_response_free(&r);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/deliveries/%ld/replay", id);
	itest_json(&server, "POST", path, ITEST_ADMIN_TOKEN, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "processed");
	long replay_id = (long)json_integer_value(json_object_get(r.json, "delivery"));
	itest_response_free(&r);
	char sql[256];
	snprintf(sql, sizeof sql, "id = %ld AND replay_of = %ld AND status = 'processed'", replay_id,
		 id);
	assert_int_equal(count_rows(sql), 1);
	/* the admin view shows the body and every attempt */
	snprintf(path, sizeof path, "/api/v1/deliveries/%ld", id);
	itest_get(&server, path, ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "body")), ping_body);
	assert_int_equal(json_array_size(json_object_get(r.json, "attempts")), 2);
	itest_response_free(&r);
	/* rejected attempts have no body to replay */
	long rejected = itest_sql_long(db_url, "SELECT min(id) FROM deliveries WHERE status = 'rejected'");
	snprintf(path, sizeof path, "/api/v1/deliveries/%ld/replay", rejected);
	itest_json(&server, "POST", path, ITEST_ADMIN_TOKEN, NULL, &r);
	itest_assert_problem(&r, 409, "/conflict", "no stored body");
	itest_response_free(&r);
	itest_json(&server, "POST", "/api/v1/deliveries/987654321/replay", ITEST_ADMIN_TOKEN, NULL,
		   &r);
	itest_assert_problem(&r, 404, "/not-found", "987654321");
	itest_response_free(&r);
	char *ci = itest_token(&server, "ci");
	itest_json(&server, "POST", path, ci, NULL, &r);
	itest_assert_problem(&r, 403, "/forbidden", NULL);
	itest_response_free(&r);
	free(ci);
}

static void deliveries_list_filters_and_validates(void **state)
{
	(void)state;
	struct itest_response r;
	itest_get(&server, "/api/v1/deliveries?status=rejected&source=github", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	json_t *items = json_object_get(r.json, "items");
	assert_true(json_array_size(items) >= 2);
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		assert_string_equal(json_string_value(json_object_get(it, "status")), "rejected");
		assert_true(json_is_false(json_object_get(it, "body_stored")));
	}
	itest_response_free(&r);
	itest_get(&server, "/api/v1/deliveries?event=star", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	itest_response_free(&r);
	itest_get(&server, "/api/v1/deliveries?status=exploded", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "status");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/deliveries", NULL, &r);
	itest_assert_problem(&r, 401, "/unauthorized", NULL);
	itest_response_free(&r);
}

/* The audit trail pages newest first, each delivery once; a body that is
 * not UTF-8 text comes back base64url, byte for byte. */
static void deliveries_list_pages_and_binary_bodies_come_back_base64url(void **state)
{
	(void)state;
	const unsigned char binary[] = {0xff, 0xfe, 'n', 'o', 't', 0x80, 'j', 's', 'o', 'n'};
	struct itest_response r;
	gh_send_raw(&server, "ping", "wh-binary-1", ITEST_GITHUB_SECRET, NULL, binary,
		    sizeof binary, &r);
	assert_true(r.status >= 400 && r.status < 500);
	itest_response_free(&r);
	long id = itest_sql_long(db_url, "SELECT id FROM deliveries WHERE delivery_id = "
					 "'wh-binary-1' AND body IS NOT NULL");
	char path[200];
	snprintf(path, sizeof path, "/api/v1/deliveries/%ld", id);
	itest_get(&server, path, ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	char enc[32];
	crypto_b64url_encode(binary, sizeof binary, enc);
	assert_string_equal(json_string_value(json_object_get(r.json, "body_encoding")),
			    "base64url");
	assert_string_equal(json_string_value(json_object_get(r.json, "body")), enc);
	assert_int_equal(itest_int(r.json, "id"), id);
	assert_true(json_is_object(json_object_get(r.json, "headers")));
	itest_response_free(&r);

	long total = itest_sql_long(db_url, "SELECT count(*) FROM deliveries");
	assert_true(total > 4);
	assert_int_equal(itest_list_all(&server, "/api/v1/deliveries?limit=3", ITEST_ADMIN_TOKEN, 100),
			 total);
}

static void repository_secret_only_signs_its_own_repository(void **state)
{
	(void)state;
	char cfg_path[] = "/tmp/shiplog-repo-secret-XXXXXX";
	int fd = mkstemp(cfg_path);
	const char *yaml = "repositories:\n"
			   "  - name: acme/widget\n"
			   "    webhook_secret_env: WIDGET_SECRET\n";
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	char url[512];
	itest_db_create("reposecret", url, sizeof url);
	setenv("ITEST_CONFIG", cfg_path, 1);
	const char *env[] = {"WIDGET_SECRET=widget-only", NULL};
	struct itest_server s;
	itest_server_start(&s, url, env);
	unsetenv("ITEST_CONFIG");
	struct itest_response r;
	gh_send_raw(&s, "ping", "rs-1", "widget-only", NULL, ping_body, strlen(ping_body), &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	/* the widget secret cannot speak for another repository */
	const char other[] = "{\"repository\":{\"full_name\":\"acme/gadget\"}}";
	gh_send_raw(&s, "ping", "rs-2", "widget-only", NULL, other, strlen(other), &r);
	itest_assert_problem(&r, 400, "/invalid-field", "acme/widget");
	itest_response_free(&r);
	gh_send_raw(&s, "ping", "rs-3", "some-other-secret", NULL, ping_body, strlen(ping_body), &r);
	itest_assert_problem(&r, 401, "/bad-signature", NULL);
	itest_response_free(&r);
	assert_int_equal(itest_server_stop(&s), 0);
	unlink(cfg_path);
}

static void without_any_secret_deliveries_are_accepted_and_marked(void **state)
{
	(void)state;
	char url[512];
	itest_db_create("nosecret", url, sizeof url);
	struct itest_server s;
	itest_server_start(&s, url, NULL);
	char *log = itest_read_file(s.log_path, NULL);
	assert_non_null(strstr(log, "NO GITHUB WEBHOOK SECRET"));
	free(log);
	struct itest_response r;
	gh_send_raw(&s, "ping", "ns-1", NULL, NULL, ping_body, strlen(ping_body), &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM deliveries WHERE "
					     "signature = 'not-configured' AND status = 'processed'"),
			 1);
	assert_int_equal(itest_server_stop(&s), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ping_is_answered_200_and_stored),
		cmocka_unit_test(unused_event_is_stored_and_answered_202),
		cmocka_unit_test(duplicate_after_success_has_no_second_effect),
		cmocka_unit_test(failed_delivery_is_kept_and_processed_when_redelivered),
		cmocka_unit_test(bad_or_missing_signature_is_401_and_body_not_stored),
		cmocka_unit_test(signature_is_checked_before_the_body_is_parsed),
		cmocka_unit_test(wrong_content_type_is_415_and_missing_headers_are_400),
		cmocka_unit_test(nul_in_a_string_is_accepted_and_stored_byte_exact),
		cmocka_unit_test(body_over_25_mib_is_413),
		cmocka_unit_test(
			an_oversized_body_announced_with_expect_is_refused_before_it_is_sent),
		cmocka_unit_test(form_encoded_delivery_is_verified_over_the_raw_body),
		cmocka_unit_test(replay_reprocesses_the_stored_body),
		cmocka_unit_test(deliveries_list_filters_and_validates),
		cmocka_unit_test(deliveries_list_pages_and_binary_bodies_come_back_base64url),
		cmocka_unit_test(repository_secret_only_signs_its_own_repository),
		cmocka_unit_test(without_any_secret_deliveries_are_accepted_and_marked),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
