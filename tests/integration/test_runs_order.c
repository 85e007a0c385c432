/*
 * test_runs_order.c — ORDER INDEPENDENCE of runs, attempts and jobs: the
 * same events delivered in any order leave the same run behind.
 *
 * (a) one run and one job, each queued / in_progress / completed: all 720
 *     orders of the 6 events, each order on its own run id and job id;
 * (b) a run with 2 attempts of 3 jobs each (24 events): 200 orders drawn
 *     with a fixed seed.
 * Each order's final GET /api/v1/runs/{id} — without the ids and URLs that
 * carry the rewritten ids — must equal the first order's, and that one must
 * be the story's true end.  The payloads are the real fixtures with only
 * ids, attempts, times, repository and branch rewritten to tell one story.
 *
 * To stay fast under ASan, orders are sent by a few threads, each with one
 * keep-alive libcurl handle (different orders touch different runs).
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "github_send.h"
#include "itest.h"
#include "shiplog/crypto.h"

static struct itest_server server;
static char db_url[512];

#define WORKERS 4
#define RUN_SENTINEL "777000111"
#define JOB_SENTINEL "77700022" /* + one digit: the job's index */

static int group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	itest_db_create("runs_order", db_url, sizeof db_url);
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

/* ---- the story's payloads, with sentinel ids ---- */

struct event_tpl {
	const char *event; /* X-GitHub-Event */
	char *body;        /* with RUN_SENTINEL / JOB_SENTINEL<k> for the ids */
};

static void set_s(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, v ? json_string(v) : json_null());
}

static void repo_of_story(json_t *p, const char *repo)
{
	json_t *r = json_object_get(p, "repository");
	set_s(r, "full_name", repo);
	set_s(r, "default_branch", "main");
}

/* "+<seconds>" after the story's start, as RFC 3339. */
static const char *at(int seconds, char buf[32])
{
	int h = 10 + seconds / 3600, m = (seconds / 60) % 60, s = seconds % 60;
	snprintf(buf, 32, "2024-03-01T%02d:%02d:%02dZ", h, m, s);
	return buf;
}

static char *dump_with_sentinels(json_t *p)
{
	char *text = json_dumps(p, JSON_COMPACT);
	assert_non_null(text);
	json_decref(p);
	return text;
}

static char *run_event(const char *repo, int attempt, const char *status, const char *conclusion,
		       int created, int started, int updated)
{
	static const char *const fixtures[] = {"workflow_run.requested.json",
					       "workflow_run.in_progress.json",
					       "workflow_run.completed.json"};
	int which = !strcmp(status, "queued") ? 0 : !strcmp(status, "in_progress") ? 1 : 2;
	json_t *p = gh_load_fixture(fixtures[which]);
	repo_of_story(p, repo);
	json_t *wr = json_object_get(p, "workflow_run");
	json_object_set_new(wr, "id", json_integer(atoll(RUN_SENTINEL)));
	json_object_set_new(wr, "run_attempt", json_integer(attempt));
	set_s(wr, "status", status);
	set_s(wr, "conclusion", conclusion);
	char b[32];
	set_s(wr, "created_at", at(created, b));
	set_s(wr, "run_started_at", at(started, b));
	set_s(wr, "updated_at", at(updated, b));
	set_s(wr, "head_branch", "main");
	set_s(wr, "html_url", "https://github.com/acme/order/actions/runs/" RUN_SENTINEL);
	return dump_with_sentinels(p);
}

