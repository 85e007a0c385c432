/*
 * openapi.c — the OpenAPI 3.1 document, generated from the route table so
 * that it cannot drift from what the server really serves.
 *
 * From each route: the path (a "{name+}" segment is "{name}", marked
 * x-shiplog-multi-segment), the method, the path and query parameters and
 * the JSON body from their specs, the required scope (security and
 * x-shiplog-scope), and the success answer with the schema the route names.
 * The schemas themselves are plain JSON in server/api/openapi_schemas.json,
 * compiled in as a string (cmake/embed_file.cmake).  A route naming a schema
 * that file lacks gets a dangling $ref: tests/unit/test_openapi.c fails on
 * it, so a new answer cannot go undescribed.
 *
 * The problem answers of an operation follow from the dispatcher
 * (server/http/dispatch.c): 400 everywhere (an unknown query parameter is
 * refused on every route), 401/403 where a scope is needed, 403 on writes
 * (CSRF with a session cookie), 404 with path parameters, 413/415 with a
 * body, 409 on API writes (a stored record with the same key:
 * http_reply_db_failure), 429 where credentials are presented (past the
 * failed-authentication limit a failure gets 429) or a route is
 * rate-limited, 503 everywhere
 * (database, shutdown, the body memory budget); and `default` for what is
 * rare everywhere (405, 414, 500).  What a handler adds (409, 429, 500,
 * other success codes, headers, non-JSON answers) is in its route's
 * `openapi` field.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "http/ratelimit.h"
#include "shiplog/app.h"
#include "shiplog/config.h"
#include "shiplog/http.h"
#include "shiplog/log.h"
#include "shiplog/notify_kinds.h"
#include "shiplog/problem.h"

/* Generated from server/api/openapi_schemas.json by cmake/embed_file.cmake. */
extern const char openapi_schemas_json[];

#define SCHEMA_REF "#/components/schemas/"

static bool has_problem(const struct route_openapi *n, unsigned status)
{
	if (!n->problems)
		return false;
	char want[8];
	snprintf(want, sizeof want, "%u", status);
	for (const char *p = n->problems; (p = strstr(p, want)); p += 3)
		if ((p == n->problems || p[-1] == ' ') && (p[3] == '\0' || p[3] == ' '))
			return true;
	return false;
}

/* ---- parameters and bodies ---- */

static json_t *param_schema(const struct param_spec *s, enum param_type type)
{
	json_t *o = json_object();
	switch (type) {
	case PARAM_INT:
		json_object_set_new(o, "type", json_string("integer"));
		json_object_set_new(o, "minimum", json_integer(s->min));
		json_object_set_new(o, "maximum", json_integer(s->max));
		break;
	case PARAM_ID:
		json_object_set_new(o, "type", json_string("integer"));
		json_object_set_new(o, "minimum", json_integer(1));
		break;
	case PARAM_BOOL:
		json_object_set_new(o, "type", json_string("boolean"));
		break;
	case PARAM_ENUM: {
		json_t *e = json_array();
		for (const char *const *v = s->enum_values; v && *v; v++)
			json_array_append_new(e, json_string(*v));
		json_object_set_new(o, "type", json_string("string"));
		json_object_set_new(o, "enum", e);
		break;
	}
	case PARAM_SHA:
		json_object_set_new(o, "type", json_string("string"));
		json_object_set_new(o, "pattern",
				    json_string(s->in == PARAM_BODY ? "^[0-9a-fA-F]{40}$"
								    : "^[0-9a-fA-F]{7,40}$"));
		break;
	case PARAM_TIME:
		json_object_set_new(o, "type", json_string("string"));
		json_object_set_new(o, "format", json_string("date-time"));
		break;
	case PARAM_REPO:
		json_object_set_new(o, "type", json_string("string"));
		json_object_set_new(
			o, "pattern",
			json_string("^[A-Za-z0-9_-][A-Za-z0-9_.-]*/[A-Za-z0-9_-][A-Za-z0-9_.-]*$"));
		json_object_set_new(o, "maxLength", json_integer(200));
		break;
	case PARAM_DIGEST:
		json_object_set_new(o, "type", json_string("string"));
		json_object_set_new(o, "pattern", json_string("^sha256:[0-9a-f]{64}$"));
		break;
	case PARAM_ARRAY:
		json_object_set_new(o, "type", json_string("array"));
		json_object_set_new(o, "items", param_schema(s, s->items_type));
		json_object_set_new(o, "maxItems", json_integer(s->max ? s->max : 100));
		break;
	case PARAM_OBJECT:
		json_object_set_new(o, "type", json_string("object"));
		break;
	case PARAM_STRING:
	case PARAM_CURSOR:
		json_object_set_new(o, "type", json_string("string"));
		json_object_set_new(o, "maxLength", json_integer(s->max ? s->max : 256));
		if (s->min)
			json_object_set_new(o, "minLength", json_integer(s->min));
		break;
	}
	return o;
}

