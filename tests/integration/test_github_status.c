/*
 * test_github_status.c — the shiplog/readiness commit status through the
 * story of two release candidates, against a local stub of GitHub's
 * statuses endpoint (support/http_sink.c on 127.0.0.1, mounted under
 * /api/v3 as on GitHub Enterprise Server).
 *
 * Everything is caused through the REST API (an RC cut, CI reports,
 * a staging deployment, feedback, state changes) with "now" pinned by
 * SHIPLOG_NOW.  At each step the stub must receive exactly one new status
 * for the RC's commit, with the state and description readiness implies:
 * pending with the first failed gate's reason (else the first pending
 * one's), success "Ready" when every gate passed, failure when rejected,
 * success "Released" once released — and a status GitHub refuses with a 502
 * is retried.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "http_sink.h"
#include "itest.h"

#define REPO	 "itest/ghstatus"
#define NOW	 "2026-04-01T12:00:00Z"
#define TOKEN	 "itest-gh-token-0123456789"
#define SHA1	 "0101010101010101010101010101010101010101"
#define SHA2	 "0202020202020202020202020202020202020202"
#define SHA3	 "0303030303030303030303030303030303030303"
#define STATUSES "/api/v3/repos/" REPO "/statuses/"

static struct itest_server server;
static struct http_sink *github;
static char db_url[512];
static char config_path[256];
static char *ci, *sales;

static const char config_text[] = "server: {base_url: \"http://shiplog.test\"}\n"
				  "repositories: [{name: " REPO "}]\n"
				  "environments: [{name: staging, tier: staging}]\n"
				  "teams: [{name: sales, members: [\"*@sales.example.com\"]}]\n"
				  "releases:\n"
				  "  gates:\n"
				  "    staging: {soak: 30m}\n"
				  "    approvals: [{team: sales, min: 1}]\n"
				  "notifications:\n"
				  "  base_backoff_seconds: 0.2\n"
				  "  timeout_seconds: 5\n"
				  "  github_status:\n"
				  "    token_env: ITEST_GH_TOKEN\n"
				  "    api_url: \"http://127.0.0.1:%u/api/v3/\"\n";

static char *token_for(const char *owner, const char *scopes)
{
	char body[300];
	snprintf(body, sizeof body, "{\"name\":\"t\",\"owner\":\"%s\",\"scopes\":[%s]}", owner,
		 scopes);
	struct itest_response r;
	itest_json(&server, "POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN, body, &r);
	assert_int_equal(r.status, 201);
	char *t = strdup(json_string_value(json_object_get(r.json, "token")));
	itest_response_free(&r);
	return t;
}

static int group_setup(void **state)
{
	(void)state;
	github = http_sink_start();
	/* GitHub answers 201 Created */
	http_sink_script(github, STATUSES SHA1, NULL, 0, 201);
	static const int flaky[] = {502};
	http_sink_script(github, STATUSES SHA2, flaky, 1, 201);
	http_sink_script(github, STATUSES SHA3, NULL, 0, 201);
	itest_db_create("ghstatus", db_url, sizeof db_url);
	snprintf(config_path, sizeof config_path, "/tmp/shiplog-ghstatus-%d.yaml", (int)getpid());
	FILE *f = fopen(config_path, "w");
	assert_non_null(f);
	fprintf(f, config_text, http_sink_port(github));
	fclose(f);
	char cfg_env[300];
	snprintf(cfg_env, sizeof cfg_env, "SHIPLOG_CONFIG=%s", config_path);
	const char *env[] = {"SHIPLOG_NOW=" NOW, "ITEST_GH_TOKEN=" TOKEN, cfg_env, NULL};
	itest_server_start(&server, db_url, env);
	ci = token_for("release-bot", "\"ci\"");
	sales = token_for("sam@sales.example.com", "\"feedback\"");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(ci);
	free(sales);
	unlink(config_path);
	assert_int_equal(itest_server_stop(&server), 0);
	http_sink_stop(github);
	return 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static json_t *call(const char *method, const char *path, const char *token, const char *body,
		    long want, struct itest_response *r)
{
	if (body)
		itest_json(&server, method, path, token, body, r);
	else
		itest_get(&server, path, token, r);
	if (r->status != want)
		fail_msg("%s %s answered %ld, expected %ld: %s", method, path, r->status, want,
			 r->body ? r->body : "");
	return r->json;
}

