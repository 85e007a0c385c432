/*
 * test_notify.c — outbound notifications, end to end: the real shiplogd
 * sends to a local HTTP test server (support/http_sink.c, 127.0.0.1 only).
 *
 * The changes are made through the real endpoints (the REST API with the
 * admin or a CI token, signed GitHub deliveries); what the sinks receive is
 * read from the test server, and the outbox from GET /api/v1/notifications.
 * Backoff is short here (notifications.base_backoff_seconds: 0.2).
 *
 * Proves: each notification kind reaches the sinks subscribed to it (and
 * only those), signed (X-Signature verifiable with the sink's secret, like
 * Flux's generic-hmac) and with links back to the dashboard; main.broken /
 * main.fixed follow the default branch's workflow health; a sink that fails
 * 3 times then succeeds gets the message once; a dead sink ends in the dead
 * letter with its error visible, and a retry resends it; two replicas never
 * send a message twice; a restart between retries resumes; a sender killed
 * mid-send is replaced once its lease ends; a stop mid-send puts the
 * message back.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "github_send.h"
#include "http_sink.h"
#include "itest.h"
#include "shiplog/crypto.h"

#define REPO	    "itest/notify"
#define BASE	    "http://shiplog.test"
#define HOOK_SECRET "itest-hook-secret"
#define SHA_A	    "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define SHA_B	    "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
#define SHA_C	    "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"

/* ---- one environment: a database, a config file, a test server, servers ---- */

struct env {
	char tag[32];
	char db_url[512];
	char config_path[256];
	struct http_sink *sink;
	struct itest_server srv;
	char *env_text[12]; /* "K=V" strings for the server */
	const char *env[13];
	char *ci;
};

__attribute__((format(printf, 2, 3))) static void env_add(struct env *e, const char *fmt, ...)
{
	size_t i = 0;
	while (e->env_text[i])
		i++;
	assert_true(i < 12);
	va_list ap;
	va_start(ap, fmt);
	assert_true(vasprintf(&e->env_text[i], fmt, ap) > 0);
	va_end(ap);
	e->env[i] = e->env_text[i];
	e->env[i + 1] = NULL;
}

static void env_setup(struct env *e, const char *tag, const char *config)
{
	memset(e, 0, sizeof *e);
	snprintf(e->tag, sizeof e->tag, "%s", tag);
	itest_db_create(tag, e->db_url, sizeof e->db_url);
	snprintf(e->config_path, sizeof e->config_path, "/tmp/shiplog-%s-%d.yaml", tag,
		 (int)getpid());
	FILE *f = fopen(e->config_path, "w");
	assert_non_null(f);
	fputs(config, f);
	fclose(f);
	e->sink = http_sink_start();
	env_add(e, "SHIPLOG_CONFIG=%s", e->config_path);
	env_add(e, "%s", ITEST_GITHUB_SECRET_ENV);
}

static void env_sink_url(struct env *e, const char *var, const char *path)
{
	char url[256];
	env_add(e, "%s=%s", var, http_sink_url(e->sink, path, url, sizeof url));
}

