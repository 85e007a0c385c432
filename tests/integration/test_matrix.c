/*
 * test_matrix.c — generated from the route table, so a new route cannot
 * skip it:
 *   - the access matrix: every route × {no token, read, ci, feedback, admin}
 *     → 401 / 403 exactly when the route's scope says so;
 *   - malformed input: every path/query parameter and every JSON body field
 *     of every route gets wrong types, out-of-range numbers, huge strings,
 *     invalid UTF-8, NUL bytes, SQL metacharacters, deep nesting → a 4xx
 *     problem+json naming the field, and the database is untouched.
 * Webhook routes take raw bodies and are covered by their own tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"
#include "shiplog/auth.h"
#include "shiplog/http.h"

static struct itest_server server;
static char db_url[512];
static char *tokens[5]; /* none, read, ci, feedback, admin */
static const unsigned token_scopes[5] = {0, AUTH_SCOPE_READ, AUTH_SCOPE_CI, AUTH_SCOPE_FEEDBACK,
					 AUTH_SCOPE_ADMIN};

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("matrix", db_url, sizeof db_url);
	/* the matrix posts far more feedback than a person would */
	const char *env[] = {"SHIPLOG_RATE_FEEDBACK=100000", NULL};
	itest_server_start(&server, db_url, env);
	tokens[0] = NULL;
	tokens[1] = itest_token(&server, "read");
	tokens[2] = itest_token(&server, "ci");
	tokens[3] = itest_token(&server, "feedback");
	tokens[4] = strdup(ITEST_ADMIN_TOKEN);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 5; i++)
		free(tokens[i]);
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

