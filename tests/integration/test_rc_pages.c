/*
 * test_rc_pages.c — the lists of release candidates, their feedback and
 * releases page with cursors (newest first, the next link until the end),
 * one release and the release train pick by version: the reads of
 * server/db/release_candidates_read.c, db/feedback.c and db/releases.c through the API.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

#define REPO "itest/rc-pages"

static struct itest_server server;
static char db_url[512];
static char config_path[256];

/* No CI reports here: the releases gate on nothing but feedback (none
 * required), so every RC is ready to be approved and released. */
static const char config_text[] = "repositories:\n"
				  "  - name: " REPO "\n"
				  "releases:\n"
				  "  cadence: {every: 2w, anchor: \"2026-03-05\"}\n"
				  "  gates: {ci: false, smoke_tests: false}\n";

static json_t *call(const char *method, const char *path, const char *body, long want,
		    struct itest_response *r)
{
	if (body)
		itest_json(&server, method, path, ITEST_ADMIN_TOKEN, body, r);
	else
		itest_get(&server, path, ITEST_ADMIN_TOKEN, r);
	if (r->status != want)
		fail_msg("%s %s answered %ld, expected %ld: %s", method, path, r->status, want,
			 r->body ? r->body : "");
	return r->json;
}

static long cut(const char *version, char hex)
{
	char commit[41], body[300];
	memset(commit, hex, 40);
	commit[40] = '\0';
	snprintf(body, sizeof body,
		 "{\"version\":\"%s\",\"repository\":\"" REPO "\",\"commit\":\"%s\"}", version,
		 commit);
	struct itest_response r;
	call("POST", "/api/v1/release-candidates", body, 201, &r);
	long id = (long)itest_int(r.json, "id");
	itest_response_free(&r);
	return id;
}

static void move(long id, const char *state)
{
	char path[80], body[80];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld", id);
	snprintf(body, sizeof body, "{\"state\":\"%s\"}", state);
	struct itest_response r;
	call("PATCH", path, body, 200, &r);
	itest_response_free(&r);
}

static void release(long id)
{
	move(id, "testing");
	move(id, "approved");
	move(id, "released");
}

static long rc_v1_9, rc_v2, rc_v1_1, rc_v1_2;

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("rc_pages", db_url, sizeof db_url);
	char cfg_env[300];
	itest_config_file("rc_pages", config_text, config_path, sizeof config_path, cfg_env,
			  sizeof cfg_env);
	const char *env[] = {cfg_env, "SHIPLOG_NOW=2026-05-06T09:00:00Z",
			     "SHIPLOG_RATE_FEEDBACK=1000", NULL};
	itest_server_start(&server, db_url, env);
	/* released: v1.2.0 first, v1.1.0 after it (a patch of an older line) */
	rc_v1_2 = cut("v1.2.0-rc.1", 'c');
	rc_v1_1 = cut("v1.1.0-rc.1", 'b');
	release(rc_v1_2);
	release(rc_v1_1);
	/* open: v2.0.0 cut before v1.9.0 */
	rc_v2 = cut("v2.0.0-rc.1", 'e');
	rc_v1_9 = cut("v1.9.0-rc.1", 'd');
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(config_path);
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

/* The ids of a page's items, and its next link ("" at the end). */
static void page(const char *path, long *ids, size_t *n, char *next, size_t next_size)
{
	struct itest_response r;
	json_t *o = call("GET", path, NULL, 200, &r);
	json_t *items = json_object_get(o, "items"), *it;
	size_t i;
	*n = json_array_size(items);
	json_array_foreach(items, i, it)
		ids[i] = (long)itest_int(it, "id");
	const char *nx = json_string_value(json_object_get(o, "next"));
	snprintf(next, next_size, "%s", nx ? nx : "");
	itest_response_free(&r);
}

