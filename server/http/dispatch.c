/*
 * dispatch.c — the one libmicrohttpd access handler.
 *
 * For every request, before any handler runs: framing (400 and close for
 * a repeated Content-Length, one with Transfer-Encoding, a coding other than
 * chunked, a header name with whitespace), URL length (414), route
 * lookup (404 / 405 with Allow / OPTIONS / HEAD), body size against
 * Content-Length up front and counted while reading (413), body memory
 * against the budget (503, http/bodybudget.h), parameters and
 * JSON body against the route's specs (400), authentication and scope
 * (401 / 403), CSRF for cookie sessions (403).  Then the handler, then one
 * place that adds common headers, logs the request and counts it.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/bodybudget.h"
#include "http/internal.h"
#include "http/ratelimit.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/crypto.h"
#include "shiplog/db.h"
#include "shiplog/http.h"
#include "shiplog/log.h"
#include "shiplog/metrics.h"

struct request_state {
	struct http_request req;
	size_t limit;       /* body cap for this request */
	size_t body_cap;    /* allocated */
	size_t discarded;   /* bytes dropped after the cap */
	size_t declared;    /* Content-Length + 1, the buffer it needs; 0 = not declared */
	struct body_claim claim; /* the body's share of the memory budget */
	size_t uri_len;     /* the full request target, query included */
	bool encoded_nul;   /* "%00" in the path: refused, never truncated */
	char nul_param[64]; /* the query parameter holding a "%00", if any */
	bool started;       /* first call of the access handler seen */
	bool too_large;
	bool declared_too_large; /* a refusal composed before the body's end (Content-Length
				  * over the cap: 413; the memory budget: 503): body dropped */
	bool done;          /* a reply was queued */
	bool head;
	bool late;          /* arrived after shutdown began */
	int route_index;
	enum route_match match;
	char allow[128];
	char *path_buf;
	char client[64];    /* the client as the rate limits see it */
	bool presents_credentials; /* a token, a sign-in or a signed webhook */
};

/* Past this many discarded bytes the connection is simply closed: a client
 * streaming an endless chunked body must not keep a worker busy. */
#define DISCARD_CEILING (64u * 1024 * 1024)

/* Did the client send "Expect: 100-continue" (it waits before sending the body)? */
static bool expects_continue(struct MHD_Connection *conn)
{
	const char *e = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
	return e && !strcasecmp(e, "100-continue");
}

static void make_request_id(struct http_request *r, struct MHD_Connection *conn)
{
	const char *given = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
	if (given) {
		size_t n = strlen(given);
		bool ok = n > 0 && n < sizeof r->request_id;
		for (size_t i = 0; ok && i < n; i++) {
			char c = given[i];
			ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':';
		}
		if (ok) {
			memcpy(r->request_id, given, n + 1);
			return;
		}
	}
	unsigned char raw[12];
	crypto_random(raw, sizeof raw);
	crypto_hex(raw, sizeof raw, r->request_id);
}

static void remote_address(struct MHD_Connection *conn, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	out[0] = '\0';
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
			  (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  out, (socklen_t)size);
}

static int route_index_of(const struct route *r)
{
	return r ? (int)(r - http_routes) : -1;
}

static bool is_api_path(const char *path)
{
	return strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0 ||
	       strncmp(path, "/webhooks/", 10) == 0 || strcmp(path, "/healthz") == 0 ||
	       strcmp(path, "/readyz") == 0 || strcmp(path, "/metrics") == 0;
}

static bool content_type_is(const char *ct, const char *want)
{
	if (!ct)
		return false;
	size_t n = strlen(want);
	if (strncasecmp(ct, want, n))
		return false;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

struct query_check {
	struct http_request *r;
	bool failed;
	uint64_t seen; /* the route's params given so far, by index */
};

static enum MHD_Result check_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				       const char *value)
{
	(void)kind;
	struct query_check *qc = cls;
	const struct route *rt = qc->r->route;
	const struct param_spec *s = rt->params;
	while (s && s->name && !(s->in == PARAM_QUERY && strcmp(s->name, key) == 0))
		s++;
	if (!s || !s->name) {
		http_reply_field_problem(qc->r, PROBLEM_UNKNOWN_PARAMETER, key,
					 "unknown query parameter");
		qc->failed = true;
		return MHD_NO;
	}
	/* one value each: which of two would be meant is anyone's guess */
	size_t idx = (size_t)(s - rt->params);
	uint64_t bit = idx < 64 ? UINT64_C(1) << idx : 0;
	if (qc->seen & bit) {
		http_reply_field_problem(qc->r, PROBLEM_INVALID_PARAMETER, s->name,
					 "given more than once");
		qc->failed = true;
		return MHD_NO;
	}
	qc->seen |= bit;
	char err[512];
	if (!value)
		value = "";
	if (!http_param_check(s, value, err, sizeof err)) {
		http_reply_field_problem(qc->r, PROBLEM_INVALID_PARAMETER, s->name, "%s",
					 http_check_reason(err, s->name));
		qc->failed = true;
		return MHD_NO;
	}
	return MHD_YES;
}