static char *job_event(const char *repo, int attempt, int job, const char *name,
		       const char *status, const char *conclusion, int created, int started,
		       int completed)
{
	const char *fixture = !strcmp(status, "queued")	? "workflow_job.queued.json"
			      : !strcmp(status, "in_progress") ? "workflow_job.in_progress.json"
			      : !strcmp(conclusion, "failure") ? "workflow_job.completed.failure.json"
							       : "workflow_job.completed.success.json";
	json_t *p = gh_load_fixture(fixture);
	repo_of_story(p, repo);
	json_t *wj = json_object_get(p, "workflow_job");
	char id[32], url[160], b[32];
	snprintf(id, sizeof id, JOB_SENTINEL "%d", job);
	json_object_set_new(wj, "id", json_integer(atoll(id)));
	json_object_set_new(wj, "run_id", json_integer(atoll(RUN_SENTINEL)));
	json_object_set_new(wj, "run_attempt", json_integer(attempt));
	set_s(wj, "name", name);
	set_s(wj, "status", status);
	set_s(wj, "conclusion", conclusion);
	set_s(wj, "created_at", at(created, b));
	/* GitHub fills started_at of a queued job with its creation time */
	set_s(wj, "started_at", at(started, b));
	set_s(wj, "completed_at", completed >= 0 ? at(completed, b) : NULL);
	set_s(wj, "head_branch", "main");
	set_s(wj, "head_sha", "3484a3fb816e0859fd6e1cea078d76385ff50625");
	set_s(wj, "workflow_name", "test");
	snprintf(url, sizeof url,
		 "https://github.com/acme/order/actions/runs/" RUN_SENTINEL "/job/" JOB_SENTINEL "%d",
		 job);
	set_s(wj, "html_url", url);
	return dump_with_sentinels(p);
}

/* The events of one job of one attempt: queued, in_progress, completed. */
static void job_story(struct event_tpl *out, const char *repo, int attempt, int job,
		      const char *name, const char *conclusion, int base)
{
	out[0] = (struct event_tpl){"workflow_job",
				    job_event(repo, attempt, job, name, "queued", NULL, base + 20,
					      base + 20, -1)};
	out[1] = (struct event_tpl){"workflow_job",
				    job_event(repo, attempt, job, name, "in_progress", NULL,
					      base + 20, base + 30 + job, -1)};
	out[2] = (struct event_tpl){"workflow_job",
				    job_event(repo, attempt, job, name, "completed", conclusion,
					      base + 20, base + 30 + job, base + 200 + job)};
}

static void run_story(struct event_tpl *out, const char *repo, int attempt,
		      const char *conclusion, int base)
{
	/* created_at stays the run's; run_started_at is the attempt's */
	out[0] = (struct event_tpl){"workflow_run",
				    run_event(repo, attempt, "queued", NULL, 0, base + 5, base)};
	out[1] = (struct event_tpl){"workflow_run", run_event(repo, attempt, "in_progress", NULL, 0,
							      base + 5, base + 10)};
	out[2] = (struct event_tpl){"workflow_run", run_event(repo, attempt, "completed",
							      conclusion, 0, base + 5, base + 300)};
}

/* ---- sending: one keep-alive handle per worker ---- */

struct buf {
	char *p;
	size_t len;
};

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t add = size * n;
	char *np = realloc(b->p, b->len + add + 1);
	if (!np)
		return 0;
	b->p = np;
	memcpy(b->p + b->len, data, add);
	b->len += add;
	b->p[b->len] = '\0';
	return add;
}

/* Replaces every occurrence of `from` in `text` by `to` (new string). */
static char *replace_all(const char *text, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), count = 0;
	for (const char *q = strstr(text, from); q; q = strstr(q + fl, from))
		count++;
	size_t len = strlen(text) + count * (tl > fl ? tl - fl : 0) + 1;
	char *out = malloc(len);
	char *w = out;
	const char *r = text;
	for (const char *q = strstr(r, from); q; q = strstr(r, from)) {
		memcpy(w, r, (size_t)(q - r));
		w += q - r;
		memcpy(w, to, tl);
		w += tl;
		r = q + fl;
	}
	strcpy(w, r);
	return out;
}

struct sender {
	CURL *curl;
	struct buf body;
	char error[512];
	long bad;
};

static void sender_init(struct sender *s)
{
	memset(s, 0, sizeof *s);
	s->curl = curl_easy_init();
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, &s->body);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
}

static void sender_free(struct sender *s)
{
	curl_easy_cleanup(s->curl);
	free(s->body.p);
}

