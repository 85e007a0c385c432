/*
 * http.c — libcurl requests to the shiplog server and the exit codes that
 * follow from their answers (see http.h).
 *
 * One easy handle is kept for the whole run so that following list pages
 * reuses the connection.  Redirects are not followed: the token must not be
 * sent anywhere but the server the user named.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "shiplog/xalloc.h"

#define CONNECT_TIMEOUT_SECONDS 10L
#define MAX_ANSWER_BYTES	(64L * 1024 * 1024)

/* ---- request targets ------------------------------------------------------ */

static void url_append(struct cli_url *u, const char *s, size_t n)
{
	if (u->overflow || u->len + n >= sizeof u->buf) {
		u->overflow = true;
		return;
	}
	memcpy(u->buf + u->len, s, n);
	u->len += n;
	u->buf[u->len] = '\0';
}

/* Percent-encodes everything but RFC 3986 unreserved characters. */
static void url_append_encoded(struct cli_url *u, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			url_append(u, (const char *)p, 1);
		} else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			url_append(u, e, 3);
		}
	}
}

void cli_url_init(struct cli_url *u, const char *path)
{
	memset(u, 0, sizeof *u);
	url_append(u, path, strlen(path));
	u->has_query = strchr(path, '?') != NULL;
}

void cli_url_segment(struct cli_url *u, const char *segment)
{
	url_append(u, "/", 1);
	url_append_encoded(u, segment);
}

void cli_url_query(struct cli_url *u, const char *name, const char *value)
{
	if (!value)
		return;
	url_append(u, u->has_query ? "&" : "?", 1);
	u->has_query = true;
	url_append_encoded(u, name);
	url_append(u, "=", 1);
	url_append_encoded(u, value);
}

/* ---- one request ---------------------------------------------------------- */

struct sink {
	char *buf;
	size_t len, cap;
};

static size_t sink_write(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t add = size * n;
	if (s->len + add > (size_t)MAX_ANSWER_BYTES)
		return 0; /* makes curl fail with CURLE_WRITE_ERROR */
	if (s->len + add + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + add + 1)
			cap *= 2;
		char *grown = xrealloc(s->buf, cap);
		s->buf = grown;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, add);
	s->len += add;
	s->buf[s->len] = '\0';
	return add;
}

static CURL *handle(struct cli *c)
{
	if (!c->curl) {
		c->curl = curl_easy_init();
		if (!c->curl)
			abort();
	} else {
		curl_easy_reset(c->curl);
	}
	return c->curl;
}

/* Why a request got no answer, in words a CI log reader can act on. */
static int no_answer(const struct cli *c, CURLcode rc, const char *errbuf)
{
	const char *why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
	switch (rc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		fprintf(stderr, "shiplog: bad server URL '%s': %s\n", c->url, why);
		return CLI_EXIT_USAGE;
	case CURLE_WRITE_ERROR:
		fprintf(stderr, "shiplog: the answer from %s is larger than %ld bytes\n", c->url,
			MAX_ANSWER_BYTES);
		return CLI_EXIT_UNREACHABLE;
	case CURLE_OPERATION_TIMEDOUT:
		fprintf(stderr, "shiplog: no answer from %s within %ld s: %s\n", c->url, c->timeout,
			why);
		return CLI_EXIT_UNREACHABLE;
	default:
		fprintf(stderr, "shiplog: cannot reach %s: %s\n", c->url, why);
		return CLI_EXIT_UNREACHABLE;
	}
}

int cli_http_send(struct cli *c, const char *method, const char *target, const char *body,
		  size_t body_len, struct cli_response *out)
{
	memset(out, 0, sizeof *out);
	size_t url_len = strlen(c->url) + strlen(target) + 1;
	char *url = xmalloc(url_len);
	snprintf(url, url_len, "%s%s", c->url, target);

	CURL *h = handle(c);
	char errbuf[CURL_ERROR_SIZE] = "";
	struct sink sink = {NULL, 0, 0};
	struct curl_slist *headers = NULL;
	headers = curl_slist_append(headers, "Accept: application/json, application/problem+json");
	if (body)
		headers = curl_slist_append(headers, "Content-Type: application/json");
	char *auth = NULL;
	if (c->token && *c->token) {
		size_t n = strlen(c->token) + 32;
		auth = xmalloc(n);
		snprintf(auth, n, "Authorization: Bearer %s", c->token);
		headers = curl_slist_append(headers, auth);
	}
	if (!headers)
		abort();

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "shiplog-cli/" SHIPLOG_VERSION);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, c->timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
			 c->timeout < CONNECT_TIMEOUT_SECONDS ? c->timeout
							      : CONNECT_TIMEOUT_SECONDS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);

	CURLcode rc = curl_easy_perform(h);
	int result = CLI_EXIT_OK;
	if (rc != CURLE_OK) {
		result = no_answer(c, rc, errbuf);
		free(sink.buf);
	} else {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
		out->body = sink.buf ? sink.buf : xcalloc(1, 1);
		out->len = sink.len;
		out->json = out->len ? json_loadb(out->body, out->len, 0, NULL) : NULL;
	}
	curl_slist_free_all(headers);
	free(auth);
	free(url);
	return result;
}