/* Checks path and query parameters against the route's spec. */
static bool check_params(struct http_request *r)
{
	char err[512];
	for (size_t i = 0; i < r->n_path; i++) {
		const struct param_spec *s = r->route->params;
		while (s && s->name && !(s->in == PARAM_PATH && strcmp(s->name, r->path_names[i]) == 0))
			s++;
		if (s && s->name && !http_param_check(s, r->path_values[i], err, sizeof err)) {
			http_reply_field_problem(r, PROBLEM_INVALID_PARAMETER, s->name, "%s",
						 http_check_reason(err, s->name));
			return false;
		}
	}
	struct query_check qc = {r, false, 0};
	MHD_get_connection_values(r->connection, MHD_GET_ARGUMENT_KIND, check_query_arg, &qc);
	if (qc.failed)
		return false;
	for (const struct param_spec *s = r->route->params; s && s->name; s++) {
		if (s->in == PARAM_QUERY && s->required && !http_param(r, s->name)) {
			http_reply_field_problem(r, PROBLEM_INVALID_PARAMETER, s->name, "required");
			return false;
		}
	}
	return true;
}

static bool parse_body(struct http_request *r)
{
	const struct route *rt = r->route;
	const char *ct = http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (rt->body == BODY_RAW)
		return true;
	if (rt->body == BODY_NONE) {
		if (r->body_len) {
			http_reply_problem(r, PROBLEM_UNSUPPORTED_MEDIA_TYPE,
					   "this endpoint takes no request body");
			return false;
		}
		return true;
	}
	if (rt->body == BODY_JSON_OR_FORM && content_type_is(ct, "application/x-www-form-urlencoded"))
		return true; /* the handler decodes the form */
	if (!content_type_is(ct, "application/json")) {
		http_reply_problem(r, PROBLEM_UNSUPPORTED_MEDIA_TYPE,
				   "Content-Type: expected application/json, got %.100s",
				   ct ? ct : "none");
		return false;
	}
	if (r->body_len == 0) {
		http_reply_problem(r, PROBLEM_MALFORMED_JSON, "the body is empty; expected a JSON object");
		return false;
	}
	json_error_t jerr;
	r->json = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!r->json) {
		http_reply_problem(r, PROBLEM_MALFORMED_JSON, "line %d, column %d: %s", jerr.line,
				   jerr.column, jerr.text);
		return false;
	}
	if (!http_body_check_reply(r, rt->body_params, r->json, ""))
		return false;
	return true;
}

/* Does a browser's Origin header name the origin of the base URL? */
static bool origin_is_ours(const char *origin, const char *base)
{
	if (!base)
		return false;
	const char *host = strstr(base, "://");
	if (!host)
		return false;
	size_t n = strcspn(host + 3, "/?#") + (size_t)(host + 3 - base);
	return strlen(origin) == n && strncasecmp(origin, base, n) == 0;
}

/*
 * Where a browser says a request comes from: Sec-Fetch-Site (every current
 * browser sends it), or else Origin, which must be the base URL's.  A client
 * that sends neither is not a browser making a cross-site request.
 */
static bool same_site(struct http_request *r, char *why, size_t size)
{
	const char *site = http_header(r, "Sec-Fetch-Site");
	if (site) {
		snprintf(why, size, "Sec-Fetch-Site: %.40s", site);
		return !strcmp(site, "same-origin") || !strcmp(site, "none");
	}
	const char *origin = http_header(r, "Origin");
	snprintf(why, size, "Origin: %.200s is not %.200s", origin ? origin : "",
		 r->app->cfg->base_url ? r->app->cfg->base_url : "the base URL");
	return !origin || origin_is_ours(origin, r->app->cfg->base_url);
}