/* An optional body field may be given as null (the same as leaving it out). */
static void allow_null(json_t *sch)
{
	json_t *type = json_object_get(sch, "type");
	if (json_is_string(type))
		json_object_set_new(sch, "type",
				    json_pack("[s, s]", json_string_value(type), "null"));
	json_t *e = json_object_get(sch, "enum");
	if (json_is_array(e))
		json_array_append_new(e, json_null());
}

static json_t *body_schema(const struct route *r, const struct route_openapi *note)
{
	json_t *props = json_object(), *req = json_array();
	for (const struct param_spec *s = r->body_params; s && s->name; s++) {
		json_t *sch = param_schema(s, s->type);
		for (size_t k = 0; k < sizeof note->fields / sizeof note->fields[0]; k++) {
			const struct route_openapi_field *f = &note->fields[k];
			if (!f->field || strcmp(f->field, s->name))
				continue;
			char ref[128];
			snprintf(ref, sizeof ref, SCHEMA_REF "%s", f->schema);
			if (s->type == PARAM_ARRAY)
				json_object_set_new(sch, "items", json_pack("{s:s}", "$ref", ref));
			else
				json_object_set_new(sch, "$ref", json_string(ref));
		}
		if (s->description)
			json_object_set_new(sch, "description", json_string(s->description));
		if (s->required)
			json_array_append_new(req, json_string(s->name));
		else
			allow_null(sch);
		json_object_set_new(props, s->name, sch);
	}
	return json_pack("{s:s, s:o, s:o, s:b}", "type", "object", "properties", props, "required",
			 req, "additionalProperties", 0);
}

/* The OpenAPI path of a route pattern: "{branch+}" is "{branch}". */
static void openapi_path(const char *pattern, char *out, size_t size)
{
	size_t o = 0;
	for (const char *c = pattern; *c && o + 1 < size; c++)
		if (!(c[0] == '+' && c[1] == '}'))
			out[o++] = *c;
	out[o] = '\0';
}

static bool multi_segment(const char *pattern, const char *name)
{
	char want[80];
	snprintf(want, sizeof want, "{%s+}", name);
	return strstr(pattern, want) != NULL;
}

static json_t *parameters(const struct route *r, const struct route_openapi *note)
{
	json_t *params = json_array();
	for (const struct param_spec *s = r->params; s && s->name; s++) {
		json_t *p = json_pack("{s:s, s:s, s:b, s:s, s:o}", "name", s->name, "in",
				      s->in == PARAM_PATH ? "path" : "query", "required",
				      s->in == PARAM_PATH || s->required, "description",
				      s->description ? s->description : "", "schema",
				      param_schema(s, s->type));
		if (s->in == PARAM_PATH && multi_segment(r->pattern, s->name))
			json_object_set_new(p, "x-shiplog-multi-segment", json_true());
		json_array_append_new(params, p);
	}
	for (size_t k = 0; k < sizeof note->headers / sizeof note->headers[0]; k++) {
		const struct route_openapi_header *h = &note->headers[k];
		if (h->name)
			json_array_append_new(params,
					      json_pack("{s:s, s:s, s:b, s:s, s:{s:s}}", "name",
							h->name, "in", "header", "required",
							h->required, "description", h->description,
							"schema", "type", "string"));
	}
	return params;
}

/* ---- responses ---- */

static const char *status_text(unsigned status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No content";
	default:
		return "Success";
	}
}

static json_t *success_content(const char *media, const char *schema)
{
	if (schema) {
		char ref[128];
		snprintf(ref, sizeof ref, SCHEMA_REF "%s", schema);
		return json_pack("{s:{s:{s:s}}}", media ? media : "application/json", "schema",
				 "$ref", ref);
	}
	if (media)
		return json_pack("{s:{s:{s:s}}}", media, "schema", "type", "string");
	return NULL;
}

