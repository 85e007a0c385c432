/*
 * test_router.c — route matching (http_route_find) on a small table and on
 * the real http_routes table, and the checks every parameter
 * (http_param_check) and JSON body (http_body_check) gets before a handler
 * runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "shiplog/http.h"

/* ---- a small table of our own ---- */

static void handler_stub(struct http_request *r)
{
	(void)r;
}

static const struct route table[] = {
	{.method = "GET", .pattern = "/items", .handler = handler_stub, .summary = "list"},
	{.method = "POST", .pattern = "/items", .handler = handler_stub, .summary = "create"},
	{.method = "GET", .pattern = "/items/{id}", .handler = handler_stub, .summary = "get"},
	{.method = "DELETE", .pattern = "/items/{id}", .handler = handler_stub, .summary = "del"},
	{.method = "GET",
	 .pattern = "/repos/{owner}/{name}/runs",
	 .handler = handler_stub,
	 .summary = "runs"},
	{.method = "PUT", .pattern = "/only-put", .handler = handler_stub, .summary = "put"},
	{.method = NULL},
};

/* The result of one lookup; path_buf is heap-allocated at exactly
 * strlen(path)+1 so valgrind sees any overrun. */
struct lookup {
	enum route_match m;
	const struct route *route;
	char *path_buf;
	char *values[HTTP_MAX_PATH_PARAMS];
	const char *names[HTTP_MAX_PATH_PARAMS];
	size_t n;
	char allow[128];
};

static void find_in(const struct route *t, const char *method, const char *path, struct lookup *l)
{
	memset(l, 0, sizeof *l);
	l->path_buf = malloc(strlen(path) + 1);
	assert_non_null(l->path_buf);
	l->m = http_route_find(t, method, path, &l->route, l->path_buf, l->values, l->names, &l->n,
			       l->allow, sizeof l->allow);
}

static void lookup_done(struct lookup *l)
{
	free(l->path_buf);
	l->path_buf = NULL;
}

static void exact_path_matches_its_route(void **state)
{
	(void)state;
	struct lookup l;
	find_in(table, "GET", "/items", &l);
	assert_int_equal(l.m, ROUTE_FOUND);
	assert_ptr_equal(l.route, &table[0]);
	assert_int_equal(l.n, 0);
	lookup_done(&l);

	find_in(table, "POST", "/items", &l);
	assert_int_equal(l.m, ROUTE_FOUND);
	assert_ptr_equal(l.route, &table[1]);
	lookup_done(&l);
}

static void path_param_value_and_name_are_extracted(void **state)
{
	(void)state;
	struct lookup l;
	find_in(table, "DELETE", "/items/42", &l);
	assert_int_equal(l.m, ROUTE_FOUND);
	assert_ptr_equal(l.route, &table[3]);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.names[0], "id");
	assert_string_equal(l.values[0], "42");
	/* values live in the caller's path_buf, not in the path */
	assert_true(l.values[0] >= l.path_buf &&
		    l.values[0] < l.path_buf + strlen("/items/42") + 1);
	lookup_done(&l);
}

static void several_path_params_come_in_pattern_order(void **state)
{
	(void)state;
	struct lookup l;
	/* libmicrohttpd hands the router an already percent-decoded path */
	const char *path = "/repos/acme corp/web-app.v2/runs";
	find_in(table, "GET", path, &l);
	assert_int_equal(l.m, ROUTE_FOUND);
	assert_ptr_equal(l.route, &table[4]);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.names[0], "owner");
	assert_string_equal(l.values[0], "acme corp");
	assert_string_equal(l.names[1], "name");
	assert_string_equal(l.values[1], "web-app.v2");
	lookup_done(&l);
}

static void trailing_slash_does_not_match(void **state)
{
	(void)state;
	struct lookup l;
	find_in(table, "GET", "/items/", &l);
	assert_int_equal(l.m, ROUTE_NOT_FOUND);
	lookup_done(&l);
	find_in(table, "GET", "/items/7/", &l);
	assert_int_equal(l.m, ROUTE_NOT_FOUND);
	lookup_done(&l);
	find_in(table, "PUT", "/only-put/", &l);
	assert_int_equal(l.m, ROUTE_NOT_FOUND);
	lookup_done(&l);
}

static void unknown_path_is_not_found(void **state)
{
	(void)state;
	static const char *const paths[] = {
		"/",	  "",		"/nope",
		"/item",  "/itemsx",	"/items/7/extra",
		"/ITEMS", "/repos/a/b", "/repos/a/b/runsx",
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct lookup l;
		find_in(table, "GET", paths[i], &l);
		if (l.m != ROUTE_NOT_FOUND)
			fail_msg("GET %s: expected not found, got %d", paths[i], (int)l.m);
		lookup_done(&l);
	}
}

static void route_with_wrong_method_lists_allowed_methods(void **state)
{
	(void)state;
	struct lookup l;
	find_in(table, "DELETE", "/items", &l);
	assert_int_equal(l.m, ROUTE_WRONG_METHOD);
	assert_string_equal(l.allow, "GET, HEAD, POST, OPTIONS");
	lookup_done(&l);

	find_in(table, "PATCH", "/items/9", &l);
	assert_int_equal(l.m, ROUTE_WRONG_METHOD);
	assert_string_equal(l.allow, "GET, HEAD, DELETE, OPTIONS");
	lookup_done(&l);

	/* no GET route, so no HEAD either; OPTIONS always */
	find_in(table, "GET", "/only-put", &l);
	assert_int_equal(l.m, ROUTE_WRONG_METHOD);
	assert_string_equal(l.allow, "PUT, OPTIONS");
	lookup_done(&l);
}

static void head_matches_a_get_route(void **state)
{
	(void)state;
	struct lookup l;
	find_in(table, "HEAD", "/items/5", &l);
	assert_int_equal(l.m, ROUTE_FOUND);
	assert_ptr_equal(l.route, &table[2]);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.values[0], "5");
	lookup_done(&l);
}

static void head_without_a_get_route_is_wrong_method(void **state)
{
	(void)state;
	struct lookup l;
	find_in(table, "HEAD", "/only-put", &l);
	assert_int_equal(l.m, ROUTE_WRONG_METHOD);
	assert_string_equal(l.allow, "PUT, OPTIONS");
	lookup_done(&l);
}

