/*
 * http.h — requests, replies and the route table.
 *
 * A route is data: method, path pattern, handler, required scope, and the
 * specs of its path/query parameters and JSON body.  The dispatcher
 * (server/http/dispatch.c) validates everything a spec says before the
 * handler runs, so a handler only sees well-formed input; the OpenAPI
 * document and the malformed-input tests are generated from the same table.
 *
 * Ownership: a struct http_request lives from the first byte of a request to
 * the end of its reply; everything it points to is owned by it unless noted.
 * Handlers borrow it and fill in its reply through the http_reply_* helpers.
 */
#ifndef SHIPLOG_HTTP_H
#define SHIPLOG_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shiplog/auth.h"
#include "shiplog/problem.h"

struct app;
struct db_conn;
struct http_request;

typedef void (*http_handler)(struct http_request *r);

enum param_in { PARAM_PATH, PARAM_QUERY, PARAM_BODY };

enum param_type {
	PARAM_STRING,   /* UTF-8 text of [min, max] characters */
	PARAM_INT,      /* integer in [min, max] */
	PARAM_BOOL,     /* true/false (query: "true"/"false"/"1"/"0") */
	PARAM_ENUM,     /* one of enum_values */
	PARAM_SHA,      /* 7..40 hex digits (query/path); body: 40 */
	PARAM_TIME,     /* RFC 3339 */
	PARAM_ID,       /* positive 64-bit integer */
	PARAM_REPO,     /* owner/name */
	PARAM_DIGEST,   /* sha256:<64 hex> */
	PARAM_CURSOR,   /* opaque pagination cursor */
	PARAM_ARRAY,    /* JSON array (body only) of items_type */
	PARAM_OBJECT,   /* JSON object (body only) */
};

struct param_spec {
	const char *name; /* NULL ends a list */
	enum param_in in;
	enum param_type type;
	bool required;
	int64_t min; /* PARAM_INT: value range; PARAM_STRING: min length */
	int64_t max; /* PARAM_INT: value range; PARAM_STRING/ARRAY: max length (0 = 256 / 100) */
	const char *const *enum_values; /* PARAM_ENUM: NULL-terminated */
	const char *description;
	enum param_type items_type; /* PARAM_ARRAY */
};

enum body_kind {
	BODY_NONE,  /* a body is refused (415/400) if present with content */
	BODY_JSON,  /* application/json, checked against body_params */
	BODY_RAW,   /* handler reads raw bytes (webhooks) */
	BODY_JSON_OR_FORM, /* JSON or application/x-www-form-urlencoded */
};

/* What a handler adds to its route's OpenAPI operation beyond what the
 * other fields of struct route imply (server/api/openapi.c). */
struct route_openapi_header {
	const char *name;
	bool required;
	const char *description;
};

struct route_openapi_success {
	unsigned status;
	const char *schema; /* NULL: the route's own */
	const char *description;
};

struct route_openapi_field {
	const char *field;  /* a body field of type array/object */
	const char *schema; /* the component its object (or each item) is */
};

struct route_openapi {
	const char *media;		      /* the success answer's, when not application/json */
	struct route_openapi_success also[2]; /* other success answers */
	const char *problems;		      /* problem statuses beyond the generic ones: "409 500" */
	const char *request_media; /* raw bodies: the one media type taken (NULL: JSON or form) */
	struct route_openapi_header headers[4];
	struct route_openapi_field fields[2];
};

struct route {
	const char *method;  /* "GET", "POST", ... (NULL ends the table) */
	const char *pattern; /* "/api/v1/tokens/{id}" */
	http_handler handler;
	enum auth_scope scope; /* AUTH_SCOPE_NONE = public */
	const struct param_spec *params; /* path + query, NULL-terminated; may be NULL */
	enum body_kind body;
	const struct param_spec *body_params; /* BODY_JSON fields; may be NULL */
	size_t body_limit;                    /* 0 = the API default */
	const char *summary;
	const char *tag;       /* OpenAPI tag */
	unsigned success;      /* the usual success status */
	const char *response_schema; /* name in components/schemas, or NULL */
	struct route_openapi openapi; /* what the handler adds to the document */
};

