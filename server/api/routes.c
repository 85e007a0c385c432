/*
 * routes.c — the route table: every endpoint shiplog serves, as data.
 *
 * The dispatcher, the OpenAPI document, the access matrix and the
 * malformed-input tests all read this table; an endpoint exists only if it
 * is here.  Keep entries grouped by resource.
 */
#include "api/api.h"

static const char *const scope_values[] = {"read", "ci", "feedback", "admin", NULL};

static const struct param_spec page_params[] = {API_PAGE_PARAMS, {0}};

static const struct param_spec id_params[] = {
	{"id", PARAM_PATH, PARAM_ID, true, 0, 0, NULL, "Numeric id", 0},
	{0},
};

static const struct param_spec token_body[] = {
	{"name", PARAM_BODY, PARAM_STRING, true, 1, 100, NULL, "What the token is for", 0},
	{"owner", PARAM_BODY, PARAM_STRING, true, 1, 200, NULL,
	 "The person (email) or service the token acts for", 0},
	{"scopes", PARAM_BODY, PARAM_ARRAY, true, 0, 4, scope_values,
	 "Scopes: read, ci, feedback, admin", PARAM_ENUM},
	{0},
};

static const struct param_spec session_body[] = {
	{"token", PARAM_BODY, PARAM_STRING, true, 16, 512, NULL, "An API token to sign in with", 0},
	{0},
};

const struct route http_routes[] = {
	/* operations */
	{"GET", "/healthz", api_healthz, AUTH_SCOPE_NONE, NULL, BODY_NONE, NULL, 0,
	 "Liveness: the process is up", "operations", 200, NULL},
	{"GET", "/readyz", api_readyz, AUTH_SCOPE_NONE, NULL, BODY_NONE, NULL, 0,
	 "Readiness: the database is reachable and the schema compatible", "operations", 200,
	 NULL},
	{"GET", "/metrics", api_metrics, AUTH_SCOPE_NONE, NULL, BODY_NONE, NULL, 0,
	 "Prometheus metrics", "operations", 200, NULL},
	{"GET", "/api/v1/openapi.json", api_openapi, AUTH_SCOPE_NONE, NULL, BODY_NONE, NULL, 0,
	 "This document", "operations", 200, NULL},

	/* auth */
	{"POST", "/api/v1/tokens", api_tokens_create, AUTH_SCOPE_ADMIN, NULL, BODY_JSON,
	 token_body, 0, "Create an API token (its value is shown only in this reply)", "auth",
	 201, "Token"},
	{"GET", "/api/v1/tokens", api_tokens_list, AUTH_SCOPE_ADMIN, page_params, BODY_NONE, NULL,
	 0, "List API tokens (never their values)", "auth", 200, "TokenList"},
	{"DELETE", "/api/v1/tokens/{id}", api_tokens_delete, AUTH_SCOPE_ADMIN, id_params,
	 BODY_NONE, NULL, 0, "Revoke an API token", "auth", 204, NULL},
	{"GET", "/api/v1/session", api_session_get, AUTH_SCOPE_NONE, NULL, BODY_NONE, NULL, 0,
	 "Who am I: the session's identity and CSRF token", "auth", 200, "Session"},
	{"POST", "/api/v1/session", api_session_create, AUTH_SCOPE_NONE, NULL, BODY_JSON_OR_FORM,
	 session_body, 0, "Sign in with a token: sets the session cookie", "auth", 200, "Session"},
	{"DELETE", "/api/v1/session", api_session_delete, AUTH_SCOPE_NONE, NULL, BODY_NONE, NULL,
	 0, "Sign out: clears the session cookie", "auth", 204, NULL},

	{NULL, NULL, NULL, AUTH_SCOPE_NONE, NULL, BODY_NONE, NULL, 0, NULL, NULL, 0, NULL},
};
