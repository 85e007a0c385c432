/*
 * test_sessions.c — browser sessions kept on the server: the cookie is only a
 * random id; what the session may do is read from what made it on every
 * request, so revoking a token, changing a token's scopes, signing out or
 * changing SHIPLOG_ADMIN_TOKEN take effect at once, on every replica.  And
 * sign-in and cookie writes refuse cross-site requests (login CSRF).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

static char db_url[512];
static struct itest_server server;

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("sessions", db_url, sizeof db_url);
	itest_server_start(&server, db_url, NULL);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return itest_server_stop(&server);
}

struct browser {
	char cookie[200]; /* "Cookie: shiplog_session=..." */
	char csrf[200];   /* "X-CSRF-Token: ..." */
	char id[200];     /* the cookie's value */
};

/* Signs in with a token on server s, as the dashboard does. */
static void sign_in(const struct itest_server *s, const char *token, struct browser *b)
{
	char body[600];
	snprintf(body, sizeof body, "{\"token\":\"%s\"}", token);
	struct itest_response r;
	itest_http(s, "POST", "/api/v1/session",
		   (const char *const[]){"Content-Type: application/json",
					 "Sec-Fetch-Site: same-origin", NULL},
		   body, strlen(body), &r);
	assert_int_equal(r.status, 200);
	char set[180];
	assert_true(itest_header(&r, "Set-Cookie", set, sizeof set));
	assert_non_null(strstr(set, "HttpOnly"));
	assert_non_null(strstr(set, "SameSite=Strict"));
	assert_int_equal(strncmp(set, "shiplog_session=", 16), 0);
	*strchr(set, ';') = '\0';
	snprintf(b->id, sizeof b->id, "%s", set + 16);
	snprintf(b->cookie, sizeof b->cookie, "Cookie: %s", set);
	const char *csrf = json_string_value(json_object_get(r.json, "csrf_token"));
	assert_non_null(csrf);
	snprintf(b->csrf, sizeof b->csrf, "X-CSRF-Token: %s", csrf);
	itest_response_free(&r);
}

static long browser_get(const struct itest_server *s, const struct browser *b, const char *path)
{
	struct itest_response r;
	itest_http(s, "GET", path, (const char *const[]){b->cookie, NULL}, NULL, 0, &r);
	long status = r.status;
	itest_response_free(&r);
	return status;
}

/* A write from the dashboard: cookie, CSRF token, same-origin. */
static long browser_write(const struct itest_server *s, const struct browser *b,
			  const char *method, const char *path, const char *json)
{
	struct itest_response r;
	itest_http(s, method, path,
		   (const char *const[]){b->cookie, b->csrf, "Content-Type: application/json",
					 "Sec-Fetch-Site: same-origin", NULL},
		   json, json ? strlen(json) : 0, &r);
	long status = r.status;
	itest_response_free(&r);
	return status;
}

static long token_id_of(const char *owner)
{
	return itest_sql_longf(db_url, "SELECT max(id) FROM api_tokens WHERE owner = '%s'", owner);
}

#define ARTIFACT_BODY(name)                                                                        \
	"{\"repository\":\"itest/sessions\",\"commit\":\"5e55105e55105e55105e55105e55105e55105e55\","  \
	"\"kind\":\"binary\",\"name\":\"" name "\",\"version\":\"1.0.0\","                        \
	"\"digest\":\"sha256:5555555555555555555555555555555555555555555555555555555555555555\"}"