static void options_is_wrong_method_with_allow_and_no_route(void **state)
{
	(void)state;
	struct lookup l;
	memset(&l, 0, sizeof l);
	l.route = &table[0]; /* must be cleared */
	l.path_buf = malloc(strlen("/items/3") + 1);
	assert_non_null(l.path_buf);
	l.m = http_route_find(table, "OPTIONS", "/items/3", &l.route, l.path_buf, l.values, l.names,
			      &l.n, l.allow, sizeof l.allow);
	assert_int_equal(l.m, ROUTE_WRONG_METHOD);
	assert_null(l.route);
	assert_string_equal(l.allow, "GET, HEAD, DELETE, OPTIONS");
	lookup_done(&l);

	find_in(table, "OPTIONS", "/nowhere", &l);
	assert_int_equal(l.m, ROUTE_NOT_FOUND);
	lookup_done(&l);
}

static void empty_segment_value_does_not_match_a_param(void **state)
{
	(void)state;
	struct lookup l;
	find_in(table, "GET", "/repos//web/runs", &l);
	assert_int_equal(l.m, ROUTE_NOT_FOUND);
	lookup_done(&l);
	find_in(table, "GET", "/repos/acme//runs", &l);
	assert_int_equal(l.m, ROUTE_NOT_FOUND);
	lookup_done(&l);
	find_in(table, "DELETE", "/items//", &l);
	assert_int_equal(l.m, ROUTE_NOT_FOUND);
	lookup_done(&l);
}

static void param_value_never_spans_a_slash(void **state)
{
	(void)state;
	struct lookup l;
	find_in(table, "GET", "/repos/acme/web/x/runs", &l);
	assert_int_equal(l.m, ROUTE_NOT_FOUND);
	lookup_done(&l);
}

static void small_allow_buffer_is_truncated_and_terminated(void **state)
{
	(void)state;
	char buf[] = "/items";
	char *values[HTTP_MAX_PATH_PARAMS];
	const char *names[HTTP_MAX_PATH_PARAMS];
	size_t n = 99;
	const struct route *out = NULL;
	/* guard bytes after the allow buffer must stay untouched */
	char allow[16];
	memset(allow, 'X', sizeof allow);
	enum route_match m =
		http_route_find(table, "DELETE", "/items", &out, buf, values, names, &n, allow, 8);
	assert_int_equal(m, ROUTE_WRONG_METHOD);
	assert_true(strlen(allow) < 8);
	assert_int_equal(strncmp(allow, "GET, HEAD", strlen(allow)), 0);
	for (size_t i = 8; i < sizeof allow; i++)
		assert_int_equal(allow[i], 'X');
}

static void too_many_path_params_do_not_match(void **state)
{
	(void)state;
	static const struct route many[] = {
		{.method = "GET",
		 .pattern = "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}",
		 .handler = handler_stub},
		{.method = "GET",
		 .pattern = "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}",
		 .handler = handler_stub},
		{.method = NULL},
	};
	struct lookup l;
	find_in(many, "GET", "/1/2/3/4/5/6/7/8/9", &l);
	assert_int_equal(l.m, ROUTE_NOT_FOUND);
	lookup_done(&l);

	find_in(many, "GET", "/1/2/3/4/5/6/7/8", &l);
	assert_int_equal(l.m, ROUTE_FOUND);
	assert_int_equal(l.n, HTTP_MAX_PATH_PARAMS);
	assert_string_equal(l.names[7], "h");
	assert_string_equal(l.values[7], "8");
	lookup_done(&l);
}

static const struct route greedy_table[] = {
	{.method = "GET", .pattern = "/b/{owner}/{branch+}/health", .handler = handler_stub},
	{.method = "GET", .pattern = "/files/{path+}", .handler = handler_stub},
	{.method = NULL},
};

static void greedy_param_takes_one_or_more_segments(void **state)
{
	(void)state;
	struct lookup l;
	find_in(greedy_table, "GET", "/b/acme/main/health", &l);
	assert_int_equal(l.m, ROUTE_FOUND);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.names[0], "owner");
	assert_string_equal(l.values[0], "acme");
	assert_string_equal(l.names[1], "branch"); /* without the '+' */
	assert_string_equal(l.values[1], "main");
	lookup_done(&l);

	find_in(greedy_table, "GET", "/b/acme/feature/deep/x/health", &l);
	assert_int_equal(l.m, ROUTE_FOUND);
	assert_string_equal(l.values[1], "feature/deep/x");
	lookup_done(&l);

	/* the value may itself end in the literal that follows it */
	find_in(greedy_table, "GET", "/b/acme/health/health", &l);
	assert_int_equal(l.m, ROUTE_FOUND);
	assert_string_equal(l.values[1], "health");
	lookup_done(&l);

	find_in(greedy_table, "GET", "/files/a/b.txt", &l);
	assert_int_equal(l.m, ROUTE_FOUND);
	assert_string_equal(l.names[0], "path");
	assert_string_equal(l.values[0], "a/b.txt");
	lookup_done(&l);
}

static void greedy_param_is_never_empty(void **state)
{
	(void)state;
	static const char *const paths[] = {
		"/b/acme//health",	"/b/acme/health",	"/b/acme/", "/files/", "/files",
		"/b/acme/main/health/", "/b/acme/main/healthz",
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct lookup l;
		find_in(greedy_table, "GET", paths[i], &l);
		if (l.m != ROUTE_NOT_FOUND)
			fail_msg("GET %s: expected not found, got %d", paths[i], (int)l.m);
		lookup_done(&l);
	}
}

/* "{name+}: one or more segments" — segments are never empty, as for a
 * plain {name}; a value with a leading, trailing or doubled slash is not
 * a list of segments. */
static void greedy_param_refuses_empty_segments(void **state)
{
	(void)state;
	static const char *const paths[] = {
		"/b/acme//main/health",
		"/b/acme/main//health",
		"/b/acme/a//b/health",
		"/files//a",
		"/files/a/",
		"/files/a//b",
	};
	int matched = 0;
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct lookup l;
		find_in(greedy_table, "GET", paths[i], &l);
		if (l.m != ROUTE_NOT_FOUND) {
			print_error("GET %s matched with value \"%s\"\n", paths[i],
				    l.values[l.n - 1]);
			matched++;
		}
		lookup_done(&l);
	}
	assert_int_equal(matched, 0);
}

/* ---- the real route table ---- */

static size_t real_route_count(void)
{
	size_t n = 0;
	while (http_routes[n].method)
		n++;
	return n;
}

static void real_routes_table_is_not_empty(void **state)
{
	(void)state;
	assert_true(real_route_count() > 0);
}

