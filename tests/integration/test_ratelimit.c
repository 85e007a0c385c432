/*
 * test_ratelimit.c — repeated authentication failures are answered 429
 * with Retry-After (good credentials from the same client still pass);
 * behind a trusted proxy the limit keys on the client its X-Forwarded-For
 * names, and from anyone else that header is ignored;
 * feedback posts are limited per person.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "github_send.h"
#include "itest.h"

static char db_url[512];

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("ratelimit", db_url, sizeof db_url);
	return 0;
}

static long get_with(const struct itest_server *s, const char *token, const char *xff,
		     char *retry_after)
{
	char auth[200], fwd[200];
	const char *h[3] = {NULL, NULL, NULL};
	int n = 0;
	if (token) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		h[n++] = auth;
	}
	if (xff) {
		snprintf(fwd, sizeof fwd, "X-Forwarded-For: %s", xff);
		h[n++] = fwd;
	}
	struct itest_response r;
	itest_http(s, "GET", "/api/v1/tokens", h, NULL, 0, &r);
	long status = r.status;
	if (status == 429) {
		itest_assert_problem(&r, 429, "/rate-limited", "retry in");
		if (retry_after)
			assert_true(itest_header(&r, "Retry-After", retry_after, 16));
	}
	itest_response_free(&r);
	return status;
}

static void repeated_bad_tokens_are_answered_429(void **state)
{
	(void)state;
	const char *env[] = {"SHIPLOG_RATE_AUTH_FAILURES=5", "SHIPLOG_NOW=2030-05-05T10:00:10Z",
			     ITEST_GITHUB_SECRET_ENV, NULL};
	struct itest_server s;
	itest_server_start(&s, db_url, env);
	const char *bad = "shiplog_wrongwrongwrongwrongwrongwrongwrong";
	for (int i = 0; i < 5; i++)
		assert_int_equal(get_with(&s, bad, NULL, NULL), 401);
	char ra[16] = "";
	assert_int_equal(get_with(&s, bad, NULL, ra), 429);
	/* the window is the current minute: 50 s left at hh:mm:10 */
	assert_int_equal(atoi(ra), 50);
	/* only failures are slowed down: a good token is still accepted (the
	 * address may be shared by good clients and bad) ... */
	assert_int_equal(get_with(&s, ITEST_ADMIN_TOKEN, NULL, NULL), 200);
	assert_int_equal(get_with(&s, bad, NULL, NULL), 429);
	/* ... and anonymous reads of public routes still work */
	struct itest_response r;
	itest_get(&s, "/healthz", NULL, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	/* a bad webhook signature gets the same, a good one does not */
	gh_send_raw(&s, "ping", "rl-1", "wrong", NULL, "{}", 2, &r);
	assert_int_equal(r.status, 429);
	itest_response_free(&r);
	gh_send_raw(&s, "ping", "rl-2", ITEST_GITHUB_SECRET, NULL, "{}", 2, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	assert_int_equal(itest_server_stop(&s), 0);

	/* a minute later the window has passed */
	const char *later[] = {"SHIPLOG_RATE_AUTH_FAILURES=5", "SHIPLOG_NOW=2030-05-05T10:01:10Z",
			       NULL};
	itest_server_start(&s, db_url, later);
	assert_int_equal(get_with(&s, bad, NULL, NULL), 401);
	assert_int_equal(itest_server_stop(&s), 0);
}

static void forwarded_for_counts_only_from_a_trusted_proxy(void **state)
{
	(void)state;
	const char *env[] = {"SHIPLOG_RATE_AUTH_FAILURES=3", NULL};
	const char *bad = "shiplog_wrongwrongwrongwrongwrongwrongwrong";
	/* no trusted proxy: the header is the client's own claim and is ignored */
	struct itest_server s;
	itest_server_start(&s, db_url, env);
	for (int i = 0; i < 3; i++)
		get_with(&s, bad, i % 2 ? "10.0.0.1" : "10.0.0.2", NULL);
	assert_int_equal(get_with(&s, bad, "10.9.9.9", NULL), 429);
	assert_int_equal(itest_server_stop(&s), 0);

	/* behind a trusted proxy (this host), each forwarded client has its own budget */
	char cfg[] = "/tmp/shiplog-rl-XXXXXX";
	int fd = mkstemp(cfg);
	const char *yaml = "auth:\n  trusted_proxies: [\"127.0.0.0/8\"]\n";
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	setenv("ITEST_CONFIG", cfg, 1);
	itest_server_start(&s, db_url, env);
	unsetenv("ITEST_CONFIG");
	for (int i = 0; i < 3; i++)
		assert_int_equal(get_with(&s, bad, "10.0.0.1", NULL), 401);
	assert_int_equal(get_with(&s, bad, "10.0.0.1", NULL), 429);
	/* a spoofed hop in front of the proxy's own does not help: the proxy
	 * appends the address it saw, and that is the one that counts */
	assert_int_equal(get_with(&s, bad, "1.2.3.4, 10.0.0.1", NULL), 429);
	assert_int_equal(get_with(&s, ITEST_ADMIN_TOKEN, "10.0.0.2", NULL), 200);
	assert_int_equal(get_with(&s, bad, "10.0.0.2", NULL), 401);
	assert_int_equal(itest_server_stop(&s), 0);
	unlink(cfg);
}

static long post_feedback(const struct itest_server *s, const char *token, long rc_id,
			  const char *body)
{
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback", rc_id);
	struct itest_response r;
	itest_json(s, "POST", path, token, body, &r);
	long status = r.status;
	if (status == 429) {
		itest_assert_problem(&r, 429, "/rate-limited", "too many posts");
		char retry[16];
		assert_true(itest_header(&r, "Retry-After", retry, sizeof retry));
		assert_true(atoi(retry) >= 1);
	}
	itest_response_free(&r);
	return status;
}

/* Feedback (the API and the dashboard's form share its route) is limited per
 * person; refused posts and other routes do not count. */
static void feedback_posts_are_limited_per_person(void **state)
{
	(void)state;
	const char *env[] = {"SHIPLOG_RATE_FEEDBACK=3", NULL};
	struct itest_server s;
	itest_server_start(&s, db_url, env);
	struct itest_response r;
	itest_json(&s, "POST", "/api/v1/release-candidates", ITEST_ADMIN_TOKEN,
		   "{\"version\":\"v1.0.0-rc.1\",\"repository\":\"acme/rl\","
		   "\"commit\":\"0123456789012345678901234567890123456789\"}",
		   &r);
	assert_int_equal(r.status, 201);
	long rc = (long)itest_int(r.json, "id");
	itest_response_free(&r);
	char *pat = itest_token(&s, "feedback");
	/* a refused post is not stored, so it does not count */
	assert_int_equal(post_feedback(&s, pat, rc, "{\"verdict\":\"meh\"}"), 400);
	for (int i = 0; i < 3; i++)
		assert_int_equal(
			post_feedback(&s, pat, rc,
				      "{\"author\":\"pat@example.com\",\"verdict\":\"approve\"}"),
			201);
	assert_int_equal(post_feedback(&s, pat, rc,
				       "{\"author\":\"pat@example.com\",\"verdict\":\"approve\"}"),
			 429);
	/* someone else still may */
	assert_int_equal(post_feedback(&s, ITEST_ADMIN_TOKEN, rc,
				       "{\"author\":\"sam@example.com\",\"verdict\":\"approve\"}"),
			 201);
	/* reading is not limited */
	char path[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback", rc);
	itest_get(&s, path, pat, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(itest_array_size(r.json, "items"), 4);
	itest_response_free(&r);
	free(pat);
	assert_int_equal(itest_server_stop(&s), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(repeated_bad_tokens_are_answered_429),
		cmocka_unit_test(forwarded_for_counts_only_from_a_trusted_proxy),
		cmocka_unit_test(feedback_posts_are_limited_per_person),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
