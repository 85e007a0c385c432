/*
 * test_openapi.c — the OpenAPI document (http_openapi) against the route
 * table it is generated from: every route is in it with its method and no
 * other operation is, every $ref resolves (so every schema a route names is
 * written down in server/api/openapi_schemas.json), every path parameter is
 * declared, every scoped operation carries its security requirement, the
 * problem answers name exactly the problem table's types, and each route's
 * success answer is what the route says.  The same checks are run on small
 * broken tables to prove they fail.
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
#include "shiplog/problem.h"

extern const char openapi_schemas_json[];

static const char *const methods[] = {"get",  "put",   "post",	"delete", "options",
				      "head", "patch", "trace", NULL};

/* ---- helpers ---- */

/* The OpenAPI path of a pattern ("{branch+}" -> "{branch}"). */
static void oa_path(const char *pattern, char *out, size_t size)
{
	size_t o = 0;
	for (const char *c = pattern; *c && o + 1 < size; c++)
		if (!(c[0] == '+' && c[1] == '}'))
			out[o++] = *c;
	out[o] = '\0';
}

static void lower(const char *in, char *out, size_t size)
{
	size_t i = 0;
	for (; in[i] && i + 1 < size; i++)
		out[i] = (char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] + 32 : in[i]);
	out[i] = '\0';
}

static json_t *operation_of(json_t *doc, const struct route *r)
{
	char path[256], method[16];
	oa_path(r->pattern, path, sizeof path);
	lower(r->method, method, sizeof method);
	return json_object_get(json_object_get(json_object_get(doc, "paths"), path), method);
}

/* Resolves a local JSON pointer ("#/components/schemas/Run"); NULL if it does not. */
static json_t *resolve(json_t *doc, const char *ref)
{
	if (strncmp(ref, "#/", 2))
		return NULL;
	json_t *node = doc;
	const char *p = ref + 1;
	while (node && *p == '/') {
		p++;
		char token[256];
		size_t o = 0;
		for (; *p && *p != '/' && o + 1 < sizeof token; p++) {
			if (p[0] == '~' && p[1] == '1') {
				token[o++] = '/';
				p++;
			} else if (p[0] == '~' && p[1] == '0') {
				token[o++] = '~';
				p++;
			} else {
				token[o++] = *p;
			}
		}
		token[o] = '\0';
		node = json_is_array(node) ? json_array_get(node, strtoul(token, NULL, 10))
					   : json_object_get(node, token);
	}
	return node;
}

/* Counts (and prints) every "$ref" under node that does not resolve in doc. */
static int dangling_refs(json_t *doc, json_t *node, const char *where)
{
	int bad = 0;
	if (json_is_object(node)) {
		const char *key;
		json_t *v;
		json_object_foreach(node, key, v) {
			if (!strcmp(key, "$ref") && json_is_string(v)) {
				if (!resolve(doc, json_string_value(v))) {
					printf("# %s: $ref %s does not resolve\n", where,
					       json_string_value(v));
					bad++;
				}
			} else {
				char w[512];
				snprintf(w, sizeof w, "%s/%s", where, key);
				bad += dangling_refs(doc, v, w);
			}
		}
	} else if (json_is_array(node)) {
		size_t i;
		json_t *v;
		json_array_foreach(node, i, v) {
			char w[512];
			snprintf(w, sizeof w, "%s/%zu", where, i);
			bad += dangling_refs(doc, v, w);
		}
	}
	return bad;
}

/* Routes of the table missing from the document (or without their method). */
static int missing_routes(json_t *doc, const struct route *table)
{
	int bad = 0;
	for (size_t i = 0; table[i].method; i++)
		if (!json_is_object(operation_of(doc, &table[i]))) {
			printf("# %s %s is not in the document\n", table[i].method,
			       table[i].pattern);
			bad++;
		}
	return bad;
}