static void real_routes_are_unique_per_method_and_pattern(void **state)
{
	(void)state;
	size_t n = real_route_count();
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(http_routes[i].method, http_routes[j].method) == 0 &&
			    strcmp(http_routes[i].pattern, http_routes[j].pattern) == 0)
				fail_msg("%s %s appears twice", http_routes[i].method,
					 http_routes[i].pattern);
}

static const struct param_spec *find_spec(const struct param_spec *specs, const char *name,
					  size_t name_len)
{
	for (const struct param_spec *s = specs; s && s->name; s++)
		if (strlen(s->name) == name_len && strncmp(s->name, name, name_len) == 0)
			return s;
	return NULL;
}

static void real_routes_path_params_all_have_path_specs(void **state)
{
	(void)state;
	for (const struct route *r = http_routes; r->method; r++) {
		size_t in_pattern = 0;
		for (const char *p = strchr(r->pattern, '{'); p; p = strchr(p + 1, '{')) {
			const char *close = strchr(p, '}');
			assert_non_null(close);
			size_t nl = (size_t)(close - p - 1);
			if (nl > 0 && p[nl] == '+')
				nl--; /* {name+}: a value of one or more segments */
			const struct param_spec *s = find_spec(r->params, p + 1, nl);
			if (!s || s->in != PARAM_PATH) {
				fail_msg("%s %s: path parameter {%.*s} has no PARAM_PATH spec",
					 r->method, r->pattern, (int)nl, p + 1);
				return;
			}
			if (!s->required)
				fail_msg("%s %s: path parameter {%.*s} must be required", r->method,
					 r->pattern, (int)nl, p + 1);
			in_pattern++;
		}
		/* and the other way round: no PARAM_PATH spec without a {name} */
		size_t path_specs = 0;
		for (const struct param_spec *s = r->params; s && s->name; s++)
			if (s->in == PARAM_PATH)
				path_specs++;
		if (path_specs != in_pattern)
			fail_msg("%s %s: %zu path specs for %zu pattern params", r->method,
				 r->pattern, path_specs, in_pattern);
		assert_true(in_pattern <= HTTP_MAX_PATH_PARAMS);
	}
}

static void real_routes_param_lists_hold_the_right_kinds(void **state)
{
	(void)state;
	for (const struct route *r = http_routes; r->method; r++) {
		for (const struct param_spec *s = r->params; s && s->name; s++)
			if (s->in == PARAM_BODY || s->type == PARAM_ARRAY ||
			    s->type == PARAM_OBJECT)
				fail_msg("%s %s: %s belongs in body_params", r->method, r->pattern,
					 s->name);
		for (const struct param_spec *s = r->body_params; s && s->name; s++)
			if (s->in != PARAM_BODY)
				fail_msg("%s %s: body field %s is not PARAM_BODY", r->method,
					 r->pattern, s->name);
		if (r->body_params && r->body != BODY_JSON && r->body != BODY_JSON_OR_FORM)
			fail_msg("%s %s: body_params on a route that takes no JSON", r->method,
				 r->pattern);
	}
}

static void real_routes_all_have_summary_and_tag(void **state)
{
	(void)state;
	for (const struct route *r = http_routes; r->method; r++) {
		if (!r->summary || !*r->summary)
			fail_msg("%s %s: no summary", r->method, r->pattern);
		if (!r->tag || !*r->tag)
			fail_msg("%s %s: no tag", r->method, r->pattern);
		assert_non_null(r->handler);
		assert_true(r->pattern[0] == '/');
		assert_true(r->success >= 200 && r->success < 300);
	}
}

/* Every route can be reached: a concrete path made from its pattern finds it
 * (and not some earlier route that shadows it). */
static void real_routes_are_each_reachable(void **state)
{
	(void)state;
	for (const struct route *r = http_routes; r->method; r++) {
		char path[512];
		size_t o = 0;
		for (const char *p = r->pattern; *p;) {
			if (*p == '{') {
				const char *close = strchr(p, '}');
				assert_non_null(close);
				if (close[-1] == '+') { /* several segments */
					memcpy(path + o, "x/y", 3);
					o += 3;
				} else {
					path[o++] = '1';
				}
				p = close + 1;
			} else {
				path[o++] = *p++;
			}
			assert_true(o < sizeof path);
		}
		path[o] = '\0';
		struct lookup l;
		find_in(http_routes, r->method, path, &l);
		if (l.m != ROUTE_FOUND || l.route != r)
			fail_msg("%s %s: not reached by %s", r->method, r->pattern, path);
		lookup_done(&l);
	}
}

static void real_token_body_names_the_bad_scope_index(void **state)
{
	(void)state;
	const struct route *r = NULL;
	for (const struct route *x = http_routes; x->method; x++)
		if (strcmp(x->method, "POST") == 0 && strcmp(x->pattern, "/api/v1/tokens") == 0)
			r = x;
	if (!r || !r->body_params) {
		fail_msg("POST /api/v1/tokens with body_params is not in http_routes");
		return;
	}
	json_t *body = json_pack("{s:s, s:s, s:[s,s]}", "name", "ci", "owner", "ci@example.com",
				 "scopes", "read", "root");
	assert_non_null(body);
	enum problem_code code = PROBLEM__COUNT;
	char err[256] = "", pointer[64] = "x";
	assert_false(http_body_check(r->body_params, body, &code, err, sizeof err, pointer,
				     sizeof pointer));
	assert_int_equal(code, PROBLEM_INVALID_FIELD);
	assert_non_null(strstr(err, "scopes[1]"));
	assert_string_equal(pointer, "/scopes/1");
	json_decref(body);

	body = json_pack("{s:s, s:s, s:[s,s]}", "name", "ci", "owner", "ci@example.com", "scopes",
			 "read", "ci");
	assert_true(http_body_check(r->body_params, body, &code, err, sizeof err, NULL, 0));
	json_decref(body);
}

/* ---- http_param_check ---- */

static struct param_spec spec_of(enum param_type type, int64_t min, int64_t max)
{
	struct param_spec s;
	memset(&s, 0, sizeof s);
	s.name = "p";
	s.in = PARAM_QUERY;
	s.type = type;
	s.min = min;
	s.max = max;
	return s;
}

/* Checks value; on refusal the message must name the parameter. */
static bool check(const struct param_spec *s, const char *value)
{
	char err[256];
	memset(err, 0, sizeof err);
	bool ok = http_param_check(s, value, err, sizeof err);
	if (!ok) {
		assert_true(strlen(err) > 0);
		assert_int_equal(strncmp(err, s->name, strlen(s->name)), 0);
	}
	return ok;
}

