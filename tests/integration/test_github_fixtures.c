/*
 * test_github_fixtures.c — every GitHub example payload goes through the
 * endpoint, signed, and the test asserts what it produced.
 *
 * The list is tests/fixtures/github/MANIFEST.tsv (a byte-exact copy of the
 * shared manifest), read at run time, so a fixture added there cannot be
 * forgotten; a .json in that folder the manifest does not list fails the
 * test too.  For each: the answer (200 for the events shiplog uses, 202 for
 * others), the delivery row (processed, signature valid, the body stored
 * byte for byte) and at least one effect of the event.
 *
 * Then the real 2019 deliveries in captured/, sent with the headers they
 * arrived with and, as then, unsigned, to a server with no secret.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "github_send.h"
#include "itest.h"
#include "shiplog/crypto.h"

static struct itest_server server;
static char db_url[512];

/* The events shiplog uses (answered 200 when processed): those
 * deploy/github/README.md asks for, and ping. */
static const char *const used_events[] = {
	"ping",
	"push",
	"create",
	"delete",
	"pull_request",
	"workflow_run",
	"workflow_job",
	"check_suite",
	"check_run",
	"release",
	"registry_package",
	"package",
	"deployment",
	"deployment_status",
	NULL,
};

static bool event_used(const char *event)
{
	for (const char *const *e = used_events; *e; e++)
		if (strcmp(*e, event) == 0)
			return true;
	return false;
}

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("ghfixtures", db_url, sizeof db_url);
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, NULL};
	itest_server_start(&server, db_url, env);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

/* ---- SQL with values from payloads ---- */

/* Appends s as an SQL literal ('' for quotes; NULL → NULL). */
static void lit(char *out, size_t size, const char *s)
{
	if (!s) {
		snprintf(out, size, "NULL");
		return;
	}
	size_t o = 0;
	out[o++] = '\'';
	for (const char *p = s; *p && o + 3 < size; p++) {
		if (*p == '\'')
			out[o++] = '\'';
		out[o++] = *p;
	}
	out[o++] = '\'';
	out[o] = '\0';
}

