/*
 * test_deliveries_filter.c — GET /api/v1/deliveries?repository=owner/name,
 * the filter the admin pages' delivery list uses: only the deliveries that
 * name that repository (any case), combined with the other filters, paged;
 * a malformed repository is a 400 naming the parameter; admin only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "github_send.h"
#include "itest.h"

static struct itest_server server;
static char db_url[512];

/* A ping that names `repo`. */
static void send_ping(const char *event, const char *repo, const char *delivery)
{
	json_t *p = json_pack("{s:s, s:i, s:{s:i, s:s, s:s}, s:{s:s}}", "zen", "Keep it logically "
			      "awesome.", "hook_id", 1, "repository", "id", 7, "full_name", repo,
			      "default_branch", "main", "sender", "login", "octocat");
	struct itest_response r;
	gh_send_json(&server, event, delivery, p, &r);
	assert_true(r.status == 200 || r.status == 202);
	itest_response_free(&r);
	json_decref(p);
}

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("deliveries_filter", db_url, sizeof db_url);
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, NULL};
	itest_server_start(&server, db_url, env);
	/* widget: three pings and a star; gadget: two pings */
	send_ping("ping", "acme/widget", "df-widget-1");
	send_ping("ping", "acme/gadget", "df-gadget-1");
	send_ping("ping", "acme/widget", "df-widget-2");
	send_ping("star", "acme/widget", "df-widget-star");
	send_ping("ping", "acme/gadget", "df-gadget-2");
	send_ping("ping", "acme/widget", "df-widget-3");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

/* The delivery ids of a list answer, newest first, joined by spaces. */
static void listed_ids(const char *path, char *out, size_t size)
{
	struct itest_response r;
	itest_get(&server, path, ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	size_t i, n = 0;
	json_t *it;
	out[0] = '\0';
	json_array_foreach(json_object_get(r.json, "items"), i, it)
		n += (size_t)snprintf(out + n, size - n, "%s%s", n ? " " : "",
				      json_string_value(json_object_get(it, "delivery_id")));
	itest_response_free(&r);
}

static void repository_filter_lists_only_that_repository(void **state)
{
	(void)state;
	char ids[512];
	listed_ids("/api/v1/deliveries?repository=acme/widget", ids, sizeof ids);
	assert_string_equal(ids, "df-widget-3 df-widget-star df-widget-2 df-widget-1");
	listed_ids("/api/v1/deliveries?repository=acme/gadget", ids, sizeof ids);
	assert_string_equal(ids, "df-gadget-2 df-gadget-1");
	/* GitHub's names are case-insensitive, so is the filter */
	listed_ids("/api/v1/deliveries?repository=ACME/Widget", ids, sizeof ids);
	assert_string_equal(ids, "df-widget-3 df-widget-star df-widget-2 df-widget-1");
	/* a repository nothing named: an empty list, not an error */
	listed_ids("/api/v1/deliveries?repository=acme/nothing", ids, sizeof ids);
	assert_string_equal(ids, "");
}

static void repository_filter_combines_with_the_others_and_pages(void **state)
{
	(void)state;
	char ids[512];
	listed_ids("/api/v1/deliveries?repository=acme/widget&event=star", ids, sizeof ids);
	assert_string_equal(ids, "df-widget-star");
	listed_ids("/api/v1/deliveries?repository=acme/gadget&event=star", ids, sizeof ids);
	assert_string_equal(ids, "");
	listed_ids("/api/v1/deliveries?repository=acme/gadget&source=github&status=processed", ids,
		   sizeof ids);
	assert_string_equal(ids, "df-gadget-2 df-gadget-1");
	listed_ids("/api/v1/deliveries?repository=acme/gadget&source=flux", ids, sizeof ids);
	assert_string_equal(ids, "");
	/* one a page: the next links keep the filter */
	assert_int_equal(itest_list_all(&server, "/api/v1/deliveries?repository=acme/widget&limit=1",
					ITEST_ADMIN_TOKEN, 10),
			 4);
}

static void a_malformed_repository_is_a_400_naming_it(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"/api/v1/deliveries?repository=widget",
		"/api/v1/deliveries?repository=acme/widget/extra",
		"/api/v1/deliveries?repository=",
		"/api/v1/deliveries?repository=/widget",
		"/api/v1/deliveries?repository=acme/",
		"/api/v1/deliveries?repository=acme%2Fwid%01get",
		"/api/v1/deliveries?repository=acme/wid%20get",
		"/api/v1/deliveries?repository=acme/%27%3B--",
		NULL,
	};
	for (const char *const *p = bad; *p; p++) {
		struct itest_response r;
		itest_get(&server, *p, ITEST_ADMIN_TOKEN, &r);
		itest_assert_problem(&r, 400, "/invalid-parameter", "repository");
		json_t *e = json_array_get(json_object_get(r.json, "errors"), 0);
		assert_string_equal(json_string_value(json_object_get(e, "parameter")), "repository");
		itest_response_free(&r);
	}
	/* too long: 201 characters */
	char path[400];
	int n = snprintf(path, sizeof path, "/api/v1/deliveries?repository=acme/");
	memset(path + n, 'w', 196);
	path[n + 196] = '\0';
	struct itest_response r;
	itest_get(&server, path, ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "repository");
	itest_response_free(&r);
}

static void only_an_admin_may_filter_deliveries(void **state)
{
	(void)state;
	char *read = itest_token(&server, "read,ci,feedback,release");
	struct itest_response r;
	itest_get(&server, "/api/v1/deliveries?repository=acme/widget", read, &r);
	itest_assert_problem(&r, 403, "/forbidden", NULL);
	itest_response_free(&r);
	itest_get(&server, "/api/v1/deliveries?repository=acme/widget", NULL, &r);
	itest_assert_problem(&r, 401, "/unauthorized", NULL);
	itest_response_free(&r);
	free(read);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(repository_filter_lists_only_that_repository),
		cmocka_unit_test(repository_filter_combines_with_the_others_and_pages),
		cmocka_unit_test(a_malformed_repository_is_a_400_naming_it),
		cmocka_unit_test(only_an_admin_may_filter_deliveries),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