#define ACCEPTS(spec, v)                                                 \
	do {                                                             \
		if (!check((spec), (v)))                                 \
			fail_msg("expected \"%s\" to be accepted", (v)); \
	} while (0)
#define REFUSES(spec, v)                                                \
	do {                                                            \
		if (check((spec), (v)))                                 \
			fail_msg("expected \"%s\" to be refused", (v)); \
	} while (0)

static void int_param_accepts_values_in_range(void **state)
{
	(void)state;
	struct param_spec s = spec_of(PARAM_INT, -5, 100);
	ACCEPTS(&s, "0");
	ACCEPTS(&s, "-5");
	ACCEPTS(&s, "100");
	ACCEPTS(&s, "42");
}

static void int_param_refuses_out_of_range_junk_spaces_and_overflow(void **state)
{
	(void)state;
	struct param_spec s = spec_of(PARAM_INT, -5, 100);
	REFUSES(&s, "101");
	REFUSES(&s, "-6");
	REFUSES(&s, "");
	REFUSES(&s, "12abc");
	REFUSES(&s, "abc");
	REFUSES(&s, "1.0");
	REFUSES(&s, "0x10");
	REFUSES(&s, " 12");
	REFUSES(&s, "12 ");
	REFUSES(&s, "\t12");
	REFUSES(&s, "-");
	REFUSES(&s, "99999999999999999999");
	REFUSES(&s, "-99999999999999999999");

	struct param_spec wide = spec_of(PARAM_INT, INT64_MIN, INT64_MAX);
	ACCEPTS(&wide, "9223372036854775807");
	ACCEPTS(&wide, "-9223372036854775808");
	REFUSES(&wide, "9223372036854775808");
	REFUSES(&wide, "-9223372036854775809");
}

static void int_param_error_states_the_range(void **state)
{
	(void)state;
	struct param_spec s = spec_of(PARAM_INT, 1, 200);
	s.name = "limit";
	char err[128];
	assert_false(http_param_check(&s, "500", err, sizeof err));
	assert_non_null(strstr(err, "limit"));
	assert_non_null(strstr(err, "1 to 200"));
}

static void id_param_must_be_a_positive_64_bit_integer(void **state)
{
	(void)state;
	struct param_spec s = spec_of(PARAM_ID, 0, 0);
	ACCEPTS(&s, "1");
	ACCEPTS(&s, "123456");
	ACCEPTS(&s, "9223372036854775807");
	REFUSES(&s, "0");
	REFUSES(&s, "-1");
	REFUSES(&s, "");
	REFUSES(&s, "1e3");
	REFUSES(&s, "9223372036854775808");
	REFUSES(&s, " 1");
}

static void bool_param_takes_true_false_1_0_only(void **state)
{
	(void)state;
	struct param_spec s = spec_of(PARAM_BOOL, 0, 0);
	ACCEPTS(&s, "true");
	ACCEPTS(&s, "false");
	ACCEPTS(&s, "1");
	ACCEPTS(&s, "0");
	REFUSES(&s, "TRUE");
	REFUSES(&s, "yes");
	REFUSES(&s, "");
	REFUSES(&s, "2");
	REFUSES(&s, "true ");
}

static const char *const colours[] = {"red", "green", "blue", NULL};

static void enum_param_accepts_only_listed_values(void **state)
{
	(void)state;
	struct param_spec s = spec_of(PARAM_ENUM, 0, 0);
	s.enum_values = colours;
	ACCEPTS(&s, "red");
	ACCEPTS(&s, "blue");
	REFUSES(&s, "RED");
	REFUSES(&s, "re");
	REFUSES(&s, "");
	REFUSES(&s, "purple");
}

static void enum_param_error_lists_the_values(void **state)
{
	(void)state;
	struct param_spec s = spec_of(PARAM_ENUM, 0, 0);
	s.name = "colour";
	s.enum_values = colours;
	char err[256];
	assert_false(http_param_check(&s, "purple", err, sizeof err));
	assert_string_equal(err, "colour: expected one of red, green, blue");
}

static void enum_param_error_is_truncated_safely(void **state)
{
	(void)state;
	struct param_spec s = spec_of(PARAM_ENUM, 0, 0);
	s.name = "colour";
	s.enum_values = colours;
	char err[40];
	memset(err, 'X', sizeof err);
	assert_false(http_param_check(&s, "purple", err, 30));
	assert_true(strlen(err) < 30);
	for (size_t i = 30; i < sizeof err; i++)
		assert_int_equal(err[i], 'X');
}

static void sha_param_takes_7_to_40_hex_digits(void **state)
{
	(void)state;
	struct param_spec s = spec_of(PARAM_SHA, 0, 0);
	ACCEPTS(&s, "abcdef0");
	ACCEPTS(&s, "0123456789abcdef0123456789abcdef01234567");
	REFUSES(&s, "abcdef");
	REFUSES(&s, "0123456789abcdef0123456789abcdef012345678");
	REFUSES(&s, "abcdefg");
	REFUSES(&s, "abc def0");
	REFUSES(&s, "");
	REFUSES(&s, "0123456789abcdef0123456789abcdef0123456z");
}

static void time_param_takes_rfc3339_variants(void **state)
{
	(void)state;
	struct param_spec s = spec_of(PARAM_TIME, 0, 0);
	ACCEPTS(&s, "2026-01-31T12:00:00Z");
	ACCEPTS(&s, "2026-01-31T12:00:00+02:00");
	ACCEPTS(&s, "2026-01-31T12:00:00-05:30");
	ACCEPTS(&s, "2026-01-31T12:00:00.123Z");
	ACCEPTS(&s, "2026-01-31T12:00:00.123456789+01:00");
	ACCEPTS(&s, "2024-02-29T00:00:00Z");
	REFUSES(&s, "2026-02-30T00:00:00Z");
	REFUSES(&s, "2026-02-29T00:00:00Z");
	REFUSES(&s, "2026-01-31T12:00:00");
	REFUSES(&s, "2026-01-31");
	REFUSES(&s, "2026-13-01T00:00:00Z");
	REFUSES(&s, "2026-01-31T24:00:00Z");
	REFUSES(&s, "2026-01-31T12:00:00+2:00");
	REFUSES(&s, "2026-01-31T12:00:00.Z");
	REFUSES(&s, "yesterday");
	REFUSES(&s, "");
}

