/*
 * itest.h — integration-test support: a throwaway database per test
 * program, the real shiplogd started as a child process, and an HTTP client
 * (libcurl) that speaks to it.
 *
 * Needs SHIPLOG_TEST_DATABASE_URL (a superuser URL of the throwaway
 * cluster that scripts/test.sh starts).  Without it the tests FAIL: a test
 * that cannot run is not a passing test.
 */
#ifndef SHIPLOG_ITEST_H
#define SHIPLOG_ITEST_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/types.h>
#include <cmocka.h>

struct itest_server {
	pid_t pid;
	unsigned port;
	char base[64];        /* "http://127.0.0.1:PORT" */
	char db_url[512];
	char log_path[256];   /* the server's stderr */
	char out_path[256];   /* the server's stdout */
};

struct itest_response {
	long status;
	char *headers; /* raw header block, "\r\n"-separated */
	char *body;
	size_t body_len;
	json_t *json; /* parsed when the body is JSON, else NULL */
	double seconds;
	int curl_error; /* CURLE_OK (0) when an answer came */
};

/* The admin token every test server gets (SHIPLOG_ADMIN_TOKEN). */
#define ITEST_ADMIN_TOKEN "itest-admin-token-0123456789abcdef"

/* Creates a fresh database named after `tag` and the pid; writes its URL. */
void itest_db_create(const char *tag, char *url_out, size_t size);

/*
 * Starts shiplogd against db_url.  extra_env: NULL-terminated "K=V"
 * strings added to the environment (may be NULL).  Waits (bounded) for it
 * to print its URL.  Fails the test if it does not start.
 */
void itest_server_start(struct itest_server *s, const char *db_url, const char *const *extra_env);
/* Starts shiplogd without waiting; itest_server_wait then waits for it. */
void itest_server_spawn(struct itest_server *s, const char *db_url, const char *const *extra_env);
bool itest_server_wait(struct itest_server *s, int timeout_ms);
/* Like itest_server_start but returns false instead of failing. */
bool itest_server_try_start(struct itest_server *s, const char *db_url,
			    const char *const *extra_env, int timeout_ms);
/* SIGTERM, bounded wait, then SIGKILL.  Returns the exit status (or -1). */
int itest_server_stop(struct itest_server *s);

/*
 * One HTTP request.  headers: NULL-terminated "Name: value" strings (may be
 * NULL).  body may be NULL.  Every request has a 15 s timeout: a hang is a
 * failure, not a wait.
 */
/* Per-thread request timeout in ms (0: the default 15 s), for streams. */
extern __thread long itest_timeout_ms;

void itest_http(const struct itest_server *s, const char *method, const char *path,
		const char *const *headers, const void *body, size_t body_len,
		struct itest_response *out);
void itest_response_free(struct itest_response *r);

/* Shorthands. */
void itest_get(const struct itest_server *s, const char *path, const char *token,
	       struct itest_response *out);
void itest_json(const struct itest_server *s, const char *method, const char *path,
		const char *token, const char *json_body, struct itest_response *out);

/* A response header's value (first match, case-insensitive), copied into buf. */
bool itest_header(const struct itest_response *r, const char *name, char *buf, size_t size);

/* Asserts a problem+json reply with `status` whose type ends with `slug` and
 * whose detail contains `detail_part` (NULL: not checked). */
void itest_assert_problem(const struct itest_response *r, long status, const char *slug,
			  const char *detail_part);

/* Runs SQL on db_url; returns the first column of the first row (caller
 * frees) or NULL when there is no row.  Fails the test on an SQL error. */
/* Members that a test expects to be there: a missing member (or a failed
 * request's body) fails the test instead of reading as 0. */
json_int_t itest_int(const json_t *object, const char *key);
size_t itest_array_size(const json_t *object, const char *key);

/* Pages through a list from `path` (GET with token, each page answered 200)
 * by its next links, at most max_pages pages: fails unless every item's id
 * is below the one before it and the last page has no next link; returns
 * how many items were listed. */
long itest_list_all(const struct itest_server *s, const char *path, const char *token,
		    int max_pages);

char *itest_sql(const char *db_url, const char *sql);
long itest_sql_long(const char *db_url, const char *sql);

/* The same with printf-style SQL (never with untrusted input: tests only). */
char *itest_sqlf(const char *db_url, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
long itest_sql_longf(const char *db_url, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Stops / starts the throwaway PostgreSQL cluster (outage tests). */
void itest_pg_stop(void);
void itest_pg_start(void);

/* Reads a whole file (caller frees). */
char *itest_read_file(const char *path, size_t *len);

/* Writes a configuration file /tmp/shiplog-<tag>-<pid>.yaml holding `text`:
 * its path into `path` (for unlink at teardown) and "SHIPLOG_CONFIG=<path>"
 * into `env` (for itest_server_start's extra environment). */
void itest_config_file(const char *tag, const char *text, char *path, size_t path_size, char *env,
		       size_t env_size);

/* Creates an API token with the given scopes ("read", "ci,feedback" ...);
 * returns the token text (caller frees). */
char *itest_token(const struct itest_server *s, const char *scopes);
/* The same for a token of `owner` (an e-mail address). */
char *itest_token_owned(const struct itest_server *s, const char *owner, const char *scopes);

#endif