/* Operations of the document that the table does not have. */
static int extra_operations(json_t *doc, const struct route *table)
{
	int bad = 0;
	const char *path;
	json_t *item;
	json_object_foreach(json_object_get(doc, "paths"), path, item) {
		const char *key;
		json_t *op;
		json_object_foreach(item, key, op) {
			bool is_method = false;
			for (const char *const *m = methods; *m; m++)
				is_method = is_method || !strcmp(*m, key);
			if (!is_method)
				continue; /* parameters, summary... */
			bool found = false;
			for (size_t i = 0; table[i].method && !found; i++) {
				char p[256], m[16];
				oa_path(table[i].pattern, p, sizeof p);
				lower(table[i].method, m, sizeof m);
				found = !strcmp(p, path) && !strcmp(m, key);
			}
			if (!found) {
				printf("# the document names %s %s, which the table lacks\n", key,
				       path);
				bad++;
			}
		}
	}
	return bad;
}

/* Route schema names that components/schemas lacks. */
static int undefined_schemas(json_t *doc, const struct route *table)
{
	int bad = 0;
	json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
	for (size_t i = 0; table[i].method; i++)
		if (table[i].response_schema &&
		    !json_object_get(schemas, table[i].response_schema)) {
			printf("# %s %s: schema %s is not defined "
			       "(server/api/openapi_schemas.json)\n",
			       table[i].method, table[i].pattern, table[i].response_schema);
			bad++;
		}
	return bad;
}

/* Path parameters: each {name} of the template declared (in: path,
 * required), and no path parameter declared that the template lacks. */
static int undeclared_path_params(json_t *doc, const struct route *table)
{
	int bad = 0;
	for (size_t i = 0; table[i].method; i++) {
		const struct route *r = &table[i];
		json_t *op = operation_of(doc, r);
		json_t *params = json_object_get(op, "parameters");
		char path[256];
		oa_path(r->pattern, path, sizeof path);
		for (const char *p = strchr(path, '{'); p; p = strchr(p + 1, '{')) {
			const char *end = strchr(p, '}');
			if (!end)
				break;
			char name[80];
			snprintf(name, sizeof name, "%.*s", (int)(end - p - 1), p + 1);
			bool declared = false;
			size_t k;
			json_t *prm;
			json_array_foreach(params, k, prm) {
				declared = declared ||
					   (!strcmp(json_string_value(json_object_get(prm, "name")),
						    name) &&
					    !strcmp(json_string_value(json_object_get(prm, "in")),
						    "path") &&
					    json_is_true(json_object_get(prm, "required")) &&
					    json_is_object(json_object_get(prm, "schema")));
			}
			if (!declared) {
				printf("# %s %s: path parameter {%s} is not declared\n", r->method,
				       path, name);
				bad++;
			}
		}
		size_t k;
		json_t *prm;
		json_array_foreach(params, k, prm) {
			if (strcmp(json_string_value(json_object_get(prm, "in")), "path"))
				continue;
			char want[96];
			snprintf(want, sizeof want, "{%s}",
				 json_string_value(json_object_get(prm, "name")));
			if (!strstr(path, want)) {
				printf("# %s %s: declares path parameter %s the path lacks\n",
				       r->method, path, want);
				bad++;
			}
		}
	}
	return bad;
}

/* Scoped operations: security [{bearer: [scope]}, {session: [scope]}] for
 * each scope that will do, and x-shiplog-scope; public ones: security [] and no x-shiplog-scope. */
