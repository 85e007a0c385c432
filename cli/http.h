/*
 * http.h — talking to the shiplog server over libcurl: building request
 * paths, sending a request, judging the answer (2xx, problem+json, no
 * answer at all) into the CLI's exit codes, and following list pages.
 *
 * Ownership: a `struct cli_response` owns its body and parsed JSON
 * (cli_response_free).  JSON handed out through `json_t **out` is a new
 * reference the caller must json_decref.  Request bodies are borrowed.
 */
#ifndef SHIPLOG_CLI_HTTP_H
#define SHIPLOG_CLI_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

/* A request target "/api/v1/...?a=b" built piece by piece, every piece of
 * user input percent-encoded.  Too long → `overflow`, refused when sent. */
struct cli_url {
	char buf[4096];
	size_t len;
	bool has_query;
	bool overflow;
};

void cli_url_init(struct cli_url *u, const char *path);	      /* path: trusted, appended as is */
void cli_url_segment(struct cli_url *u, const char *segment); /* "/" + encoded segment */
/* "?name=value" or "&name=value"; nothing when value is NULL. */
void cli_url_query(struct cli_url *u, const char *name, const char *value);

struct cli_response;
struct cli;
/* Prints why the server said no: "shiplog: <title>: <detail>" from a
 * problem+json answer, else the status and the first line of the body. */
void cli_print_refusal(const struct cli *c, const struct cli_response *r);

struct cli_response {
	long status;
	char *body; /* NUL-terminated (owned) */
	size_t len;
	json_t *json; /* the parsed body, NULL when it is not JSON (owned) */
};

/*
 * Sends one request to c->url + target.  body: JSON text or NULL.
 * Returns CLI_EXIT_OK when the server answered, whatever the status
 * (*out filled); otherwise prints why on stderr and returns
 * CLI_EXIT_UNREACHABLE (no answer) or CLI_EXIT_USAGE (a bad --url).
 */
int cli_http_send(struct cli *c, const char *method, const char *target, const char *body,
		  size_t body_len, struct cli_response *out);
void cli_response_free(struct cli_response *r);

/*
 * Sends and judges: a 2xx answer gives CLI_EXIT_OK with *out the JSON answer
 * (new reference, NULL without a body) and *status (may be NULL); any other
 * answer prints "shiplog: <title>: <detail>" and gives CLI_EXIT_REFUSED.
 * body: JSON to send (borrowed) or NULL.
 */
int cli_call(struct cli *c, const char *method, const struct cli_url *target, const json_t *body,
	     json_t **out, long *status);
/* The same with a JSON body given as text (sent as is, e.g. a file). */
int cli_call_text(struct cli *c, const char *method, const struct cli_url *target, const char *body,
		  size_t body_len, json_t **out, long *status);

/*
 * GETs a list.  all=false: the first page as answered.  all=true: follows
 * every `next` link and answers {"items": [every item], "next": null}.
 * *out: new reference.
 */
int cli_list(struct cli *c, const struct cli_url *target, bool all, json_t **out);

/* Frees the curl handle and the url copy. */
void cli_http_cleanup(struct cli *c);

#endif