/*
 * Cross-site request forgery.  Writes made with a session (cookie or SSO
 * header) need the X-CSRF-Token that GET /api/v1/session returns, and every
 * such write — and a sign-in, which makes a cookie — must come from our own
 * pages as far as the browser tells (login CSRF: a foreign page signing the
 * victim in as someone else).
 */
static bool check_csrf(struct http_request *r)
{
	const char *m = r->method;
	bool write = strcmp(m, "GET") && strcmp(m, "HEAD") && strcmp(m, "OPTIONS");
	bool signs_in = !strcmp(m, "POST") && !strcmp(r->route->pattern, "/api/v1/session");
	if (!write || (!r->via_session && !signs_in))
		return true;
	char why[512];
	if (!same_site(r, why, sizeof why)) {
		http_reply_problem(r, PROBLEM_CSRF, "a cross-site request was refused (%s)", why);
		return false;
	}
	if (!r->via_session)
		return true;
	if (!auth_csrf_check(r->app->session_secret, r->who.session_id,
			     http_header(r, "X-CSRF-Token"))) {
		http_reply_problem(r, PROBLEM_CSRF,
				   "X-CSRF-Token: missing or wrong for this session");
		return false;
	}
	return true;
}

/* Raises the request's claim on the body memory budget to `bytes`; when the
 * budget refuses, composes the 503 and returns false. */
static bool claim_body(struct request_state *st, size_t bytes)
{
	enum body_verdict v = body_budget_claim(&st->claim, st->client, bytes);
	if (v == BODY_ADMITTED)
		return true;
	struct http_request *r = &st->req;
	if (v == BODY_OVER_CLIENT)
		http_reply_problem(r, PROBLEM_BUSY,
				   "this client has too many request bodies in flight (at most %zu "
				   "bytes at once); retry in 5 s",
				   r->app->cfg->per_ip_body_memory);
	else
		http_reply_problem(r, PROBLEM_BUSY,
				   "the server holds too many request bodies; retry in 5 s");
	http_reply_header(r, "Retry-After", "5");
	return false;
}

/* The body is not needed any more: its memory goes back to the budget. */
static void release_body(struct request_state *st)
{
	free(st->req.body);
	st->req.body = NULL;
	st->body_cap = 0;
	body_budget_release(&st->claim);
}

static void too_many(struct http_request *r, unsigned retry_after, const char *why)
{
	char ra[16];
	snprintf(ra, sizeof ra, "%u", retry_after ? retry_after : 1);
	http_reply_problem(r, PROBLEM_RATE_LIMITED, "%s; retry in %s s", why, ra);
	http_reply_header(r, "Retry-After", ra);
}

static void run_route(struct request_state *st)
{
	struct http_request *r = &st->req;
	if (st->match == ROUTE_WRONG_METHOD) {
		if (strcmp(r->method, "OPTIONS") == 0) {
			http_reply_bytes(r, 204, "text/plain", "", 0);
		} else {
			http_reply_problem(r, PROBLEM_METHOD_NOT_ALLOWED, "%s is not allowed here; use %s",
					   r->method, st->allow);
		}
		http_reply_header(r, "Allow", st->allow);
		return;
	}
	if (st->match == ROUTE_NOT_FOUND) {
		if ((!strcmp(r->method, "GET") || st->head) && !is_api_path(r->path) &&
		    http_static_serve(r))
			return;
		http_reply_problem(r, PROBLEM_NOT_FOUND, "no such resource: %.200s", r->path);
		return;
	}
	if (!check_params(r))
		return;
	/* A client over its failed-authentication limit is still checked:
	 * good credentials pass, only a failure is answered 429 (on_request).
	 * Its address may be shared (GitHub's hook servers are), so refusing
	 * it outright would let anyone lock everyone else there out. */
	st->presents_credentials = http_header(r, MHD_HTTP_HEADER_AUTHORIZATION) ||
				   r->route->body == BODY_RAW || /* signed webhooks */
				   (strcmp(r->method, "GET") &&
				    !strcmp(r->route->pattern, "/api/v1/session"));
	unsigned retry = 0;
	r->auth_throttled = st->presents_credentials &&
			    ratelimit_over(RATE_AUTH_FAILURE, st->client, &retry);
	if (!http_authenticate(r))
		return;
	if (!auth_allows(r->who.scopes, r->route->scope) &&
	    !(r->route->scope == AUTH_SCOPE_READ && r->app->cfg->public_read)) {
		if (!r->who.authenticated) {
			http_reply_problem(r, PROBLEM_UNAUTHORIZED,
					   "Authorization: send a bearer token (scope %s)",
					   auth_scope_name(r->route->scope));
			http_reply_header(r, "WWW-Authenticate", "Bearer realm=\"shiplog\"");
		} else {
			http_reply_problem(r, PROBLEM_FORBIDDEN, "this needs the %s scope",
					   auth_scope_name(r->route->scope));
		}
		return;
	}
	if (!check_csrf(r))
		return;
	if (!parse_body(r))
		return;
	/* only posts that would be stored count, not refused ones */
	int cls = ratelimit_route_class(r->route);
	if (cls >= 0 && ratelimit_hit((enum rate_class)cls,
				      r->who.authenticated ? r->who.subject : st->client, &retry)) {
		too_many(r, retry, "too many posts from this client");
		return;
	}
	db_failure_clear(); /* what the handler's statements meet, for http_reply_db_failure */
	r->route->handler(r);
	if (!r->reply.status)
		http_reply_problem(r, PROBLEM_INTERNAL, "the handler gave no answer");
}