static int wrong_security(json_t *doc, const struct route *table)
{
	int bad = 0;
	for (size_t i = 0; table[i].method; i++) {
		const struct route *r = &table[i];
		json_t *op = operation_of(doc, r);
		json_t *sec = json_object_get(op, "security");
		if (r->scope == AUTH_SCOPE_NONE) {
			if (!json_is_array(sec) || json_array_size(sec) != 0 ||
			    json_object_get(op, "x-shiplog-scope")) {
				printf("# %s %s is public but the document asks for credentials\n",
				       r->method, r->pattern);
				bad++;
			}
			continue;
		}
		/* each scope that will do, by bearer and by session */
		bool ok = true;
		for (unsigned b = 1; b <= AUTH_SCOPE_ALL; b <<= 1) {
			if (!((unsigned)r->scope & b))
				continue;
			const char *scope = auth_scope_name((enum auth_scope)b);
			bool bearer = false, session = false;
			size_t k;
			json_t *req;
			json_array_foreach(sec, k, req) {
				json_t *bb = json_object_get(req, "bearer"),
				       *s = json_object_get(req, "session");
				bearer = bearer ||
					 (json_array_size(bb) == 1 &&
					  !strcmp(json_string_value(json_array_get(bb, 0)), scope));
				session = session ||
					  (json_array_size(s) == 1 &&
					   !strcmp(json_string_value(json_array_get(s, 0)), scope));
			}
			if (!bearer || !session) {
				printf("# %s %s takes scope %s: the document says otherwise\n",
				       r->method, r->pattern, scope);
				ok = false;
			}
		}
		const char *x = json_string_value(json_object_get(op, "x-shiplog-scope"));
		if (!x || strcmp(x, auth_scope_name(r->scope)) ||
		    json_array_size(sec) != 2u * (size_t)__builtin_popcount((unsigned)r->scope)) {
			printf("# %s %s needs scope %s: the document says otherwise\n", r->method,
			       r->pattern, auth_scope_name(r->scope));
			ok = false;
		}
		bad += !ok;
	}
	return bad;
}

static json_t *doc_for(const struct route *table)
{
	json_t *doc = http_openapi(table, "/");
	assert_non_null(doc);
	return doc;
}

/* ---- the real table ---- */

static void every_route_of_the_table_is_in_the_document_with_its_method(void **state)
{
	(void)state;
	json_t *doc = doc_for(http_routes);
	assert_int_equal(missing_routes(doc, http_routes), 0);
	json_decref(doc);
}

static void the_document_names_no_operation_the_table_lacks(void **state)
{
	(void)state;
	json_t *doc = doc_for(http_routes);
	assert_int_equal(extra_operations(doc, http_routes), 0);
	json_decref(doc);
}

static void every_ref_resolves_and_every_named_schema_is_defined(void **state)
{
	(void)state;
	json_t *doc = doc_for(http_routes);
	assert_int_equal(dangling_refs(doc, doc, "#"), 0);
	assert_int_equal(undefined_schemas(doc, http_routes), 0);
	json_decref(doc);
}

static void every_path_parameter_is_declared(void **state)
{
	(void)state;
	json_t *doc = doc_for(http_routes);
	assert_int_equal(undeclared_path_params(doc, http_routes), 0);
	/* "{branch+}" is "{branch}", marked as taking several segments */
	bool seen = false;
	for (size_t i = 0; http_routes[i].method; i++) {
		const char *plus = strstr(http_routes[i].pattern, "+}");
		if (!plus)
			continue;
		seen = true;
		json_t *params = json_object_get(operation_of(doc, &http_routes[i]), "parameters");
		bool marked = false;
		size_t k;
		json_t *prm;
		json_array_foreach(params, k, prm) {
			marked = marked ||
				 json_is_true(json_object_get(prm, "x-shiplog-multi-segment"));
		}
		assert_true(marked);
	}
	assert_true(seen);
	json_decref(doc);
}

static void each_scoped_operation_carries_its_security_requirement(void **state)
{
	(void)state;
	json_t *doc = doc_for(http_routes);
	assert_int_equal(wrong_security(doc, http_routes), 0);
	json_t *schemes = json_object_get(json_object_get(doc, "components"), "securitySchemes");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(schemes, "bearer"), "scheme")),
		"bearer");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(schemes, "session"), "in")),
		"cookie");
	json_decref(doc);
}

