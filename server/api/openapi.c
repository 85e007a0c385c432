/*
 * openapi.c — the OpenAPI 3.1 document, generated from the route table so
 * that it cannot drift from what the server really serves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "shiplog/app.h"
#include "shiplog/http.h"

/* Response schemas named by routes (JSON Schema text). */
static const struct {
	const char *name;
	const char *schema;
} schemas[] = {
	{"Problem",
	 "{\"type\":\"object\",\"required\":[\"type\",\"title\",\"status\"],\"properties\":{"
	 "\"type\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},"
	 "\"status\":{\"type\":\"integer\"},\"detail\":{\"type\":\"string\"},"
	 "\"instance\":{\"type\":\"string\"},\"request_id\":{\"type\":\"string\"}}}"},
	{"Token",
	 "{\"type\":\"object\",\"required\":[\"id\",\"name\",\"owner\",\"scopes\"],\"properties\":{"
	 "\"id\":{\"type\":\"integer\"},\"name\":{\"type\":\"string\"},"
	 "\"owner\":{\"type\":\"string\"},\"scopes\":{\"type\":\"array\",\"items\":{\"type\":\"string\","
	 "\"enum\":[\"read\",\"ci\",\"feedback\",\"admin\"]}},\"created_by\":{\"type\":\"string\"},"
	 "\"created_at\":{\"type\":\"string\",\"format\":\"date-time\"},"
	 "\"last_used_at\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\"},"
	 "\"revoked_at\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\"},"
	 "\"token\":{\"type\":\"string\",\"description\":\"Only in the reply that created it\"}}}"},
	{"TokenList",
	 "{\"type\":\"object\",\"required\":[\"items\",\"next\"],\"properties\":{"
	 "\"items\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/Token\"}},"
	 "\"next\":{\"type\":[\"string\",\"null\"]}}}"},
	{"Session",
	 "{\"type\":\"object\",\"required\":[\"authenticated\"],\"properties\":{"
	 "\"authenticated\":{\"type\":\"boolean\"},\"subject\":{\"type\":\"string\"},"
	 "\"team\":{\"type\":[\"string\",\"null\"]},\"scopes\":{\"type\":\"array\",\"items\":{"
	 "\"type\":\"string\"}},\"csrf_token\":{\"type\":\"string\"},"
	 "\"public_read\":{\"type\":\"boolean\"}}}"},
};

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
		json_object_set_new(o, "pattern", json_string(s->in == PARAM_BODY
								      ? "^[0-9a-fA-F]{40}$"
								      : "^[0-9a-fA-F]{7,40}$"));
		break;
	case PARAM_TIME:
		json_object_set_new(o, "type", json_string("string"));
		json_object_set_new(o, "format", json_string("date-time"));
		break;
	case PARAM_REPO:
		json_object_set_new(o, "type", json_string("string"));
		json_object_set_new(o, "pattern", json_string("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"));
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

static json_t *problem_response(const char *description)
{
	return json_pack("{s:s, s:{s:{s:{s:s}}}}", "description", description, "content",
			 "application/problem+json", "schema", "$ref",
			 "#/components/schemas/Problem");
}