static void add_common_headers(struct request_state *st, struct MHD_Response *resp)
{
	struct http_request *r = &st->req;
	MHD_add_response_header(resp, "X-Request-Id", r->request_id);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; script-src 'self'; style-src 'self'; "
				"img-src 'self' data:; connect-src 'self'; object-src 'none'; "
				"base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
	bool has_cache = false;
	for (size_t i = 0; i < r->reply.n_headers; i++) {
		MHD_add_response_header(resp, r->reply.headers[i].name, r->reply.headers[i].value);
		if (!strcasecmp(r->reply.headers[i].name, "Cache-Control"))
			has_cache = true;
	}
	if (!has_cache)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (r->reply.content_type) {
		char ct[96];
		bool text = !strncmp(r->reply.content_type, "text/", 5) ||
			    strstr(r->reply.content_type, "json") ||
			    strstr(r->reply.content_type, "javascript");
		snprintf(ct, sizeof ct, "%s%s", r->reply.content_type,
			 text && !strchr(r->reply.content_type, ';') ? "; charset=utf-8" : "");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ct);
	}
	if (atomic_load(&r->app->shutting_down))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
}

static enum MHD_Result queue_reply(struct request_state *st)
{
	struct http_request *r = &st->req;
	struct MHD_Response *resp;
	if (r->reply.stream_read) {
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 8192,
							 r->reply.stream_read,
							 r->reply.stream_cls,
							 r->reply.stream_free);
		r->reply.stream_read = NULL; /* the stream is MHD's now */
	} else {
		resp = MHD_create_response_from_buffer(r->reply.body_len, r->reply.body,
						       MHD_RESPMEM_MUST_FREE);
		if (resp)
			r->reply.body = NULL; /* now MHD's */
	}
	if (!resp)
		return MHD_NO;
	add_common_headers(st, resp);
	enum MHD_Result ret = MHD_queue_response(r->connection, r->reply.status, resp);
	MHD_destroy_response(resp);
	st->done = true;
	return ret;
}

static void release_db(struct http_request *r)
{
	if (r->db) {
		db_release(r->db);
		r->db = NULL;
	}
}

/* What the header block says about where the request ends (see framing_ok). */
struct framing {
	unsigned content_lengths, transfer_encodings;
	bool chunked;	   /* the one Transfer-Encoding is "chunked", as libmicrohttpd reads it */
	char bad_name[64]; /* a header name HTTP does not allow, if any */
};

static bool is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	(void)kind;
	struct framing *f = cls;
	bool ok = *key != '\0';
	for (const unsigned char *k = (const unsigned char *)key; ok && *k; k++)
		ok = is_tchar(*k);
	if (!ok && !f->bad_name[0]) {
		/* printable in the reply: other bytes become '?' */
		size_t i = 0;
		for (; key[i] && i < sizeof f->bad_name - 1; i++)
			f->bad_name[i] = key[i] >= 0x20 && key[i] < 0x7f ? key[i] : '?';
		f->bad_name[i] = '\0';
		if (!i)
			snprintf(f->bad_name, sizeof f->bad_name, "(empty)");
	}
	if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH))
		f->content_lengths++;
	if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
		f->transfer_encodings++;
		f->chunked = value && !strcasecmp(value, "chunked");
	}
	return MHD_YES;
}