static void repo_param_must_be_owner_slash_name(void **state)
{
	(void)state;
	struct param_spec s = spec_of(PARAM_REPO, 0, 0);
	ACCEPTS(&s, "acme/web");
	ACCEPTS(&s, "Acme-Corp/web_app.v2");
	REFUSES(&s, "acme");
	REFUSES(&s, "acme/web/extra");
	REFUSES(&s, "acme//web");
	REFUSES(&s, "/web");
	REFUSES(&s, "acme/");
	REFUSES(&s, "/");
	REFUSES(&s, "");
	REFUSES(&s, "ac me/web");
	REFUSES(&s, "acme/we$b");
	REFUSES(&s, "acme/web?x=1");
	REFUSES(&s, "acme/w\xc3\xa9"
		    "b");

	char longrepo[260];
	memset(longrepo, 'a', sizeof longrepo - 1);
	longrepo[sizeof longrepo - 1] = '\0';
	longrepo[100] = '/';
	REFUSES(&s, longrepo);
}

static void digest_param_must_be_sha256_and_64_hex(void **state)
{
	(void)state;
	struct param_spec s = spec_of(PARAM_DIGEST, 0, 0);
	const char *hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char buf[128];
	snprintf(buf, sizeof buf, "sha256:%s", hex64);
	ACCEPTS(&s, buf);
	snprintf(buf, sizeof buf, "sha256:%.63s", hex64);
	REFUSES(&s, buf);
	snprintf(buf, sizeof buf, "sha256:%s0", hex64);
	REFUSES(&s, buf);
	snprintf(buf, sizeof buf, "sha512:%s", hex64);
	REFUSES(&s, buf);
	snprintf(buf, sizeof buf, "%s", hex64);
	REFUSES(&s, buf);
	snprintf(buf, sizeof buf, "sha256:%.63sg", hex64);
	REFUSES(&s, buf);
}

static void string_max_length_counts_characters_not_bytes(void **state)
{
	(void)state;
	struct param_spec s = spec_of(PARAM_STRING, 0, 5);
	ACCEPTS(&s, "hello");
	ACCEPTS(&s, "h\xc3\xa9llo"); /* 6 bytes, 5 characters */
	ACCEPTS(&s, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac"); /* 5 CJK */
	ACCEPTS(&s, "\xf0\x9f\x9a\x80\xf0\x9f\x9a\x80");			     /* 2 emoji */
	REFUSES(&s, "hello!");
	REFUSES(&s, "h\xc3\xa9llo!");
}

static void string_default_max_is_256_characters(void **state)
{
	(void)state;
	struct param_spec s = spec_of(PARAM_STRING, 0, 0);
	char buf[258];
	memset(buf, 'a', 256);
	buf[256] = '\0';
	ACCEPTS(&s, buf);
	buf[256] = 'a';
	buf[257] = '\0';
	REFUSES(&s, buf);
}

static void string_min_length_and_required_refuse_empty(void **state)
{
	(void)state;
	struct param_spec s = spec_of(PARAM_STRING, 2, 10);
	REFUSES(&s, "a");
	ACCEPTS(&s, "ab");
	struct param_spec opt = spec_of(PARAM_STRING, 0, 10);
	ACCEPTS(&opt, "");
	struct param_spec req = spec_of(PARAM_STRING, 0, 10);
	req.required = true;
	REFUSES(&req, "");
}

static void invalid_utf8_is_refused(void **state)
{
	(void)state;
	struct param_spec s = spec_of(PARAM_STRING, 0, 0);
	REFUSES(&s, "\xff");
	REFUSES(&s, "\x80");		 /* lone continuation byte */
	REFUSES(&s, "a\xc3");		 /* truncated 2-byte sequence */
	REFUSES(&s, "\xe2\x82");	 /* truncated 3-byte sequence */
	REFUSES(&s, "\xf0\x9f\x9a");	 /* truncated 4-byte sequence */
	REFUSES(&s, "\xc0\xaf");	 /* overlong '/' */
	REFUSES(&s, "\xc1\xbf");	 /* overlong */
	REFUSES(&s, "\xf5\x80\x80\x80"); /* beyond U+10FFFF */
	REFUSES(&s, "\xf8\x88\x80\x80\x80");
	REFUSES(&s, "\xc3\x28"); /* bad continuation */
}

/* RFC 3629 also forbids 3- and 4-byte overlong forms, UTF-16 surrogates and
 * code points above U+10FFFF; text_ok() in router.c lets these through. */
static void overlong_surrogate_and_out_of_range_utf8_is_refused(void **state)
{
	(void)state;
	struct param_spec s = spec_of(PARAM_STRING, 0, 0);
	static const struct {
		const char *bytes;
		const char *what;
	} bad[] = {
		{"\xe0\x80\xaf", "E0 80 AF, a 3-byte overlong '/'"},
		{"\xed\xa0\x80", "ED A0 80, the surrogate U+D800"},
		{"\xf0\x80\x80\xaf", "F0 80 80 AF, a 4-byte overlong '/'"},
		{"\xf4\x90\x80\x80", "F4 90 80 80, U+110000"},
	};
	int accepted = 0;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (check(&s, bad[i].bytes)) {
			print_error("accepted invalid UTF-8: %s\n", bad[i].what);
			accepted++;
		}
	}
	assert_int_equal(accepted, 0);
}

static void control_characters_are_refused(void **state)
{
	(void)state;
	struct param_spec s = spec_of(PARAM_STRING, 0, 0);
	REFUSES(&s, "a\x01"
		    "b");
	REFUSES(&s, "\x1b[31mred");
	REFUSES(&s, "\x1f");
	REFUSES(&s, "\x08");
	/* every type gets the same text check first */
	struct param_spec e = spec_of(PARAM_ENUM, 0, 0);
	e.enum_values = colours;
	REFUSES(&e, "red\x01");
	struct param_spec t = spec_of(PARAM_TIME, 0, 0);
	REFUSES(&t, "2026-01-31T12:00:00Z\x02");
}

static void del_is_refused_as_a_control_character(void **state)
{
	(void)state;
	struct param_spec s = spec_of(PARAM_STRING, 0, 0);
	/* U+007F DELETE is a control character (general category Cc) */
	if (check(&s, "a\x7f"
		      "b"))
		fail_msg("accepted \"a<DEL>b\"");
}

static void utf8_error_names_the_parameter(void **state)
{
	(void)state;
	struct param_spec s = spec_of(PARAM_STRING, 0, 0);
	s.name = "owner";
	char err[128];
	assert_false(http_param_check(&s, "\xff", err, sizeof err));
	assert_non_null(strstr(err, "owner"));
	assert_non_null(strstr(err, "UTF-8"));
}

