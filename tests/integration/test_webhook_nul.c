/*
 * test_webhook_nul.c — a GitHub delivery whose strings hold \u0000: PostgreSQL
 * text cannot hold NUL, and a string cut at it loses what follows, so each
 * U+0000 is stored as U+FFFD and the rest of the string is kept; the raw
 * delivery body keeps the \u0000 as received.  The deliveries are real
 * fixtures, rewritten in memory (the files are not touched).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "github_send.h"
#include "itest.h"

static struct itest_server server;
static char db_url[512];

#define FFFD "\xEF\xBF\xBD"

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("webhook_nul", db_url, sizeof db_url);
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

/* Sends `payload` as `event`, signed, exactly as dumped into *sent (caller
 * frees); returns the stored delivery's id. */
static long send_dumped(const char *event, const json_t *payload, char **sent)
{
	*sent = json_dumps(payload, JSON_COMPACT);
	assert_non_null(*sent);
	/* jansson writes the NUL as the escape \u0000 */
	assert_non_null(strstr(*sent, "\\u0000"));
	char id[64];
	struct itest_response r;
	gh_send_raw(&server, event, gh_delivery_id(id, sizeof id), ITEST_GITHUB_SECRET, NULL, *sent,
		    strlen(*sent), &r);
	if (r.status != 200)
		fail_msg("%s answered %ld: %s", event, r.status, r.body ? r.body : "");
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "processed");
	long delivery = (long)itest_int(r.json, "delivery");
	itest_response_free(&r);
	return delivery;
}

/* GET /api/v1/deliveries/{id}: the body is what was sent, byte for byte. */
static void expect_raw_body(long delivery, const char *sent)
{
	char path[64];
	snprintf(path, sizeof path, "/api/v1/deliveries/%ld", delivery);
	struct itest_response r;
	itest_get(&server, path, ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "body_encoding")), "utf-8");
	const json_t *body = json_object_get(r.json, "body");
	assert_int_equal(json_string_length(body), strlen(sent));
	assert_memory_equal(json_string_value(body), sent, strlen(sent));
	itest_response_free(&r);
}

static void a_nul_in_a_run_title_is_stored_as_fffd_and_nothing_is_cut(void **state)
{
	(void)state;
	json_t *p = gh_load_fixture("workflow_run.requested.json");
	assert_non_null(p);
	json_t *wr = json_object_get(p, "workflow_run");
	static const char title[] = "ci: deploy\0 to staging, then \0smoke";
	json_object_set_new(wr, "display_title", json_stringn(title, sizeof title - 1));
	char *sent;
	long delivery = send_dumped("workflow_run", p, &sent);
	char path[128];
	snprintf(path, sizeof path, "/api/v1/runs?repo=%s",
		 json_string_value(json_object_get(json_object_get(p, "repository"), "full_name")));
	struct itest_response r;
	itest_get(&server, path, ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	const json_t *run = json_array_get(json_object_get(r.json, "items"), 0);
	assert_non_null(run);
	assert_string_equal(json_string_value(json_object_get(run, "display_title")),
			    "ci: deploy" FFFD " to staging, then " FFFD "smoke");
	itest_response_free(&r);
	/* stored so, not only shown so */
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM runs WHERE display_title = "
						"'ci: deploy' || U&'\\FFFD' || ' to staging, then '"
						" || U&'\\FFFD' || 'smoke'"),
			 1);
	expect_raw_body(delivery, sent);
	free(sent);
	json_decref(p);
}

static void a_nul_in_a_release_name_reaches_its_event_as_fffd(void **state)
{
	(void)state;
	json_t *p = gh_load_fixture("release.published.json");
	assert_non_null(p);
	static const char name[] = "v1\0 (the big one)";
	json_object_set_new(json_object_get(p, "release"), "name",
			    json_stringn(name, sizeof name - 1));
	char *sent;
	long delivery = send_dumped("release", p, &sent);
	/* the event's jsonb payload (which refuses \u0000 itself) has it too */
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM events WHERE kind = "
						"'release.published' AND payload->>'name' = "
						"'v1' || U&'\\FFFD' || ' (the big one)'"),
			 1);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM releases WHERE name = "
						"'v1' || U&'\\FFFD' || ' (the big one)'"),
			 1);
	expect_raw_body(delivery, sent);
	free(sent);
	json_decref(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_nul_in_a_run_title_is_stored_as_fffd_and_nothing_is_cut),
		cmocka_unit_test(a_nul_in_a_release_name_reaches_its_event_as_fffd),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
