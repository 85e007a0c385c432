/*
 * test_foundation.c — the server's shared behaviour, over real HTTP against
 * a real PostgreSQL: health, auth and scopes, sessions and CSRF, the
 * dispatcher's 4xx answers, static files, metrics, and migrations.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

static struct itest_server server;
static char db_url[512];

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("foundation", db_url, sizeof db_url);
	itest_server_start(&server, db_url, NULL);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

static void healthz_answers_ok_without_auth(void **state)
{
	(void)state;
	struct itest_response r;
	itest_get(&server, "/healthz", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "ok");
	char rid[80];
	assert_true(itest_header(&r, "X-Request-Id", rid, sizeof rid));
	assert_true(strlen(rid) > 8);
	itest_response_free(&r);
}

static void readyz_reports_database_and_schema(void **state)
{
	(void)state;
	struct itest_response r;
	itest_get(&server, "/readyz", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "ready");
	assert_true(json_integer_value(json_object_get(r.json, "schema")) >= 1);
	itest_response_free(&r);
}

static void request_id_is_honoured_and_echoed(void **state)
{
	(void)state;
	struct itest_response r;
	const char *h[] = {"X-Request-Id: trace-abc.123", NULL};
	itest_http(&server, "GET", "/healthz", h, NULL, 0, &r);
	char rid[80];
	assert_true(itest_header(&r, "X-Request-Id", rid, sizeof rid));
	assert_string_equal(rid, "trace-abc.123");
	itest_response_free(&r);
	/* a hostile id is replaced, not echoed */
	const char *bad[] = {"X-Request-Id: <script>", NULL};
	itest_http(&server, "GET", "/healthz", bad, NULL, 0, &r);
	assert_true(itest_header(&r, "X-Request-Id", rid, sizeof rid));
	assert_null(strchr(rid, '<'));
	itest_response_free(&r);
}