/* One request; returns the status (0 on a transport error), body in s->body. */
static long sender_do(struct sender *s, const char *method, const char *path,
		      struct curl_slist *headers, const char *body)
{
	char url[512];
	snprintf(url, sizeof url, "%s%s", server.base, path);
	s->body.len = 0;
	if (s->body.p)
		s->body.p[0] = '\0';
	curl_easy_setopt(s->curl, CURLOPT_URL, url);
	curl_easy_setopt(s->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, headers);
	if (body) {
		curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	} else {
		curl_easy_setopt(s->curl, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(s->curl, CURLOPT_CUSTOMREQUEST, NULL);
	}
	long status = 0;
	if (curl_easy_perform(s->curl) == CURLE_OK)
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

static void sender_fail(struct sender *s, const char *what, long status)
{
	if (!s->bad++)
		snprintf(s->error, sizeof s->error, "%s: %ld %.300s", what, status,
			 s->body.p ? s->body.p : "");
}

static void send_event(struct sender *s, const struct event_tpl *e, long run_id,
		       const long *job_ids, int n_jobs, int seq)
{
	char run_text[24];
	snprintf(run_text, sizeof run_text, "%ld", run_id);
	char *body = replace_all(e->body, RUN_SENTINEL, run_text);
	for (int k = 0; k < n_jobs; k++) {
		char from[24], to[24];
		snprintf(from, sizeof from, JOB_SENTINEL "%d", k);
		snprintf(to, sizeof to, "%ld", job_ids[k]);
		char *next = replace_all(body, from, to);
		free(body);
		body = next;
	}
	unsigned char mac[64];
	char hex[129], h_sig[200], h_event[64], h_delivery[96];
	size_t n = crypto_hmac(CRYPTO_SHA256, ITEST_GITHUB_SECRET, strlen(ITEST_GITHUB_SECRET),
			       body, strlen(body), mac);
	crypto_hex(mac, n, hex);
	snprintf(h_sig, sizeof h_sig, "X-Hub-Signature-256: sha256=%s", hex);
	snprintf(h_event, sizeof h_event, "X-GitHub-Event: %s", e->event);
	snprintf(h_delivery, sizeof h_delivery, "X-GitHub-Delivery: order-%d-%ld-%d", (int)getpid(),
		 run_id, seq);
	struct curl_slist *h = NULL;
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	h = curl_slist_append(h, h_sig);
	h = curl_slist_append(h, h_event);
	h = curl_slist_append(h, h_delivery);
	long status = sender_do(s, "POST", "/webhooks/github", h, body);
	if (status != 200 || !strstr(s->body.p ? s->body.p : "", "\"processed\""))
		sender_fail(s, "delivery", status);
	curl_slist_free_all(h);
	free(body);
}

/* The run as GET /api/v1/runs/{id} shows it, without what carries the
 * rewritten ids (id, external_id, url), as canonical text. */
static void strip_ids(json_t *v)
{
	if (json_is_object(v)) {
		json_object_del(v, "id");
		json_object_del(v, "external_id");
		json_object_del(v, "url");
		const char *k;
		json_t *child;
		json_object_foreach(v, k, child)
			strip_ids(child);
	} else if (json_is_array(v)) {
		size_t i;
		json_t *child;
		json_array_foreach(v, i, child)
			strip_ids(child);
	}
}

static char *read_run(struct sender *s, long internal_id)
{
	char path[64];
	snprintf(path, sizeof path, "/api/v1/runs/%ld", internal_id);
	struct curl_slist *h = curl_slist_append(NULL, "Authorization: Bearer " ITEST_ADMIN_TOKEN);
	long status = sender_do(s, "GET", path, h, NULL);
	curl_slist_free_all(h);
	if (status != 200) {
		sender_fail(s, "GET run", status);
		return NULL;
	}
	json_t *j = json_loads(s->body.p, 0, NULL);
	if (!j) {
		sender_fail(s, "GET run (not JSON)", status);
		return NULL;
	}
	strip_ids(j);
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	return text;
}

/* ---- one scenario: orders run by WORKERS threads ---- */

struct scenario {
	const struct event_tpl *events;
	int n_events;
	int n_jobs;
	int n_orders;
	int *orders;   /* n_orders x n_events indexes into events */
	long run_base; /* order k uses run id run_base + k */
	long job_base; /* and job ids job_base + k * 10 + j */
	long *internal_ids;
	char **results;
	atomic_int next;
	int phase; /* 0 send, 1 read */
	pthread_mutex_t lock;
	long bad;
	char error[512];
};

static void *worker(void *arg)
{
	struct scenario *sc = arg;
	struct sender s;
	sender_init(&s);
	for (;;) {
		int k = atomic_fetch_add(&sc->next, 1);
		if (k >= sc->n_orders)
			break;
		if (sc->phase == 0) {
			long jobs[10];
			for (int j = 0; j < sc->n_jobs; j++)
				jobs[j] = sc->job_base + (long)k * 10 + j;
			const int *order = sc->orders + (size_t)k * (size_t)sc->n_events;
			for (int e = 0; e < sc->n_events; e++)
				send_event(&s, &sc->events[order[e]], sc->run_base + k, jobs,
					   sc->n_jobs, e);
		} else {
			sc->results[k] = read_run(&s, sc->internal_ids[k]);
		}
	}
	pthread_mutex_lock(&sc->lock);
	if (s.bad && !sc->bad)
		snprintf(sc->error, sizeof sc->error, "%s", s.error);
	sc->bad += s.bad;
	pthread_mutex_unlock(&sc->lock);
	sender_free(&s);
	return NULL;
}

static void run_phase(struct scenario *sc, int phase)
{
	sc->phase = phase;
	atomic_store(&sc->next, 0);
	pthread_t t[WORKERS];
	for (int i = 0; i < WORKERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, sc), 0);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(t[i], NULL);
	if (sc->bad)
		fail_msg("%ld requests failed; the first: %s", sc->bad, sc->error);
}

/* Delivers every order, reads every run back; returns the first order's
 * final state (parsed) after checking all orders agree with it. */
static json_t *run_scenario(struct scenario *sc, const char *repo)
{
	pthread_mutex_init(&sc->lock, NULL);
	sc->internal_ids = calloc((size_t)sc->n_orders, sizeof *sc->internal_ids);
	sc->results = calloc((size_t)sc->n_orders, sizeof *sc->results);
	run_phase(sc, 0);

	char sql[512];
	snprintf(sql, sizeof sql,
		 "SELECT string_agg(r.external_id || ':' || r.id, ',') FROM runs r"
		 " JOIN repositories rp ON rp.id = r.repository_id WHERE rp.full_name = '%s'",
		 repo);
	char *map = itest_sql(db_url, sql);
	assert_non_null(map);
	int found = 0;
	for (char *tok = strtok(map, ","); tok; tok = strtok(NULL, ",")) {
		long ext = atol(tok), id = atol(strchr(tok, ':') + 1);
		long k = ext - sc->run_base;
		if (k >= 0 && k < sc->n_orders && !sc->internal_ids[k]) {
			sc->internal_ids[k] = id;
			found++;
		}
	}
	free(map);
	assert_int_equal(found, sc->n_orders);
	run_phase(sc, 1);

	int differ = 0, first_diff = -1;
	for (int k = 1; k < sc->n_orders; k++) {
		if (strcmp(sc->results[k], sc->results[0])) {
			if (!differ++)
				first_diff = k;
		}
	}
	if (differ) {
		fprintf(stderr, "order 0:");
		for (int e = 0; e < sc->n_events; e++)
			fprintf(stderr, " %d", sc->orders[e]);
		fprintf(stderr, "\n  %s\norder %d:", sc->results[0], first_diff);
		for (int e = 0; e < sc->n_events; e++)
			fprintf(stderr, " %d", sc->orders[(size_t)first_diff * (size_t)sc->n_events + (size_t)e]);
		fprintf(stderr, "\n  %s\n", sc->results[first_diff]);
		fail_msg("%d of %d orders ended in another state than the first", differ,
			 sc->n_orders);
	}
	json_t *first = json_loads(sc->results[0], 0, NULL);
	for (int k = 0; k < sc->n_orders; k++)
		free(sc->results[k]);
	free(sc->results);
	free(sc->internal_ids);
	pthread_mutex_destroy(&sc->lock);
	return first;
}

/* ---- checking the end of the story ---- */

static json_t *jat(json_t *root, const char *path)
{
	json_t *cur = root;
	const char *p = path;
	while (cur && *p) {
		if (*p == '.') {
			p++;
			continue;
		}
		if (*p == '[') {
			char *end;
			long i = strtol(p + 1, &end, 10);
			cur = json_array_get(cur, (size_t)i);
			p = end + 1;
			continue;
		}
		size_t n = strcspn(p, ".[");
		char key[64];
		snprintf(key, sizeof key, "%.*s", (int)n, p);
		cur = json_object_get(cur, key);
		p += n;
	}
	return cur;
}

static void expect_str(json_t *root, const char *path, const char *want)
{
	json_t *v = jat(root, path);
	if (!json_is_string(v) || strcmp(json_string_value(v), want))
		fail_msg("%s: expected \"%s\", got %s", path, want,
			 json_is_string(v) ? json_string_value(v) : "(not a string)");
}

static void expect_int(json_t *root, const char *path, long long want)
{
	json_t *v = jat(root, path);
	if (!json_is_integer(v) || json_integer_value(v) != want)
		fail_msg("%s: expected %lld", path, want);
}

/* ---- (a) every order of 6 events ---- */

static void all_720_orders_of_one_run_and_one_job_end_the_same(void **state)
{
	(void)state;
	const char *repo = "acme/order-a";
	struct event_tpl ev[6];
	run_story(ev, repo, 1, "success", 0);
	job_story(ev + 3, repo, 1, 0, "build", "success", 0);

	struct scenario sc = {0};
	sc.events = ev;
	sc.n_events = 6;
	sc.n_jobs = 1;
	sc.n_orders = 720;
	sc.run_base = 100000;
	sc.job_base = 5000000;
	sc.orders = malloc(sizeof(int) * 720 * 6);
	/* the k-th permutation in lexicographic order (Lehmer code) */
	for (int k = 0; k < 720; k++) {
		int pool[6] = {0, 1, 2, 3, 4, 5}, left = 6, code = k;
		int fact = 120;
		for (int i = 0; i < 6; i++) {
			int idx = code / fact;
			code %= fact;
			sc.orders[k * 6 + i] = pool[idx];
			memmove(pool + idx, pool + idx + 1, sizeof(int) * (size_t)(left - idx - 1));
			left--;
			if (left)
				fact /= left;
		}
	}
	/* every order is distinct */
	for (int k = 1; k < 720; k++)
		assert_true(memcmp(sc.orders + k * 6, sc.orders + (k - 1) * 6, sizeof(int) * 6));

	json_t *end = run_scenario(&sc, repo);
	/* ... and the state they agree on is the end of the story */
	expect_int(end, "attempt", 1);
	expect_str(end, "status", "completed");
	expect_str(end, "conclusion", "success");
	expect_str(end, "kind", "main");
	expect_str(end, "workflow.name", "test");
	expect_str(end, "created_at", "2024-03-01T10:00:00Z");
	expect_str(end, "queued_at", "2024-03-01T10:00:00Z");
	expect_str(end, "started_at", "2024-03-01T10:00:05Z");
	expect_str(end, "completed_at", "2024-03-01T10:05:00Z");
	expect_str(end, "attempts[0].stages[0].stage", "build");
	expect_str(end, "attempts[0].stages[0].jobs[0].status", "completed");
	expect_str(end, "attempts[0].stages[0].jobs[0].conclusion", "success");
	expect_str(end, "attempts[0].stages[0].jobs[0].queued_at", "2024-03-01T10:00:20Z");
	expect_str(end, "attempts[0].stages[0].jobs[0].started_at", "2024-03-01T10:00:30Z");
	expect_str(end, "attempts[0].stages[0].jobs[0].completed_at", "2024-03-01T10:03:20Z");
	expect_int(end, "attempts[0].stages[0].jobs[0].duration_seconds", 170);
	expect_str(end, "attempts[0].stages[0].jobs[0].runner", "GitHub Actions 5");
	expect_int(end, "attempts[0].stages[0].jobs[0].steps[0].number", 1);
	expect_str(end, "attempts[0].stages[0].jobs[0].steps[0].status", "completed");
	assert_int_equal(json_array_size(jat(end, "attempts[0].stages[0].jobs[0].steps")), 8);
	json_decref(end);
	free(sc.orders);
	for (int i = 0; i < 6; i++)
		free(ev[i].body);
}

/* ---- (b) a sample of orders of 24 events ---- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static void sampled_orders_of_two_attempts_with_three_jobs_end_the_same(void **state)
{
	(void)state;
	const char *repo = "acme/order-b";
	enum { N = 24, ORDERS = 200 };
	struct event_tpl ev[N];
	const char *names[3] = {"lint", "unit-tests", "build"};
	const char *first_try[3] = {"success", "failure", "success"};
	run_story(ev, repo, 1, "failure", 0);
	run_story(ev + 3, repo, 2, "success", 3600);
	for (int j = 0; j < 3; j++) {
		job_story(ev + 6 + j * 3, repo, 1, j, names[j], first_try[j], 0);
		job_story(ev + 15 + j * 3, repo, 2, 3 + j, names[j], "success", 3600);
	}

	struct scenario sc = {0};
	sc.events = ev;
	sc.n_events = N;
	sc.n_jobs = 6;
	sc.n_orders = ORDERS;
	sc.run_base = 200000;
	sc.job_base = 6000000;
	sc.orders = malloc(sizeof(int) * N * ORDERS);
	rng_state = 0x5eed2024c0ffeeULL; /* fixed: the same sample every run */
	for (int k = 0; k < ORDERS; k++) {
		int *o = sc.orders + k * N;
		for (int i = 0; i < N; i++)
			o[i] = i;
		if (k == 0)
			continue; /* order 0: the story as it happened */
		for (int i = N - 1; i > 0; i--) {
			int j = (int)(rng_next() % (uint64_t)(i + 1));
			int t = o[i];
			o[i] = o[j];
			o[j] = t;
		}
	}
	/* the very reverse of the story is in the sample too */
	for (int i = 0; i < N; i++)
		sc.orders[(ORDERS - 1) * N + i] = N - 1 - i;