static void add_success(json_t *responses, unsigned status, const char *description,
			const char *media, const char *schema, const char *location)
{
	char code[16];
	snprintf(code, sizeof code, "%u", status);
	json_t *resp = json_pack("{s:s}", "description", description);
	json_t *content = status == 204 ? NULL : success_content(media, schema);
	if (content)
		json_object_set_new(resp, "content", content);
	if (location && status == 201)
		json_object_set_new(resp, "headers",
				    json_pack("{s:{s:s, s:{s:s}}}", "Location", "description",
					      location, "schema", "type", "string"));
	json_object_set_new(responses, code, resp);
}

static void add_problem(json_t *responses, unsigned status)
{
	char code[16], ref[64];
	snprintf(code, sizeof code, "%u", status);
	snprintf(ref, sizeof ref, "#/components/responses/Problem%u", status);
	json_object_set_new(responses, code, json_pack("{s:s}", "$ref", ref));
}

static json_t *responses_of(const struct route *r, const struct route_openapi *note)
{
	json_t *responses = json_object();
	unsigned ok = r->success ? r->success : 200;
	const char *media = note->media;
	const char *schema = r->response_schema;
	add_success(responses, ok, status_text(ok), media, schema, "The new resource");
	for (size_t k = 0; k < sizeof note->also / sizeof note->also[0]; k++) {
		const struct route_openapi_success *a = &note->also[k];
		if (a->status)
			add_success(responses, a->status, a->description, media,
				    a->schema ? a->schema : schema, "The new resource");
	}
	bool has_path = false;
	for (const struct param_spec *s = r->params; s && s->name; s++)
		has_path = has_path || s->in == PARAM_PATH;
	bool scoped = r->scope != AUTH_SCOPE_NONE;
	bool write = strcmp(r->method, "GET") != 0;
	/* 429: past the failed-authentication limit, a request presenting
	 * credentials (a token, a webhook signature, a sign-in) that fails;
	 * some routes are limited per client besides (server/http/ratelimit.c) */
	bool limited = scoped || r->body == BODY_RAW ||
		       (write && !strcmp(r->pattern, "/api/v1/session")) ||
		       ratelimit_route_class(r) >= 0;
	static const unsigned all[] = {400, 401, 403, 404, 409, 413, 415, 429, 500, 503};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		unsigned s = all[i];
		/* 409 on API writes: a stored record with the same key
		 * (http_reply_db_failure) */
		bool give = has_problem(note, s) || s == 400 || s == 503 || (s == 401 && scoped) ||
			    (s == 403 && (scoped || write)) || (s == 404 && has_path) ||
			    (s == 409 && write && !strncmp(r->pattern, "/api/", 5)) ||
			    ((s == 413 || s == 415) && r->body != BODY_NONE) ||
			    (s == 429 && limited);
		if (give)
			add_problem(responses, s);
	}
	json_object_set_new(responses, "default",
			    json_pack("{s:s}", "$ref", "#/components/responses/Problem"));
	return responses;
}

/* components/responses: one per problem status, its `type` limited to the
 * problem types of that status. */
static json_t *problem_responses(void)
{
	static const struct {
		unsigned status;
		const char *what;
	} kinds[] = {
		{400,
		 "Malformed request: the detail names the parameter, field or header at fault"},
		{401, "No, malformed or unknown credentials (or a wrong webhook signature)"},
		{403, "The token lacks the scope, the identity may not do that (not-permitted: "
		      "e.g. feedback that is not its own or its team's), or a write with the "
		      "session cookie lacks its X-CSRF-Token"},
		{404, "Not found: the detail names what"},
		{409, "Conflict with the current state (e.g. a published record is immutable, or "
		      "another record already has that key: the detail names it)"},
		{413, "The body is larger than this endpoint takes"},
		{415, "Unsupported content type (or a body where none is taken)"},
		{429,
		 "Too many failed authentications (or posts) from this client, or too many open "
		 "event streams; try again after Retry-After"},
		{500, "Internal error (logged with the statement that failed); a webhook delivery "
		      "is kept for replay"},
		{503, "The database is unreachable (or read-only, out of connections, timed out), "
		      "the server is shutting down, or it holds too many request bodies; retry "
		      "after Retry-After"},
	};
	json_t *out = json_object();
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		json_t *types = json_array();
		char uri[128];
		for (int c = 0; c < PROBLEM__COUNT; c++) {
			if (problem_info((enum problem_code)c)->status != kinds[k].status)
				continue;
			problem_type_uri((enum problem_code)c, uri, sizeof uri);
			json_array_append_new(types, json_string(uri));
		}
		char name[32];
		snprintf(name, sizeof name, "Problem%u", kinds[k].status);
		json_t *resp = json_pack("{s:s, s:{s:{s:{s:[{s:s}], s:{s:{s:o}, s:{s:i}}}}}}",
					 "description", kinds[k].what, "content",
					 "application/problem+json", "schema", "allOf", "$ref",
					 SCHEMA_REF "Problem", "properties", "type", "enum", types,
					 "status", "const", (int)kinds[k].status);
		if (kinds[k].status == 429 || kinds[k].status == 503)
			json_object_set_new(resp, "headers",
					    json_pack("{s:{s:s, s:{s:s}}}", "Retry-After",
						      "description",
						      "Seconds to wait before trying again",
						      "schema", "type", "integer"));
		json_object_set_new(out, name, resp);
	}
	json_object_set_new(out, "Problem",
			    json_pack("{s:s, s:{s:{s:{s:s}}}}", "description",
				      "Any other error: 405 (with Allow), 414, 500...", "content",
				      "application/problem+json", "schema", "$ref",
				      SCHEMA_REF "Problem"));
	return out;
}