static void each_route_answers_its_success_status_with_its_schema(void **state)
{
	(void)state;
	json_t *doc = doc_for(http_routes);
	for (size_t i = 0; http_routes[i].method; i++) {
		const struct route *r = &http_routes[i];
		char code[16];
		snprintf(code, sizeof code, "%u", r->success ? r->success : 200);
		json_t *ok =
			json_object_get(json_object_get(operation_of(doc, r), "responses"), code);
		if (!ok)
			fail_msg("%s %s: no %s response", r->method, r->pattern, code);
		json_t *content = json_object_get(ok, "content");
		if (r->success == 204) {
			if (content)
				fail_msg("%s %s: a 204 with content", r->method, r->pattern);
			continue;
		}
		/* an answer with a body has its content described: a schema the
		 * route names, or what openapi.c says for it */
		if (!json_object_size(content))
			fail_msg("%s %s: its %s answer has a body the document does not describe "
				 "(name a response_schema in the route table)",
				 r->method, r->pattern, code);
		if (!r->response_schema)
			continue;
		char ref[128];
		snprintf(ref, sizeof ref, "#/components/schemas/%s", r->response_schema);
		const char *got = json_string_value(json_object_get(
			json_object_get(json_object_get(content, "application/json"), "schema"),
			"$ref"));
		if (!got || strcmp(got, ref))
			fail_msg("%s %s: %s answer is not %s", r->method, r->pattern, code, ref);
	}
	json_decref(doc);
}

static void problem_answers_name_exactly_the_problem_types(void **state)
{
	(void)state;
	json_t *doc = doc_for(http_routes);
	json_t *comp = json_object_get(doc, "components");
	json_t *e = json_object_get(
		json_object_get(json_object_get(json_object_get(json_object_get(comp, "schemas"),
								"Problem"),
						"properties"),
				"type"),
		"enum");
	assert_int_equal(json_array_size(e), PROBLEM__COUNT);
	for (int c = 0; c < PROBLEM__COUNT; c++) {
		char uri[128];
		problem_type_uri((enum problem_code)c, uri, sizeof uri);
		assert_string_equal(json_string_value(json_array_get(e, (size_t)c)), uri);
		/* and the shared response of its status lists it */
		char name[32];
		snprintf(name, sizeof name, "Problem%u",
			 problem_info((enum problem_code)c)->status);
		json_t *resp = json_object_get(json_object_get(comp, "responses"), name);
		if (!resp)
			continue; /* a status no route gives on its own (405, 414): default */
		json_t *types = json_object_get(
			json_object_get(
				json_object_get(
					json_object_get(
						json_object_get(json_object_get(resp, "content"),
								"application/problem+json"),
						"schema"),
					"properties"),
				"type"),
			"enum");
		bool listed = false;
		size_t k;
		json_t *t;
		json_array_foreach(types, k, t) {
			listed = listed || !strcmp(json_string_value(t), uri);
		}
		if (!listed)
			fail_msg("%s does not list %s", name, uri);
	}
	/* every operation has a default problem answer, and problems on 4xx/5xx */
	for (size_t i = 0; http_routes[i].method; i++) {
		json_t *responses =
			json_object_get(operation_of(doc, &http_routes[i]), "responses");
		assert_non_null(json_object_get(responses, "default"));
		assert_non_null(json_object_get(responses, "400"));
		assert_non_null(json_object_get(responses, "503"));
	}
	json_decref(doc);
}

static void operation_ids_are_unique(void **state)
{
	(void)state;
	json_t *doc = doc_for(http_routes);
	json_t *seen = json_object();
	for (size_t i = 0; http_routes[i].method; i++) {
		const char *id = json_string_value(
			json_object_get(operation_of(doc, &http_routes[i]), "operationId"));
		assert_non_null(id);
		if (json_object_get(seen, id))
			fail_msg("operationId %s twice", id);
		json_object_set_new(seen, id, json_true());
	}
	json_decref(seen);
	json_decref(doc);
}

/* Marks the component schemas reachable from node. */
static void mark_used(json_t *doc, json_t *node, json_t *used)
{
	if (json_is_object(node)) {
		const char *key;
		json_t *v;
		json_object_foreach(node, key, v) {
			const char *ref = json_is_string(v) ? json_string_value(v) : NULL;
			static const char prefix[] = "#/components/schemas/";
			if (!strcmp(key, "$ref") && ref &&
			    !strncmp(ref, prefix, sizeof prefix - 1)) {
				const char *name = ref + sizeof prefix - 1;
				if (!json_object_get(used, name)) {
					json_object_set_new(used, name, json_true());
					mark_used(doc, resolve(doc, ref), used);
				}
			} else {
				mark_used(doc, v, used);
			}
		}
	} else if (json_is_array(node)) {
		size_t i;
		json_t *v;
		json_array_foreach(node, i, v) {
			mark_used(doc, v, used);
		}
	}
}

