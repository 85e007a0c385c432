/*
 * http_sink.h — a small local HTTP server for the notification tests: it
 * listens on 127.0.0.1 (a free port), records every request (method, path,
 * headers, body) and answers with scripted statuses per path.  One thread
 * accepts; each connection is served by its own thread (so a sink told to
 * hang does not hold up the others).  Nothing here ever leaves 127.0.0.1.
 */
#ifndef SHIPLOG_HTTP_SINK_H
#define SHIPLOG_HTTP_SINK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Scripted answers besides HTTP statuses. */
#define HTTP_SINK_HANG	(-1) /* read the request, never answer (until stopped) */
#define HTTP_SINK_CLOSE (-2) /* read the request, close without answering */

struct http_sink;

struct http_sink_request {
	char method[16];
	char path[512];
	char *headers; /* the raw header block */
	char *body;
	size_t body_len;
	json_t *json; /* the body parsed, or NULL */
	int answered; /* the status it got (or HTTP_SINK_HANG / HTTP_SINK_CLOSE) */
};

struct http_sink *http_sink_start(void);
void http_sink_stop(struct http_sink *s);
unsigned http_sink_port(const struct http_sink *s);
/* "http://127.0.0.1:PORT" + path, into buf. */
const char *http_sink_url(const struct http_sink *s, const char *path, char *buf, size_t size);

/* The next answers for `path` (exact match, query excluded), in order; once
 * they are used up, `then` for every request.  Unscripted paths answer 200. */
void http_sink_script(struct http_sink *s, const char *path, const int *answers, size_t n,
		      int then);
/* Waits `ms` before answering requests to `path`. */
void http_sink_delay(struct http_sink *s, const char *path, int ms);

/* Requests received on `path` so far (NULL: on any path). */
size_t http_sink_count(struct http_sink *s, const char *path);
/* Waits until at least n requests arrived on `path`; false on timeout. */
bool http_sink_wait(struct http_sink *s, const char *path, size_t n, int timeout_ms);
/* A copy of the i-th request on `path` (NULL: any), in arrival order;
 * false when there is none.  Free with http_sink_request_free. */
bool http_sink_get(struct http_sink *s, const char *path, size_t i, struct http_sink_request *out);
void http_sink_request_free(struct http_sink_request *r);
/* A request header's value (case-insensitive name), into buf. */
bool http_sink_header(const struct http_sink_request *r, const char *name, char *buf, size_t size);

#endif