static void rc_pages_run_newest_first_to_the_end(void **state)
{
	(void)state;
	long ids[8];
	size_t n;
	char next[300];
	page("/api/v1/release-candidates?repo=" REPO "&limit=3", ids, &n, next, sizeof next);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], rc_v1_9);
	assert_int_equal(ids[1], rc_v2);
	assert_int_equal(ids[2], rc_v1_1);
	assert_non_null(strstr(next, "cursor="));
	page(next, ids, &n, next, sizeof next);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], rc_v1_2);
	assert_string_equal(next, "");
	/* a filter keeps its place in the pages */
	page("/api/v1/release-candidates?state=released&limit=1", ids, &n, next, sizeof next);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], rc_v1_1);
	page(next, ids, &n, next, sizeof next);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], rc_v1_2);
	assert_string_equal(next, "");
}

static void feedback_pages_run_newest_first_to_the_end(void **state)
{
	(void)state;
	char path[120];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback", rc_v2);
	long fb[3];
	for (int i = 0; i < 3; i++) {
		char body[200];
		snprintf(body, sizeof body,
			 "{\"verdict\":\"concern\",\"author\":\"p%d@example.com\",\"comment\":\"c%d\"}",
			 i, i);
		struct itest_response r;
		call("POST", path, body, 201, &r);
		fb[i] = (long)itest_int(r.json, "id");
		itest_response_free(&r);
	}
	long ids[8];
	size_t n;
	char next[300];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback?limit=2", rc_v2);
	page(path, ids, &n, next, sizeof next);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], fb[2]);
	assert_int_equal(ids[1], fb[1]);
	page(next, ids, &n, next, sizeof next);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], fb[0]);
	assert_string_equal(next, "");
	/* no such RC: 404 naming it */
	struct itest_response r;
	itest_get(&server, "/api/v1/release-candidates/9999/feedback", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 404, "not-found", "no release candidate 9999");
	itest_response_free(&r);
}

static void release_pages_and_one_release(void **state)
{
	(void)state;
	long ids[8];
	size_t n;
	char next[300];
	page("/api/v1/releases?limit=1", ids, &n, next, sizeof next);
	assert_int_equal(n, 1);
	long newest = ids[0];
	assert_non_null(strstr(next, "cursor="));
	page(next, ids, &n, next, sizeof next);
	assert_int_equal(n, 1);
	assert_true(ids[0] < newest); /* the same time: by id, newest first */
	assert_string_equal(next, "");

	char path[80];
	snprintf(path, sizeof path, "/api/v1/releases/%ld", newest);
	struct itest_response r;
	json_t *o = call("GET", path, NULL, 200, &r);
	assert_string_equal(json_string_value(json_object_get(o, "version")), "v1.1.0");
	assert_int_equal(itest_int(json_object_get(o, "release_candidate"), "id"), rc_v1_1);
	/* with a cadence, the planned date and the delay */
	assert_non_null(json_string_value(json_object_get(o, "planned_for")));
	assert_true(json_is_integer(json_object_get(o, "days_late")));
	itest_response_free(&r);
	itest_get(&server, "/api/v1/releases/424242", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 404, "not-found", "no release 424242");
	itest_response_free(&r);
}

static void the_train_picks_by_version(void **state)
{
	(void)state;
	struct itest_response r;
	json_t *o = call("GET", "/api/v1/train?repo=" REPO, NULL, 200, &r);
	/* the newest open RC by version, though cut first */
	json_t *current = json_object_get(o, "current_rc");
	assert_int_equal(itest_int(current, "id"), rc_v2);
	assert_non_null(json_object_get(current, "readiness"));
	/* the last release by version; the past ones newest first */
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(o, "last_release"), "version")),
		"v1.2.0");
	json_t *past = json_object_get(o, "past_releases");
	assert_int_equal(json_array_size(past), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(past, 0), "version")),
			    "v1.1.0");
	itest_response_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rc_pages_run_newest_first_to_the_end),
		cmocka_unit_test(feedback_pages_run_newest_first_to_the_end),
		cmocka_unit_test(release_pages_and_one_release),
		cmocka_unit_test(the_train_picks_by_version),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
