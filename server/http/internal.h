/*
 * http/internal.h — pieces shared by the HTTP glue, not by handlers.
 */
#ifndef SHIPLOG_HTTP_INTERNAL_H
#define SHIPLOG_HTTP_INTERNAL_H

#include "shiplog/http.h"

void http_reply_free(struct http_reply *rep);

/* The request's URL (path + query) with one query parameter set to value;
 * caller frees. */
char *http_request_url_with(const struct http_request *r, const char *name, const char *value);

/* Serves a file from the web folder; false if there is none (no reply set). */
bool http_static_serve(struct http_request *r);

/* Fills r->who from a bearer token, a session cookie or an SSO header.
 * Returns false when a reply (401) has already been set. */
bool http_authenticate(struct http_request *r);

/* Authenticates a bearer token (env admin token or database); false when
 * a reply (401/503) has been set. */
bool http_authenticate_token(struct http_request *r, const char *token);

/* Counts a refused credential of this request in the audit trail's failed
 * sign-ins (per client address and hour); leaves the reply alone. */
void http_count_failed_sign_in(struct http_request *r);

/* Percent-encodes for a URL query component (caller frees). */
char *http_url_encode(const char *s);

/* Body-size decisions, made before and while reading a body. */
enum body_precheck { BODY_PRECHECK_OK, BODY_PRECHECK_TOO_LARGE, BODY_PRECHECK_MALFORMED };
/* From the Content-Length header (NULL: none, e.g. chunked). */
enum body_precheck http_body_precheck(const char *content_length, size_t limit);
/* May `more` bytes be added to `have` under `limit`? */
bool http_body_fits(size_t have, size_t more, size_t limit);

#endif