static void the_schemas_file_is_json_and_every_schema_in_it_is_used(void **state)
{
	(void)state;
	json_error_t err;
	json_t *file = json_loads(openapi_schemas_json, JSON_REJECT_DUPLICATES, &err);
	if (!file)
		fail_msg("openapi_schemas.json, line %d: %s", err.line, err.text);
	assert_true(json_is_object(file));
	json_t *doc = doc_for(http_routes);
	json_t *used = json_object();
	mark_used(doc, json_object_get(doc, "paths"), used);
	mark_used(doc, json_object_get(json_object_get(doc, "components"), "responses"), used);
	const char *name;
	json_t *s;
	int unused = 0;
	json_object_foreach(file, name, s) {
		assert_true(json_is_object(s));
		if (!json_object_get(used, name)) {
			printf("# schema %s is not used by any operation\n", name);
			unused++;
		}
	}
	assert_int_equal(unused, 0);
	json_decref(used);
	json_decref(doc);
	json_decref(file);
}

/* ---- the checks fail when they should ---- */

static void handler_stub(struct http_request *r)
{
	(void)r;
}

/* A route's `openapi` field reaches its operation: the media type, another
 * success answer, a problem status beyond the generic ones, a header, a
 * body field's schema; and a route without it gets none of them. */
static void what_a_route_adds_to_its_operation_is_in_the_document(void **state)
{
	(void)state;
	static const struct param_spec body[] = {
		{"parts", PARAM_BODY, PARAM_ARRAY, false, 0, 10, NULL, "Parts", PARAM_OBJECT},
		{0},
	};
	static const struct route table[] = {
		{.method = "POST",
		 .pattern = "/things",
		 .handler = handler_stub,
		 .scope = AUTH_SCOPE_CI,
		 .body = BODY_JSON,
		 .body_params = body,
		 .success = 201,
		 .response_schema = "Problem",
		 .openapi = {.media = "text/plain",
			     .also = {{200, NULL, "The same thing again"}},
			     .problems = "409",
			     .headers = {{"X-Thing", true, "Which thing"}},
			     .fields = {{"parts", "Problem"}}}},
		{.method = "PUT",
		 .pattern = "/things",
		 .handler = handler_stub,
		 .scope = AUTH_SCOPE_CI,
		 .success = 200,
		 .response_schema = "Problem"},
		{.method = NULL},
	};
	json_t *doc = doc_for(table);
	json_t *op = operation_of(doc, &table[0]);
	json_t *responses = json_object_get(op, "responses");
	assert_non_null(json_object_get(
		json_object_get(json_object_get(responses, "201"), "content"), "text/plain"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(responses, "200"),
							      "description")),
			    "The same thing again");
	assert_non_null(json_object_get(responses, "409"));
	json_t *header = json_array_get(json_object_get(op, "parameters"), 0);
	assert_string_equal(json_string_value(json_object_get(header, "name")), "X-Thing");
	assert_string_equal(json_string_value(json_object_get(header, "in")), "header");
	json_t *content = json_object_get(json_object_get(op, "requestBody"), "content");
	json_t *props = json_object_get(
		json_object_get(json_object_get(content, "application/json"), "schema"),
		"properties");
	json_t *parts = json_object_get(props, "parts");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(parts, "items"), "$ref")),
		"#/components/schemas/Problem");

	op = operation_of(doc, &table[1]);
	responses = json_object_get(op, "responses");
	assert_null(json_object_get(responses, "409"));
	assert_null(json_object_get(responses, "201"));
	assert_int_equal(json_array_size(json_object_get(op, "parameters")), 0);
	assert_non_null(json_object_get(json_object_get(json_object_get(responses, "200"),
							"content"),
					"application/json"));
	json_decref(doc);
}