static void the_cookie_is_a_random_id_and_the_database_holds_only_its_hash(void **state)
{
	(void)state;
	struct browser b;
	sign_in(&server, ITEST_ADMIN_TOKEN, &b);
	/* 256 random bits, base64url: nothing to read or forge in it */
	assert_int_equal(strlen(b.id), 43);
	assert_null(strchr(b.id, '.'));
	assert_int_equal(browser_get(&server, &b, "/api/v1/tokens"), 200);
	assert_int_equal(itest_sql_longf(db_url,
					 "SELECT count(*) FROM sessions WHERE id_hash = "
					 "sha256(convert_to('%s', 'UTF8')) AND kind = 'admin-token' "
					 "AND revoked_at IS NULL",
					 b.id),
			 1);
	/* the table never holds the id itself */
	assert_int_equal(itest_sql_longf(db_url,
					 "SELECT count(*) FROM sessions WHERE "
					 "position(convert_to('%s', 'UTF8') IN id_hash) > 0",
					 b.id),
			 0);
	/* an id that was never issued is anonymous, not an error */
	struct browser forged = b;
	forged.cookie[strlen(forged.cookie) - 1] = forged.cookie[strlen(forged.cookie) - 1] == 'A'
							   ? 'B'
							   : 'A';
	assert_int_equal(browser_get(&server, &forged, "/api/v1/tokens"), 401);
}

static void revoking_a_token_ends_its_sessions_at_once(void **state)
{
	(void)state;
	char *tok = itest_token_owned(&server, "carol@example.com", "read,ci");
	long id = token_id_of("carol@example.com");
	struct browser b, other;
	sign_in(&server, tok, &b);
	sign_in(&server, tok, &other); /* a second browser of the same person */
	assert_int_equal(browser_get(&server, &b, "/api/v1/artifacts"), 200);
	assert_int_equal(browser_write(&server, &b, "POST", "/api/v1/artifacts",
				       ARTIFACT_BODY("before-revoke")),
			 201);

	char path[64];
	snprintf(path, sizeof path, "/api/v1/tokens/%ld", id);
	struct itest_response r;
	itest_http(&server, "DELETE", path,
		   (const char *const[]){"Authorization: Bearer " ITEST_ADMIN_TOKEN, NULL}, NULL, 0,
		   &r);
	assert_int_equal(r.status, 204);
	itest_response_free(&r);

	/* neither reads nor writes, in either browser, from the next request on */
	assert_int_equal(browser_get(&server, &b, "/api/v1/artifacts"), 401);
	assert_int_equal(browser_get(&server, &other, "/api/v1/artifacts"), 401);
	assert_int_equal(browser_write(&server, &b, "POST", "/api/v1/artifacts",
				       ARTIFACT_BODY("after-revoke")),
			 401);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM artifacts "
						"WHERE name = 'after-revoke'"),
			 0);
	/* and the sessions table says they ended */
	assert_int_equal(itest_sql_longf(db_url,
					 "SELECT count(*) FROM sessions WHERE token_id = %ld "
					 "AND revoked_at IS NOT NULL",
					 id),
			 2);
	free(tok);
}