static void metrics_count_requests_by_route_and_status(void **state)
{
	(void)state;
	struct itest_response r;
	itest_get(&server, "/api/v1/tokens", NULL, &r); /* a 401 to count */
	itest_response_free(&r);
	itest_get(&server, "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "shiplog_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"));
	assert_non_null(strstr(r.body, "route=\"/api/v1/tokens\",status=\"401\""));
	assert_non_null(strstr(r.body, "shiplog_http_request_duration_seconds_bucket"));
	assert_non_null(strstr(r.body, "shiplog_http_requests_in_flight"));
	assert_non_null(strstr(r.body, "shiplog_db_errors_total"));
	assert_non_null(strstr(r.body, "shiplog_db_reconnects_total"));
	itest_response_free(&r);
}

static void missing_token_is_401_and_bad_token_is_401(void **state)
{
	(void)state;
	struct itest_response r;
	itest_get(&server, "/api/v1/tokens", NULL, &r);
	itest_assert_problem(&r, 401, "/unauthorized", "Authorization");
	char www[128];
	assert_true(itest_header(&r, "WWW-Authenticate", www, sizeof www));
	itest_response_free(&r);
	itest_get(&server, "/api/v1/tokens", "shiplog_notarealtokenatallxxxxxxxxxxxxxxxxxxxxxxxxx", &r);
	itest_assert_problem(&r, 401, "/unauthorized", "unknown or revoked");
	itest_response_free(&r);
	const char *h[] = {"Authorization: Basic dXNlcjpwYXNz", NULL};
	itest_http(&server, "GET", "/api/v1/tokens", h, NULL, 0, &r);
	itest_assert_problem(&r, 401, "/unauthorized", "Bearer");
	itest_response_free(&r);
}

static void wrong_scope_is_403_and_admin_may_do_everything(void **state)
{
	(void)state;
	char *ci = itest_token(&server, "ci");
	char *read = itest_token(&server, "read");
	struct itest_response r;
	itest_get(&server, "/api/v1/tokens", ci, &r);
	itest_assert_problem(&r, 403, "/forbidden", "admin");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/tokens", read, &r);
	itest_assert_problem(&r, 403, "/forbidden", "admin");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/tokens", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	free(ci);
	free(read);
}

static void tokens_are_shown_once_stored_hashed_and_revocable(void **state)
{
	(void)state;
	struct itest_response r;
	itest_json(&server, "POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN,
		   "{\"name\":\"deploy bot\",\"owner\":\"bot@example.com\",\"scopes\":[\"ci\",\"read\"]}",
		   &r);
	assert_int_equal(r.status, 201);
	const char *token = json_string_value(json_object_get(r.json, "token"));
	assert_non_null(token);
	assert_int_equal(strncmp(token, "shiplog_", 8), 0);
	char *tok = strdup(token);
	long id = (long)json_integer_value(json_object_get(r.json, "id"));
	char loc[64];
	assert_true(itest_header(&r, "Location", loc, sizeof loc));
	itest_response_free(&r);

	/* the database holds the SHA-256, never the token */
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM api_tokens WHERE id = %ld AND token_hash = sha256('%s'::bytea)",
		 id, tok);
	assert_int_equal(itest_sql_long(db_url, sql), 1);
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM api_tokens WHERE position('%s'::bytea in token_hash) > 0", tok);
	assert_int_equal(itest_sql_long(db_url, sql), 0);

	/* listing never shows a value */
	itest_get(&server, "/api/v1/tokens", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, tok));
	assert_non_null(json_object_get(r.json, "items"));
	itest_response_free(&r);

	/* it works, it is attributed, then it is revoked */
	itest_get(&server, "/api/v1/session", tok, &r);
	assert_string_equal(json_string_value(json_object_get(r.json, "subject")), "bot@example.com");
	itest_response_free(&r);
	char path[64];
	snprintf(path, sizeof path, "/api/v1/tokens/%ld", id);
	itest_http(&server, "DELETE", path,
		   (const char *const[]){"Authorization: Bearer " ITEST_ADMIN_TOKEN, NULL}, NULL, 0,
		   &r);
	assert_int_equal(r.status, 204);
	itest_response_free(&r);
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM events WHERE kind = 'token.revoked' AND entity_id = '%ld' "
		 "AND actor = 'admin (SHIPLOG_ADMIN_TOKEN)'",
		 id);
	assert_int_equal(itest_sql_long(db_url, sql), 1);
	itest_get(&server, "/api/v1/tokens", tok, &r);
	itest_assert_problem(&r, 401, "/unauthorized", "revoked");
	itest_response_free(&r);
	itest_http(&server, "DELETE", "/api/v1/tokens/999999",
		   (const char *const[]){"Authorization: Bearer " ITEST_ADMIN_TOKEN, NULL}, NULL, 0,
		   &r);
	itest_assert_problem(&r, 404, "/not-found", "999999");
	itest_response_free(&r);
	free(tok);
}