/*
 * Refuses a request whose end could be read two ways (RFC 9112 §6.3): a
 * proxy in front and libmicrohttpd (which takes the first Content-Length,
 * prefers Transfer-Encoding, reads any coding but "chunked" up to the close,
 * and keeps "Content-Length : 5" as a header of another name) could
 * disagree, and what one reads as body the other would answer as a request
 * of its own.  Any repeated Content-Length is refused, even identical ones
 * (which RFC 9112 lets a server merge): no honest client sends them.
 * Returns false with the 400 composed; the caller closes the connection.
 */
static bool framing_ok(struct http_request *r, const char *version)
{
	struct framing f = {0};
	MHD_get_connection_values(r->connection, MHD_HEADER_KIND, scan_header, &f);
	if (f.bad_name[0])
		http_reply_problem(r, PROBLEM_BAD_REQUEST,
				   "header name \"%s\": only letters, digits and !#$%%&'*+-.^_`|~ "
				   "are allowed (no whitespace)",
				   f.bad_name);
	else if (f.content_lengths > 1)
		http_reply_problem(r, PROBLEM_BAD_REQUEST,
				   "Content-Length: sent %u times; send it once",
				   f.content_lengths);
	else if (f.transfer_encodings && f.content_lengths)
		http_reply_problem(r, PROBLEM_BAD_REQUEST,
				   "Transfer-Encoding and Content-Length together; send one");
	else if (f.transfer_encodings > 1 || (f.transfer_encodings && !f.chunked))
		http_reply_problem(r, PROBLEM_BAD_REQUEST,
				   "Transfer-Encoding: only a single \"chunked\" is supported");
	else if (f.transfer_encodings && !strcmp(version, MHD_HTTP_VERSION_1_0))
		http_reply_problem(r, PROBLEM_BAD_REQUEST,
				   "Transfer-Encoding: not allowed in HTTP/1.0");
	else
		return true;
	return false;
}

/* A refusal composed from the headers alone (413, 503).  RFC 9112 §9.6:
 * answer before the body only when the client waits for leave to send it
 * (Expect: 100-continue; no 100 is sent then) or when it is too large to
 * read; otherwise a client still sending would find the connection reset
 * before it reads the answer.  Read and drop it, then answer and close. */
