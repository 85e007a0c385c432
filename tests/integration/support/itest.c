/*
 * itest.c — integration-test support (see itest.h).
 */
#include "itest.h"
#include "shiplog/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *test_db_url(void)
{
	const char *u = getenv("SHIPLOG_TEST_DATABASE_URL");
	if (!u || !*u) {
		fprintf(stderr, "SHIPLOG_TEST_DATABASE_URL is not set: run the suite with "
				"`make test` (scripts/test.sh), which starts a throwaway PostgreSQL\n");
		fail_msg("SHIPLOG_TEST_DATABASE_URL is not set");
	}
	return u;
}

/* Replaces the database name in a postgresql:// URL. */
static void url_with_db(const char *url, const char *db, char *out, size_t size)
{
	const char *scheme_end = strstr(url, "://");
	const char *slash = scheme_end ? strchr(scheme_end + 3, '/') : NULL;
	const char *query = strchr(url, '?');
	size_t prefix = slash ? (size_t)(slash - url) : strlen(url);
	if (query && (!slash || query < slash))
		prefix = (size_t)(query - url);
	snprintf(out, size, "%.*s/%s%s", (int)prefix, url, db, query ? query : "");
}

void itest_db_create(const char *tag, char *url_out, size_t size)
{
	static int counter;
	char name[96];
	snprintf(name, sizeof name, "itest_%s_%d_%d", tag, (int)getpid(), counter++);
	for (char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			*p = '_';
	PGconn *pg = PQconnectdb(test_db_url());
	if (PQstatus(pg) != CONNECTION_OK)
		fail_msg("cannot connect to the test cluster: %s", PQerrorMessage(pg));
	char sql[256];
	PQclear(PQexec(pg, "SET client_min_messages = warning"));
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
	PQclear(PQexec(pg, sql));
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
	PGresult *res = PQexec(pg, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("CREATE DATABASE failed: %s", PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(pg);
	url_with_db(test_db_url(), name, url_out, size);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

void itest_config_file(const char *tag, const char *text, char *path, size_t path_size, char *env,
		       size_t env_size)
{
	snprintf(path, path_size, "/tmp/shiplog-%s-%d.yaml", tag, (int)getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	snprintf(env, env_size, "SHIPLOG_CONFIG=%s", path);
}

char *itest_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (n + 4096 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		if (got == 0)
			break;
		n += got;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

void itest_server_spawn(struct itest_server *s, const char *db_url, const char *const *extra_env)
{
	static int counter;
	memset(s, 0, sizeof *s);
	snprintf(s->db_url, sizeof s->db_url, "%s", db_url);
	snprintf(s->log_path, sizeof s->log_path, "/tmp/shiplog-itest-%d-%d.err", (int)getpid(),
		 counter);
	snprintf(s->out_path, sizeof s->out_path, "/tmp/shiplog-itest-%d-%d.out", (int)getpid(),
		 counter++);
	unlink(s->out_path);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		fail_msg("fork failed");
	if (pid == 0) {
		/* a test that fails stops before it stops its servers: they go
		 * with the test process instead of outliving it */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		int out = open(s->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int err = open(s->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(out, 1);
		dup2(err, 2);
		setenv("DATABASE_URL", db_url, 1);
		setenv("SHIPLOG_LISTEN", "127.0.0.1:0", 1);
		setenv("SHIPLOG_ADMIN_TOKEN", ITEST_ADMIN_TOKEN, 1);
		setenv("SHIPLOG_SESSION_SECRET", "itest-session-secret", 1);
		setenv("SHIPLOG_THREADS", "4", 1);
		setenv("SHIPLOG_DB_CONNECTIONS", "6", 1);
		setenv("SHIPLOG_DB_WAIT_SECONDS", "10", 1);
		unsetenv("SHIPLOG_CONFIG");
		for (const char *const *e = extra_env; e && *e; e++) {
			char *kv = strdup(*e);
			char *eq = strchr(kv, '=');
			if (eq) {
				*eq = '\0';
				setenv(kv, eq + 1, 1);
			}
			free(kv);
		}
		const char *config = getenv("ITEST_CONFIG");
		if (config && *config)
			execl(SHIPLOGD_PATH, "shiplogd", "--config", config, (char *)NULL);
		else
			execl(SHIPLOGD_PATH, "shiplogd", (char *)NULL);
		_exit(127);
	}
	s->pid = pid;
}

bool itest_server_wait(struct itest_server *s, int timeout_ms)
{
	pid_t pid = s->pid;
	if (pid <= 0)
		return false;
	int64_t deadline = now_ms() + timeout_ms;
	while (now_ms() < deadline) {
		char *out = itest_read_file(s->out_path, NULL);
		const char *p = out ? strstr(out, "listening on http://") : NULL;
		if (p) {
			const char *colon = strrchr(p + 20, ':');
			s->port = colon ? (unsigned)atoi(colon + 1) : 0;
			free(out);
			snprintf(s->base, sizeof s->base, "http://127.0.0.1:%u", s->port);
			return s->port != 0;
		}
		free(out);
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			s->pid = 0;
			return false;
		}
		sleep_ms(20);
	}
	itest_server_stop(s);
	return false;
}

bool itest_server_try_start(struct itest_server *s, const char *db_url,
			    const char *const *extra_env, int timeout_ms)
{
	itest_server_spawn(s, db_url, extra_env);
	return itest_server_wait(s, timeout_ms);
}

void itest_server_start(struct itest_server *s, const char *db_url, const char *const *extra_env)
{
	if (!itest_server_try_start(s, db_url, extra_env, 20000)) {
		char *log = itest_read_file(s->log_path, NULL);
		fprintf(stderr, "shiplogd did not start; its log:\n%s\n", log ? log : "(none)");
		free(log);
		fail_msg("shiplogd did not start");
	}
}

int itest_server_stop(struct itest_server *s)
{
	if (s->pid <= 0)
		return -1;
	kill(s->pid, SIGTERM);
	int st = 0;
	int64_t deadline = now_ms() + 30000;
	while (now_ms() < deadline) {
		pid_t w = waitpid(s->pid, &st, WNOHANG);
		if (w == s->pid) {
			s->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		sleep_ms(10);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &st, 0);
	s->pid = 0;
	return -1;
}

__thread long itest_timeout_ms;

static pthread_key_t handle_key;
static pthread_once_t handle_once = PTHREAD_ONCE_INIT;

static void handle_free(void *h)
{
	curl_easy_cleanup(h);
}

static void handle_key_create(void)
{
	pthread_key_create(&handle_key, handle_free);
}

struct growbuf {
	char *p;
	size_t len;
};

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
	struct growbuf *b = arg;
	size_t add = size * n;
	b->p = realloc(b->p, b->len + add + 1);
	memcpy(b->p + b->len, data, add);
	b->len += add;
	b->p[b->len] = '\0';
	return add;
}

void itest_http(const struct itest_server *s, const char *method, const char *path,
		const char *const *headers, const void *body, size_t body_len,
		struct itest_response *out)
{
	memset(out, 0, sizeof *out);
	/* one handle per thread, reset between requests: connections are
	 * kept alive, which makes request-heavy tests several times faster;
	 * the handle (and its connection) goes when the thread does */
	pthread_once(&handle_once, handle_key_create);
	CURL *c = pthread_getspecific(handle_key);
	if (!c) {
		c = curl_easy_init();
		pthread_setspecific(handle_key, c);
	} else {
		curl_easy_reset(c);
	}
	char url[8192];
	snprintf(url, sizeof url, "%s%s", s->base, path);
	struct growbuf hb = {NULL, 0}, bb = {NULL, 0};
	struct curl_slist *hl = NULL;
	for (const char *const *h = headers; h && *h; h++)
		hl = curl_slist_append(hl, *h);
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &hb);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &bb);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, itest_timeout_ms > 0 ? itest_timeout_ms : 15000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	out->curl_error = (int)curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &out->seconds);
	curl_slist_free_all(hl);
	out->headers = hb.p ? hb.p : strdup("");
	out->body = bb.p ? bb.p : strdup("");
	out->body_len = bb.len;
	char ct[128];
	if (itest_header(out, "Content-Type", ct, sizeof ct) && strstr(ct, "json"))
		out->json = json_loadb(out->body, out->body_len, 0, NULL);
}

void itest_response_free(struct itest_response *r)
{
	free(r->headers);
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof *r);
}

void itest_get(const struct itest_server *s, const char *path, const char *token,
	       struct itest_response *out)
{
	char auth[600];
	const char *h[2] = {NULL, NULL};
	if (token) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		h[0] = auth;
	}
	itest_http(s, "GET", path, h, NULL, 0, out);
}

void itest_json(const struct itest_server *s, const char *method, const char *path,
		const char *token, const char *json_body, struct itest_response *out)
{
	char auth[600];
	const char *h[3] = {"Content-Type: application/json", NULL, NULL};
	if (token) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		h[1] = auth;
	}
	itest_http(s, method, path, h, json_body, json_body ? strlen(json_body) : 0, out);
}

bool itest_header(const struct itest_response *r, const char *name, char *buf, size_t size)
{
	size_t nl = strlen(name);
	const char *p = r->headers;
	while (p && *p) {
		const char *eol = strstr(p, "\r\n");
		size_t ll = eol ? (size_t)(eol - p) : strlen(p);
		if (ll > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			size_t vl = ll - (size_t)(v - p);
			snprintf(buf, size, "%.*s", (int)vl, v);
			return true;
		}
		p = eol ? eol + 2 : NULL;
	}
	return false;
}

void itest_assert_problem(const struct itest_response *r, long status, const char *slug,
			  const char *detail_part)
{
	if (r->status != status)
		fprintf(stderr, "expected %ld, got %ld: %s\n", status, r->status, r->body);
	assert_int_equal(r->status, status);
	char ct[128] = "";
	itest_header(r, "Content-Type", ct, sizeof ct);
	assert_non_null(strstr(ct, "application/problem+json"));
	assert_non_null(r->json);
	const char *type = json_string_value(json_object_get(r->json, "type"));
	assert_non_null(type);
	size_t tl = strlen(type), sl = strlen(slug);
	if (tl < sl || strcmp(type + tl - sl, slug) != 0)
		fail_msg("problem type %s does not end with %s", type, slug);
	assert_int_equal(json_integer_value(json_object_get(r->json, "status")), status);
	assert_non_null(json_string_value(json_object_get(r->json, "title")));
	const char *d = json_string_value(json_object_get(r->json, "detail"));
	if (detail_part) {
		if (!d || !strstr(d, detail_part))
			fail_msg("problem detail \"%s\" does not mention \"%s\"", d ? d : "(none)",
				 detail_part);
	}
	/* A problem about a field or parameter says which for programs too (RFC 9457
	 * extension "errors"): the detail is "NAME: reason" with NAME the pointer as
	 * people write it, and errors[0].detail the reason. */
	static const char *const field_slugs[] = {"/invalid-field", "/missing-field",
						  "/unknown-field", "/invalid-parameter",
						  "/unknown-parameter"};
	/* judged by the type the server gave: tests name it with or without '/' */
	bool parameter = strstr(type, "parameter") != NULL, field_problem = false;
	for (size_t i = 0; i < sizeof field_slugs / sizeof field_slugs[0]; i++) {
		size_t fl = strlen(field_slugs[i]);
		field_problem =
			field_problem || (tl >= fl && !strcmp(type + tl - fl, field_slugs[i]));
	}
	const json_t *errors = json_object_get(r->json, "errors");
	if (!field_problem) {
		if (errors && !strstr(type, "/illegal-transition"))
			fail_msg("a %s problem has errors: %s", type, r->body);
		return;
	}
	if (json_array_size(errors) != 1)
		fail_msg("a %s problem has no errors member of one item: %s", type, r->body);
	const json_t *e = json_array_get(errors, 0);
	const char *where =
		json_string_value(json_object_get(e, parameter ? "parameter" : "pointer"));
	const char *why = json_string_value(json_object_get(e, "detail"));
	if (!where || !why || !d)
		fail_msg("errors[0] lacks %s or detail: %s", parameter ? "parameter" : "pointer",
			 r->body);
	if (!parameter && where[0] && where[0] != '/')
		fail_msg("errors[0].pointer %s is not a JSON Pointer", where);
	char name[256], expect[1200];
	if (parameter)
		snprintf(name, sizeof name, "%s", where);
	else
		http_field_name(where, name, sizeof name);
	/* pointer "": the body itself, and the detail is the reason alone */
	snprintf(expect, sizeof expect, "%s%s%s", name, name[0] ? ": " : "", why);
	if (strcmp(d, expect))
		fail_msg("detail \"%s\" is not errors[0] (%s \"%s\", \"%s\")", d,
			 parameter ? "parameter" : "pointer", where, why);
}

static const json_t *expect_member(const json_t *object, const char *key, json_type type,
				   const char *what)
{
	const json_t *v = json_object_get(object, key);
	if (!v || json_typeof(v) != type) {
		char *text = object ? json_dumps(object, JSON_COMPACT) : NULL;
		fail_msg("expected %s member \"%s\" in %s", what, key, text ? text : "(nothing)");
	}
	return v;
}

json_int_t itest_int(const json_t *object, const char *key)
{
	return json_integer_value(expect_member(object, key, JSON_INTEGER, "an integer"));
}

size_t itest_array_size(const json_t *object, const char *key)
{
	return json_array_size(expect_member(object, key, JSON_ARRAY, "an array"));
}

long itest_list_all(const struct itest_server *s, const char *path, const char *token,
		    int max_pages)
{
	char next_path[512];
	snprintf(next_path, sizeof next_path, "%s", path);
	long last = 0, listed = 0;
	for (int page = 0; page < max_pages && next_path[0]; page++) {
		struct itest_response r;
		itest_get(s, next_path, token, &r);
		if (r.status != 200)
			fail_msg("GET %s answered %ld: %s", next_path, r.status,
				 r.body ? r.body : "");
		json_t *it;
		size_t i;
		json_array_foreach(json_object_get(r.json, "items"), i, it) {
			long id = (long)itest_int(it, "id");
			if (last != 0 && id >= last)
				fail_msg("GET %s: item %ld follows %ld", next_path, id, last);
			last = id;
			listed++;
		}
		const char *next = json_string_value(json_object_get(r.json, "next"));
		next_path[0] = '\0';
		if (next) {
			const char *p = strstr(next, "/api/v1/");
			if (!p)
				fail_msg("next link %s", next);
			snprintf(next_path, sizeof next_path, "%s", p);
		}
		itest_response_free(&r);
	}
	if (next_path[0])
		fail_msg("%s: still a next page after %d pages", path, max_pages);
	return listed;
}

char *itest_sql(const char *db_url, const char *sql)
{
	PGconn *pg = PQconnectdb(db_url);
	if (PQstatus(pg) != CONNECTION_OK)
		fail_msg("cannot connect: %s", PQerrorMessage(pg));
	PGresult *res = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
		fail_msg("SQL failed: %s\n%s", PQresultErrorMessage(res), sql);
	char *v = NULL;
	if (st == PGRES_TUPLES_OK && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		v = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(pg);
	return v;
}

long itest_sql_long(const char *db_url, const char *sql)
{
	char *v = itest_sql(db_url, sql);
	long n = v ? strtol(v, NULL, 10) : 0;
	free(v);
	return n;
}

char *itest_sqlf(const char *db_url, const char *fmt, ...)
{
	char sql[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	return itest_sql(db_url, sql);
}

long itest_sql_longf(const char *db_url, const char *fmt, ...)
{
	char sql[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	return itest_sql_long(db_url, sql);
}

static void pg_ctl(const char *verb)
{
	const char *ctl = getenv("SHIPLOG_TEST_PG_CTL");
	const char *dir = getenv("SHIPLOG_TEST_PG_DIR");
	if (!ctl || !dir)
		fail_msg("SHIPLOG_TEST_PG_CTL / SHIPLOG_TEST_PG_DIR are not set");
	char cmd[1200], out[64];
	snprintf(out, sizeof out, "/tmp/shiplog-itest-pg-%d.log", (int)getpid());
	snprintf(cmd, sizeof cmd, "'%s' %s '%s' >'%s' 2>&1", ctl, verb, dir, out);
	int rc = system(cmd);
	if (rc != 0) {
		char *log = itest_read_file(out, NULL);
		fprintf(stderr, "%s %s said:\n%s\n", ctl, verb, log ? log : "(nothing)");
		free(log);
		unlink(out);
		fail_msg("%s %s failed (%d)", ctl, verb, rc);
	}
	unlink(out);
}

void itest_pg_stop(void)
{
	pg_ctl("stop");
}

void itest_pg_start(void)
{
	pg_ctl("start");
}

char *itest_token(const struct itest_server *s, const char *scopes)
{
	return itest_token_owned(s, "itest@example.com", scopes);
}

char *itest_token_owned(const struct itest_server *s, const char *owner, const char *scopes)
{
	char body[512];
	snprintf(body, sizeof body, "{\"name\":\"itest\",\"owner\":\"%s\",\"scopes\":[", owner);
	char copy[128];
	snprintf(copy, sizeof copy, "%s", scopes);
	bool first = true;
	for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
		strcat(body, first ? "\"" : ",\"");
		strcat(body, tok);
		strcat(body, "\"");
		first = false;
	}
	strcat(body, "]}");
	struct itest_response r;
	itest_json(s, "POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN, body, &r);
	assert_int_equal(r.status, 201);
	char *t = strdup(json_string_value(json_object_get(r.json, "token")));
	itest_response_free(&r);
	return t;
}