void cli_response_free(struct cli_response *r)
{
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof *r);
}

/* ---- judging an answer ---------------------------------------------------- */

/* "shiplog: <title>: <detail>" from a problem+json answer, else the status
 * and the first line of whatever came back. */
void cli_print_refusal(const struct cli *c, const struct cli_response *r)
{
	const char *title = json_string_value(json_object_get(r->json, "title"));
	const char *detail = json_string_value(json_object_get(r->json, "detail"));
	if (title && detail)
		fprintf(stderr, "shiplog: %s: %s\n", title, detail);
	else if (title)
		fprintf(stderr, "shiplog: %s (HTTP %ld)\n", title, r->status);
	else {
		size_t line = strcspn(r->body, "\r\n");
		fprintf(stderr, "shiplog: HTTP %ld: %.*s\n", r->status,
			(int)(line > 200 ? 200 : line), r->body);
	}
	if (r->status == 401 && !(c->token && *c->token))
		fputs("shiplog: no token given: set SHIPLOG_TOKEN or pass --token\n", stderr);
}

int cli_call_text(struct cli *c, const char *method, const struct cli_url *target, const char *body,
		  size_t body_len, json_t **out, long *status)
{
	*out = NULL;
	if (target->overflow) {
		fputs("shiplog: the request is too long (shorten the arguments)\n", stderr);
		return CLI_EXIT_USAGE;
	}
	struct cli_response r;
	int rc = cli_http_send(c, method, target->buf, body, body_len, &r);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (status)
		*status = r.status;
	if (r.status < 200 || r.status > 299) {
		cli_print_refusal(c, &r);
		cli_response_free(&r);
		return CLI_EXIT_REFUSED;
	}
	if (r.len && !r.json) {
		fprintf(stderr, "shiplog: the server's answer (HTTP %ld) is not JSON\n", r.status);
		cli_response_free(&r);
		return CLI_EXIT_REFUSED;
	}
	*out = r.json;
	r.json = NULL;
	cli_response_free(&r);
	return CLI_EXIT_OK;
}

int cli_call(struct cli *c, const char *method, const struct cli_url *target, const json_t *body,
	     json_t **out, long *status)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	if (body && !text)
		abort();
	int rc = cli_call_text(c, method, target, text, text ? strlen(text) : 0, out, status);
	free(text);
	return rc;
}

/* ---- lists ---------------------------------------------------------------- */

int cli_list(struct cli *c, const struct cli_url *target, bool all, json_t **out)
{
	json_t *page = NULL;
	int rc = cli_call(c, "GET", target, NULL, &page, NULL);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (!json_is_array(json_object_get(page, "items"))) {
		fputs("shiplog: the server's answer is not a list\n", stderr);
		json_decref(page);
		return CLI_EXIT_REFUSED;
	}
	/* At most 10 000 pages: a server that always answers `next` must not
	 * keep a CI step busy forever. */
	for (int pages = 1; all && pages < 10000; pages++) {
		const char *next = json_string_value(json_object_get(page, "next"));
		if (!next || !*next)
			break;
		/* The server answers a path; an absolute link must point at the
		 * same server (the token goes with it). */
		size_t base = strlen(c->url);
		if (strncmp(next, "http://", 7) == 0 || strncmp(next, "https://", 8) == 0) {
			if (strncmp(next, c->url, base) != 0) {
				fprintf(stderr,
					"shiplog: not following a next link elsewhere: %s\n", next);
				break;
			}
			next += base;
		}
		struct cli_url u;
		cli_url_init(&u, next);
		json_t *more = NULL;
		rc = cli_call(c, "GET", &u, NULL, &more, NULL);
		if (rc != CLI_EXIT_OK) {
			json_decref(page);
			return rc;
		}
		json_array_extend(json_object_get(page, "items"), json_object_get(more, "items"));
		json_t *more_next = json_object_get(more, "next");
		json_object_set(page, "next", more_next ? more_next : json_null());
		json_decref(more);
	}
	if (all)
		json_object_set_new(page, "next", json_null());
	*out = page;
	return CLI_EXIT_OK;
}

void cli_http_cleanup(struct cli *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	c->curl = NULL;
	free(c->url);
	c->url = NULL;
}