#define HTTP_MAX_PATH_PARAMS 8
#define HTTP_MAX_URL 2048 /* below libmicrohttpd's own limit, so we answer 414 */

struct http_header {
	char *name;
	char *value;
};

struct http_reply {
	unsigned status; /* 0 = none yet */
	char *body;
	size_t body_len;
	const char *content_type; /* static string */
	struct http_header *headers;
	size_t n_headers;
	/* A streamed reply (server-sent events): when stream_read is set the
	 * body is produced by it; see server/http/sse.c. */
	ssize_t (*stream_read)(void *cls, uint64_t pos, char *buf, size_t max);
	void (*stream_free)(void *cls);
	void *stream_cls;
};

struct http_request {
	struct app *app;
	void *connection; /* struct MHD_Connection*, opaque to handlers */
	const char *method;
	char *path;
	const struct route *route;
	char *path_values[HTTP_MAX_PATH_PARAMS]; /* decoded, in pattern order */
	const char *path_names[HTTP_MAX_PATH_PARAMS];
	size_t n_path;
	char *body;
	size_t body_len;
	json_t *json; /* BODY_JSON: the parsed object (owned) */
	struct auth_identity who;
	bool via_session; /* authenticated by cookie (CSRF applies) */
	/* The client is over its failed-authentication limit: its credentials
	 * are still checked, but a failure is answered 429 (the dispatcher does
	 * that) and a refused webhook delivery is not recorded. */
	bool auth_throttled;
	char request_id[65];
	char remote_addr[64];
	/* the client: remote_addr, or behind a trusted proxy the address
	 * X-Forwarded-For names (what the rate limits and the audit trail key on) */
	char client_addr[64];
	struct db_conn *db; /* acquired lazily by http_db() */
	struct http_reply reply;
	int64_t started_ms;
};

/* ---- reading ---- */

/* A path or query parameter's raw text (borrowed), or NULL. */
const char *http_param(const struct http_request *r, const char *name);
/* A validated PARAM_INT/PARAM_ID parameter, or `fallback` when absent. */
int64_t http_param_int(const struct http_request *r, const char *name, int64_t fallback);
/* A request header (borrowed), or NULL. */
const char *http_header(const struct http_request *r, const char *name);
/* A cookie (borrowed), or NULL. */
const char *http_cookie(const struct http_request *r, const char *name);

/* The request's database connection, acquired on first use; on failure it
 * has already replied 503 and returns NULL. */
struct db_conn *http_db(struct http_request *r);

/* ---- replying (each replaces any reply set before) ---- */

/* Takes over `body` (steals the reference). */
void http_reply_json(struct http_request *r, unsigned status, json_t *body);
/* A problem+json reply; detail is printf-style and may be NULL. */
void http_reply_problem(struct http_request *r, enum problem_code code, const char *detail_fmt,
			...) __attribute__((format(printf, 3, 4)));
/*
 * A problem about one field of the request, for people and for programs: the
 * detail is "NAME: reason", and the RFC 9457 extension member
 *   "errors": [{"pointer": "/jobs/0/name", "detail": reason}]   (a JSON body field)
 *   "errors": [{"parameter": "limit", "detail": reason}]         (a path or query parameter)
 * says which.  `field` is a JSON Pointer into the body ("/verdict"; "" for the
 * body itself, and then the detail is the reason alone), or, for
 * PROBLEM_INVALID_PARAMETER and PROBLEM_UNKNOWN_PARAMETER, the parameter's
 * name.  NAME is the pointer as people write it ("jobs[0].name").
 */