	json_t *end = run_scenario(&sc, repo);
	expect_int(end, "attempt", 2);
	expect_str(end, "status", "completed");
	expect_str(end, "conclusion", "success");
	expect_str(end, "created_at", "2024-03-01T10:00:00Z");
	expect_str(end, "queued_at", "2024-03-01T11:00:05Z");
	expect_str(end, "started_at", "2024-03-01T11:00:05Z");
	expect_str(end, "completed_at", "2024-03-01T11:05:00Z");
	assert_int_equal(json_array_size(jat(end, "attempts")), 2);
	expect_str(end, "attempts[0].conclusion", "failure");
	expect_str(end, "attempts[0].completed_at", "2024-03-01T10:05:00Z");
	expect_str(end, "attempts[1].conclusion", "success");
	for (int a = 0; a < 2; a++) {
		char path[96];
		snprintf(path, sizeof path, "attempts[%d].stages", a);
		assert_int_equal(json_array_size(jat(end, path)), 3);
		snprintf(path, sizeof path, "attempts[%d].stages[0].stage", a);
		expect_str(end, path, "lint");
		snprintf(path, sizeof path, "attempts[%d].stages[1].jobs[0].name", a);
		expect_str(end, path, "unit-tests");
		snprintf(path, sizeof path, "attempts[%d].stages[1].jobs[0].conclusion", a);
		expect_str(end, path, a == 0 ? "failure" : "success");
		snprintf(path, sizeof path, "attempts[%d].stages[2].jobs[0].status", a);
		expect_str(end, path, "completed");
	}
	json_decref(end);
	free(sc.orders);
	for (int i = 0; i < N; i++)
		free(ev[i].body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(all_720_orders_of_one_run_and_one_job_end_the_same),
		cmocka_unit_test(sampled_orders_of_two_attempts_with_three_jobs_end_the_same),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