static void a_session_has_its_tokens_scopes_as_they_are_now(void **state)
{
	(void)state;
	char *tok = itest_token_owned(&server, "dave@example.com", "read,ci");
	long id = token_id_of("dave@example.com");
	struct browser b;
	sign_in(&server, tok, &b);
	assert_int_equal(browser_write(&server, &b, "POST", "/api/v1/artifacts",
				       ARTIFACT_BODY("with-ci")),
			 201);
	/* an operator takes the ci scope away: the session loses it too */
	free(itest_sqlf(db_url, "UPDATE api_tokens SET scopes = 1 WHERE id = %ld", id));
	assert_int_equal(browser_write(&server, &b, "POST", "/api/v1/artifacts",
				       ARTIFACT_BODY("without-ci")),
			 403);
	assert_int_equal(browser_get(&server, &b, "/api/v1/artifacts"), 200);
	struct itest_response r;
	itest_http(&server, "GET", "/api/v1/session", (const char *const[]){b.cookie, NULL}, NULL,
		   0, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(itest_array_size(r.json, "scopes"), 1);
	itest_response_free(&r);
	free(tok);
}

static void signing_out_ends_the_session_for_every_copy_of_the_cookie(void **state)
{
	(void)state;
	struct browser b;
	sign_in(&server, ITEST_ADMIN_TOKEN, &b);
	struct browser copy = b; /* stolen, or another tab */
	assert_int_equal(browser_get(&server, &copy, "/api/v1/tokens"), 200);
	struct itest_response r;
	itest_http(&server, "DELETE", "/api/v1/session",
		   (const char *const[]){b.cookie, b.csrf, "Sec-Fetch-Site: same-origin", NULL},
		   NULL, 0, &r);
	assert_int_equal(r.status, 204);
	char set[200];
	assert_true(itest_header(&r, "Set-Cookie", set, sizeof set));
	assert_non_null(strstr(set, "Max-Age=0"));
	itest_response_free(&r);
	assert_int_equal(browser_get(&server, &copy, "/api/v1/tokens"), 401);
	assert_int_equal(itest_sql_longf(db_url,
					 "SELECT count(*) FROM sessions WHERE id_hash = "
					 "sha256(convert_to('%s', 'UTF8')) AND revoked_at IS NOT NULL",
					 b.id),
			 1);
	/* signing out without the CSRF token is refused and ends nothing */
	sign_in(&server, ITEST_ADMIN_TOKEN, &b);
	itest_http(&server, "DELETE", "/api/v1/session", (const char *const[]){b.cookie, NULL},
		   NULL, 0, &r);
	itest_assert_problem(&r, 403, "/csrf", "X-CSRF-Token");
	itest_response_free(&r);
	assert_int_equal(browser_get(&server, &b, "/api/v1/tokens"), 200);
}

static void a_new_sign_in_ends_the_browsers_previous_session(void **state)
{
	(void)state;
	struct browser first;
	sign_in(&server, ITEST_ADMIN_TOKEN, &first);
	char *tok = itest_token_owned(&server, "erin@example.com", "read");
	char body[300];
	snprintf(body, sizeof body, "{\"token\":\"%s\"}", tok);
	struct itest_response r;
	itest_http(&server, "POST", "/api/v1/session",
		   (const char *const[]){first.cookie, first.csrf, "Content-Type: application/json",
					 "Sec-Fetch-Site: same-origin", NULL},
		   body, strlen(body), &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "subject")),
			    "erin@example.com");
	itest_response_free(&r);
	/* the admin session that browser had is over */
	assert_int_equal(browser_get(&server, &first, "/api/v1/tokens"), 401);
	free(tok);

	/* a refused sign-in leaves the browser's session alone */
	struct browser kept;
	sign_in(&server, ITEST_ADMIN_TOKEN, &kept);
	itest_http(&server, "POST", "/api/v1/session",
		   (const char *const[]){kept.cookie, kept.csrf, "Content-Type: application/json",
					 "Sec-Fetch-Site: same-origin", NULL},
		   "{\"token\":\"shiplog_not-a-token-that-anyone-has-0123456789\"}", 58, &r);
	itest_assert_problem(&r, 401, "/unauthorized", NULL);
	itest_response_free(&r);
	assert_int_equal(browser_get(&server, &kept, "/api/v1/tokens"), 200);
}

static void admin_token_sessions_end_when_the_variable_changes(void **state)
{
	(void)state;
	struct itest_server s;
	itest_server_start(&s, db_url, NULL);
	struct browser b;
	sign_in(&s, ITEST_ADMIN_TOKEN, &b);
	assert_int_equal(browser_get(&s, &b, "/api/v1/tokens"), 200);
	assert_int_equal(itest_server_stop(&s), 0);

	/* restarted with the same admin token: the session goes on */
	itest_server_start(&s, db_url, NULL);
	assert_int_equal(browser_get(&s, &b, "/api/v1/tokens"), 200);
	assert_int_equal(itest_server_stop(&s), 0);

	/* the operator rotates SHIPLOG_ADMIN_TOKEN: sessions made from the old one end */
	const char *rotated[] = {"SHIPLOG_ADMIN_TOKEN=itest-rotated-admin-token-0123456789", NULL};
	itest_server_start(&s, db_url, rotated);
	assert_int_equal(browser_get(&s, &b, "/api/v1/tokens"), 401);
	/* and without any admin token configured, too */
	assert_int_equal(itest_server_stop(&s), 0);
	const char *none[] = {"SHIPLOG_ADMIN_TOKEN=", NULL};
	itest_server_start(&s, db_url, none);
	assert_int_equal(browser_get(&s, &b, "/api/v1/tokens"), 401);
	assert_int_equal(itest_server_stop(&s), 0);
}