void http_reply_field_problem(struct http_request *r, enum problem_code code, const char *field,
			      const char *reason_fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * The answer to a request whose database work failed (a negative enum
 * db_status), from what the failure was (db_failure_last(), one mapping for
 * every handler): the database unavailable (or nothing recorded) → 503
 * database-unavailable with Retry-After; a unique, exclusion or foreign-key
 * violation → 409 conflict naming the key's column(s) (or the constraint); a
 * not-null or check violation → 400 invalid-field naming the column in
 * `errors` (a check names no column: the constraint, pointer ""); anything
 * else → 500 internal, logged with the statement's name and its SQLSTATE.  `what_fmt` says what could not be
 * done ("could not create the environment") and starts the detail.
 */
void http_reply_db_failure(struct http_request *r, const char *what_fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The problem reply under it all: `members` (stolen, may be NULL) are added
 * to the problem object; detail may be NULL. */
void http_reply_problem_members(struct http_request *r, enum problem_code code, const char *detail,
				json_t *members);
/* Checks `body` (a JSON value found at the JSON Pointer `at`: "" for the
 * request body, "/jobs/2" for an item of it) against specs; true when it
 * passes, else replies 400 naming the field (http_reply_field_problem) and
 * returns false. */
bool http_body_check_reply(struct http_request *r, const struct param_spec *specs,
			   const json_t *body, const char *at);
/* Copies body. content_type must be a static string. */
void http_reply_bytes(struct http_request *r, unsigned status, const char *content_type,
		      const void *body, size_t len);
/* Adds a header to the reply (copied). */
void http_reply_header(struct http_request *r, const char *name, const char *value);

/* A list reply: {"items": items, "next": url-or-null}; steals items. */
void http_reply_list(struct http_request *r, json_t *items, const char *next_cursor);

/* ---- routes ---- */

/* The table of every route (NULL-terminated); defined in server/api/routes.c. */
extern const struct route http_routes[];

enum route_match {
	ROUTE_FOUND,
	ROUTE_NOT_FOUND,
	ROUTE_WRONG_METHOD,
};

/*
 * Finds the route for method + path.  On ROUTE_FOUND fills *out and the
 * path parameters (pointers into a copy owned by the caller: path_buf must
 * hold strlen(path)+1).  On ROUTE_WRONG_METHOD writes the allowed methods
 * ("GET, HEAD, OPTIONS") into allow.
 */
enum route_match http_route_find(const struct route *table, const char *method, const char *path,
				 const struct route **out, char *path_buf,
				 char *values[HTTP_MAX_PATH_PARAMS],
				 const char *names[HTTP_MAX_PATH_PARAMS], size_t *n_values,
				 char *allow, size_t allow_size);

/* Validates one text value against a spec; on error writes why into err, as
 * "NAME: reason" (NAME is spec->name). */
bool http_param_check(const struct param_spec *spec, const char *value, char *err,
		      size_t err_size);
/* Validates a JSON body against a spec list; on error sets code, err ("NAME:
 * reason", NAME the field as people write it: "scopes[1]") and, when pointer is
 * not NULL, the JSON Pointer of the field at fault ("/scopes/1"; "" when the
 * body itself is wrong). */
bool http_body_check(const struct param_spec *specs, const json_t *body, enum problem_code *code,
		     char *err, size_t err_size, char *pointer, size_t pointer_size);
/* The reason of a check's err, without its "NAME: " (err itself when it does
 * not start with name). */
const char *http_check_reason(const char *err, const char *name);
/* Writes a JSON Pointer as people name the field: "/jobs/0/name" -> "jobs[0].name". */
void http_field_name(const char *pointer, char *buf, size_t size);
/* Appends one reference token to a JSON Pointer held in pointer[size], escaped
 * as RFC 6901 says (never past the buffer). */
void http_json_pointer_push(char *pointer, size_t size, const char *key);

/* Is there a dashboard to serve?  True when web_dir is a folder holding a
 * readable index.html; otherwise writes why into why.  Checked once at
 * start-up (server/main.c), which says so loudly. */
bool http_static_check(const char *web_dir, char *why, size_t why_size);

/* The OpenAPI 3.1 document for the table (new reference). */
json_t *http_openapi(const struct route *table, const char *base_url);

#endif