/* ---- operations ---- */

/* "GET" + "/api/v1/runs/{id}" -> "get_api_v1_runs_id" */
static void operation_id(const struct route *r, char *out, size_t size)
{
	size_t o = 0;
	for (const char *c = r->method; *c && o + 1 < size; c++)
		out[o++] = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
	for (const char *c = r->pattern; *c && o + 1 < size; c++) {
		char ch = *c;
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9');
		if (alnum)
			out[o++] = ch;
		else if (o && out[o - 1] != '_')
			out[o++] = '_';
	}
	while (o && out[o - 1] == '_')
		o--;
	out[o] = '\0';
}

static json_t *operation(const struct route *r)
{
	const struct route_openapi *note = &r->openapi;
	json_t *op = json_object();
	char opid[200];
	operation_id(r, opid, sizeof opid);
	json_object_set_new(op, "summary", json_string(r->summary ? r->summary : ""));
	json_object_set_new(op, "operationId", json_string(opid));
	json_object_set_new(op, "tags", json_pack("[s]", r->tag ? r->tag : "default"));
	json_object_set_new(op, "parameters", parameters(r, note));
	if (r->body == BODY_JSON || r->body == BODY_JSON_OR_FORM) {
		json_t *schema = body_schema(r, note);
		json_t *content = json_pack("{s:{s:O}}", "application/json", "schema", schema);
		if (r->body == BODY_JSON_OR_FORM) {
			/* a browser's form: the same fields as text, and the session's
			 * CSRF token (dispatch.c reads it from the form) */
			json_t *form = json_deep_copy(schema);
			json_t *props = json_object_get(form, "properties");
			/* an optional field left empty counts as left out */
			const char *key;
			json_t *prop;
			json_object_foreach(props, key, prop) {
				bool required = false;
				size_t k;
				json_t *v;
				json_array_foreach(json_object_get(form, "required"), k, v) {
					required = required || !strcmp(json_string_value(v), key);
				}
				if (!required)
					json_object_set_new(props, key,
							    json_pack("{s:[{s:s}, O]}", "anyOf",
								      "const", "", prop));
			}
			json_object_set_new(
				props, "csrf_token",
				json_pack("{s:s, s:s}", "type", "string", "description",
					  "The session's CSRF token (instead of X-CSRF-Token)"));
			json_object_set_new(content, "application/x-www-form-urlencoded",
					    json_pack("{s:o}", "schema", form));
		}
		json_decref(schema);
		json_object_set_new(op, "requestBody",
				    json_pack("{s:b, s:o}", "required", 1, "content", content));
	} else if (r->body == BODY_RAW) {
		json_t *content = json_object();
		json_object_set_new(content, "application/json",
				    json_pack("{s:{s:s}}", "schema", "type", "object"));
		if (!note->request_media)
			json_object_set_new(content, "application/x-www-form-urlencoded",
					    json_pack("{s:{s:s, s:{s:{s:s}}}}", "schema", "type",
						      "object", "properties", "payload", "type",
						      "string"));
		json_object_set_new(
			op, "requestBody",
			json_pack("{s:b, s:s, s:o}", "required", 1, "description",
				  "The sender's payload, as it sends it (signed, stored raw)",
				  "content", content));
	}
	json_object_set_new(op, "responses", responses_of(r, note));
	if (r->scope != AUTH_SCOPE_NONE) {
		/* one requirement per scope that will do, by bearer or session */
		json_t *sec = json_array();
		for (unsigned b = 1; b <= AUTH_SCOPE_ALL; b <<= 1) {
			if (!((unsigned)r->scope & b))
				continue;
			const char *one = auth_scope_name((enum auth_scope)b);
			json_array_append_new(sec, json_pack("{s:[s]}", "bearer", one));
			json_array_append_new(sec, json_pack("{s:[s]}", "session", one));
		}
		json_object_set_new(op, "security", sec);
		json_object_set_new(op, "x-shiplog-scope",
				    json_string(auth_scope_name(r->scope)));
	} else {
		json_object_set_new(op, "security", json_array());
	}
	return op;
}