static void array_and_object_are_not_accepted_as_text_params(void **state)
{
	(void)state;
	struct param_spec a = spec_of(PARAM_ARRAY, 0, 0);
	REFUSES(&a, "[1]");
	struct param_spec o = spec_of(PARAM_OBJECT, 0, 0);
	REFUSES(&o, "{}");
}

static void cursor_param_is_bounded_text(void **state)
{
	(void)state;
	struct param_spec s = spec_of(PARAM_CURSOR, 0, 8);
	ACCEPTS(&s, "abcDEF12");
	REFUSES(&s, "abcDEF123");
	REFUSES(&s, "ab\x01");
}

/* ---- http_body_check ---- */

static const char *const scope_names[] = {"read", "ci", "feedback", "admin", NULL};

static const struct param_spec body_specs[] = {
	{"name", PARAM_BODY, PARAM_STRING, true, 1, 10, NULL, "a name", PARAM_STRING},
	{"count", PARAM_BODY, PARAM_INT, false, 0, 10, NULL, "a count", PARAM_STRING},
	{"on", PARAM_BODY, PARAM_BOOL, false, 0, 0, NULL, "a flag", PARAM_STRING},
	{"scopes", PARAM_BODY, PARAM_ARRAY, false, 0, 3, scope_names, "scopes", PARAM_ENUM},
	{"meta", PARAM_BODY, PARAM_OBJECT, false, 0, 0, NULL, "anything", PARAM_STRING},
	{"ref", PARAM_BODY, PARAM_ID, false, 0, 0, NULL, "an id", PARAM_STRING},
	{"when", PARAM_BODY, PARAM_TIME, false, 0, 0, NULL, "a time", PARAM_STRING},
	{NULL, PARAM_BODY, PARAM_STRING, false, 0, 0, NULL, NULL, PARAM_STRING},
};

struct body_result {
	bool ok;
	enum problem_code code;
	char err[256];
	char pointer[128];
};

static struct body_result body_check_text(const struct param_spec *specs, const char *text)
{
	struct body_result r;
	memset(&r, 0, sizeof r);
	r.code = PROBLEM__COUNT;
	json_error_t jerr;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);
	if (!j)
		fail_msg("test JSON does not parse: %s: %s", text, jerr.text);
	strcpy(r.pointer, "(unset)");
	r.ok = http_body_check(specs, j, &r.code, r.err, sizeof r.err, r.pointer, sizeof r.pointer);
	json_decref(j);
	return r;
}

static void valid_body_passes(void **state)
{
	(void)state;
	struct body_result r = body_check_text(
		body_specs, "{\"name\":\"x\",\"count\":3,\"on\":true,\"scopes\":[\"read\",\"ci\"],"
			    "\"meta\":{\"k\":[1,2,{\"deep\":null}]},\"ref\":7,"
			    "\"when\":\"2026-01-31T12:00:00Z\"}");
	if (!r.ok)
		fail_msg("refused: %s", r.err);
}

static void non_object_body_is_malformed_json(void **state)
{
	(void)state;
	static const char *const texts[] = {"[]", "\"name\"", "42", "null", "true"};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct body_result r = body_check_text(body_specs, texts[i]);
		assert_false(r.ok);
		assert_int_equal(r.code, PROBLEM_MALFORMED_JSON);
		assert_true(strlen(r.err) > 0);
	}
	enum problem_code code = PROBLEM__COUNT;
	char err[64];
	char pointer[16] = "x";
	assert_false(
		http_body_check(body_specs, NULL, &code, err, sizeof err, pointer, sizeof pointer));
	assert_string_equal(pointer, ""); /* the body itself */
	assert_int_equal(code, PROBLEM_MALFORMED_JSON);
}

static void unknown_field_is_named_in_the_detail(void **state)
{
	(void)state;
	struct body_result r = body_check_text(body_specs, "{\"name\":\"x\",\"colour\":\"red\"}");
	assert_false(r.ok);
	assert_int_equal(r.code, PROBLEM_UNKNOWN_FIELD);
	assert_non_null(strstr(r.err, "colour"));
}

static void unknown_field_is_refused_even_with_no_specs(void **state)
{
	(void)state;
	struct body_result r = body_check_text(NULL, "{\"a\":1}");
	assert_false(r.ok);
	assert_int_equal(r.code, PROBLEM_UNKNOWN_FIELD);
	r = body_check_text(NULL, "{}");
	assert_true(r.ok);
}

static void missing_required_field_is_named(void **state)
{
	(void)state;
	struct body_result r = body_check_text(body_specs, "{\"count\":1}");
	assert_false(r.ok);
	assert_int_equal(r.code, PROBLEM_MISSING_FIELD);
	assert_non_null(strstr(r.err, "name"));
}

static void null_is_treated_as_absent(void **state)
{
	(void)state;
	struct body_result r = body_check_text(body_specs, "{\"name\":\"x\",\"count\":null,"
							   "\"scopes\":null,\"meta\":null}");
	if (!r.ok)
		fail_msg("refused: %s", r.err);
	r = body_check_text(body_specs, "{\"name\":null}");
	assert_false(r.ok);
	assert_int_equal(r.code, PROBLEM_MISSING_FIELD);
	assert_non_null(strstr(r.err, "name"));
}

static void expect_invalid(const char *text, const char *field, const char *words)
{
	struct body_result r = body_check_text(body_specs, text);
	if (r.ok)
		fail_msg("accepted: %s", text);
	assert_int_equal(r.code, PROBLEM_INVALID_FIELD);
	if (!strstr(r.err, field) || (words && !strstr(r.err, words)))
		fail_msg("%s: detail \"%s\" should name %s and say %s", text, r.err, field,
			 words ? words : "");
	/* the pointer names the same field as the detail does, for programs */
	char name[128];
	http_field_name(r.pointer, name, sizeof name);
	if (strncmp(r.err, name, strlen(name)) || strncmp(r.err + strlen(name), ": ", 2))
		fail_msg("%s: pointer %s (%s) is not the field the detail \"%s\" names", text,
			 r.pointer, name, r.err);
}