static enum MHD_Result refuse_before_body(struct request_state *st, struct MHD_Connection *conn,
					  const char *cl)
{
	if (expects_continue(conn) ||
	    http_body_precheck(cl, DISCARD_CEILING) == BODY_PRECHECK_TOO_LARGE) {
		http_reply_header(&st->req, MHD_HTTP_HEADER_CONNECTION, "close");
		return queue_reply(st);
	}
	st->too_large = true;
	st->declared_too_large = true;
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	(void)version;
	struct app *app = cls;
	struct request_state *st = *con_cls;

	if (!st)
		return MHD_NO; /* on_uri always makes one */
	if (!st->started) {
		st->started = true;
		struct http_request *r = &st->req;
		r->app = app;
		r->connection = conn;
		r->method = method;
		r->started_ms = clock_monotonic_ms();
		r->path = strdup(url);
		if (!r->path)
			return MHD_NO;
		make_request_id(r, conn);
		remote_address(conn, r->remote_addr, sizeof r->remote_addr);
		ratelimit_client(app->cfg, r->remote_addr,
				 MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For"),
				 st->client, sizeof st->client);
		snprintf(r->client_addr, sizeof r->client_addr, "%s", st->client);
		atomic_fetch_add(&app->in_flight, 1);
		metrics_in_flight_add(1);
		st->head = strcmp(method, "HEAD") == 0;
		st->late = atomic_load(&app->shutting_down);
		st->route_index = -1;

		/* answered before any body is read, and the connection closed:
		 * nothing after the headers is taken for another request */
		if (!framing_ok(r, version)) {
			http_reply_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
			return queue_reply(st);
		}
		if (st->uri_len > HTTP_MAX_URL) {
			http_reply_problem(r, PROBLEM_URI_TOO_LONG, "the URL has %zu bytes; at most %d",
					   st->uri_len, HTTP_MAX_URL);
			return queue_reply(st);
		}
		if (st->encoded_nul) {
			http_reply_problem(r, PROBLEM_BAD_REQUEST, "URL: the path contains an encoded NUL (%%00)");
			return queue_reply(st);
		}
		if (st->nul_param[0]) {
			http_reply_field_problem(r, PROBLEM_INVALID_PARAMETER, st->nul_param,
						 "contains an encoded NUL (%%00)");
			return queue_reply(st);
		}
		st->path_buf = malloc(strlen(url) + 1);
		if (!st->path_buf)
			return MHD_NO;
		st->match = http_route_find(http_routes, method, url, &r->route, st->path_buf,
					    r->path_values, r->path_names, &r->n_path, st->allow,
					    sizeof st->allow);
		if (st->match != ROUTE_FOUND)
			r->route = NULL;
		st->route_index = route_index_of(r->route);
		st->limit = !r->route			    ? app->cfg->api_body_limit
			    : r->route->body_limit	    ? r->route->body_limit
			    : r->route->body == BODY_RAW ? app->cfg->webhook_body_limit
							 : app->cfg->api_body_limit;
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		switch (http_body_precheck(cl, st->limit)) {
		case BODY_PRECHECK_OK:
			break;
		case BODY_PRECHECK_MALFORMED:
			http_reply_problem(r, PROBLEM_BAD_REQUEST, "Content-Length: not a number");
			return queue_reply(st);
		case BODY_PRECHECK_TOO_LARGE:
			http_reply_problem(r, PROBLEM_PAYLOAD_TOO_LARGE,
					   "Content-Length: %s bytes; this endpoint takes at most %zu",
					   cl, st->limit);
			return refuse_before_body(st, conn, cl);
		}
		/* a declared body claims its memory before a byte of it is read */
		size_t declared = cl ? (size_t)strtoull(cl, NULL, 10) : 0; /* digits, checked */
		st->declared = declared ? declared + 1 : 0;
		if (st->declared && !claim_body(st, st->declared))
			return refuse_before_body(st, conn, cl);
		return MHD_YES;
	}

	struct http_request *r = &st->req;
	if (st->done)
		return MHD_YES;

	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (st->too_large || !http_body_fits(r->body_len, n, st->limit)) {
			st->too_large = true;
			st->discarded += n;
			/* libmicrohttpd cannot queue a reply mid-body; drop what
			 * comes and answer at the end, unless it never ends */
			return st->discarded > DISCARD_CEILING ? MHD_NO : MHD_YES;
		}
		if (r->body_len + n + 1 > st->body_cap) {
			size_t cap = st->body_cap ? st->body_cap : 4096;
			while (cap < r->body_len + n + 1)
				cap *= 2;
			if (st->declared >= r->body_len + n + 1)
				cap = st->declared; /* claimed already; one allocation */
			if (!claim_body(st, cap)) {
				/* over the budget midway (no Content-Length): drop
				 * what came and what comes, answer 503 at the end */
				release_body(st);
				r->body_len = 0;
				st->too_large = true;
				st->declared_too_large = true;
				st->discarded += n;
				return MHD_YES;
			}
			char *b = realloc(r->body, cap);
			if (!b)
				return MHD_NO;
			r->body = b;
			st->body_cap = cap;
		}
		memcpy(r->body + r->body_len, upload_data, n);
		r->body_len += n;
		r->body[r->body_len] = '\0';
		return MHD_YES;
	}

	if (st->declared_too_large) {
		/* the 413 composed when the headers came, now that the body is read */
		http_reply_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	} else if (st->too_large) {
		http_reply_problem(r, PROBLEM_PAYLOAD_TOO_LARGE,
				   "the body exceeds %zu bytes, the limit of this endpoint", st->limit);
		http_reply_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	} else if (st->late && st->match == ROUTE_FOUND && strcmp(method, "GET") && !st->head) {
		/* requests in flight at SIGTERM finish; writes that arrive
		 * after it (on a kept-alive connection) go to another replica */
		http_reply_problem(r, PROBLEM_SHUTTING_DOWN, "retry against another instance");
		http_reply_header(r, "Retry-After", "1");
	} else {
		run_route(st);
		/* a refused token (a sign-in or a bearer token; not a webhook's
		 * signature) is counted in the audit trail per client and hour */
		if (r->reply.status == 401 && st->presents_credentials && r->route &&
		    r->route->body != BODY_RAW)
			http_count_failed_sign_in(r);
		/* every refused credential counts towards the client's limit;
		 * an anonymous request that is told to sign in does not.  Past
		 * the limit the refusal is a 429 that says nothing more */
		unsigned retry = 0;
		if (r->reply.status == 401 && st->presents_credentials &&
		    (ratelimit_hit(RATE_AUTH_FAILURE, st->client, &retry) || r->auth_throttled)) {
			http_reply_free(&r->reply);
			too_many(r, retry, "too many failed authentications from this client");
		}
	}
	release_db(r);
	release_body(st); /* before the answer: a client that has it may send the next */
	return queue_reply(st);
}