static char *make_token(struct itest_server *s, const char *owner, const char *scopes_json)
{
	char body[300];
	snprintf(body, sizeof body, "{\"name\":\"t\",\"owner\":\"%s\",\"scopes\":%s}", owner,
		 scopes_json);
	struct itest_response r;
	itest_json(s, "POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN, body, &r);
	assert_int_equal(r.status, 201);
	char *t = strdup(json_string_value(json_object_get(r.json, "token")));
	itest_response_free(&r);
	return t;
}

static void env_start(struct env *e)
{
	itest_server_start(&e->srv, e->db_url, e->env);
	e->ci = make_token(&e->srv, "release-bot", "[\"ci\"]");
}

static void env_teardown(struct env *e)
{
	if (e->srv.pid > 0)
		assert_int_equal(itest_server_stop(&e->srv), 0);
	http_sink_stop(e->sink);
	unlink(e->config_path);
	free(e->ci);
	for (size_t i = 0; e->env_text[i]; i++)
		free(e->env_text[i]);
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* ---- API helpers ---- */

static json_t *call(struct itest_server *s, const char *method, const char *path, const char *token,
		    const char *body, long want, struct itest_response *r)
{
	if (body)
		itest_json(s, method, path, token, body, r);
	else if (!strcmp(method, "GET"))
		itest_get(s, path, token, r);
	else
		itest_json(s, method, path, token, NULL, r);
	if (r->status != want)
		fail_msg("%s %s answered %ld, expected %ld: %s", method, path, r->status, want,
			 r->body ? r->body : "");
	return r->json;
}

static void ok(struct itest_server *s, const char *method, const char *path, const char *token,
	       const char *body, long want)
{
	struct itest_response r;
	call(s, method, path, token, body, want, &r);
	itest_response_free(&r);
}

static long cut_rc(struct env *e, const char *version, const char *sha)
{
	char body[400];
	snprintf(body, sizeof body,
		 "{\"version\":\"%s\",\"repository\":\"" REPO "\",\"commit\":\"%s\"}", version,
		 sha);
	struct itest_response r;
	call(&e->srv, "POST", "/api/v1/release-candidates", e->ci, body, 201, &r);
	long id = (long)json_integer_value(json_object_get(r.json, "id"));
	itest_response_free(&r);
	assert_true(id > 0);
	return id;
}

/* The notifications of GET /api/v1/notifications?<query> (new array). */
static json_t *outbox(struct itest_server *s, const char *query)
{
	char path[300];
	snprintf(path, sizeof path, "/api/v1/notifications?limit=200%s%s", query[0] ? "&" : "",
		 query);
	struct itest_response r;
	call(s, "GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	json_t *items = json_incref(json_object_get(r.json, "items"));
	itest_response_free(&r);
	return items;
}

/* Waits until no message is due or being sent: a sink has its request before
 * the sender records the answer, so the outbox is read once that is done. */
static void wait_outbox_settled(struct itest_server *s)
{
	for (int waited = 0;; waited += 50) {
		json_t *pending = outbox(s, "status=pending"), *in_flight = outbox(s, "status=in_flight");
		size_t busy = json_array_size(pending) + json_array_size(in_flight);
		json_decref(pending);
		json_decref(in_flight);
		if (!busy)
			return;
		if (waited > 15000)
			fail_msg("messages still due or in flight after 15 s");
		sleep_ms(50);
	}
}

/* The one message of `sink` about release candidate `rc_id` (new ref). */
static json_t *message_of(struct itest_server *s, const char *sink, long rc_id)
{
	char q[128];
	snprintf(q, sizeof q, "sink=%s", sink);
	json_t *items = outbox(s, q), *found = NULL, *it;
	size_t i;
	json_array_foreach(items, i, it) {
		if (json_integer_value(json_object_get(json_object_get(it, "data"), "rc_id")) ==
		    rc_id) {
			assert_null(found); /* exactly one */
			found = json_incref(it);
		}
	}
	json_decref(items);
	if (!found)
		fail_msg("no %s message about rc %ld", sink, rc_id);
	return found;
}

static const char *sval(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}

/* Waits until the message of `sink` about `rc_id` has `status`; returns it. */
static json_t *wait_message(struct itest_server *s, const char *sink, long rc_id,
			    const char *status, int timeout_ms)
{
	for (int waited = 0;; waited += 100) {
		json_t *m = message_of(s, sink, rc_id);
		if (!strcmp(sval(m, "status"), status))
			return m;
		if (waited >= timeout_ms)
			fail_msg("%s message about rc %ld is %s, expected %s: %s", sink, rc_id,
				 sval(m, "status"), status, json_dumps(m, JSON_COMPACT));
		json_decref(m);
		sleep_ms(100);
	}
}

/* The kinds received on `path`, in arrival order (for messages). */
static char *kinds_received(struct http_sink *sink, const char *path)
{
	static char buf[2048];
	buf[0] = '\0';
	struct http_sink_request req;
	for (size_t i = 0; http_sink_get(sink, path, i, &req); i++) {
		char kind[64];
		http_sink_header(&req, "X-Shiplog-Event", kind, sizeof kind);
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? " " : "", kind);
		http_sink_request_free(&req);
	}
	return buf;
}

static size_t count_kind(struct http_sink *sink, const char *path, const char *kind)
{
	size_t n = 0;
	struct http_sink_request req;
	for (size_t i = 0; http_sink_get(sink, path, i, &req); i++) {
		char k[64];
		http_sink_header(&req, "X-Shiplog-Event", k, sizeof k);
		n += !strcmp(k, kind);
		http_sink_request_free(&req);
	}
	return n;
}

/* Waits until `path` has received `n` messages of `kind`. */
static void wait_kind(struct http_sink *sink, const char *path, const char *kind, size_t n)
{
	for (int waited = 0; count_kind(sink, path, kind) < n; waited += 50) {
		if (waited > 15000)
			fail_msg("%s: expected %zu %s, got: %s", path, n, kind,
				 kinds_received(sink, path));
		sleep_ms(50);
	}
}

/* The last request on `path` whose X-Shiplog-Event is `kind`. */
static void last_of_kind(struct http_sink *sink, const char *path, const char *kind,
			 struct http_sink_request *out)
{
	struct http_sink_request req;
	bool found = false;
	for (size_t i = 0; http_sink_get(sink, path, i, &req); i++) {
		char k[64];
		http_sink_header(&req, "X-Shiplog-Event", k, sizeof k);
		if (!strcmp(k, kind)) {
			if (found)
				http_sink_request_free(out);
			*out = req;
			found = true;
		} else {
			http_sink_request_free(&req);
		}
	}
	if (!found)
		fail_msg("%s: no %s received", path, kind);
}

/* ---- 1. every kind, to its subscribers, signed and linked ---- */

static const char events_config[] =
	"server: {base_url: \"" BASE "/\"}\n"
	"repositories: [{name: " REPO ", default_branch: main}]\n"
	"environments: [{name: staging, tier: staging}]\n"
	"teams: [{name: sales, members: [\"*@sales.example.com\"]}]\n"
	"notifications:\n"
	"  base_backoff_seconds: 0.2\n"
	"  timeout_seconds: 5\n"
	"  sinks:\n"
	"    - name: hooks\n"
	"      type: webhook\n"
	"      url_env: ITEST_HOOKS_URL\n"
	"      secret_env: ITEST_HOOKS_SECRET\n"
	"      events: [rc.cut, rc.ready, rc.blocked, rc.released, rc.overridden, main.broken,\n"
	"               main.fixed, deployment.failed, feedback.new]\n"
	"    - {name: chat, type: slack, url_env: ITEST_CHAT_URL, events: [rc.cut, main.broken]}\n";

static struct env ev;

static int events_setup(void **state)
{
	(void)state;
	env_setup(&ev, "notifyev", events_config);
	env_sink_url(&ev, "ITEST_HOOKS_URL", "/hooks");
	env_sink_url(&ev, "ITEST_CHAT_URL", "/chat");
	env_add(&ev, "ITEST_HOOKS_SECRET=" HOOK_SECRET);
	env_start(&ev);
	return 0;
}

static int events_teardown(void **state)
{
	(void)state;
	env_teardown(&ev);
	return 0;
}

/* A deployment of SHA_C to staging reported by "another deployer". */
static void deploy(const char *token, const char *status, const char *finished, long want)
{
	char body[400];
	snprintf(body, sizeof body,
		 "{\"environment\":\"staging\",\"repository\":\"" REPO "\",\"commit\":\"" SHA_C
		 "\",\"status\":\"%s\",\"started_at\":\"2026-04-01T10:00:00Z\","
		 "\"finished_at\":\"%s\"}",
		 status, finished);
	ok(&ev.srv, "POST", "/api/v1/deployments", token, body, want);
}

static void each_change_reaches_its_subscribers_signed_and_linked(void **state)
{
	(void)state;
	struct http_sink *sink = ev.sink;
	long rc1 = cut_rc(&ev, "v1.0.0-rc.1", SHA_A);
	wait_kind(sink, "/hooks", "rc.cut", 1);
	wait_kind(sink, "/chat", "rc.cut", 1);

	/* the generic webhook: the envelope, signed over the exact body */
	struct http_sink_request req;
	last_of_kind(sink, "/hooks", "rc.cut", &req);
	char sig[200], delivery[64], link[128];
	assert_true(http_sink_header(&req, "X-Signature", sig, sizeof sig));
	assert_true(
		crypto_verify_signature_header(sig, HOOK_SECRET, req.body, req.body_len, false));
	assert_false(crypto_verify_signature_header(sig, "another-secret", req.body, req.body_len,
						    false));
	req.body[req.body_len / 2] ^= 1; /* one bit of the body changed: refused */
	assert_false(
		crypto_verify_signature_header(sig, HOOK_SECRET, req.body, req.body_len, false));
	assert_true(http_sink_header(&req, "X-Shiplog-Delivery", delivery, sizeof delivery));
	assert_non_null(req.json);
	assert_string_equal(req.method, "POST");
	assert_string_equal(sval(req.json, "event"), "rc.cut");
	assert_int_equal(json_integer_value(json_object_get(req.json, "id")), atol(delivery));
	assert_int_equal(strlen(sval(req.json, "occurred_at")), 20);
	json_t *data = json_object_get(req.json, "data");
	assert_string_equal(sval(data, "version"), "v1.0.0-rc.1");
	assert_string_equal(sval(data, "repository"), REPO);
	assert_string_equal(sval(data, "commit"), SHA_A);
	assert_int_equal(json_integer_value(json_object_get(data, "rc_id")), rc1);
	snprintf(link, sizeof link, BASE "/release-candidates/%ld", rc1);
	assert_string_equal(sval(json_object_get(req.json, "links"), "release_candidate"), link);
	http_sink_request_free(&req);

	/* the Slack-compatible message: text, blocks, the link back; unsigned */
	last_of_kind(sink, "/chat", "rc.cut", &req);
	assert_false(http_sink_header(&req, "X-Signature", sig, sizeof sig));
	assert_non_null(strstr(sval(req.json, "text"), "v1.0.0-rc.1"));
	json_t *blocks = json_object_get(req.json, "blocks");
	assert_true(json_array_size(blocks) >= 1);
	const char *section = sval(json_object_get(json_array_get(blocks, 0), "text"), "text");
	char slack_link[160];
	snprintf(slack_link, sizeof slack_link, "<%s|Open in shiplog>", link);
	if (!strstr(section, slack_link))
		fail_msg("section \"%s\" lacks %s", section, slack_link);
	http_sink_request_free(&req);

	/* feedback: feedback.new for each, rc.blocked for a block */
	char *sales = make_token(&ev.srv, "sam@sales.example.com", "[\"feedback\"]");
	char path[128];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback", rc1);
	ok(&ev.srv, "POST", path, sales, "{\"verdict\":\"approve\"}", 201);
	wait_kind(sink, "/hooks", "feedback.new", 1);
	ok(&ev.srv, "POST", path, ITEST_ADMIN_TOKEN,
	   "{\"author\":\"pat@partner.example.com\",\"verdict\":\"block\",\"area\":\"install\","
	   "\"comment\":\"helm install fails\"}",
	   201);
	wait_kind(sink, "/hooks", "feedback.new", 2);
	wait_kind(sink, "/hooks", "rc.blocked", 1);
	free(sales);
	last_of_kind(sink, "/hooks", "rc.blocked", &req);
	data = json_object_get(req.json, "data");
	assert_string_equal(sval(data, "verdict"), "block");
	assert_string_equal(sval(data, "author"), "pat@partner.example.com");
	assert_string_equal(sval(data, "comment"), "helm install fails");
	assert_non_null(strstr(sval(req.json, "summary"), "blocked by pat@partner.example.com"));
	assert_string_equal(sval(json_object_get(req.json, "links"), "release_candidate"), link);
	http_sink_request_free(&req);

	/* a release: rc.released.  Its gates are pending (no CI has reported,
	 * nothing is staged), so a release manager overrides them twice, to
	 * approve and to release: rc.overridden each time */
	long rc2 = cut_rc(&ev, "v1.1.0-rc.1", SHA_B);
	wait_kind(sink, "/hooks", "rc.cut", 2);
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld", rc2);
	char *rm = make_token(&ev.srv, "rita@example.com", "[\"release\"]");
	ok(&ev.srv, "PATCH", path, ev.ci, "{\"state\":\"testing\"}", 200);
	ok(&ev.srv, "PATCH", path, rm,
	   "{\"state\":\"approved\",\"override_reason\":\"customer hotfix\"}", 200);
	wait_kind(sink, "/hooks", "rc.overridden", 1); /* so the release's comes last */
	ok(&ev.srv, "PATCH", path, rm,
	   "{\"state\":\"released\",\"reason\":\"ship it\",\"override_reason\":\"CI is down, "
	   "tested by hand\"}",
	   200);
	free(rm);
	wait_kind(sink, "/hooks", "rc.overridden", 2);
	last_of_kind(sink, "/hooks", "rc.overridden", &req);
	data = json_object_get(req.json, "data");
	assert_int_equal(json_integer_value(json_object_get(data, "rc_id")), rc2);
	assert_string_equal(sval(data, "version"), "v1.1.0-rc.1");
	assert_string_equal(sval(data, "actor"), "rita@example.com");
	assert_string_equal(sval(data, "from"), "approved");
	assert_string_equal(sval(data, "to"), "released");
	assert_string_equal(sval(data, "reason"), "CI is down, tested by hand");
	json_t *gate = json_array_get(json_object_get(data, "gates"), 0);
	assert_string_equal(sval(gate, "name"), "ci");
	assert_string_equal(sval(gate, "status"), "pending");
	assert_non_null(strstr(sval(gate, "reason"), "no CI run has reported"));
	const char *summary = sval(req.json, "summary");
	if (!strstr(summary, "v1.1.0-rc.1 of " REPO " was released by rita@example.com although "
			     "not ready (ci pending") ||
	    !strstr(summary, "): CI is down, tested by hand"))
		fail_msg("rc.overridden summary: %s", summary);
	snprintf(link, sizeof link, BASE "/release-candidates/%ld", rc2);
	assert_string_equal(sval(json_object_get(req.json, "links"), "release_candidate"), link);
	http_sink_request_free(&req);
	wait_kind(sink, "/hooks", "rc.released", 1);
	last_of_kind(sink, "/hooks", "rc.released", &req);
	data = json_object_get(req.json, "data");
	assert_int_equal(json_integer_value(json_object_get(data, "rc_id")), rc2);
	assert_string_equal(sval(data, "target"), "v1.1.0");
	http_sink_request_free(&req);

	/* deployments: failed once until it recovers, then again */
	deploy(ev.ci, "failure", "2026-04-01T10:05:00Z", 201);
	wait_kind(sink, "/hooks", "deployment.failed", 1);
	deploy(ev.ci, "error", "2026-04-01T10:06:00Z", 200);
	deploy(ev.ci, "success", "2026-04-01T10:10:00Z", 200);
	deploy(ev.ci, "failure", "2026-04-01T10:20:00Z", 200);
	wait_kind(sink, "/hooks", "deployment.failed", 2);
	last_of_kind(sink, "/hooks", "deployment.failed", &req);
	data = json_object_get(req.json, "data");
	assert_string_equal(sval(data, "environment"), "staging");
	assert_string_equal(sval(data, "status"), "failure");
	assert_string_equal(sval(data, "commit"), SHA_C);
	assert_string_equal(sval(json_object_get(req.json, "links"), "environment"),
			    BASE "/environments/staging");
	http_sink_request_free(&req);

	/* nothing more arrives, and the Slack sink only got what it subscribed to */
	sleep_ms(1200);
	assert_int_equal(count_kind(sink, "/hooks", "rc.cut"), 2);
	assert_int_equal(count_kind(sink, "/hooks", "feedback.new"), 2);
	assert_int_equal(count_kind(sink, "/hooks", "rc.blocked"), 1);
	assert_int_equal(count_kind(sink, "/hooks", "rc.released"), 1);
	assert_int_equal(count_kind(sink, "/hooks", "deployment.failed"), 2);
	assert_int_equal(count_kind(sink, "/hooks", "rc.ready"), 0);
	assert_int_equal(count_kind(sink, "/hooks", "rc.overridden"), 2);
	assert_int_equal(http_sink_count(sink, "/hooks"), 10);
	assert_string_equal(kinds_received(sink, "/chat"), "rc.cut rc.cut");

	/* every message is in the outbox, sent at the first attempt */
	wait_outbox_settled(&ev.srv);
	json_t *items = outbox(&ev.srv, "status=sent&sink=hooks"), *it;
	size_t i;
	assert_int_equal(json_array_size(items), 10);
	json_array_foreach(items, i, it) {
		assert_int_equal(json_integer_value(json_object_get(it, "attempt_count")), 1);
		json_t *a = json_array_get(json_object_get(it, "attempts"), 0);
		assert_int_equal(json_integer_value(json_object_get(a, "status_code")), 200);
		assert_true(json_is_null(json_object_get(it, "last_error")));
		assert_true(json_is_string(json_object_get(it, "sent_at")));
	}
	json_decref(items);
	/* filters */
	items = outbox(&ev.srv, "kind=rc.blocked");
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	items = outbox(&ev.srv, "status=dead");
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
}

/* ---- 2. main.broken / main.fixed ---- */

static void set_path(json_t *root, const char *path, json_t *value)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	json_t *cur = root;
	char *save = NULL;
	char *tok = strtok_r(buf, ".", &save);
	while (tok) {
		char *next = strtok_r(NULL, ".", &save);
		if (!next) {
			json_object_set_new(cur, tok, value);
			return;
		}
		json_t *child = json_object_get(cur, tok);
		if (!json_is_object(child)) {
			child = json_object();
			json_object_set_new(cur, tok, child);
		}
		cur = child;
		tok = next;
	}
}

/* A completed workflow_run of REPO, signed and sent. */
static void run_completed(long long id, int attempt, const char *conclusion, const char *created,
			  const char *updated, const char *branch, const char *sha,
			  const char *workflow)
{
	json_t *p = gh_load_fixture("workflow_run.completed.json");
	char path[128], url[200], delivery[64];
	snprintf(path, sizeof path, ".github/workflows/%s.yml", workflow);
	snprintf(url, sizeof url, "https://github.com/" REPO "/actions/runs/%lld", id);
	set_path(p, "action", json_string("completed"));
	set_path(p, "repository.full_name", json_string(REPO));
	set_path(p, "repository.default_branch", json_string("main"));
	set_path(p, "workflow_run.id", json_integer(id));
	set_path(p, "workflow_run.run_attempt", json_integer(attempt));
	set_path(p, "workflow_run.status", json_string("completed"));
	set_path(p, "workflow_run.conclusion", json_string(conclusion));
	set_path(p, "workflow_run.event", json_string("push"));
	set_path(p, "workflow_run.created_at", json_string(created));
	set_path(p, "workflow_run.run_started_at", json_string(created));
	set_path(p, "workflow_run.updated_at", json_string(updated));
	set_path(p, "workflow_run.head_branch", json_string(branch));
	set_path(p, "workflow_run.head_sha", json_string(sha));
	set_path(p, "workflow_run.path", json_string(path));
	set_path(p, "workflow_run.name", json_string(workflow));
	set_path(p, "workflow_run.html_url", json_string(url));
	set_path(p, "workflow.path", json_string(path));
	set_path(p, "workflow.name", json_string(workflow));
	struct itest_response r;
	gh_send_json(&ev.srv, "workflow_run", gh_delivery_id(delivery, sizeof delivery), p, &r);
	if (r.status != 200)
		fail_msg("workflow_run answered %ld: %s", r.status, r.body);
	itest_response_free(&r);
	json_decref(p);
}

static long long run_id_of(long long external)
{
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT id FROM runs WHERE external_id = '%lld'", external);
	return itest_sql_long(ev.db_url, sql);
}

static void main_broken_and_fixed_follow_the_default_branch_health(void **state)
{
	(void)state;
	struct http_sink *sink = ev.sink;
	size_t chat_before = http_sink_count(sink, "/chat");
	/* green first: nothing to say */
	run_completed(501, 1, "success", "2026-04-01T10:00:00Z", "2026-04-01T10:05:00Z", "main",
		      SHA_A, "ci");
	/* red after green: broken */
	run_completed(502, 1, "failure", "2026-04-01T10:10:00Z", "2026-04-01T10:15:00Z", "main",
		      SHA_B, "ci");
	wait_kind(sink, "/hooks", "main.broken", 1);
	struct http_sink_request req;
	last_of_kind(sink, "/hooks", "main.broken", &req);
	json_t *data = json_object_get(req.json, "data");
	assert_string_equal(sval(data, "repository"), REPO);
	assert_string_equal(sval(data, "branch"), "main");
	assert_string_equal(sval(data, "workflow"), "ci");
	assert_string_equal(sval(data, "conclusion"), "failure");
	assert_string_equal(sval(data, "commit"), SHA_B);
	char link[128];
	snprintf(link, sizeof link, BASE "/runs/%lld", run_id_of(502));
	assert_string_equal(sval(json_object_get(req.json, "links"), "run"), link);
	assert_string_equal(sval(json_object_get(req.json, "links"), "github_run"),
			    "https://github.com/" REPO "/actions/runs/502");
	http_sink_request_free(&req);
	wait_kind(sink, "/chat", "main.broken", 1);
	last_of_kind(sink, "/chat", "main.broken", &req);
	const char *section = sval(
		json_object_get(json_array_get(json_object_get(req.json, "blocks"), 0), "text"),
		"text");
	assert_non_null(strstr(section, link));
	assert_non_null(strstr(sval(req.json, "text"), "main of " REPO " is red"));
	http_sink_request_free(&req);

	/* the same run again (a redelivery), a late event of an older run, and
	 * a red run on another branch: no change of health */
	run_completed(502, 1, "failure", "2026-04-01T10:10:00Z", "2026-04-01T10:15:00Z", "main",
		      SHA_B, "ci");
	run_completed(501, 1, "success", "2026-04-01T10:00:00Z", "2026-04-01T10:06:00Z", "main",
		      SHA_A, "ci");
	run_completed(600, 1, "failure", "2026-04-01T10:20:00Z", "2026-04-01T10:25:00Z",
		      "feature/x", SHA_C, "ci");
	/* a re-run of the red run turns it green: fixed */
	run_completed(502, 2, "success", "2026-04-01T10:10:00Z", "2026-04-01T10:35:00Z", "main",
		      SHA_B, "ci");
	wait_kind(sink, "/hooks", "main.fixed", 1);
	last_of_kind(sink, "/hooks", "main.fixed", &req);
	data = json_object_get(req.json, "data");
	assert_int_equal(json_integer_value(json_object_get(data, "attempt")), 2);
	assert_string_equal(sval(data, "conclusion"), "success");
	http_sink_request_free(&req);
	/* red again; and another workflow whose very first run is red */
	run_completed(503, 1, "timed_out", "2026-04-01T10:40:00Z", "2026-04-01T10:50:00Z", "main",
		      SHA_C, "ci");
	run_completed(700, 1, "failure", "2026-04-01T10:41:00Z", "2026-04-01T10:45:00Z", "main",
		      SHA_C, "lint");
	wait_kind(sink, "/hooks", "main.broken", 3);
	sleep_ms(1000);
	assert_int_equal(count_kind(sink, "/hooks", "main.broken"), 3);
	assert_int_equal(count_kind(sink, "/hooks", "main.fixed"), 1);
	assert_int_equal(http_sink_count(sink, "/chat"), chat_before + 3);
	json_t *items = outbox(&ev.srv, "sink=hooks&kind=main.broken"), *it;
	size_t i;
	char seen[256] = "";
	json_array_foreach(items, i, it) {
		json_t *d = json_object_get(it, "data");
		snprintf(seen + strlen(seen), sizeof seen - strlen(seen), "%s%s:%s", i ? " " : "",
			 sval(d, "workflow"), sval(d, "conclusion"));
	}
	json_decref(items);
	assert_string_equal(seen, "lint:failure ci:timed_out ci:failure"); /* newest first */
}

/* ---- 3 and 4. retries, dead letters ---- */

static const char retry_config[] =
	"repositories: [{name: " REPO "}]\n"
	"notifications:\n"
	"  base_backoff_seconds: 0.2\n"
	"  max_attempts: 5\n"
	"  timeout_seconds: 3\n"
	"  sinks:\n"
	"    - {name: flaky, type: webhook, url_env: ITEST_FLAKY_URL, events: [rc.cut]}\n"
	"    - {name: dead, type: webhook, url_env: ITEST_DEAD_URL, events: [rc.cut]}\n"
	"    - {name: gone, type: slack, url_env: ITEST_GONE_URL, events: [rc.cut]}\n";

static struct env rt;

/* A port nothing listens on (bound, then closed). */
static unsigned closed_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof a;
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static int retry_setup(void **state)
{
	(void)state;
	env_setup(&rt, "notifyrt", retry_config);
	env_sink_url(&rt, "ITEST_FLAKY_URL", "/flaky");
	env_sink_url(&rt, "ITEST_GONE_URL", "/gone");
	env_add(&rt, "ITEST_DEAD_URL=http://127.0.0.1:%u/dead", closed_port());
	static const int flaky[] = {500, 503, 500};
	http_sink_script(rt.sink, "/flaky", flaky, 3, 200);
	static const int gone[] = {404};
	http_sink_script(rt.sink, "/gone", gone, 1, 404);
	env_start(&rt);
	return 0;
}

static int retry_teardown(void **state)
{
	(void)state;
	env_teardown(&rt);
	return 0;
}

static long retry_rc;

static void a_sink_failing_three_times_then_succeeding_gets_the_message_once(void **state)
{
	(void)state;
	/* the first write after start-up: its messages are in the outbox as soon
	 * as the write is acknowledged (same transaction), for every sink of the
	 * configuration */
	retry_rc = cut_rc(&rt, "v2.0.0-rc.1", SHA_A);
	const char *sinks[] = {"flaky", "gone", "dead"};
	for (size_t i = 0; i < 3; i++)
		json_decref(message_of(&rt.srv, sinks[i], retry_rc));
	assert_true(http_sink_wait(rt.sink, "/flaky", 4, 15000));
	json_t *m = wait_message(&rt.srv, "flaky", retry_rc, "sent", 5000);
	sleep_ms(1500); /* several backoff periods: nothing more comes */
	assert_int_equal(http_sink_count(rt.sink, "/flaky"), 4);

	/* the same message each time (same delivery id, same body); answered
	 * 500, 503, 500, then 200 */
	struct http_sink_request first, req;
	assert_true(http_sink_get(rt.sink, "/flaky", 0, &first));
	char id0[64], id[64];
	http_sink_header(&first, "X-Shiplog-Delivery", id0, sizeof id0);
	assert_int_equal(atol(id0), json_integer_value(json_object_get(m, "id")));
	static const int answered[] = {500, 503, 500, 200};
	for (size_t i = 0; i < 4; i++) {
		assert_true(http_sink_get(rt.sink, "/flaky", i, &req));
		http_sink_header(&req, "X-Shiplog-Delivery", id, sizeof id);
		assert_string_equal(id, id0);
		assert_string_equal(req.body, first.body);
		assert_int_equal(req.answered, answered[i]);
		http_sink_request_free(&req);
	}
	http_sink_request_free(&first);

	/* the outbox: sent at the 4th attempt, each attempt recorded */
	assert_int_equal(json_integer_value(json_object_get(m, "attempt_count")), 4);
	assert_true(json_is_null(json_object_get(m, "last_error")));
	json_t *attempts = json_object_get(m, "attempts");
	assert_int_equal(json_array_size(attempts), 4);
	for (size_t i = 0; i < 4; i++) {
		json_t *a = json_array_get(attempts, i);
		assert_int_equal(json_integer_value(json_object_get(a, "attempt")), (long)i + 1);
		assert_int_equal(json_integer_value(json_object_get(a, "status_code")),
				 answered[i]);
		if (i < 3)
			assert_non_null(strstr(sval(a, "error"), "HTTP 50"));
		else
			assert_true(json_is_null(json_object_get(a, "error")));
	}
	json_decref(m);
}

static void a_dead_sink_ends_in_the_dead_letter_with_its_error_visible(void **state)
{
	(void)state;
	assert_true(retry_rc > 0);
	/* connection refused, 5 times: dead */
	json_t *m = wait_message(&rt.srv, "dead", retry_rc, "dead", 20000);
	assert_int_equal(json_integer_value(json_object_get(m, "attempt_count")), 5);
	assert_int_equal(itest_int(m, "attempts_left"), 0);
	assert_non_null(strstr(sval(m, "last_error"), "onnect"));
	assert_true(json_is_null(json_object_get(m, "last_status_code")));
	assert_true(json_is_null(json_object_get(m, "sent_at")));
	json_t *attempts = json_object_get(m, "attempts");
	assert_int_equal(json_array_size(attempts), 5);
	json_t *a;
	size_t i;
	json_array_foreach(attempts, i, a) {
		assert_non_null(strstr(sval(a, "error"), "onnect"));
		assert_true(json_is_null(json_object_get(a, "status_code")));
	}
	json_decref(m);
	json_t *dead = outbox(&rt.srv, "status=dead&sink=dead&kind=rc.cut");
	assert_int_equal(json_array_size(dead), 1);
	json_decref(dead);

	/* a 404 is not retried: dead at once, with the answer in the error */
	m = wait_message(&rt.srv, "gone", retry_rc, "dead", 10000);
	assert_int_equal(json_integer_value(json_object_get(m, "attempt_count")), 1);
	assert_int_equal(json_integer_value(json_object_get(m, "last_status_code")), 404);
	assert_non_null(
		strstr(sval(m, "last_error"), "HTTP 404: {\"message\":\"scripted answer 404\"}"));
	long gone_id = (long)json_integer_value(json_object_get(m, "id"));
	json_decref(m);
	sleep_ms(600);
	assert_int_equal(http_sink_count(rt.sink, "/gone"), 1);

	/* the receiver is fixed; a retry sends it now, with a fresh budget */
	http_sink_script(rt.sink, "/gone", NULL, 0, 200);
	char path[128];
	snprintf(path, sizeof path, "/api/v1/notifications/%ld/retry", gone_id);
	struct itest_response r;
	itest_json(&rt.srv, "POST", path, rt.ci, NULL, &r);
	assert_int_equal(r.status, 403); /* admin only */
	itest_response_free(&r);
	call(&rt.srv, "POST", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_int_equal(json_integer_value(json_object_get(r.json, "id")), gone_id);
	assert_string_equal(sval(r.json, "status"), "pending");
	assert_int_equal(json_integer_value(json_object_get(r.json, "attempts_left")), 5);
	itest_response_free(&r);
	m = wait_message(&rt.srv, "gone", retry_rc, "sent", 10000);
	assert_int_equal(json_integer_value(json_object_get(m, "attempt_count")), 2);
	json_decref(m);
	assert_int_equal(http_sink_count(rt.sink, "/gone"), 2);
	/* a sent message is not retried; an unknown one is not found */
	itest_json(&rt.srv, "POST", path, ITEST_ADMIN_TOKEN, NULL, &r);
	itest_assert_problem(&r, 409, "conflict", "is sent");
	itest_response_free(&r);
	itest_json(&rt.srv, "POST", "/api/v1/notifications/999999/retry", ITEST_ADMIN_TOKEN, NULL,
		   &r);
	itest_assert_problem(&r, 404, "not-found", "no notification 999999");
	itest_response_free(&r);
	itest_get(&rt.srv, "/api/v1/notifications", rt.ci, &r);
	assert_int_equal(r.status, 403);
	itest_response_free(&r);
}

/* ---- 5. two replicas ---- */

static void two_replicas_never_send_the_same_message_twice(void **state)
{
	(void)state;
	struct env e;
	env_setup(&e, "notifyrep",
		  "repositories: [{name: " REPO "}]\n"
		  "notifications:\n"
		  "  base_backoff_seconds: 0.2\n"
		  "  sinks: [{name: bulk, type: webhook, url_env: ITEST_BULK_URL, events: "
		  "[rc.cut]}]\n");
	env_sink_url(&e, "ITEST_BULK_URL", "/bulk");
	http_sink_delay(e.sink, "/bulk", 150); /* slow: the replicas' rounds overlap */
	env_start(&e);
	struct itest_server b;
	itest_server_start(&b, e.db_url, e.env);
	/* claiming is made slow (20 ms a row) so that the replicas' claims
	 * overlap: without row locks they would claim the same messages */
	free(itest_sql(e.db_url, "CREATE FUNCTION itest_slow() RETURNS trigger LANGUAGE plpgsql AS "
				 "$$ BEGIN PERFORM pg_sleep(0.02); RETURN NEW; END $$"));
	free(itest_sql(e.db_url, "CREATE TRIGGER itest_slow_claims BEFORE UPDATE ON notifications "
				 "FOR EACH ROW WHEN (NEW.status = 'in_flight' AND "
				 "OLD.status <> 'in_flight') EXECUTE FUNCTION itest_slow()"));
	enum { N = 40 };
	for (int i = 0; i < N; i++) {
		char version[32], body[300];
		snprintf(version, sizeof version, "v5.%d.0-rc.1", i);
		snprintf(body, sizeof body,
			 "{\"version\":\"%s\",\"repository\":\"" REPO "\",\"commit\":\"%s\"}",
			 version, i % 2 ? SHA_A : SHA_B);
		ok(i % 2 ? &b : &e.srv, "POST", "/api/v1/release-candidates", e.ci, body, 201);
	}
	assert_true(http_sink_wait(e.sink, "/bulk", N, 30000));
	sleep_ms(1500);
	assert_int_equal(http_sink_count(e.sink, "/bulk"), N);
	/* every delivery id once */
	long ids[N];
	struct http_sink_request req;
	for (size_t i = 0; i < N; i++) {
		assert_true(http_sink_get(e.sink, "/bulk", i, &req));
		char id[64];
		assert_true(http_sink_header(&req, "X-Shiplog-Delivery", id, sizeof id));
		ids[i] = atol(id);
		for (size_t k = 0; k < i; k++)
			if (ids[k] == ids[i])
				fail_msg("message %ld was sent twice", ids[i]);
		http_sink_request_free(&req);
	}
	/* the list pages through all of them, newest first, each once */
	assert_int_equal(itest_list_all(&e.srv, "/api/v1/notifications?sink=bulk&limit=15",
					ITEST_ADMIN_TOKEN, 5),
			 N);
	/* all sent at the first attempt, and both replicas took part */
	assert_int_equal(itest_sql_long(e.db_url, "SELECT count(*) FROM notifications"
						  " WHERE status = 'sent' AND attempts = 1"),
			 N);
	assert_int_equal(itest_sql_long(e.db_url, "SELECT count(*) FROM notification_attempts"), N);
	assert_int_equal(
		itest_sql_long(e.db_url,
			       "SELECT count(DISTINCT replica) FROM notification_attempts"),
		2);
	assert_int_equal(itest_server_stop(&b), 0);
	env_teardown(&e);
}

/* ---- 6-8. restarts ---- */

static const char restart_config[] =
	"repositories: [{name: " REPO "}]\n"
	"notifications:\n"
	"  base_backoff_seconds: %s\n"
	"  timeout_seconds: 4\n"
	"  sinks: [{name: r, type: webhook, url_env: ITEST_R_URL, events: [rc.cut]}]\n";

static void restart_env(struct env *e, const char *tag, const char *backoff)
{
	char config[600];
	snprintf(config, sizeof config, restart_config, backoff);
	env_setup(e, tag, config);
	env_sink_url(e, "ITEST_R_URL", "/r");
}

static long long notification_field(struct env *e, const char *column)
{
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT %s FROM notifications WHERE sink = 'r'", column);
	return itest_sql_long(e->db_url, sql);
}

static void a_restart_between_retries_resumes_where_it_left_off(void **state)
{
	(void)state;
	struct env e;
	restart_env(&e, "notifyrs", "3");
	static const int answers[] = {500, 500};
	http_sink_script(e.sink, "/r", answers, 2, 200);
	env_start(&e);
	cut_rc(&e, "v6.0.0-rc.1", SHA_A);
	/* two failures (the second 1.5-3 s after the first), then stop while
	 * it waits 3-6 s for the third attempt */
	assert_true(http_sink_wait(e.sink, "/r", 2, 15000));
	sleep_ms(200);
	assert_int_equal(itest_server_stop(&e.srv), 0);
	char *status = itest_sql(e.db_url, "SELECT status FROM notifications WHERE sink = 'r'");
	assert_string_equal(status, "pending");
	free(status);
	assert_int_equal(notification_field(&e, "attempts"), 2);
	assert_int_equal(http_sink_count(e.sink, "/r"), 2);
	/* started again: the third attempt comes (the state was in the database) */
	itest_server_start(&e.srv, e.db_url, e.env);
	assert_true(http_sink_wait(e.sink, "/r", 3, 15000));
	for (int waited = 0; notification_field(&e, "(status = 'sent')::int") != 1; waited += 100) {
		if (waited > 10000)
			fail_msg("not marked sent after the restart");
		sleep_ms(100);
	}
	assert_int_equal(notification_field(&e, "attempts"), 3);
	assert_int_equal(notification_field(&e, "(SELECT count(*) FROM notification_attempts)"), 3);
	sleep_ms(500);
	assert_int_equal(http_sink_count(e.sink, "/r"), 3);
	env_teardown(&e);
}

static void a_sender_killed_mid_send_is_replaced_once_its_lease_ends(void **state)
{
	(void)state;
	struct env e;
	restart_env(&e, "notifykl", "0.2");
	static const int answers[] = {HTTP_SINK_HANG};
	http_sink_script(e.sink, "/r", answers, 1, 200);
	env_start(&e);
	cut_rc(&e, "v7.0.0-rc.1", SHA_A);
	assert_true(http_sink_wait(e.sink, "/r", 1, 15000));
	/* killed while the sink has not answered: nothing recorded */
	time_t killed = time(NULL);
	kill(e.srv.pid, SIGKILL);
	int st;
	waitpid(e.srv.pid, &st, 0);
	e.srv.pid = 0;
	char *status = itest_sql(e.db_url, "SELECT status FROM notifications WHERE sink = 'r'");
	assert_string_equal(status, "in_flight");
	free(status);
	/* a new sender leaves it alone while the lease (2 × 4 s + 5 s) runs,
	 * then sends it */
	itest_server_start(&e.srv, e.db_url, e.env);
	sleep_ms(3000);
	assert_int_equal(http_sink_count(e.sink, "/r"), 1);
	assert_true(http_sink_wait(e.sink, "/r", 2, 25000));
	assert_true(time(NULL) - killed >= 8);
	for (int waited = 0; notification_field(&e, "(status = 'sent')::int") != 1; waited += 100) {
		if (waited > 10000)
			fail_msg("not marked sent after the lease ended");
		sleep_ms(100);
	}
	assert_int_equal(notification_field(&e, "attempts"), 2);
	env_teardown(&e);
}

static void a_stop_mid_send_puts_the_message_back(void **state)
{
	(void)state;
	struct env e;
	restart_env(&e, "notifyst", "0.2");
	static const int answers[] = {HTTP_SINK_HANG};
	http_sink_script(e.sink, "/r", answers, 1, 200);
	env_start(&e);
	cut_rc(&e, "v8.0.0-rc.1", SHA_A);
	assert_true(http_sink_wait(e.sink, "/r", 1, 15000));
	/* SIGTERM while the sink hangs: shiplogd does not wait for it */
	time_t t0 = time(NULL);
	assert_int_equal(itest_server_stop(&e.srv), 0);
	assert_true(time(NULL) - t0 < 4);
	char *status = itest_sql(e.db_url, "SELECT status FROM notifications WHERE sink = 'r'");
	assert_string_equal(status, "pending");
	free(status);
	assert_int_equal(notification_field(&e, "attempts"), 0);
	itest_server_start(&e.srv, e.db_url, e.env);
	assert_true(http_sink_wait(e.sink, "/r", 2, 15000));
	for (int waited = 0; notification_field(&e, "(status = 'sent')::int") != 1; waited += 100) {
		if (waited > 10000)
			fail_msg("not marked sent after the restart");
		sleep_ms(100);
	}
	assert_int_equal(notification_field(&e, "attempts"), 1);
	env_teardown(&e);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
	const struct CMUnitTest events[] = {
		cmocka_unit_test(each_change_reaches_its_subscribers_signed_and_linked),
		cmocka_unit_test(main_broken_and_fixed_follow_the_default_branch_health),
	};
	const struct CMUnitTest retries[] = {
		cmocka_unit_test(a_sink_failing_three_times_then_succeeding_gets_the_message_once),
		cmocka_unit_test(a_dead_sink_ends_in_the_dead_letter_with_its_error_visible),
	};
	const struct CMUnitTest others[] = {
		cmocka_unit_test(two_replicas_never_send_the_same_message_twice),
		cmocka_unit_test(a_restart_between_retries_resumes_where_it_left_off),
		cmocka_unit_test(a_sender_killed_mid_send_is_replaced_once_its_lease_ends),
		cmocka_unit_test(a_stop_mid_send_puts_the_message_back),
	};
	int failed =
		cmocka_run_group_tests_name("notify: kinds", events, events_setup, events_teardown);
	failed += cmocka_run_group_tests_name("notify: retries", retries, retry_setup,
					      retry_teardown);
	failed += cmocka_run_group_tests_name("notify: replicas and restarts", others, NULL, NULL);
	return failed;
}