static void body_faults_carry_a_json_pointer(void **state)
{
	(void)state;
	struct body_result r =
		body_check_text(body_specs, "{\"name\":\"x\",\"scopes\":[\"read\",7]}");
	assert_false(r.ok);
	assert_string_equal(r.pointer, "/scopes/1");
	assert_string_equal(http_check_reason(r.err, "scopes[1]"), "expected a string");
	r = body_check_text(body_specs, "{\"name\":\"x\",\"a/b~c\":1}");
	assert_int_equal(r.code, PROBLEM_UNKNOWN_FIELD);
	assert_string_equal(r.pointer, "/a~1b~0c"); /* RFC 6901 escapes */
	r = body_check_text(body_specs, "{\"count\":3}");
	assert_int_equal(r.code, PROBLEM_MISSING_FIELD);
	assert_string_equal(r.pointer, "/name");
	r = body_check_text(body_specs, "{\"name\":\"x\"}");
	assert_true(r.ok);
	assert_string_equal(r.pointer, "");
}

static void json_pointers_read_as_field_names(void **state)
{
	(void)state;
	static const struct {
		const char *pointer, *name;
	} cases[] = {
		{"", ""},
		{"/verdict", "verdict"},
		{"/jobs/0/name", "jobs[0].name"},
		{"/scopes/12", "scopes[12]"},
		{"/a~1b~0c", "a/b~c"},
		{"/flux/3/kind", "flux[3].kind"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char name[64];
		http_field_name(cases[i].pointer, name, sizeof name);
		assert_string_equal(name, cases[i].name);
	}
	char tiny[6];
	http_field_name("/jobs/0/name", tiny, sizeof tiny); /* truncated, terminated */
	assert_true(strlen(tiny) < sizeof tiny);
	char p[16] = "/jobs";
	http_json_pointer_push(p, sizeof p, "0");
	http_json_pointer_push(p, sizeof p, "a/b");
	assert_string_equal(p, "/jobs/0/a~1b");
	http_json_pointer_push(p, sizeof p, "overflowing-key"); /* never past the buffer */
	assert_true(strlen(p) < sizeof p);
}

static void wrong_json_type_is_refused_per_type(void **state)
{
	(void)state;
	expect_invalid("{\"name\":5}", "name", "a string");
	expect_invalid("{\"name\":[\"x\"]}", "name", "a string");
	expect_invalid("{\"name\":\"x\",\"count\":\"3\"}", "count", "an integer");
	expect_invalid("{\"name\":\"x\",\"count\":1.5}", "count", "an integer");
	expect_invalid("{\"name\":\"x\",\"count\":true}", "count", "an integer");
	expect_invalid("{\"name\":\"x\",\"on\":\"true\"}", "on", "true or false");
	expect_invalid("{\"name\":\"x\",\"on\":1}", "on", "true or false");
	expect_invalid("{\"name\":\"x\",\"scopes\":\"read\"}", "scopes", "an array");
	expect_invalid("{\"name\":\"x\",\"meta\":[]}", "meta", "an object");
	expect_invalid("{\"name\":\"x\",\"meta\":\"{}\"}", "meta", "an object");
	expect_invalid("{\"name\":\"x\",\"ref\":\"7\"}", "ref", "an integer");
	expect_invalid("{\"name\":\"x\",\"when\":12}", "when", "a string");
}

static void body_values_get_the_same_checks_as_params(void **state)
{
	(void)state;
	expect_invalid("{\"name\":\"x\",\"count\":11}", "count", "0 to 10");
	expect_invalid("{\"name\":\"x\",\"count\":-1}", "count", "0 to 10");
	expect_invalid("{\"name\":\"x\",\"ref\":0}", "ref", NULL);
	expect_invalid("{\"name\":\"\"}", "name", NULL);
	expect_invalid("{\"name\":\"abcdefghijk\"}", "name", "at most 10");
	expect_invalid("{\"name\":\"a\\u0001b\"}", "name", "control");
	/* a time: malformed, or well-formed but no real instant (said why) */
	expect_invalid("{\"name\":\"x\",\"when\":\"noon\"}", "when", "RFC 3339");
	expect_invalid("{\"name\":\"x\",\"when\":\"2026-02-30T00:00:00Z\"}", "when",
		       "not a valid date: day 30 of 2026-02");
	expect_invalid("{\"name\":\"x\",\"when\":\"2026-12-31T23:59:60Z\"}", "when",
		       "not a valid time: second 60");
}

static void array_item_errors_name_the_index(void **state)
{
	(void)state;
	expect_invalid("{\"name\":\"x\",\"scopes\":[\"read\",\"root\"]}", "scopes[1]",
		       "read, ci, feedback, admin");
	expect_invalid("{\"name\":\"x\",\"scopes\":[\"read\",\"ci\",5]}", "scopes[2]", "a string");
	expect_invalid("{\"name\":\"x\",\"scopes\":[null]}", "scopes[0]", NULL);
}

static void array_max_items_is_enforced(void **state)
{
	(void)state;
	struct body_result r = body_check_text(
		body_specs, "{\"name\":\"x\",\"scopes\":[\"read\",\"ci\",\"admin\"]}");
	assert_true(r.ok);
	expect_invalid("{\"name\":\"x\",\"scopes\":[\"read\",\"ci\",\"admin\",\"read\"]}", "scopes",
		       "at most 3 items");
	r = body_check_text(body_specs, "{\"name\":\"x\",\"scopes\":[]}");
	assert_true(r.ok);
}

static void array_default_max_is_100_items(void **state)
{
	(void)state;
	static const struct param_spec specs[] = {
		{"xs", PARAM_BODY, PARAM_ARRAY, true, 0, 0, NULL, "strings", PARAM_STRING},
		{NULL, PARAM_BODY, PARAM_STRING, false, 0, 0, NULL, NULL, PARAM_STRING},
	};
	json_t *arr = json_array();
	for (int i = 0; i < 100; i++)
		json_array_append_new(arr, json_string("s"));
	json_t *body = json_pack("{s:o}", "xs", arr);
	enum problem_code code;
	char err[128];
	assert_true(http_body_check(specs, body, &code, err, sizeof err, NULL, 0));
	json_array_append_new(arr, json_string("s"));
	assert_false(http_body_check(specs, body, &code, err, sizeof err, NULL, 0));
	assert_int_equal(code, PROBLEM_INVALID_FIELD);
	assert_non_null(strstr(err, "at most 100 items"));
	json_decref(body);
}

static void nested_object_field_takes_any_object(void **state)
{
	(void)state;
	struct body_result r = body_check_text(
		body_specs,
		"{\"name\":\"x\",\"meta\":{\"unknown\":{\"deeper\":[true,\"s\",1.5]}}}");
	if (!r.ok)
		fail_msg("refused: %s", r.err);
	r = body_check_text(body_specs, "{\"name\":\"x\",\"meta\":{}}");
	assert_true(r.ok);
}

/* http.h: "PARAM_SHA, 7..40 hex digits (query/path); body: 40" */
static void body_sha_must_be_a_full_40_digit_sha(void **state)
{
	(void)state;
	static const struct param_spec specs[] = {
		{"head_sha", PARAM_BODY, PARAM_SHA, true, 0, 0, NULL, "commit", PARAM_STRING},
		{NULL, PARAM_BODY, PARAM_STRING, false, 0, 0, NULL, NULL, PARAM_STRING},
	};
	struct body_result r = body_check_text(
		specs, "{\"head_sha\":\"0123456789abcdef0123456789abcdef01234567\"}");
	assert_true(r.ok);
	r = body_check_text(specs, "{\"head_sha\":\"0123456\"}");
	if (r.ok)
		fail_msg("a 7-digit SHA was accepted in a JSON body; http.h says body SHAs are 40");
	assert_int_equal(r.code, PROBLEM_INVALID_FIELD);
}

/* An array of integers: the array's min/max are its length bounds, so its
 * items must not inherit a [min, 0] value range. */
static void int_array_items_accept_positive_integers(void **state)
{
	(void)state;
	static const struct param_spec specs[] = {
		{"ids", PARAM_BODY, PARAM_ARRAY, true, 0, 5, NULL, "ids", PARAM_ID},
		{"ns", PARAM_BODY, PARAM_ARRAY, false, 0, 5, NULL, "numbers", PARAM_INT},
		{NULL, PARAM_BODY, PARAM_STRING, false, 0, 0, NULL, NULL, PARAM_STRING},
	};
	struct body_result r = body_check_text(specs, "{\"ids\":[1,2,3]}");
	if (!r.ok)
		fail_msg("refused: %s", r.err);
	r = body_check_text(specs, "{\"ids\":[1,0]}");
	assert_false(r.ok);
	assert_non_null(strstr(r.err, "ids[1]"));
	r = body_check_text(specs, "{\"ids\":[1],\"ns\":[1,2,3]}");
	if (!r.ok)
		fail_msg("refused: %s", r.err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exact_path_matches_its_route),
		cmocka_unit_test(path_param_value_and_name_are_extracted),
		cmocka_unit_test(several_path_params_come_in_pattern_order),
		cmocka_unit_test(trailing_slash_does_not_match),
		cmocka_unit_test(unknown_path_is_not_found),
		cmocka_unit_test(route_with_wrong_method_lists_allowed_methods),
		cmocka_unit_test(head_matches_a_get_route),
		cmocka_unit_test(head_without_a_get_route_is_wrong_method),
		cmocka_unit_test(options_is_wrong_method_with_allow_and_no_route),
		cmocka_unit_test(empty_segment_value_does_not_match_a_param),
		cmocka_unit_test(param_value_never_spans_a_slash),
		cmocka_unit_test(small_allow_buffer_is_truncated_and_terminated),
		cmocka_unit_test(too_many_path_params_do_not_match),
		cmocka_unit_test(greedy_param_takes_one_or_more_segments),
		cmocka_unit_test(greedy_param_is_never_empty),
		cmocka_unit_test(greedy_param_refuses_empty_segments),
		cmocka_unit_test(real_routes_table_is_not_empty),
		cmocka_unit_test(real_routes_are_unique_per_method_and_pattern),
		cmocka_unit_test(real_routes_path_params_all_have_path_specs),
		cmocka_unit_test(real_routes_param_lists_hold_the_right_kinds),
		cmocka_unit_test(real_routes_all_have_summary_and_tag),
		cmocka_unit_test(real_routes_are_each_reachable),
		cmocka_unit_test(real_token_body_names_the_bad_scope_index),
		cmocka_unit_test(int_param_accepts_values_in_range),
		cmocka_unit_test(int_param_refuses_out_of_range_junk_spaces_and_overflow),
		cmocka_unit_test(int_param_error_states_the_range),
		cmocka_unit_test(id_param_must_be_a_positive_64_bit_integer),
		cmocka_unit_test(bool_param_takes_true_false_1_0_only),
		cmocka_unit_test(enum_param_accepts_only_listed_values),
		cmocka_unit_test(enum_param_error_lists_the_values),
		cmocka_unit_test(enum_param_error_is_truncated_safely),
		cmocka_unit_test(sha_param_takes_7_to_40_hex_digits),
		cmocka_unit_test(time_param_takes_rfc3339_variants),
		cmocka_unit_test(repo_param_must_be_owner_slash_name),
		cmocka_unit_test(digest_param_must_be_sha256_and_64_hex),
		cmocka_unit_test(string_max_length_counts_characters_not_bytes),
		cmocka_unit_test(string_default_max_is_256_characters),
		cmocka_unit_test(string_min_length_and_required_refuse_empty),
		cmocka_unit_test(invalid_utf8_is_refused),
		cmocka_unit_test(overlong_surrogate_and_out_of_range_utf8_is_refused),
		cmocka_unit_test(control_characters_are_refused),
		cmocka_unit_test(del_is_refused_as_a_control_character),
		cmocka_unit_test(utf8_error_names_the_parameter),
		cmocka_unit_test(array_and_object_are_not_accepted_as_text_params),
		cmocka_unit_test(cursor_param_is_bounded_text),
		cmocka_unit_test(valid_body_passes),
		cmocka_unit_test(non_object_body_is_malformed_json),
		cmocka_unit_test(unknown_field_is_named_in_the_detail),
		cmocka_unit_test(unknown_field_is_refused_even_with_no_specs),
		cmocka_unit_test(missing_required_field_is_named),
		cmocka_unit_test(null_is_treated_as_absent),
		cmocka_unit_test(wrong_json_type_is_refused_per_type),
		cmocka_unit_test(body_values_get_the_same_checks_as_params),
		cmocka_unit_test(array_item_errors_name_the_index),
		cmocka_unit_test(body_faults_carry_a_json_pointer),
		cmocka_unit_test(json_pointers_read_as_field_names),
		cmocka_unit_test(array_max_items_is_enforced),
		cmocka_unit_test(array_default_max_is_100_items),
		cmocka_unit_test(nested_object_field_takes_any_object),
		cmocka_unit_test(body_sha_must_be_a_full_40_digit_sha),
		cmocka_unit_test(int_array_items_accept_positive_integers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