static const struct param_spec *find_spec(const struct route *r, enum param_in in, const char *name)
{
	for (const struct param_spec *s = r->params; s && s->name; s++)
		if (s->in == in && strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

/* A value every spec of this type accepts (ids that exist nowhere). */
static const char *good_value(const struct param_spec *s)
{
	switch (s->type) {
	case PARAM_ID:
		return "987654";
	case PARAM_INT:
		return s->min > 1 ? "2" : "1";
	case PARAM_BOOL:
		return "true";
	case PARAM_ENUM:
		return s->enum_values[0];
	case PARAM_SHA:
		return "0123456789abcdef0123456789abcdef01234567";
	case PARAM_TIME:
		return "2026-01-01T00:00:00Z";
	case PARAM_REPO:
		return "acme/widget";
	case PARAM_DIGEST:
		return "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	default:
		return "acme";
	}
}

/* The route's pattern with its path parameters filled in; `bad_name`, if
 * set, gets `bad_value` instead (already URL-encoded).  Required query
 * parameters follow with good values, but for `bad_name` (the caller adds
 * it: after query_sep(out)). */
static void build_path(const struct route *r, const char *bad_name, const char *bad_value,
		       char *out, size_t size)
{
	size_t o = 0;
	for (const char *p = r->pattern; *p && o + 1 < size;) {
		if (*p != '{') {
			out[o++] = *p++;
			continue;
		}
		const char *close = strchr(p, '}');
		char name[64];
		size_t nl = (size_t)(close - p - 1);
		if (close[-1] == '+')
			nl--;
		snprintf(name, sizeof name, "%.*s", (int)nl, p + 1);
		const struct param_spec *s = find_spec(r, PARAM_PATH, name);
		const char *v = bad_name && !strcmp(bad_name, name) ? bad_value
			      : s			   ? good_value(s)
							   : "x";
		o += (size_t)snprintf(out + o, size - o, "%s", v);
		p = close + 1;
	}
	char sep = '?';
	for (const struct param_spec *s = r->params; s && s->name && o + 1 < size; s++)
		if (s->in == PARAM_QUERY && s->required && !(bad_name && !strcmp(bad_name, s->name))) {
			o += (size_t)snprintf(out + o, size - o, "%c%s=%s", sep, s->name,
					      good_value(s));
			sep = '&';
		}
	out[o < size ? o : size - 1] = '\0';
}

/* What joins a query parameter to a path built by build_path. */
static char query_sep(const char *path)
{
	return strchr(path, '?') ? '&' : '?';
}

static void send(const struct route *r, const char *path, const char *token, const char *body,
		 size_t body_len, const char *content_type, struct itest_response *out)
{
	char auth[600], ct[128];
	const char *h[3] = {NULL, NULL, NULL};
	int n = 0;
	if (token) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		h[n++] = auth;
	}
	if (content_type) {
		snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
		h[n++] = ct;
	}
	/* an event stream answers 200 at once and then never ends */
	bool stream = strcmp(r->pattern, "/api/v1/events") == 0;
	itest_timeout_ms = stream ? 700 : 0;
	itest_http(&server, r->method, path, h, body, body_len, out);
	itest_timeout_ms = 0;
}

static bool is_webhook(const struct route *r)
{
	return strncmp(r->pattern, "/webhooks/", 10) == 0;
}

static void access_matrix_follows_the_route_scopes(void **state)
{
	(void)state;
	size_t checked = 0;
	for (const struct route *r = http_routes; r->method; r++) {
		char path[1024];
		build_path(r, NULL, NULL, path, sizeof path);
		bool json = r->body == BODY_JSON || r->body == BODY_JSON_OR_FORM;
		for (int t = 0; t < 5; t++) {
			struct itest_response res;
			send(r, path, tokens[t], json ? "{}" : NULL, json ? 2 : 0,
			     json ? "application/json" : NULL, &res);
			bool allowed = auth_allows(token_scopes[t], r->scope);
			if (!allowed) {
				long want = t == 0 ? 401 : 403;
				if (res.status != want)
					fail_msg("%s %s with %s: expected %ld, got %ld: %s", r->method,
						 path, t ? auth_scope_name(token_scopes[t]) : "no token",
						 want, res.status, res.body);
				itest_assert_problem(&res, want, want == 401 ? "/unauthorized" : "/forbidden",
						     auth_scope_name(r->scope));
			} else if (res.status == 401 || res.status == 403 || res.status >= 500) {
				fail_msg("%s %s with %s: allowed, but got %ld: %s", r->method, path,
					 t ? auth_scope_name(token_scopes[t]) : "no token", res.status,
					 res.body);
			}
			itest_response_free(&res);
			checked++;
		}
	}
	assert_true(checked >= 5 * 10);
}

/* Row counts of every table: "database untouched" means these do not move. */
static char *db_fingerprint(void)
{
	return itest_sql(db_url,
			 "SELECT string_agg(table_name || '=' || (xpath('/row/c/text()', "
			 "query_to_xml('SELECT count(*) AS c FROM ' || quote_ident(table_name), "
			 "false, true, '')))[1]::text, ',' ORDER BY table_name) "
			 "FROM information_schema.tables WHERE table_schema = 'public' "
			 "AND table_type = 'BASE TABLE'");
}

static void expect_400_naming(const struct route *r, const char *what, const char *name,
			      const struct itest_response *res)
{
	if (res->status < 400 || res->status >= 500)
		fail_msg("%s %s, %s: expected a 4xx, got %ld: %s", r->method, r->pattern, what,
			 res->status, res->body);
	itest_assert_problem(res, res->status, "", NULL);
	const char *detail = json_string_value(json_object_get(res->json, "detail"));
	if (name && (!detail || !strstr(detail, name)))
		fail_msg("%s %s, %s: the problem does not name %s: %s", r->method, r->pattern, what,
			 name, res->body);
}

static const struct {
	const char *what;
	const char *value; /* URL-encoded */
	bool for_free_text; /* also wrong for a plain string parameter */
} bad_text[] = {
	{"not a number", "abc", false},
	{"negative", "-5", false},
	{"overflowing", "99999999999999999999999", false},
	{"SQL metacharacters", "1%27%3BDROP%20TABLE%20api_tokens%3B--", false},
	{"invalid UTF-8", "%FF%FEx", true},
	{"a control character", "a%01b", true},
	{"an encoded NUL", "a%00b", true},
};

static void malformed_parameters_are_refused_naming_them(void **state)
{
	(void)state;
	char *before = db_fingerprint();
	char huge[1200];
	memset(huge, 'a', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	size_t checked = 0;
	for (const struct route *r = http_routes; r->method; r++) {
		if (is_webhook(r))
			continue;
		bool json = r->body == BODY_JSON || r->body == BODY_JSON_OR_FORM;
		const char *body = json ? "{}" : NULL;
		const char *ct = json ? "application/json" : NULL;
		for (const struct param_spec *s = r->params; s && s->name; s++) {
			bool free_text = s->type == PARAM_STRING || s->type == PARAM_CURSOR;
			for (size_t b = 0; b < sizeof bad_text / sizeof bad_text[0]; b++) {
				if (free_text && !bad_text[b].for_free_text)
					continue;
				if (s->type == PARAM_INT && s->min < 0 && !strcmp(bad_text[b].value, "-5"))
					continue;
				/* a long run of digits is a fine SHA prefix */
				if (s->type == PARAM_SHA && !strcmp(bad_text[b].what, "overflowing"))
					continue;
				char path[2048];
				struct itest_response res;
				if (s->in == PARAM_PATH) {
					build_path(r, s->name, bad_text[b].value, path, sizeof path);
				} else {
					char base[1024];
					build_path(r, s->name, NULL, base, sizeof base);
					snprintf(path, sizeof path, "%s%c%s=%s", base, query_sep(base),
						 s->name, bad_text[b].value);
				}
				send(r, path, ITEST_ADMIN_TOKEN, body, body ? 2 : 0, ct, &res);
				/* an encoded NUL in the path is refused before routing */
				bool nul_path = s->in == PARAM_PATH && strstr(bad_text[b].value, "%00");
				expect_400_naming(r, bad_text[b].what, nul_path ? "NUL" : s->name, &res);
				itest_response_free(&res);
				checked++;
			}
			/* too long, for every type */
			if (s->in == PARAM_QUERY) {
				char base[1024], path[2600];
				build_path(r, s->name, NULL, base, sizeof base);
				snprintf(path, sizeof path, "%s%c%s=%s", base, query_sep(base), s->name,
					 huge);
				struct itest_response res;
				send(r, path, ITEST_ADMIN_TOKEN, body, body ? 2 : 0, ct, &res);
				expect_400_naming(r, "a huge value", s->name, &res);
				itest_response_free(&res);
				/* given twice, each time a good value */
				snprintf(path, sizeof path, "%s%c%s=%s&%s=%s", base, query_sep(base),
					 s->name, good_value(s), s->name, good_value(s));
				send(r, path, ITEST_ADMIN_TOKEN, body, body ? 2 : 0, ct, &res);
				expect_400_naming(r, "a repeated parameter", s->name, &res);
				itest_response_free(&res);
				checked++;
			}
		}
		/* an unknown query parameter */
		char base[1024], path[1200];
		build_path(r, NULL, NULL, base, sizeof base);
		snprintf(path, sizeof path, "%s%cno_such_param=1", base, query_sep(base));
		struct itest_response res;
		send(r, path, ITEST_ADMIN_TOKEN, body, body ? 2 : 0, ct, &res);
		expect_400_naming(r, "an unknown parameter", "no_such_param", &res);
		itest_response_free(&res);
		/* a body where none is taken */
		if (r->body == BODY_NONE && strcmp(r->method, "GET")) {
			send(r, base, ITEST_ADMIN_TOKEN, "{\"a\":1}", 7, "application/json", &res);
			expect_400_naming(r, "an unexpected body", NULL, &res);
			itest_response_free(&res);
		}
		checked++;
	}
	char *after = db_fingerprint();
	assert_string_equal(before, after);
	free(before);
	free(after);
	assert_true(checked > 30);
}

/* A JSON body with one field replaced (or removed when value is NULL). */
static char *body_with(const struct route *r, const char *field, const char *raw_value)
{
	json_t *o = json_object();
	for (const struct param_spec *s = r->body_params; s && s->name; s++) {
		if (!s->required || (field && !strcmp(field, s->name)))
			continue;
		json_t *v;
		switch (s->type) {
		case PARAM_INT:
		case PARAM_ID:
			v = json_integer(s->type == PARAM_ID ? 1 : (s->min > 1 ? s->min : 1));
			break;
		case PARAM_BOOL:
			v = json_true();
			break;
		case PARAM_ARRAY:
			v = json_array();
			if (s->items_type == PARAM_ENUM)
				json_array_append_new(v, json_string(s->enum_values[0]));
			break;
		case PARAM_OBJECT:
			v = json_object();
			break;
		default:
			v = json_string(good_value(s));
			if (s->type == PARAM_STRING && s->min > 16)
				v = json_string("0123456789abcdef0123456789abcdef");
		}
		json_object_set_new(o, s->name, v);
	}
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!field || !raw_value)
		return text;
	/* splice the raw (possibly invalid) value in as text */
	size_t n = strlen(text) + strlen(field) + strlen(raw_value) + 16;
	char *out = malloc(n);
	snprintf(out, n, "{\"%s\":%s%s%s", field, raw_value, strlen(text) > 2 ? "," : "",
		 text + 1);
	free(text);
	return out;
}

static void malformed_bodies_are_refused_naming_the_field(void **state)
{
	(void)state;
	char *before = db_fingerprint();
	size_t checked = 0;
	char *huge = malloc(70000);
	huge[0] = '"';
	memset(huge + 1, 'x', 69997);
	huge[69998] = '"';
	huge[69999] = '\0';
	for (const struct route *r = http_routes; r->method; r++) {
		if (r->body != BODY_JSON && r->body != BODY_JSON_OR_FORM)
			continue;
		char path[1024];
		build_path(r, NULL, NULL, path, sizeof path);
		struct itest_response res;
		static const struct {
			const char *what, *body;
		} whole[] = {
			{"not JSON", "{\"a\": "},
			{"an array", "[]"},
			{"a string", "\"x\""},
			{"invalid UTF-8", "{\"a\":\"\xff\xfe\"}"},
			{"a duplicate key", "{\"a\":1,\"a\":2}"},
			{"an empty body", ""},
		};
		for (size_t w = 0; w < sizeof whole / sizeof whole[0]; w++) {
			send(r, path, ITEST_ADMIN_TOKEN, whole[w].body, strlen(whole[w].body),
			     "application/json", &res);
			expect_400_naming(r, whole[w].what, NULL, &res);
			itest_response_free(&res);
			checked++;
		}
		/* deep nesting */
		size_t depth = 5000;
		char *deep = malloc(2 * depth + 16);
		strcpy(deep, "{\"a\":");
		memset(deep + 5, '[', depth);
		memset(deep + 5 + depth, ']', depth);
		strcpy(deep + 5 + 2 * depth, "}");
		send(r, path, ITEST_ADMIN_TOKEN, deep, strlen(deep), "application/json", &res);
		expect_400_naming(r, "deep nesting", NULL, &res);
		itest_response_free(&res);
		free(deep);
		for (const struct param_spec *s = r->body_params; s && s->name; s++) {
			const char *wrong = s->type == PARAM_STRING || s->type == PARAM_SHA ||
						    s->type == PARAM_ENUM || s->type == PARAM_TIME ||
						    s->type == PARAM_REPO || s->type == PARAM_DIGEST
					    ? "12345"
					    : "\"text\"";
			const char *cases[][2] = {
				{"a wrong type", wrong},
				{"null where required", s->required ? "null" : NULL},
				{"a NUL", s->type == PARAM_STRING ? "\"a\\u0000b\"" : NULL},
				{"a huge string", s->type == PARAM_STRING ? huge : NULL},
				{"an out-of-range number",
				 s->type == PARAM_INT ? "99999999999999999999" : NULL},
				{"an object", s->type != PARAM_OBJECT ? "{\"x\":1}" : NULL},
				{"SQL metacharacters",
				 s->type != PARAM_STRING ? "\"1';DROP TABLE api_tokens;--\"" : NULL},
			};
			for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
				if (!cases[c][1])
					continue;
				if (!strcmp(cases[c][1], "null")) {
					/* null counts as absent: a missing required field */
				}
				char *b = body_with(r, s->name, cases[c][1]);
				send(r, path, ITEST_ADMIN_TOKEN, b, strlen(b), "application/json", &res);
				bool names = strcmp(cases[c][0], "a NUL") != 0 &&
					     strcmp(cases[c][0], "an out-of-range number") != 0;
				expect_400_naming(r, cases[c][0], names ? s->name : NULL, &res);
				itest_response_free(&res);
				free(b);
				checked++;
			}
			if (s->required) {
				char *b = body_with(r, s->name, NULL);
				send(r, path, ITEST_ADMIN_TOKEN, b, strlen(b), "application/json", &res);
				expect_400_naming(r, "a missing field", s->name, &res);
				itest_response_free(&res);
				free(b);
				checked++;
			}
		}
		char *b = body_with(r, "no_such_field", "1");
		send(r, path, ITEST_ADMIN_TOKEN, b, strlen(b), "application/json", &res);
		expect_400_naming(r, "an unknown field", "no_such_field", &res);
		itest_response_free(&res);
		free(b);
	}
	free(huge);
	char *after = db_fingerprint();
	assert_string_equal(before, after);
	free(before);
	free(after);
	assert_true(checked > 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(access_matrix_follows_the_route_scopes),
		cmocka_unit_test(malformed_parameters_are_refused_naming_them),
		cmocka_unit_test(malformed_bodies_are_refused_naming_the_field),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