static void sessions_work_across_replicas(void **state)
{
	(void)state;
	/* two processes on one database */
	struct itest_server replica;
	itest_server_start(&replica, db_url, NULL);
	char *tok = itest_token_owned(&server, "frank@example.com", "read");
	struct browser b;
	sign_in(&server, tok, &b);
	assert_int_equal(browser_get(&replica, &b, "/api/v1/artifacts"), 200);
	/* signed out on the replica: over on the first process too */
	struct itest_response r;
	itest_http(&replica, "GET", "/api/v1/session", (const char *const[]){b.cookie, NULL}, NULL,
		   0, &r);
	assert_int_equal(r.status, 200);
	char csrf[200];
	snprintf(csrf, sizeof csrf, "X-CSRF-Token: %s",
		 json_string_value(json_object_get(r.json, "csrf_token")));
	itest_response_free(&r);
	itest_http(&replica, "DELETE", "/api/v1/session", (const char *const[]){b.cookie, csrf, NULL},
		   NULL, 0, &r);
	assert_int_equal(r.status, 204);
	itest_response_free(&r);
	assert_int_equal(browser_get(&server, &b, "/api/v1/artifacts"), 401);
	assert_int_equal(itest_server_stop(&replica), 0);
	free(tok);
}

static void sign_in_is_json_only_and_refuses_cross_site_posts(void **state)
{
	(void)state;
	char body[200];
	snprintf(body, sizeof body, "{\"token\":\"%s\"}", ITEST_ADMIN_TOKEN);
	struct itest_response r;
	/* a foreign page posting the attacker's token into the victim's browser */
	static const char *const cross[] = {"Sec-Fetch-Site: cross-site", "Sec-Fetch-Site: same-site",
					    NULL};
	for (const char *const *h = cross; *h; h++) {
		itest_http(&server, "POST", "/api/v1/session",
			   (const char *const[]){"Content-Type: application/json", *h, NULL}, body,
			   strlen(body), &r);
		itest_assert_problem(&r, 403, "/csrf", "Sec-Fetch-Site");
		assert_false(itest_header(&r, "Set-Cookie", (char[8]){0}, 8));
		itest_response_free(&r);
	}
	/* a browser without Sec-Fetch-Site: its Origin must be ours */
	itest_http(&server, "POST", "/api/v1/session",
		   (const char *const[]){"Content-Type: application/json",
					 "Origin: https://evil.example", NULL},
		   body, strlen(body), &r);
	itest_assert_problem(&r, 403, "/csrf", "Origin");
	itest_response_free(&r);
	itest_http(&server, "POST", "/api/v1/session",
		   (const char *const[]){"Content-Type: application/json", "Origin: null", NULL},
		   body, strlen(body), &r);
	itest_assert_problem(&r, 403, "/csrf", "Origin");
	itest_response_free(&r);
	char origin[128];
	snprintf(origin, sizeof origin, "Origin: %s", server.base);
	itest_http(&server, "POST", "/api/v1/session",
		   (const char *const[]){"Content-Type: application/json", origin, NULL}, body,
		   strlen(body), &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	/* typed into the address bar / a bookmark, and non-browser clients */
	itest_http(&server, "POST", "/api/v1/session",
		   (const char *const[]){"Content-Type: application/json", "Sec-Fetch-Site: none",
					 NULL},
		   body, strlen(body), &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	itest_json(&server, "POST", "/api/v1/session", NULL, body, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	/* an HTML form cannot sign anyone in: JSON only */
	char form[200];
	snprintf(form, sizeof form, "token=%s", ITEST_ADMIN_TOKEN);
	itest_http(&server, "POST", "/api/v1/session",
		   (const char *const[]){"Content-Type: application/x-www-form-urlencoded", NULL},
		   form, strlen(form), &r);
	itest_assert_problem(&r, 415, "/unsupported-media-type", "application/json");
	itest_response_free(&r);
}

static void cookie_writes_refuse_cross_site_requests_even_with_the_csrf_token(void **state)
{
	(void)state;
	struct browser b;
	sign_in(&server, ITEST_ADMIN_TOKEN, &b);
	const char *body = ARTIFACT_BODY("cross-site");
	struct itest_response r;
	itest_http(&server, "POST", "/api/v1/artifacts",
		   (const char *const[]){b.cookie, b.csrf, "Content-Type: application/json",
					 "Sec-Fetch-Site: cross-site", NULL},
		   body, strlen(body), &r);
	itest_assert_problem(&r, 403, "/csrf", "cross-site");
	itest_response_free(&r);
	itest_http(&server, "POST", "/api/v1/artifacts",
		   (const char *const[]){b.cookie, b.csrf, "Content-Type: application/json",
					 "Origin: https://evil.example", NULL},
		   body, strlen(body), &r);
	itest_assert_problem(&r, 403, "/csrf", "Origin");
	itest_response_free(&r);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM artifacts "
						"WHERE name = 'cross-site'"),
			 0);
	/* a bearer token is not a browser's ambient credential: no such check */
	itest_http(&server, "POST", "/api/v1/artifacts",
		   (const char *const[]){"Authorization: Bearer " ITEST_ADMIN_TOKEN,
					 "Content-Type: application/json",
					 "Sec-Fetch-Site: cross-site", NULL},
		   body, strlen(body), &r);
	assert_int_equal(r.status, 201);
	itest_response_free(&r);
	/* reads are not writes */
	itest_http(&server, "GET", "/api/v1/tokens",
		   (const char *const[]){b.cookie, "Sec-Fetch-Site: cross-site", NULL}, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
}

static void an_sso_session_follows_the_proxy(void **state)
{
	(void)state;
	char path[256], env[300];
	itest_config_file("sessions-sso",
			  "auth:\n  sso_header: X-Forwarded-Email\n  trusted_proxies: [\"127.0.0.1\"]\n",
			  path, sizeof path, env, sizeof env);
	const char *envs[] = {env, NULL};
	struct itest_server s;
	itest_server_start(&s, db_url, envs);
	struct itest_response r;
	itest_http(&s, "GET", "/api/v1/session",
		   (const char *const[]){"X-Forwarded-Email: gina@example.com", NULL}, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	char set[300];
	assert_true(itest_header(&r, "Set-Cookie", set, sizeof set));
	*strchr(set, ';') = '\0';
	char cookie[320];
	snprintf(cookie, sizeof cookie, "Cookie: %s", set);
	itest_response_free(&r);
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM sessions WHERE kind = 'sso' "
						"AND subject = 'gina@example.com'"),
			 1);
	/* the proxy now says someone else is at this browser: not gina's session */
	itest_http(&s, "GET", "/api/v1/session",
		   (const char *const[]){cookie, "X-Forwarded-Email: hank@example.com", NULL}, NULL,
		   0, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "subject")),
			    "hank@example.com");
	itest_response_free(&r);
	assert_int_equal(itest_server_stop(&s), 0);
	/* SSO turned off: its sessions are over */
	itest_server_start(&s, db_url, NULL);
	itest_http(&s, "GET", "/api/v1/session", (const char *const[]){cookie, NULL}, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_true(json_is_false(json_object_get(r.json, "authenticated")));
	itest_response_free(&r);
	assert_int_equal(itest_server_stop(&s), 0);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_cookie_is_a_random_id_and_the_database_holds_only_its_hash),
		cmocka_unit_test(revoking_a_token_ends_its_sessions_at_once),
		cmocka_unit_test(a_session_has_its_tokens_scopes_as_they_are_now),
		cmocka_unit_test(signing_out_ends_the_session_for_every_copy_of_the_cookie),
		cmocka_unit_test(a_new_sign_in_ends_the_browsers_previous_session),
		cmocka_unit_test(admin_token_sessions_end_when_the_variable_changes),
		cmocka_unit_test(sessions_work_across_replicas),
		cmocka_unit_test(sign_in_is_json_only_and_refuses_cross_site_posts),
		cmocka_unit_test(cookie_writes_refuse_cross_site_requests_even_with_the_csrf_token),
		cmocka_unit_test(an_sso_session_follows_the_proxy),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