/* schemas[schema].properties[property].enum = values (taken), when the file
 * has that property. */
static void fill_enum(json_t *schemas, const char *schema, const char *property, json_t *values)
{
	json_t *p = json_object_get(
		json_object_get(json_object_get(schemas, schema), "properties"), property);
	if (json_is_object(p))
		json_object_set_new(p, "enum", values);
	else
		json_decref(values);
}

/* The component schemas, with the enums kept in tables: Problem.type's from
 * the problem table, Notification.kind's from the notification kinds. */
static json_t *component_schemas(void)
{
	json_error_t err;
	json_t *schemas = json_loads(openapi_schemas_json, 0, &err);
	if (!json_is_object(schemas)) {
		/* the build embeds the file as it is; a unit test parses it too */
		log_msg(LOG_ERROR, "openapi_schemas.json, line %d: %s", err.line, err.text);
		json_decref(schemas);
		schemas = json_object();
	}
	json_t *e = json_array();
	char uri[128];
	for (int c = 0; c < PROBLEM__COUNT; c++) {
		problem_type_uri((enum problem_code)c, uri, sizeof uri);
		json_array_append_new(e, json_string(uri));
	}
	fill_enum(schemas, "Problem", "type", e);
	e = json_array();
	for (const char *const *k = notify_kind_names; *k; k++)
		json_array_append_new(e, json_string(*k));
	fill_enum(schemas, "Notification", "kind", e);
	return schemas;
}

json_t *http_openapi(const struct route *table, const char *base_url)
{
	json_t *paths = json_object(), *tags = json_array();
	for (size_t i = 0; table[i].method; i++) {
		const struct route *r = &table[i];
		char path[256];
		openapi_path(r->pattern, path, sizeof path);
		json_t *item = json_object_get(paths, path);
		if (!item) {
			item = json_object();
			json_object_set_new(paths, path, item);
		}
		/* OpenAPI keys operations by the lower-case method ("get", "post") */
		char method[16];
		size_t n = strnlen(r->method, sizeof method - 1);
		for (size_t k = 0; k < n; k++)
			method[k] = (char)tolower((unsigned char)r->method[k]);
		method[n] = '\0';
		json_object_set_new(item, method, operation(r));
		const char *tag = r->tag ? r->tag : "default";
		bool seen = false;
		size_t k;
		json_t *t;
		json_array_foreach(tags, k, t) {
			seen = seen || !strcmp(json_string_value(json_object_get(t, "name")), tag);
		}
		if (!seen)
			json_array_append_new(tags, json_pack("{s:s}", "name", tag));
	}
	return json_pack(
		"{s:s, s:{s:s, s:s, s:s}, s:[{s:s}], s:o, s:o, s:{s:o, s:o, s:{s:{s:s, s:s, s:s}, "
		"s:{s:s, s:s, s:s, s:s}}}}",
		"openapi", "3.1.0", "info", "title", "shiplog API", "version", SHIPLOG_VERSION,
		"description",
		"Follows every change from pull request to release. Errors are "
		"application/problem+json (RFC 9457) with a stable type (/problems/<slug>); lists "
		"are {items, next}, newest first, keyset-paginated with limit and cursor; times "
		"are "
		"RFC 3339 UTC. x-shiplog-scope names the scope an operation needs (admin implies "
		"every scope); with SHIPLOG_PUBLIC_READ the read scope needs no credentials.",
		"servers", "url", base_url ? base_url : "/", "tags", tags, "paths", paths,
		"components", "schemas", component_schemas(), "responses", problem_responses(),
		"securitySchemes", "bearer", "type", "http", "scheme", "bearer", "description",
		"Authorization: Bearer <token>; a token carries scopes (read, ci, feedback, admin)",
		"session", "type", "apiKey", "in", "cookie", "name", "shiplog_session",
		"description",
		"The browser session (POST /api/v1/session, or a trusted SSO header); writes "
		"need X-CSRF-Token from GET /api/v1/session");
}

void api_openapi(struct http_request *r)
{
	http_reply_json(r, 200, http_openapi(http_routes, r->app->cfg->base_url));
}