__attribute__((format(printf, 4, 5))) static void ok(const char *method, const char *path,
						     const char *token, const char *fmt, ...)
{
	char body[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(body, sizeof body, fmt, ap);
	va_end(ap);
	struct itest_response r;
	itest_json(&server, method, path, token, body, &r);
	if (r.status != 200 && r.status != 201)
		fail_msg("%s %s answered %ld: %s", method, path, r.status, r.body ? r.body : "");
	itest_response_free(&r);
}

static long cut(const char *version, const char *sha)
{
	struct itest_response r;
	char body[300];
	snprintf(body, sizeof body,
		 "{\"version\":\"%s\",\"repository\":\"" REPO "\",\"commit\":\"%s\"}", version,
		 sha);
	call("POST", "/api/v1/release-candidates", ci, body, 201, &r);
	long id = (long)json_integer_value(json_object_get(r.json, "id"));
	itest_response_free(&r);
	return id;
}

/* A CI report for `sha`: a required build job and a required smoke job. */
static void report_ci(const char *sha, int attempt, const char *build)
{
	ok("POST", "/api/v1/runs", ci,
	   "{\"repository\":\"" REPO "\",\"provider\":\"buildkite\",\"external_id\":\"bk-%.8s\","
	   "\"attempt\":%d,\"workflow\":\"pipeline\",\"sha\":\"%s\",\"status\":\"completed\","
	   "\"conclusion\":\"%s\",\"jobs\":[{\"name\":\"build\",\"status\":\"completed\","
	   "\"conclusion\":\"%s\",\"stage\":\"build\",\"required\":true},{\"name\":\"smoke\","
	   "\"status\":\"completed\",\"conclusion\":\"success\",\"stage\":\"e2e\","
	   "\"required\":true}]}",
	   sha, attempt, sha, build, build);
}

/* What the status should be now, from the readiness endpoint: state,
 * description, and which gate the description comes from ("" when ready). */
static void expected(long id, char *state, char *description, char *gate)
{
	char path[128];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/readiness", id);
	struct itest_response r;
	call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	const char *verdict = json_string_value(json_object_get(r.json, "verdict"));
	gate[0] = '\0';
	if (!strcmp(verdict, "ready")) {
		strcpy(state, "success");
		strcpy(description, "Ready");
	} else {
		strcpy(state, "pending");
		static const char *const order[] = {"failed", "pending"};
		for (int k = 0; k < 2 && !gate[0]; k++) {
			size_t i;
			json_t *g;
			json_array_foreach(json_object_get(r.json, "gates"), i, g) {
				if (strcmp(json_string_value(json_object_get(g, "status")),
					   order[k]))
					continue;
				strcpy(gate, json_string_value(json_object_get(g, "gate")));
				snprintf(description, 600, "%s",
					 json_string_value(json_object_get(g, "reason")));
				break;
			}
		}
	}
	itest_response_free(&r);
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* Waits for the next status on `sha` (beyond *seen) and checks it. */
static void expect_status(const char *sha, size_t *seen, long rc_id, const char *state,
			  const char *description)
{
	char path[200];
	snprintf(path, sizeof path, STATUSES "%s", sha);
	size_t ok_at = 0;
	/* a status refused with 502 comes again: count only the 2xx ones */
	for (int waited = 0;; waited += 50) {
		size_t n = http_sink_count(github, path), good = 0;
		struct http_sink_request req;
		for (size_t i = 0; i < n && http_sink_get(github, path, i, &req); i++) {
			if (req.answered >= 200 && req.answered < 300 && ++good == *seen + 1)
				ok_at = i;
			http_sink_request_free(&req);
		}
		if (good > *seen)
			break;
		if (waited > 15000)
			fail_msg("no new status on %s (expected %s \"%s\")", sha, state,
				 description);
		sleep_ms(50);
	}
	struct http_sink_request req;
	assert_true(http_sink_get(github, path, ok_at, &req));
	assert_string_equal(req.method, "POST");
	char h[300];
	assert_true(http_sink_header(&req, "Authorization", h, sizeof h));
	assert_string_equal(h, "Bearer " TOKEN);
	assert_true(http_sink_header(&req, "Accept", h, sizeof h));
	assert_string_equal(h, "application/vnd.github+json");
	assert_non_null(req.json);
	const char *got_state = json_string_value(json_object_get(req.json, "state"));
	const char *got_desc = json_string_value(json_object_get(req.json, "description"));
	if (!got_state || !got_desc || strcmp(got_state, state) || strcmp(got_desc, description))
		fail_msg("status %s \"%s\", expected %s \"%s\"", got_state ? got_state : "(none)",
			 got_desc ? got_desc : "(none)", state, description);
	assert_true(utf8_chars(got_desc) <= 140);
	assert_string_equal(json_string_value(json_object_get(req.json, "context")),
			    "shiplog/readiness");
	char target[128];
	snprintf(target, sizeof target, "http://shiplog.test/release-candidates/%ld", rc_id);
	assert_string_equal(json_string_value(json_object_get(req.json, "target_url")), target);
	http_sink_request_free(&req);
	(*seen)++;
}

/* Waits until no GitHub status message is waiting or being sent: a status
 * is computed when it is sent, so messages queued before the last change
 * may still post that change's status once more (then nothing is due). */
static void wait_outbox_idle(void)
{
	for (int waited = 0;; waited += 50) {
		size_t busy = 0;
		const char *const statuses[] = {"pending", "in_flight"};
		for (size_t i = 0; i < 2; i++) {
			char path[160];
			snprintf(path, sizeof path,
				 "/api/v1/notifications?sink=github_status&status=%s&limit=200",
				 statuses[i]);
			struct itest_response r;
			call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
			busy += json_array_size(json_object_get(r.json, "items"));
			itest_response_free(&r);
		}
		if (!busy)
			return;
		if (waited > 15000)
			fail_msg("GitHub status messages still due after 15 s");
		sleep_ms(50);
	}
}

static size_t good_posts(const char *sha)
{
	char path[200];
	snprintf(path, sizeof path, STATUSES "%s", sha);
	size_t good = 0;
	struct http_sink_request req;
	for (size_t i = 0; http_sink_get(github, path, i, &req); i++) {
		good += req.answered >= 200 && req.answered < 300;
		http_sink_request_free(&req);
	}
	return good;
}

/* The status now expected for `id`, with the gate it comes from checked. */
static void step(long id, const char *sha, size_t *seen, const char *want_state,
		 const char *want_gate)
{
	char state[16], description[600], gate[32];
	expected(id, state, description, gate);
	assert_string_equal(state, want_state);
	assert_string_equal(gate, want_gate);
	expect_status(sha, seen, id, state, description);
}

/* GitHub never got the same status twice in a row for `sha`. */
static void assert_no_status_repeated(const char *sha)
{
	char path[200], last[800] = "", now[800];
	snprintf(path, sizeof path, STATUSES "%s", sha);
	struct http_sink_request req;
	for (size_t i = 0; http_sink_get(github, path, i, &req); i++) {
		if (req.answered >= 200 && req.answered < 300) {
			snprintf(now, sizeof now, "%s|%s|%s",
				 json_string_value(json_object_get(req.json, "state")),
				 json_string_value(json_object_get(req.json, "description")),
				 json_string_value(json_object_get(req.json, "target_url")));
			if (!strcmp(now, last))
				fail_msg("%s got the same status twice in a row: %s", sha, now);
			snprintf(last, sizeof last, "%s", now);
		}
		http_sink_request_free(&req);
	}
}

/* Queues GitHub status messages for RC `id` as the readiness watcher does,
 * each with the state of some earlier moment: a message posts the RC's
 * status as it is when sent. `n` rows in one statement: one batch. */
static void queue_status_messages(long id, const char *sha, const char *tag, int n)
{
	char *out = itest_sqlf(
		db_url,
		"INSERT INTO notifications (sink, sink_type, kind, dedupe_key, entity_type,"
		" entity_id, data) SELECT 'github_status', 'github_status', 'github_status',"
		" 'itest:%s:' || i, 'release_candidate', '%ld', jsonb_build_object('rc_id', %ld,"
		" 'version', 'v1.2.0-rc.1', 'repository', '" REPO "', 'commit', '%s',"
		" 'state', 'pending', 'description', 'an earlier state', 'rc_state', 'draft')"
		" FROM generate_series(1, %d) i",
		tag, id, id, sha, n);
	free(out);
}

static long messages_with(const char *tag, const char *status)
{
	return itest_sql_longf(
		db_url,
		"SELECT count(*) FROM notifications WHERE dedupe_key LIKE 'itest:%s:%%'"
		" AND status = '%s'",
		tag, status);
}

static void a_status_github_already_shows_is_not_posted_again(void **state)
{
	(void)state;
	size_t seen = 0;
	long id = cut("v1.2.0-rc.1", SHA3);
	step(id, SHA3, &seen, "pending", "ci");
	wait_outbox_idle();
	assert_int_equal(good_posts(SHA3), 1);

	/* messages queued before that status was posted: each would post it again */
	queue_status_messages(id, SHA3, "later", 2);
	wait_outbox_idle();
	assert_int_equal(messages_with("later", "superseded"), 2);
	assert_int_equal(good_posts(SHA3), 1);

	/* two of one batch that both would post a status GitHub does not show yet
	 * (what was posted is forgotten here, as before this server kept it): one
	 * posts, the other is not needed */
	free(itest_sqlf(db_url, "DELETE FROM github_status_posted WHERE commit_sha = '%s'", SHA3));
	queue_status_messages(id, SHA3, "batch", 2);
	wait_outbox_idle();
	assert_int_equal(messages_with("batch", "sent"), 1);
	assert_int_equal(messages_with("batch", "superseded"), 1);
	assert_int_equal(good_posts(SHA3), 2);

	/* a real change is posted as before */
	seen = good_posts(SHA3);
	report_ci(SHA3, 1, "success");
	char st[16], description[600], gate[32];
	expected(id, st, description, gate);
	assert_string_not_equal(gate, "ci");
	expect_status(SHA3, &seen, id, st, description);
}

static void the_status_follows_the_readiness_of_an_rc_until_it_is_rejected(void **state)
{
	(void)state;
	size_t seen = 0;
	long id = cut("v1.0.0-rc.1", SHA1);
	/* cut: CI has not reported on its commit yet */
	step(id, SHA1, &seen, "pending", "ci");

	/* CI fails: the failed gate comes first */
	report_ci(SHA1, 1, "failure");
	step(id, SHA1, &seen, "pending", "ci");
	char state_[16], desc[600], gate[32];
	expected(id, state_, desc, gate);
	assert_non_null(strstr(desc, "failed"));

	/* re-run green: now staging waits (not deployed) */
	report_ci(SHA1, 2, "success");
	step(id, SHA1, &seen, "pending", "staging");

	/* deployed an hour ago, healthy since: soaked; sign-off is missing */
	ok("POST", "/api/v1/deployments", ci,
	   "{\"environment\":\"staging\",\"repository\":\"" REPO "\",\"commit\":\"" SHA1 "\","
	   "\"status\":\"success\",\"started_at\":\"2026-04-01T10:55:00Z\","
	   "\"finished_at\":\"2026-04-01T11:00:00Z\"}");
	step(id, SHA1, &seen, "pending", "feedback");

	/* approved by sales: every gate passed */
	char path[128];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback", id);
	ok("POST", path, sales, "{\"verdict\":\"approve\"}");
	step(id, SHA1, &seen, "success", "");

	/* a block: the feedback gate fails */
	ok("POST", path, ITEST_ADMIN_TOKEN,
	   "{\"author\":\"pat@partner.example.com\",\"verdict\":\"block\",\"area\":\"install\","
	   "\"comment\":\"helm install fails on EKS\"}");
	step(id, SHA1, &seen, "pending", "feedback");
	expected(id, state_, desc, gate);
	assert_non_null(strstr(desc, "block"));

	/* rejected: failure, with the reason — cut to GitHub's 140 characters
	 * (this one has 2-byte characters: characters are counted, not bytes) */
	static const char reason[] =
		"helm install fails on EKS 1.29 — the CRDs of the cluster-controller chart are "
		"applied after the controller starts, so its informers crash-loop until the next "
		"reconciliation; see the support ticket for the full log";
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld", id);
	ok("PATCH", path, ci, "{\"state\":\"rejected\",\"reason\":\"%s\"}", reason);
	char want[600];
	snprintf(want, sizeof want, "Rejected: %s", reason);
	/* the first 139 characters, then "…" */
	size_t chars = 0, i = 0;
	for (; want[i]; i++)
		if (((unsigned char)want[i] & 0xC0) != 0x80 && chars++ == 139)
			break;
	snprintf(want + i, sizeof want - i, "\xE2\x80\xA6");
	assert_int_equal(utf8_chars(want), 140);
	expect_status(SHA1, &seen, id, "failure", want);

	/* nothing else was posted for this commit */
	sleep_ms(1000);
	assert_int_equal(good_posts(SHA1), 7);
	assert_int_equal(seen, 7);
	assert_no_status_repeated(SHA1);
}

static void a_refused_status_is_retried_and_a_release_says_so(void **state)
{
	(void)state;
	size_t seen = 0;
	long id = cut("v1.1.0-rc.1", SHA2);
	/* GitHub answers the first post 502: it comes again */
	step(id, SHA2, &seen, "pending", "ci");
	char path[200];
	snprintf(path, sizeof path, STATUSES SHA2);
	assert_int_equal(http_sink_count(github, path), 2);
	/* GitHub has answered; the outbox records that just after: wait for it */
	wait_outbox_idle();
	json_t *items = NULL;
	struct itest_response r;
	call("GET", "/api/v1/notifications?sink=github_status&kind=github_status&status=sent",
	     ITEST_ADMIN_TOKEN, NULL, 200, &r);
	items = json_object_get(r.json, "items");
	json_t *m = json_array_get(items, 0);
	assert_int_equal(itest_int(json_object_get(m, "data"), "rc_id"), id);
	assert_int_equal(json_integer_value(json_object_get(m, "attempt_count")), 2);
	json_t *a0 = json_array_get(json_object_get(m, "attempts"), 0);
	assert_int_equal(json_integer_value(json_object_get(a0, "status_code")), 502);
	json_t *a1 = json_array_get(json_object_get(m, "attempts"), 1);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(a1, "sent"), "state")),
		"pending");
	itest_response_free(&r);

	/* everything green at once, then released */
	report_ci(SHA2, 1, "success");
	ok("POST", "/api/v1/deployments", ci,
	   "{\"environment\":\"staging\",\"repository\":\"" REPO "\",\"commit\":\"" SHA2 "\","
	   "\"status\":\"success\",\"started_at\":\"2026-04-01T11:05:00Z\","
	   "\"finished_at\":\"2026-04-01T11:10:00Z\"}");
	char fpath[128];
	snprintf(fpath, sizeof fpath, "/api/v1/release-candidates/%ld/feedback", id);
	ok("POST", fpath, sales, "{\"verdict\":\"approve\"}");
	/* wait for "Ready" (intermediate statuses may or may not have been posted) */
	for (int waited = 0;; waited += 50) {
		size_t n = http_sink_count(github, path);
		struct http_sink_request req;
		bool ready = n && http_sink_get(github, path, n - 1, &req);
		if (ready) {
			ready = !strcmp(json_string_value(json_object_get(req.json, "state")),
					"success") &&
				req.answered == 201;
			http_sink_request_free(&req);
		}
		if (ready)
			break;
		if (waited > 15000)
			fail_msg("never ready");
		sleep_ms(50);
	}
	wait_outbox_idle();
	seen = good_posts(SHA2);
	char rpath[128];
	snprintf(rpath, sizeof rpath, "/api/v1/release-candidates/%ld", id);
	/* testing and approved change nothing on GitHub; released does */
	ok("PATCH", rpath, ci, "{\"state\":\"testing\"}");
	ok("PATCH", rpath, ci, "{\"state\":\"approved\"}");
	sleep_ms(800);
	assert_int_equal(good_posts(SHA2), seen);
	ok("PATCH", rpath, ci, "{\"state\":\"released\"}");
	expect_status(SHA2, &seen, id, "success", "Released");
	/* the first RC's commit got nothing new */
	assert_int_equal(good_posts(SHA1), 7);
	assert_no_status_repeated(SHA2);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_status_follows_the_readiness_of_an_rc_until_it_is_rejected),
		cmocka_unit_test(a_refused_status_is_retried_and_a_release_says_so),
		cmocka_unit_test(a_status_github_already_shows_is_not_posted_again),
	};
	return cmocka_run_group_tests_name("github commit status", tests, group_setup,
					   group_teardown);
}