static void token_list_is_keyset_paginated(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++)
		free(itest_token(&server, "read"));
	struct itest_response r;
	itest_get(&server, "/api/v1/tokens?limit=2", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
	const char *next = json_string_value(json_object_get(r.json, "next"));
	assert_non_null(next);
	long first_id = (long)json_integer_value(
		json_object_get(json_array_get(json_object_get(r.json, "items"), 1), "id"));
	char *next_path = strdup(next);
	itest_response_free(&r);
	itest_get(&server, next_path, ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	long second_id = (long)json_integer_value(
		json_object_get(json_array_get(json_object_get(r.json, "items"), 0), "id"));
	assert_true(second_id < first_id);
	itest_response_free(&r);
	free(next_path);
	itest_get(&server, "/api/v1/tokens?cursor=bm90LWEtY3Vyc29y", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "cursor");
	itest_response_free(&r);
}

static void unknown_path_is_404_problem(void **state)
{
	(void)state;
	struct itest_response r;
	itest_get(&server, "/api/v1/nothing-here", NULL, &r);
	itest_assert_problem(&r, 404, "/not-found", "/api/v1/nothing-here");
	itest_response_free(&r);
}

static void wrong_method_is_405_with_allow(void **state)
{
	(void)state;
	struct itest_response r;
	itest_http(&server, "PUT", "/api/v1/tokens", NULL, NULL, 0, &r);
	itest_assert_problem(&r, 405, "/method-not-allowed", "PUT");
	char allow[128];
	assert_true(itest_header(&r, "Allow", allow, sizeof allow));
	assert_non_null(strstr(allow, "GET"));
	assert_non_null(strstr(allow, "POST"));
	assert_non_null(strstr(allow, "HEAD"));
	itest_response_free(&r);
	itest_http(&server, "OPTIONS", "/api/v1/tokens", NULL, NULL, 0, &r);
	assert_int_equal(r.status, 204);
	assert_true(itest_header(&r, "Allow", allow, sizeof allow));
	assert_non_null(strstr(allow, "OPTIONS"));
	itest_response_free(&r);
}

static void head_answers_like_get_without_a_body(void **state)
{
	(void)state;
	struct itest_response r;
	itest_http(&server, "HEAD", "/healthz", NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	char cl[32];
	assert_true(itest_header(&r, "Content-Length", cl, sizeof cl));
	assert_true(atoi(cl) > 0);
	itest_response_free(&r);
}

static void oversized_body_is_413_with_and_without_content_length(void **state)
{
	(void)state;
	size_t n = 1024 * 1024 + 10;
	char *big = malloc(n);
	memset(big, ' ', n);
	struct itest_response r;
	const char *with_cl[] = {"Content-Type: application/json",
				 "Authorization: Bearer " ITEST_ADMIN_TOKEN, NULL};
	itest_http(&server, "POST", "/api/v1/tokens", with_cl, big, n, &r);
	itest_assert_problem(&r, 413, "/payload-too-large", "Content-Length");
	itest_response_free(&r);
	const char *chunked[] = {"Content-Type: application/json", "Transfer-Encoding: chunked",
				 "Authorization: Bearer " ITEST_ADMIN_TOKEN, NULL};
	itest_http(&server, "POST", "/api/v1/tokens", chunked, big, n, &r);
	itest_assert_problem(&r, 413, "/payload-too-large", "exceeds");
	itest_response_free(&r);
	free(big);
}

static void overlong_url_is_414_problem(void **state)
{
	(void)state;
	char path[4096] = "/api/v1/tokens?limit=1&x=";
	size_t l = strlen(path);
	memset(path + l, 'a', 3000);
	path[l + 3000] = '\0';
	struct itest_response r;
	itest_get(&server, path, NULL, &r);
	itest_assert_problem(&r, 414, "/uri-too-long", "URL");
	itest_response_free(&r);
}

static void malformed_json_is_400_naming_the_place(void **state)
{
	(void)state;
	struct itest_response r;
	itest_json(&server, "POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN, "{\"name\": ", &r);
	itest_assert_problem(&r, 400, "/malformed-json", "line 1");
	itest_response_free(&r);
	itest_json(&server, "POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN,
		   "{\"name\":\"a\",\"owner\":\"b\",\"scopes\":[\"ci\"],\"colour\":1}", &r);
	itest_assert_problem(&r, 400, "/unknown-field", "colour");
	itest_response_free(&r);
	itest_json(&server, "POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN,
		   "{\"name\":\"a\",\"scopes\":[\"ci\"]}", &r);
	itest_assert_problem(&r, 400, "/missing-field", "owner");
	itest_response_free(&r);
	itest_json(&server, "POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN,
		   "{\"name\":5,\"owner\":\"b\",\"scopes\":[\"ci\"]}", &r);
	itest_assert_problem(&r, 400, "/invalid-field", "name");
	itest_response_free(&r);
	itest_json(&server, "POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN,
		   "{\"name\":\"a\\u0000b\",\"owner\":\"b\",\"scopes\":[\"ci\"]}", &r);
	itest_assert_problem(&r, 400, "/malformed-json", NULL);
	itest_response_free(&r);
	itest_json(&server, "POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN, "[1,2]", &r);
	itest_assert_problem(&r, 400, "/malformed-json", "object");
	itest_response_free(&r);
	const char *xml[] = {"Content-Type: text/xml", "Authorization: Bearer " ITEST_ADMIN_TOKEN,
			     NULL};
	itest_http(&server, "POST", "/api/v1/tokens", xml, "<a/>", 4, &r);
	itest_assert_problem(&r, 415, "/unsupported-media-type", "Content-Type");
	itest_response_free(&r);
}

static void bad_query_parameters_are_400_naming_them(void **state)
{
	(void)state;
	struct itest_response r;
	itest_get(&server, "/api/v1/tokens?limit=abc", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "limit");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/tokens?limit=100000", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "limit");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/tokens?limt=5", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 400, "/unknown-parameter", "limt");
	itest_response_free(&r);
	itest_http(&server, "DELETE", "/api/v1/tokens/1%27%3BDROP%20TABLE%20api_tokens--",
		   (const char *const[]){"Authorization: Bearer " ITEST_ADMIN_TOKEN, NULL}, NULL, 0,
		   &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "id");
	itest_response_free(&r);
	assert_true(itest_sql_long(db_url, "SELECT count(*) FROM api_tokens") >= 0);
}

static void session_sign_in_sets_a_strict_cookie_and_csrf_guards_writes(void **state)
{
	(void)state;
	struct itest_response r;
	char *admin2 = itest_token(&server, "admin");
	char body[256];
	snprintf(body, sizeof body, "{\"token\":\"%s\"}", admin2);
	itest_json(&server, "POST", "/api/v1/session", NULL, body, &r);
	assert_int_equal(r.status, 200);
	char cookie[1400];
	assert_true(itest_header(&r, "Set-Cookie", cookie, sizeof cookie));
	assert_non_null(strstr(cookie, "HttpOnly"));
	assert_non_null(strstr(cookie, "SameSite=Strict"));
	const char *csrf = json_string_value(json_object_get(r.json, "csrf_token"));
	assert_non_null(csrf);
	char csrf_header[200];
	snprintf(csrf_header, sizeof csrf_header, "X-CSRF-Token: %s", csrf);
	char *semi = strchr(cookie, ';');
	*semi = '\0';
	char cookie_header[1500];
	snprintf(cookie_header, sizeof cookie_header, "Cookie: %s", cookie);
	itest_response_free(&r);

	/* the cookie reads */
	itest_http(&server, "GET", "/api/v1/tokens", (const char *const[]){cookie_header, NULL},
		   NULL, 0, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	/* a write with the cookie but without the CSRF token is refused */
	const char *tok_body = "{\"name\":\"x\",\"owner\":\"y\",\"scopes\":[\"read\"]}";
	itest_http(&server, "POST", "/api/v1/tokens",
		   (const char *const[]){cookie_header, "Content-Type: application/json", NULL},
		   tok_body, strlen(tok_body), &r);
	itest_assert_problem(&r, 403, "/csrf", "CSRF");
	itest_response_free(&r);
	itest_http(&server, "POST", "/api/v1/tokens",
		   (const char *const[]){cookie_header, "Content-Type: application/json",
					 "X-CSRF-Token: forged", NULL},
		   tok_body, strlen(tok_body), &r);
	itest_assert_problem(&r, 403, "/csrf", NULL);
	itest_response_free(&r);
	itest_http(&server, "POST", "/api/v1/tokens",
		   (const char *const[]){cookie_header, "Content-Type: application/json",
					 csrf_header, NULL},
		   tok_body, strlen(tok_body), &r);
	assert_int_equal(r.status, 201);
	itest_response_free(&r);
	/* a tampered cookie is anonymous */
	cookie_header[strlen(cookie_header) - 2] ^= 1;
	itest_http(&server, "GET", "/api/v1/tokens", (const char *const[]){cookie_header, NULL},
		   NULL, 0, &r);
	assert_int_equal(r.status, 401);
	itest_response_free(&r);
	/* a bad sign-in token */
	itest_json(&server, "POST", "/api/v1/session", NULL,
		   "{\"token\":\"shiplog_wrongwrongwrongwrongwrongwrong\"}", &r);
	itest_assert_problem(&r, 401, "/unauthorized", NULL);
	itest_response_free(&r);
	/* sign-in is JSON only (test_sessions: no login CSRF by an HTML form) */
	char form[256];
	snprintf(form, sizeof form, "token=%s", admin2);
	itest_http(&server, "POST", "/api/v1/session",
		   (const char *const[]){"Content-Type: application/x-www-form-urlencoded", NULL},
		   form, strlen(form), &r);
	itest_assert_problem(&r, 415, "/unsupported-media-type", NULL);
	itest_response_free(&r);
	free(admin2);
}

static void static_files_have_types_etags_and_no_way_out(void **state)
{
	(void)state;
	char web[] = "/tmp/shiplog-web-XXXXXX";
	assert_non_null(mkdtemp(web));
	char path[256];
	snprintf(path, sizeof path, "%s/index.html", web);
	FILE *f = fopen(path, "w");
	fputs("<!doctype html><title>t</title>", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/app.js", web);
	f = fopen(path, "w");
	fputs("console.log(1);", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/.secret", web);
	f = fopen(path, "w");
	fputs("hidden", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/escape", web);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	char env[300];
	snprintf(env, sizeof env, "SHIPLOG_WEB_DIR=%s", web);
	const char *envs[] = {env, NULL};
	struct itest_server s;
	itest_server_start(&s, db_url, envs);

	struct itest_response r;
	itest_get(&s, "/", NULL, &r);
	assert_int_equal(r.status, 200);
	char ct[128], etag[128];
	assert_true(itest_header(&r, "Content-Type", ct, sizeof ct));
	assert_non_null(strstr(ct, "text/html"));
	assert_true(itest_header(&r, "ETag", etag, sizeof etag));
	assert_true(itest_header(&r, "Content-Security-Policy", ct, sizeof ct));
	itest_response_free(&r);
	char inm[200];
	snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
	itest_http(&s, "GET", "/index.html", (const char *const[]){inm, NULL}, NULL, 0, &r);
	assert_int_equal(r.status, 304);
	itest_response_free(&r);
	itest_get(&s, "/app.js", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_true(itest_header(&r, "Content-Type", ct, sizeof ct));
	assert_non_null(strstr(ct, "text/javascript"));
	itest_response_free(&r);

	/* dashboard routes get the app; a missing asset is a 404 */
	itest_get(&s, "/runs/42", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "<title>t</title>"));
	itest_response_free(&r);
	itest_get(&s, "/missing.png", NULL, &r);
	assert_int_equal(r.status, 404);
	itest_response_free(&r);

	static const char *const attacks[] = {
		"/../../../../etc/passwd",     "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
		"/%2E%2E/etc/passwd",          "/escape",                   "/.secret",
		"/app.js/../../etc/passwd",    "/%5c..%5cetc%5cpasswd",     "//etc/passwd",
		"/index.html%00.js",
	};
	for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
		itest_get(&s, attacks[i], NULL, &r);
		if (r.status != 404 && r.status != 400)
			fail_msg("%s answered %ld", attacks[i], r.status);
		assert_null(strstr(r.body, "root:"));
		assert_null(strstr(r.body, "hidden"));
		itest_response_free(&r);
	}
	assert_int_equal(itest_server_stop(&s), 0);
	snprintf(path, sizeof path, "rm -rf '%s'", web);
	assert_int_equal(system(path), 0);
}

static void sso_header_counts_only_from_a_trusted_proxy(void **state)
{
	(void)state;
	char cfg_path[] = "/tmp/shiplog-sso-XXXXXX";
	int fd = mkstemp(cfg_path);
	assert_true(fd >= 0);
	const char *yaml = "auth:\n  sso_header: X-Forwarded-Email\n  trusted_proxies: [\"127.0.0.1\"]\n"
			   "teams:\n  - name: sales\n    members: [\"*@sales.example.com\"]\n";
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	setenv("ITEST_CONFIG", cfg_path, 1);
	struct itest_server s;
	itest_server_start(&s, db_url, NULL);
	unsetenv("ITEST_CONFIG");
	struct itest_response r;
	itest_http(&s, "GET", "/api/v1/session",
		   (const char *const[]){"X-Forwarded-Email: dana@sales.example.com", NULL}, NULL, 0,
		   &r);
	assert_int_equal(r.status, 200);
	assert_true(json_is_true(json_object_get(r.json, "authenticated")));
	assert_string_equal(json_string_value(json_object_get(r.json, "subject")),
			    "dana@sales.example.com");
	assert_string_equal(json_string_value(json_object_get(r.json, "team")), "sales");
	assert_non_null(json_string_value(json_object_get(r.json, "csrf_token")));
	char cookie[1400];
	assert_true(itest_header(&r, "Set-Cookie", cookie, sizeof cookie));
	itest_response_free(&r);
	/* SSO people read and give feedback; they are not admins */
	itest_http(&s, "GET", "/api/v1/tokens",
		   (const char *const[]){"X-Forwarded-Email: dana@sales.example.com", NULL}, NULL, 0,
		   &r);
	itest_assert_problem(&r, 403, "/forbidden", NULL);
	itest_response_free(&r);
	assert_int_equal(itest_server_stop(&s), 0);
	unlink(cfg_path);

	/* the same header from a server with no SSO configured means nothing */
	itest_http(&server, "GET", "/api/v1/session",
		   (const char *const[]){"X-Forwarded-Email: dana@sales.example.com", NULL}, NULL, 0,
		   &r);
	assert_true(json_is_false(json_object_get(r.json, "authenticated")));
	itest_response_free(&r);
}

static void openapi_is_served_and_lists_routes(void **state)
{
	(void)state;
	struct itest_response r;
	itest_get(&server, "/api/v1/openapi.json", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "openapi")), "3.1.0");
	json_t *paths = json_object_get(r.json, "paths");
	assert_non_null(json_object_get(json_object_get(paths, "/api/v1/tokens/{id}"), "delete"));
	assert_non_null(json_object_get(json_object_get(paths, "/readyz"), "get"));
	itest_response_free(&r);
}

static void first_start_without_admin_token_prints_one_once(void **state)
{
	(void)state;
	char url[512];
	itest_db_create("bootstrap", url, sizeof url);
	const char *envs[] = {"SHIPLOG_ADMIN_TOKEN=", NULL};
	struct itest_server s;
	itest_server_start(&s, url, envs);
	char *out = itest_read_file(s.out_path, NULL);
	const char *p = strstr(out, "shiplog_");
	assert_non_null(p);
	char token[64];
	snprintf(token, sizeof token, "%.51s", p);
	free(out);
	struct itest_response r;
	itest_get(&s, "/api/v1/tokens", token, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	assert_int_equal(itest_server_stop(&s), 0);
	/* a second start does not print another */
	itest_server_start(&s, url, envs);
	out = itest_read_file(s.out_path, NULL);
	assert_null(strstr(out, "shiplog_"));
	free(out);
	assert_int_equal(itest_server_stop(&s), 0);
}

static void two_servers_starting_together_migrate_once(void **state)
{
	(void)state;
	char url[512];
	itest_db_create("race", url, sizeof url);
	struct itest_server a, b;
	/* started back to back, they reach the migration lock together */
	itest_server_spawn(&a, url, NULL);
	itest_server_spawn(&b, url, NULL);
	assert_true(itest_server_wait(&a, 20000));
	assert_true(itest_server_wait(&b, 20000));
	assert_true(a.port > 0);
	/* every migration file applied, each by exactly one of the two */
	char cmd[512];
	snprintf(cmd, sizeof cmd, "ls %s/migrations/*.sql | wc -l", SHIPLOG_SOURCE_DIR);
	FILE *p = popen(cmd, "r");
	long files = 0;
	assert_int_equal(fscanf(p, "%ld", &files), 1);
	pclose(p);
	assert_int_equal(itest_sql_long(url, "SELECT count(*) FROM schema_migrations"), files);
	char *log_a = itest_read_file(a.log_path, NULL), *log_b = itest_read_file(b.log_path, NULL);
	long applied = 0;
	for (const char *q = log_a; (q = strstr(q, "applying migration")); q++)
		applied++;
	for (const char *q = log_b; (q = strstr(q, "applying migration")); q++)
		applied++;
	assert_int_equal(applied, files);
	free(log_a);
	free(log_b);
	struct itest_response r;
	itest_get(&a, "/readyz", NULL, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	itest_get(&b, "/readyz", NULL, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	assert_int_equal(itest_server_stop(&a), 0);
	assert_int_equal(itest_server_stop(&b), 0);
}

static void schema_with_unknown_breaking_migration_is_refused(void **state)
{
	(void)state;
	char url[512];
	itest_db_create("breaking", url, sizeof url);
	struct itest_server s;
	itest_server_start(&s, url, NULL);
	assert_int_equal(itest_server_stop(&s), 0);
	free(itest_sql(url, "INSERT INTO schema_migrations (version, name, breaking) "
			    "VALUES (9999, 'from_the_future', true)"));
	assert_false(itest_server_try_start(&s, url, NULL, 10000));
	char *log = itest_read_file(s.log_path, NULL);
	assert_non_null(strstr(log, "breaking migration 9999"));
	free(log);
	/* an additive (non-breaking) newer migration is fine: older replicas keep serving */
	free(itest_sql(url, "UPDATE schema_migrations SET breaking = false WHERE version = 9999"));
	itest_server_start(&s, url, NULL);
	assert_int_equal(itest_server_stop(&s), 0);
}


static int run_cmd(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void check_config_validates_and_names_the_line(void **state)
{
	(void)state;
	char out[4096], cmd[1024];
	snprintf(cmd, sizeof cmd, "%s --check-config %s/deploy/shiplog.example.yaml 2>&1",
		 SHIPLOGD_PATH, SHIPLOG_SOURCE_DIR);
	assert_int_equal(run_cmd(cmd, out, sizeof out), 0);
	assert_non_null(strstr(out, "valid"));
	char bad[] = "/tmp/shiplog-badcfg-XXXXXX";
	int fd = mkstemp(bad);
	const char *yaml = "server:\n  threads: lots\n";
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	snprintf(cmd, sizeof cmd, "%s --check-config %s 2>&1", SHIPLOGD_PATH, bad);
	assert_int_equal(run_cmd(cmd, out, sizeof out), 1);
	assert_non_null(strstr(out, ":2:"));
	assert_non_null(strstr(out, "threads"));
	/* a bad file also stops a real start, with the same message */
	snprintf(cmd, sizeof cmd, "DATABASE_URL=%s %s --config %s 2>&1", db_url, SHIPLOGD_PATH, bad);
	assert_int_equal(run_cmd(cmd, out, sizeof out), 1);
	assert_non_null(strstr(out, "threads"));
	unlink(bad);
	snprintf(cmd, sizeof cmd, "%s --help", SHIPLOGD_PATH);
	assert_int_equal(run_cmd(cmd, out, sizeof out), 0);
	assert_non_null(strstr(out, "--check-config"));
	assert_non_null(strstr(out, "DATABASE_URL"));
	snprintf(cmd, sizeof cmd, "%s --version", SHIPLOGD_PATH);
	assert_int_equal(run_cmd(cmd, out, sizeof out), 0);
	assert_non_null(strstr(out, "shiplogd "));
	snprintf(cmd, sizeof cmd, "%s --no-such-flag 2>&1", SHIPLOGD_PATH);
	assert_int_equal(run_cmd(cmd, out, sizeof out), 2);
}

static void pinned_clock_decides_session_expiry(void **state)
{
	(void)state;
	/* a session made at a pinned "now" ... */
	const char *then[] = {"SHIPLOG_NOW=2030-01-01T00:00:00Z", NULL};
	struct itest_server s;
	itest_server_start(&s, db_url, then);
	struct itest_response r;
	itest_json(&s, "POST", "/api/v1/session", NULL, "{\"token\":\"" ITEST_ADMIN_TOKEN "\"}", &r);
	assert_int_equal(r.status, 200);
	char cookie[1400], header[1500];
	assert_true(itest_header(&r, "Set-Cookie", cookie, sizeof cookie));
	*strchr(cookie, ';') = '\0';
	snprintf(header, sizeof header, "Cookie: %s", cookie);
	itest_response_free(&r);
	itest_http(&s, "GET", "/api/v1/tokens", (const char *const[]){header, NULL}, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	assert_int_equal(itest_server_stop(&s), 0);
	/* ... is still good 11 hours later and gone after the 12-hour TTL */
	const char *later[] = {"SHIPLOG_NOW=2030-01-01T11:00:00Z", NULL};
	itest_server_start(&s, db_url, later);
	itest_http(&s, "GET", "/api/v1/tokens", (const char *const[]){header, NULL}, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	assert_int_equal(itest_server_stop(&s), 0);
	const char *expired[] = {"SHIPLOG_NOW=2030-01-01T12:00:01Z", NULL};
	itest_server_start(&s, db_url, expired);
	itest_http(&s, "GET", "/api/v1/tokens", (const char *const[]){header, NULL}, NULL, 0, &r);
	itest_assert_problem(&r, 401, "/unauthorized", NULL);
	itest_response_free(&r);
	assert_int_equal(itest_server_stop(&s), 0);
}

static void sigterm_lets_an_in_flight_request_finish(void **state)
{
	(void)state;
	struct itest_server s;
	itest_server_start(&s, db_url, NULL);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)s.port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	const char *body = "{\"name\":\"drain\",\"owner\":\"o@example.com\",\"scopes\":[\"read\"]}";
	char head[512];
	int hl = snprintf(head, sizeof head,
			  "POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
			  "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
			  ITEST_ADMIN_TOKEN, strlen(body));
	/* the headers and half the body, then SIGTERM once the server has the
	 * request in flight (its /metrics counts it, and the /metrics request
	 * itself), then the rest */
	assert_int_equal(write(fd, head, (size_t)hl), hl);
	assert_int_equal(write(fd, body, 10), 10);
	bool in_flight = false;
	for (int i = 0; i < 500 && !in_flight; i++) {
		struct itest_response m;
		itest_get(&s, "/metrics", NULL, &m);
		const char *g = m.body ? strstr(m.body, "\nshiplog_http_requests_in_flight ") : NULL;
		in_flight = g && atoi(g + strlen("\nshiplog_http_requests_in_flight ")) >= 2;
		itest_response_free(&m);
		if (!in_flight)
			usleep(10 * 1000);
	}
	assert_true(in_flight);
	kill(s.pid, SIGTERM);
	usleep(300 * 1000);
	assert_int_equal(write(fd, body + 10, strlen(body) - 10), (ssize_t)(strlen(body) - 10));
	char reply[4096] = "";
	size_t got = 0;
	ssize_t n;
	while (got < sizeof reply - 1 && (n = read(fd, reply + got, sizeof reply - 1 - got)) > 0)
		got += (size_t)n;
	reply[got] = '\0';
	close(fd);
	if (!strstr(reply, "HTTP/1.1 201"))
		fail_msg("in-flight request got: %s", reply);
	/* it committed before the process went away */
	assert_int_equal(itest_sql_long(db_url, "SELECT count(*) FROM api_tokens WHERE name = 'drain'"), 1);
	int st;
	assert_int_equal(waitpid(s.pid, &st, 0), s.pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	s.pid = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(healthz_answers_ok_without_auth),
		cmocka_unit_test(readyz_reports_database_and_schema),
		cmocka_unit_test(request_id_is_honoured_and_echoed),
		cmocka_unit_test(metrics_count_requests_by_route_and_status),
		cmocka_unit_test(missing_token_is_401_and_bad_token_is_401),
		cmocka_unit_test(wrong_scope_is_403_and_admin_may_do_everything),
		cmocka_unit_test(tokens_are_shown_once_stored_hashed_and_revocable),
		cmocka_unit_test(token_list_is_keyset_paginated),
		cmocka_unit_test(unknown_path_is_404_problem),
		cmocka_unit_test(wrong_method_is_405_with_allow),
		cmocka_unit_test(head_answers_like_get_without_a_body),
		cmocka_unit_test(oversized_body_is_413_with_and_without_content_length),
		cmocka_unit_test(overlong_url_is_414_problem),
		cmocka_unit_test(malformed_json_is_400_naming_the_place),
		cmocka_unit_test(bad_query_parameters_are_400_naming_them),
		cmocka_unit_test(session_sign_in_sets_a_strict_cookie_and_csrf_guards_writes),
		cmocka_unit_test(static_files_have_types_etags_and_no_way_out),
		cmocka_unit_test(sso_header_counts_only_from_a_trusted_proxy),
		cmocka_unit_test(openapi_is_served_and_lists_routes),
		cmocka_unit_test(first_start_without_admin_token_prints_one_once),
		cmocka_unit_test(two_servers_starting_together_migrate_once),
		cmocka_unit_test(schema_with_unknown_breaking_migration_is_refused),
		cmocka_unit_test(check_config_validates_and_names_the_line),
		cmocka_unit_test(pinned_clock_decides_session_expiry),
		cmocka_unit_test(sigterm_lets_an_in_flight_request_finish),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