/* Called first with the raw request target, before the access handler:
 * the only place that sees the query string's length. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	(void)cls;
	(void)conn;
	struct request_state *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	st->uri_len = strlen(uri);
	/* libmicrohttpd decodes the path before we see it, and a decoded NUL
	 * would silently cut it short: look for one in the raw target */
	const char *q = strchr(uri, '?');
	size_t pl = q ? (size_t)(q - uri) : st->uri_len;
	for (size_t i = 0; i + 3 <= pl; i++)
		if (uri[i] == '%' && uri[i + 1] == '0' && uri[i + 2] == '0')
			st->encoded_nul = true;
	/* the same in a query value would silently shorten it */
	for (const char *pair = q ? q + 1 : NULL; pair && *pair;) {
		const char *amp = strchr(pair, '&');
		size_t len = amp ? (size_t)(amp - pair) : strlen(pair);
		const char *nul = memmem(pair, len, "%00", 3);
		if (nul && !st->nul_param[0]) {
			const char *eq = memchr(pair, '=', len);
			size_t kl = eq ? (size_t)(eq - pair) : len;
			snprintf(st->nul_param, sizeof st->nul_param, "%.*s", (int)kl, pair);
			if (!st->nul_param[0])
				snprintf(st->nul_param, sizeof st->nul_param, "query");
		}
		pair = amp ? amp + 1 : NULL;
	}
	return st;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)conn;
	struct app *app = cls;
	struct request_state *st = *con_cls;
	if (!st)
		return;
	if (!st->started) {
		/* libmicrohttpd refused the request before shiplog saw it */
		free(st);
		*con_cls = NULL;
		return;
	}
	struct http_request *r = &st->req;
	int64_t ms = clock_monotonic_ms() - r->started_ms;
	unsigned status = r->reply.status;
	metrics_request(st->route_index, status, ms);
	json_t *f = json_pack("{s:s, s:s, s:s, s:i, s:I, s:I, s:s}", "request_id", r->request_id,
			      "method", r->method, "path", r->path ? r->path : "", "status",
			      (int)status, "duration_ms", (json_int_t)ms, "bytes",
			      (json_int_t)r->body_len, "remote", st->client);
	if (f && strcmp(st->client, r->remote_addr))
		json_object_set_new(f, "peer", json_string(r->remote_addr));
	if (f && r->who.authenticated)
		json_object_set_new(f, "actor", json_string(r->who.subject));
	if (f && toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		json_object_set_new(f, "terminated", json_integer(toe));
	log_fields(LOG_INFO, "request", f);
	json_decref(f);

	release_db(r);
	http_reply_free(&r->reply);
	json_decref(r->json);
	release_body(st);
	free(r->path);
	free(st->path_buf);
	free(st);
	*con_cls = NULL;
	atomic_fetch_sub(&app->in_flight, 1);
	metrics_in_flight_add(-1);
}

static void __attribute__((format(printf, 2, 0))) mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char buf[512];
	vsnprintf(buf, sizeof buf, fmt, ap);
	size_t n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	log_fields(LOG_WARN, buf, NULL);
}

void *http_daemon_start(struct app *app, const struct sockaddr *addr);
void *http_daemon_start(struct app *app, const struct sockaddr *addr)
{
	const struct config *cfg = app->cfg;
	body_budget_init(cfg->body_memory_limit, cfg->per_ip_body_memory);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
			 MHD_USE_ERROR_LOG | MHD_USE_SUSPEND_RESUME;
	if (addr->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, app,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, addr,
		MHD_OPTION_THREAD_POOL_SIZE, cfg->threads,
		MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_ip_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
		MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, app,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
		/* refuse what HTTP/1.1 forbids (no Host, spaces in header names) */
		MHD_OPTION_STRICT_FOR_CLIENT, 1,
		MHD_OPTION_END);
	return d;
}