static long sqll(const char *url, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static long sqll(const char *url, const char *fmt, ...)
{
	char sql[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	return itest_sql_long(url, sql);
}

static char *sqls(const char *url, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *sqls(const char *url, const char *fmt, ...)
{
	char sql[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	return itest_sql(url, sql);
}

static const char *jstr(const json_t *root, const char *a, const char *b)
{
	const json_t *v = json_object_get(root, a);
	if (b)
		v = json_object_get(v, b);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *jint(const json_t *root, const char *a, const char *b, char *buf, size_t size)
{
	const json_t *v = json_object_get(root, a);
	if (b)
		v = json_object_get(v, b);
	if (!json_is_integer(v))
		return NULL;
	snprintf(buf, size, "%lld", (long long)json_integer_value(v));
	return buf;
}

/* ---- the delivery row ---- */

static void assert_delivery_row(const char *url, long row, const char *what, const char *event,
				const char *action, const char *signature, const char *status,
				const char *body, size_t len)
{
	unsigned char sha[32];
	char hex[65];
	crypto_sha256(body, len, sha);
	crypto_hex(sha, sizeof sha, hex);
	char ev[128], act[128], sig[64], st[64];
	lit(ev, sizeof ev, event);
	lit(act, sizeof act, action);
	lit(sig, sizeof sig, signature);
	lit(st, sizeof st, status);
	long ok = sqll(url,
		       "SELECT count(*) FROM deliveries WHERE id = %ld AND source = 'github' AND "
		       "event = %s AND action = %s AND signature = %s AND status = %s AND "
		       "error IS NULL AND processed_at IS NOT NULL",
		       row, ev, act, sig, st);
	if (ok != 1) {
		char *got = sqls(url,
				 "SELECT concat_ws(' ', event, action, signature, status, error) "
				 "FROM deliveries WHERE id = %ld",
				 row);
		fail_msg("%s: delivery %ld: expected %s %s %s %s, got %s", what, row, event, action,
			 signature, status, got ? got : "no row");
	}
	/* the body is stored byte for byte */
	char *stored =
		sqls(url,
		     "SELECT concat_ws(' ', encode(body_sha256, 'hex'), body_size, "
		     "length(body), encode(sha256(body), 'hex')) FROM deliveries WHERE id = %ld",
		     row);
	char expected[256];
	snprintf(expected, sizeof expected, "%s %zu %zu %s", hex, len, len, hex);
	if (!stored || strcmp(stored, expected) != 0)
		fail_msg("%s: stored body differs: expected '%s', got '%s'", what, expected,
			 stored ? stored : "NULL");
	free(stored);
}

/* ---- at least one effect per event ---- */

static void expect_rows(const char *url, const char *what, const char *sql_fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void expect_rows(const char *url, const char *what, const char *sql_fmt, ...)
{
	char sql[4096];
	va_list ap;
	va_start(ap, sql_fmt);
	vsnprintf(sql, sizeof sql, sql_fmt, ap);
	va_end(ap);
	long n = itest_sql_long(url, sql);
	if (n < 1)
		fail_msg("%s: expected its effect, found none: %s", what, sql);
}

static const char *short_ref(const char *ref)
{
	if (!ref)
		return NULL;
	if (strncmp(ref, "refs/heads/", 11) == 0)
		return ref + 11;
	if (strncmp(ref, "refs/tags/", 10) == 0)
		return ref + 10;
	return ref;
}

static void assert_effect(const char *url, const char *what, const char *event, long row,
			  const json_t *p)
{
	char repo[600], a[600], b[600], n1[32], n2[32];
	lit(repo, sizeof repo, jstr(p, "repository", "full_name"));
	/* repository_id of the payload's repository */
	char rid[700];
	snprintf(rid, sizeof rid,
		 "(SELECT id FROM repositories WHERE lower(full_name) = lower(%s))", repo);

	if (strcmp(event, "ping") == 0) {
		if (jstr(p, "repository", "full_name"))
			expect_rows(url, what, "SELECT count(*) FROM repositories WHERE id = %s",
				    rid);
		else /* an organisation hook: no repository, the delivery is the effect */
			expect_rows(url, what,
				    "SELECT count(*) FROM deliveries WHERE id = %ld AND "
				    "repository IS NULL AND status = 'processed'",
				    row);
	} else if (strcmp(event, "push") == 0) {
		/* (a redelivered push with a new delivery id is the same push) */
		const char *ref = jstr(p, "ref", NULL);
		char after[128];
		lit(a, sizeof a, ref);
		lit(b, sizeof b, short_ref(ref));
		lit(after, sizeof after, jstr(p, "after", NULL));
		expect_rows(url, what,
			    "SELECT count(*) FROM pushes WHERE repository_id = %s AND "
			    "ref IN (%s, %s) AND after_sha = %s",
			    rid, a, b, after);
	} else if (strcmp(event, "create") == 0 || strcmp(event, "delete") == 0) {
		const char *type = jstr(p, "ref_type", NULL);
		lit(a, sizeof a, short_ref(jstr(p, "ref", NULL)));
		bool del = strcmp(event, "delete") == 0;
		if (type && strcmp(type, "tag") == 0)
			expect_rows(url, what,
				    "SELECT count(*) FROM tags WHERE repository_id = %s AND name = "
				    "%s%s",
				    rid, a, del ? " AND deleted_at IS NOT NULL" : "");
		else
			expect_rows(url, what,
				    "SELECT count(*) FROM branches WHERE repository_id = %s AND "
				    "name = %s%s",
				    rid, a, del ? " AND deleted_at IS NOT NULL" : "");
	} else if (strcmp(event, "pull_request") == 0) {
		expect_rows(url, what,
			    "SELECT count(*) FROM pull_requests WHERE repository_id = %s AND "
			    "number = %s",
			    rid, jint(p, "number", NULL, n1, sizeof n1) ? n1 : "NULL");
	} else if (strcmp(event, "workflow_run") == 0) {
		expect_rows(
			url, what,
			"SELECT count(*) FROM runs r JOIN run_attempts a ON a.run_id = r.id "
			"WHERE r.repository_id = %s AND r.external_id = '%s' AND a.attempt = %s",
			rid, jint(p, "workflow_run", "id", n1, sizeof n1) ? n1 : "",
			jint(p, "workflow_run", "run_attempt", n2, sizeof n2) ? n2 : "1");
	} else if (strcmp(event, "workflow_job") == 0) {
		expect_rows(
			url, what,
			"SELECT count(*) FROM jobs j JOIN run_attempts a ON a.id = j.attempt_id "
			"JOIN runs r ON r.id = a.run_id WHERE r.repository_id = %s AND "
			"r.external_id = '%s' AND j.external_id = '%s'",
			rid, jint(p, "workflow_job", "run_id", n1, sizeof n1) ? n1 : "",
			jint(p, "workflow_job", "id", n2, sizeof n2) ? n2 : "");
	} else if (strcmp(event, "check_suite") == 0 || strcmp(event, "check_run") == 0) {
		bool suite = strcmp(event, "check_suite") == 0;
		expect_rows(
			url, what,
			"SELECT count(*) FROM %s WHERE repository_id = %s AND github_id = %s AND "
			"status IS NOT NULL",
			suite ? "check_suites" : "check_runs", rid,
			jint(p, event, "id", n1, sizeof n1) ? n1 : "NULL");
	} else if (strcmp(event, "release") == 0) {
		lit(a, sizeof a, jstr(p, "action", NULL));
		lit(b, sizeof b, jstr(p, "release", "tag_name"));
		expect_rows(
			url, what,
			"SELECT count(*) FROM releases WHERE repository_id = %s AND github_id = %s "
			"AND tag_name = %s",
			rid, jint(p, "release", "id", n1, sizeof n1) ? n1 : "NULL", b);
		expect_rows(url, what,
			    "SELECT count(*) FROM events WHERE kind = 'release.' || %s AND "
			    "payload->>'tag' = %s",
			    a, b);
	} else if (strcmp(event, "registry_package") == 0 || strcmp(event, "package") == 0) {
		const json_t *pv = json_object_get(json_object_get(p, event), "package_version");
		const json_t *tag =
			json_object_get(json_object_get(pv, "container_metadata"), "tag");
		lit(a, sizeof a, jstr(pv, "version", NULL));
		lit(b, sizeof b, jstr(tag, "name", NULL));
		expect_rows(url, what,
			    "SELECT count(*) FROM artifacts WHERE source = 'github' AND "
			    "repository_id = %s AND version IN (%s, %s)",
			    rid, a, b);
	} else if (strcmp(event, "deployment") == 0) {
		expect_rows(url, what,
			    "SELECT count(*) FROM github_deployments WHERE repository_id = %s AND "
			    "github_id = %s",
			    rid, jint(p, "deployment", "id", n1, sizeof n1) ? n1 : "NULL");
	} else if (strcmp(event, "deployment_status") == 0) {
		/* a status is immutable: the examples reuse one status id with two
		 * states, so the state is the first one's (test_github_events.c) */
		expect_rows(
			url, what,
			"SELECT count(*) FROM github_deployment_statuses WHERE repository_id = %s "
			"AND github_id = %s AND deployment_github_id = %s AND state <> ''",
			rid, jint(p, "deployment_status", "id", n1, sizeof n1) ? n1 : "NULL",
			jint(p, "deployment", "id", n2, sizeof n2) ? n2 : "NULL");
	} else {
		/* an event shiplog does not use: stored, nothing else */
		expect_rows(url, what,
			    "SELECT count(*) FROM deliveries WHERE id = %ld AND status = 'ignored'",
			    row);
	}
}

/* ---- the manifest ---- */

struct manifest_row {
	char file[256];
	char event[64];
	char action[64];
	long bytes;
	char sha_prefix[65];
};

/* Splits a tab-separated line into at most n fields (in place). */
static size_t split_tabs(char *line, char **fields, size_t n)
{
	size_t k = 0;
	char *p = line;
	while (k < n) {
		fields[k++] = p;
		char *t = strchr(p, '\t');
		if (!t)
			break;
		*t = '\0';
		p = t + 1;
	}
	return k;
}

static size_t read_manifest(struct manifest_row *rows, size_t max)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/github/MANIFEST.tsv", SHIPLOG_FIXTURES);
	size_t len = 0;
	char *text = itest_read_file(path, &len);
	if (!text)
		fail_msg("%s is missing", path);
	size_t count = 0;
	char *save = NULL;
	bool header = true;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t l = strlen(line);
		if (l && line[l - 1] == '\r')
			line[l - 1] = '\0';
		if (header) { /* file, X-GitHub-Event, action, bytes, sha256, source */
			assert_non_null(strstr(line, "X-GitHub-Event"));
			header = false;
			continue;
		}
		if (!*line)
			continue;
		char *f[6];
		if (split_tabs(line, f, 6) != 6)
			fail_msg("MANIFEST.tsv: malformed line %zu", count + 2);
		if (count >= max)
			fail_msg("MANIFEST.tsv: more than %zu rows", max);
		struct manifest_row *r = &rows[count++];
		snprintf(r->file, sizeof r->file, "%s", f[0]);
		snprintf(r->event, sizeof r->event, "%s", f[1]);
		snprintf(r->action, sizeof r->action, "%s", f[2]);
		r->bytes = strtol(f[3], NULL, 10);
		snprintf(r->sha_prefix, sizeof r->sha_prefix, "%s", f[4]);
	}
	free(text);
	return count;
}

static void every_manifest_fixture_goes_through_the_endpoint(void **state)
{
	(void)state;
	static struct manifest_row rows[512];
	size_t n = read_manifest(rows, 512);
	assert_true(n >= 41); /* the shared set had 41 when this was written */

	/* every .json beside the manifest is in it */
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/github", SHIPLOG_FIXTURES);
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0)
			continue;
		bool listed = false;
		for (size_t i = 0; i < n && !listed; i++)
			listed = strcmp(rows[i].file, e->d_name) == 0;
		if (!listed)
			fail_msg("%s/%s is not listed in MANIFEST.tsv", dir, e->d_name);
	}
	closedir(d);

	size_t seen_events = 0;
	const char *seen[64] = {0};
	for (size_t i = 0; i < n; i++) {
		const struct manifest_row *m = &rows[i];
		char path[1024];
		snprintf(path, sizeof path, "%s/github/%.255s", SHIPLOG_FIXTURES, m->file);
		size_t len = 0;
		char *body = itest_read_file(path, &len);
		if (!body)
			fail_msg("%s is listed in MANIFEST.tsv but missing", path);
		/* the copy is byte-exact: the manifest's size and sha256 prefix */
		unsigned char sha[32];
		char hex[65];
		crypto_sha256(body, len, sha);
		crypto_hex(sha, sizeof sha, hex);
		if ((long)len != m->bytes ||
		    strncmp(hex, m->sha_prefix, strlen(m->sha_prefix)) != 0)
			fail_msg("%s: %zu bytes sha256 %s; MANIFEST.tsv says %ld bytes sha256 %s…",
				 m->file, len, hex, m->bytes, m->sha_prefix);

		char id[64];
		struct itest_response r;
		gh_send_raw(&server, m->event, gh_delivery_id(id, sizeof id), ITEST_GITHUB_SECRET,
			    NULL, body, len, &r);
		bool used = event_used(m->event);
		long want = used ? 200 : 202;
		if (r.status != want)
			fail_msg("%s (X-GitHub-Event: %s): expected %ld, got %ld: %.*s", m->file,
				 m->event, want, r.status, (int)r.body_len, r.body ? r.body : "");
		assert_non_null(r.json);
		assert_string_equal(json_string_value(json_object_get(r.json, "status")),
				    used ? "processed" : "ignored");
		long row = (long)json_integer_value(json_object_get(r.json, "delivery"));
		itest_response_free(&r);

		assert_delivery_row(db_url, row, m->file, m->event, m->action, "valid",
				    used ? "processed" : "ignored", body, len);
		json_error_t err;
		json_t *p = json_loadb(body, len, JSON_ALLOW_NUL, &err);
		if (!p)
			fail_msg("%s: %s", m->file, err.text);
		assert_effect(db_url, m->file, m->event, row, p);
		json_decref(p);
		free(body);

		bool dup = false;
		for (size_t k = 0; k < seen_events; k++)
			dup = dup || strcmp(seen[k], m->event) == 0;
		if (!dup && seen_events < 64)
			seen[seen_events++] = m->event;
	}
	/* the manifest covers every event used but delete */
	for (const char *const *ev = used_events; *ev; ev++) {
		bool found = false;
		for (size_t k = 0; k < seen_events; k++)
			found = found || strcmp(seen[k], *ev) == 0;
		if (!found && strcmp(*ev, "delete") != 0)
			fail_msg("no fixture in MANIFEST.tsv for the %s event", *ev);
	}
	/* nothing failed along the way */
	assert_int_equal(
		sqll(db_url, "SELECT count(*) FROM deliveries WHERE status <> 'processed'"), 0);
}

/* ---- captured 2019 deliveries ---- */

/* Reads "name <spaces/tab> value" lines; copies the value of `name`. */
static bool captured_header(const char *text, const char *name, char *out, size_t size)
{
	size_t nl = strlen(name);
	const char *line = text;
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t ll = end ? (size_t)(end - line) : strlen(line);
		if (ll > nl && strncasecmp(line, name, nl) == 0 &&
		    (line[nl] == ' ' || line[nl] == '\t')) {
			const char *v = line + nl;
			while (v < line + ll && (*v == ' ' || *v == '\t'))
				v++;
			size_t vl = (size_t)(line + ll - v);
			while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
				vl--;
			snprintf(out, size, "%.*s", (int)vl, v);
			return true;
		}
		line = end ? end + 1 : NULL;
	}
	return false;
}

static void captured_deliveries_unsigned_are_processed_without_a_secret(void **state)
{
	(void)state;
	char url[512];
	itest_db_create("ghcaptured", url, sizeof url);
	struct itest_server open_server;
	itest_server_start(&open_server, url, NULL); /* no webhook secret configured */

	char dir[1024];
	snprintf(dir, sizeof dir, "%s/github/captured", SHIPLOG_FIXTURES);
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	int sent = 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0)
			continue;
		char base[256], path[1300], hpath[1400];
		snprintf(base, sizeof base, "%.*s", (int)(l - 5), e->d_name);
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		size_t hlen = 0, len = 0;
		snprintf(hpath, sizeof hpath, "%s/%s-headers.txt", dir, base);
		char *htext = itest_read_file(hpath, &hlen);
		if (!htext) {
			snprintf(hpath, sizeof hpath, "%s/%s-header.txt", dir, base);
			htext = itest_read_file(hpath, &hlen);
		}
		if (!htext)
			fail_msg("%s has no -headers.txt / -header.txt beside it", path);
		char event[64], delivery[128], ctype[128], agent[128];
		assert_true(captured_header(htext, "x-github-event", event, sizeof event));
		assert_true(captured_header(htext, "x-github-delivery", delivery, sizeof delivery));
		assert_true(captured_header(htext, "content-type", ctype, sizeof ctype));
		if (!captured_header(htext, "user-agent", agent, sizeof agent))
			snprintf(agent, sizeof agent, "GitHub-Hookshot/captured");
		free(htext);
		char *body = itest_read_file(path, &len);
		assert_non_null(body);

		char h1[128], h2[200], h3[200], h4[200];
		snprintf(h1, sizeof h1, "X-GitHub-Event: %s", event);
		snprintf(h2, sizeof h2, "X-GitHub-Delivery: %s", delivery);
		snprintf(h3, sizeof h3, "Content-Type: %s", ctype);
		snprintf(h4, sizeof h4, "User-Agent: %s", agent);
		const char *headers[] = {h1, h2, h3, h4, NULL};
		struct itest_response r;
		itest_http(&open_server, "POST", "/webhooks/github", headers, body, len, &r);
		if (r.status != 200)
			fail_msg("%s: expected 200, got %ld: %.*s", e->d_name, r.status,
				 (int)r.body_len, r.body ? r.body : "");
		assert_string_equal(json_string_value(json_object_get(r.json, "status")),
				    "processed");
		long row = (long)json_integer_value(json_object_get(r.json, "delivery"));
		itest_response_free(&r);

		json_error_t err;
		json_t *p = json_loadb(body, len, JSON_ALLOW_NUL, &err);
		if (!p)
			fail_msg("%s: %s", e->d_name, err.text);
		const char *action = jstr(p, "action", NULL);
		assert_delivery_row(url, row, e->d_name, event, action ? action : "",
				    "not-configured", "processed", body, len);
		/* stored under the delivery id it arrived with, headers kept */
		char lit_id[300];
		lit(lit_id, sizeof lit_id, delivery);
		assert_int_equal(
			sqll(url,
			     "SELECT count(*) FROM deliveries WHERE id = %ld AND delivery_id = %s "
			     "AND headers->>'x-github-delivery' = %s AND "
			     "headers->>'x-github-event' = '%s'",
			     row, lit_id, lit_id, event),
			1);
		assert_effect(url, e->d_name, event, row, p);
		json_decref(p);
		free(body);
		sent++;
	}
	closedir(d);
	assert_true(sent >= 3); /* ping, pull_request closed+merged, pushes */
	assert_int_equal(itest_server_stop(&open_server), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_manifest_fixture_goes_through_the_endpoint),
		cmocka_unit_test(captured_deliveries_unsigned_are_processed_without_a_secret),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