static json_t *operation(const struct route *r, size_t index)
{
	json_t *op = json_object();
	char opid[160];
	snprintf(opid, sizeof opid, "%s_%zu", r->handler ? "op" : "route", index);
	json_object_set_new(op, "summary", json_string(r->summary ? r->summary : ""));
	json_object_set_new(op, "operationId", json_string(opid));
	json_object_set_new(op, "tags", json_pack("[s]", r->tag ? r->tag : "default"));
	json_t *params = json_array();
	for (const struct param_spec *s = r->params; s && s->name; s++) {
		json_array_append_new(
			params, json_pack("{s:s, s:s, s:b, s:s, s:o}", "name", s->name, "in",
					  s->in == PARAM_PATH ? "path" : "query", "required",
					  s->in == PARAM_PATH || s->required, "description",
					  s->description ? s->description : "", "schema",
					  param_schema(s, s->type)));
	}
	json_object_set_new(op, "parameters", params);
	if (r->body == BODY_JSON || r->body == BODY_JSON_OR_FORM) {
		json_t *props = json_object(), *req = json_array();
		for (const struct param_spec *s = r->body_params; s && s->name; s++) {
			json_t *sch = param_schema(s, s->type);
			if (s->description)
				json_object_set_new(sch, "description", json_string(s->description));
			json_object_set_new(props, s->name, sch);
			if (s->required)
				json_array_append_new(req, json_string(s->name));
		}
		json_t *schema = json_pack("{s:s, s:o, s:o, s:b}", "type", "object", "properties",
					   props, "required", req, "additionalProperties", 0);
		json_t *content = json_pack("{s:{s:O}}", "application/json", "schema", schema);
		if (r->body == BODY_JSON_OR_FORM)
			json_object_set_new(content, "application/x-www-form-urlencoded",
					    json_pack("{s:O}", "schema", schema));
		json_decref(schema);
		json_object_set_new(op, "requestBody",
				    json_pack("{s:b, s:o}", "required", 1, "content", content));
	} else if (r->body == BODY_RAW) {
		json_object_set_new(op, "requestBody",
				    json_pack("{s:b, s:{s:{}, s:{}}}", "required", 1, "content",
					      "application/json", "application/x-www-form-urlencoded"));
	}
	json_t *responses = json_object();
	char code[16];
	snprintf(code, sizeof code, "%u", r->success ? r->success : 200);
	json_t *ok = json_pack("{s:s}", "description", "Success");
	if (r->response_schema) {
		char ref[128];
		snprintf(ref, sizeof ref, "#/components/schemas/%s", r->response_schema);
		json_object_set_new(ok, "content",
				    json_pack("{s:{s:{s:s}}}", "application/json", "schema", "$ref", ref));
	}
	json_object_set_new(responses, code, ok);
	json_object_set_new(responses, "400", problem_response("Malformed request: the detail names the field"));
	if (r->scope != AUTH_SCOPE_NONE) {
		json_object_set_new(responses, "401", problem_response("No or invalid credentials"));
		json_object_set_new(responses, "403", problem_response("The token lacks the scope"));
	}
	if (r->body != BODY_NONE) {
		json_object_set_new(responses, "413", problem_response("Body too large"));
		json_object_set_new(responses, "415", problem_response("Unsupported content type"));
	}
	if (r->params)
		json_object_set_new(responses, "404", problem_response("Not found"));
	json_object_set_new(responses, "503", problem_response("Database unavailable"));
	json_object_set_new(op, "responses", responses);
	if (r->scope != AUTH_SCOPE_NONE) {
		json_t *need = json_pack("[s]", auth_scope_name(r->scope));
		json_object_set_new(op, "security",
				    json_pack("[{s:O}, {s:[]}]", "bearer", need, "session"));
		json_object_set_new(op, "x-shiplog-scope", need);
	} else {
		json_object_set_new(op, "security", json_array());
	}
	return op;
}

json_t *http_openapi(const struct route *table, const char *base_url)
{
	json_t *paths = json_object();
	for (size_t i = 0; table[i].method; i++) {
		const struct route *r = &table[i];
		/* "{branch+}" (several segments) is plain "{branch}" in OpenAPI */
		char path[256];
		size_t o = 0;
		for (const char *c = r->pattern; *c && o + 1 < sizeof path; c++)
			if (!(c[0] == '+' && c[1] == '}'))
				path[o++] = *c;
		path[o] = '\0';
		json_t *item = json_object_get(paths, path);
		if (!item) {
			item = json_object();
			json_object_set_new(paths, path, item);
		}
		char method[16];
		size_t n = strlen(r->method);
		for (size_t k = 0; k <= n && k < sizeof method; k++)
			method[k] = (char)(r->method[k] >= 'A' && r->method[k] <= 'Z'
						   ? r->method[k] + 32
						   : r->method[k]);
		json_object_set_new(item, method, operation(r, i));
	}
	json_t *comp_schemas = json_object();
	for (size_t i = 0; i < sizeof schemas / sizeof schemas[0]; i++) {
		json_t *s = json_loads(schemas[i].schema, 0, NULL);
		if (s)
			json_object_set_new(comp_schemas, schemas[i].name, s);
	}
	/* a route naming a schema not written down above still gets a valid ref */
	for (size_t i = 0; table[i].method; i++)
		if (table[i].response_schema && !json_object_get(comp_schemas, table[i].response_schema))
			json_object_set_new(comp_schemas, table[i].response_schema,
					    json_pack("{s:s}", "type", "object"));
	return json_pack(
		"{s:s, s:{s:s, s:s, s:s}, s:[{s:s}], s:o, s:{s:o, s:{s:{s:s, s:s}, s:{s:s, s:s, s:s}}}}",
		"openapi", "3.1.0", "info", "title", "shiplog API", "version", SHIPLOG_VERSION,
		"description",
		"Follows every change from pull request to release. Errors are "
		"application/problem+json (RFC 9457); lists are {items, next}, newest first, "
		"keyset-paginated with limit and cursor.",
		"servers", "url", base_url ? base_url : "/", "paths", paths, "components", "schemas",
		comp_schemas, "securitySchemes", "bearer", "type", "http", "scheme", "bearer",
		"session", "type", "apiKey", "in", "cookie", "name", "shiplog_session");
}

void api_openapi(struct http_request *r)
{
	http_reply_json(r, 200, http_openapi(http_routes, r->app->cfg->base_url));
}