static void a_schema_name_nobody_wrote_down_fails_the_checks(void **state)
{
	(void)state;
	static const struct route table[] = {
		{.method = "GET",
		 .pattern = "/things",
		 .handler = handler_stub,
		 .success = 200,
		 .response_schema = "NoSuchSchemaAnywhere"},
		{.method = NULL},
	};
	json_t *doc = doc_for(table);
	assert_true(dangling_refs(doc, doc, "#") > 0);
	assert_int_equal(undefined_schemas(doc, table), 1);
	json_decref(doc);
}

static void a_route_missing_from_the_document_or_one_it_invents_fails_the_checks(void **state)
{
	(void)state;
	static const struct param_spec id[] = {
		{"id", PARAM_PATH, PARAM_ID, true, 0, 0, NULL, "Numeric id", 0},
		{0},
	};
	static const struct route table[] = {
		{.method = "GET",
		 .pattern = "/things/{id}",
		 .handler = handler_stub,
		 .params = id,
		 .scope = AUTH_SCOPE_READ,
		 .success = 200,
		 .response_schema = "Problem"},
		{.method = NULL},
	};
	static const struct route other[] = {
		{.method = "GET",
		 .pattern = "/things/{id}",
		 .handler = handler_stub,
		 .params = id,
		 .scope = AUTH_SCOPE_READ,
		 .success = 200,
		 .response_schema = "Problem"},
		{.method = "DELETE",
		 .pattern = "/things/{id}",
		 .handler = handler_stub,
		 .params = id,
		 .scope = AUTH_SCOPE_ADMIN,
		 .success = 204},
		{.method = NULL},
	};
	json_t *doc = doc_for(table);
	assert_int_equal(missing_routes(doc, table), 0);
	assert_int_equal(extra_operations(doc, table), 0);
	assert_int_equal(wrong_security(doc, table), 0);
	/* the document of a table without DELETE, checked against one with it */
	assert_int_equal(missing_routes(doc, other), 1);
	json_decref(doc);
	doc = doc_for(other);
	assert_int_equal(extra_operations(doc, table), 1);
	/* a scope the document does not carry */
	json_t *op = json_object_get(json_object_get(json_object_get(doc, "paths"), "/things/{id}"),
				     "delete");
	json_object_set_new(op, "security", json_array());
	assert_int_equal(wrong_security(doc, other), 1);
	json_decref(doc);
}

static void an_undeclared_path_parameter_fails_the_checks(void **state)
{
	(void)state;
	static const struct route table[] = {
		{.method = "GET",
		 .pattern = "/things/{id}/parts/{part}",
		 .handler = handler_stub,
		 .success = 200,
		 .response_schema = "Problem"},
		{.method = NULL},
	};
	json_t *doc = doc_for(table);
	assert_int_equal(undeclared_path_params(doc, table), 2);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_route_of_the_table_is_in_the_document_with_its_method),
		cmocka_unit_test(the_document_names_no_operation_the_table_lacks),
		cmocka_unit_test(every_ref_resolves_and_every_named_schema_is_defined),
		cmocka_unit_test(every_path_parameter_is_declared),
		cmocka_unit_test(each_scoped_operation_carries_its_security_requirement),
		cmocka_unit_test(each_route_answers_its_success_status_with_its_schema),
		cmocka_unit_test(problem_answers_name_exactly_the_problem_types),
		cmocka_unit_test(operation_ids_are_unique),
		cmocka_unit_test(the_schemas_file_is_json_and_every_schema_in_it_is_used),
		cmocka_unit_test(what_a_route_adds_to_its_operation_is_in_the_document),
		cmocka_unit_test(a_schema_name_nobody_wrote_down_fails_the_checks),
		cmocka_unit_test(
			a_route_missing_from_the_document_or_one_it_invents_fails_the_checks),
		cmocka_unit_test(an_undeclared_path_parameter_fails_the_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
