/*
 * test_rc_compare_api.c — two release candidates compared, who has not tried
 * one yet, and asking for feedback, through the real endpoints:
 *
 *   GET  /api/v1/release-candidates/compare?base=&head=
 *   GET  /api/v1/release-candidates/{id}/untried
 *   POST /api/v1/release-candidates/{id}/feedback-requests
 *
 * A constructed pair: PRs #1 #2 merged, v1.0.0-rc.1 cut from #2's merge
 * commit with an image, a chart and an npm package; PRs #3 #4 merged,
 * v1.0.0-rc.2 cut from #4's with the image rebuilt (another digest), the
 * same chart and a new binary.  Feedback from people the configuration
 * maps to teams (their tokens' owners).  The notification goes to a local
 * HTTP sink (support/http_sink.c); "now" is pinned (SHIPLOG_NOW) and moved
 * by restarting the server, so the flood limit is tested without waiting.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "github_send.h"
#include "http_sink.h"
#include "itest.h"

#define REPO  "itest/compare"
#define OTHER "itest/compare-other"
#define ZERO  "0000000000000000000000000000000000000000"
#define A0    "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0"
#define A1    "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define A2    "a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2"
#define A3    "a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3"
#define A4    "a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4"
#define B1    "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"
#define D(n)                                                                                      \
	"sha256:" n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n \
		n n n n n n n n n n n n n n n n n n n n n n n n
#define BASE_URL "http://shiplog.test"

static struct itest_server server;
static char db_url[512];
static char config_path[256];
static struct http_sink *sink;
static char sink_env[300];
static char *ci, *rm, *ann, *sue, *zed, *yan, *reader;
static long rc1, rc2, other_rc;

static const char config_text[] =
	"repositories:\n"
	"  - name: " REPO "\n"
	"    default_branch: main\n"
	"  - name: " OTHER "\n"
	"teams:\n"
	"  - name: sales\n"
	"    members: [\"ann@example.com\", \"ben@example.com\", \"*@sales.example.com\"]\n"
	"  - name: support\n"
	"    members: [\"sue@example.com\", \"sam@example.com\"]\n"
	"  - name: engineering\n"
	"    members: [\"*@eng.example.com\"]\n"
	"releases:\n"
	"  required_artifacts: [\"binary:z\"]\n"
	"  gates:\n"
	"    approvals:\n"
	"      - {team: sales, min: 1}\n"
	"      - {team: support, min: 1}\n"
	"notifications:\n"
	"  base_backoff_seconds: 0.2\n"
	"  sinks:\n"
	"    - {name: hook, type: webhook, url_env: COMPARE_HOOK_URL,\n"
	"       events: [feedback.requested]}\n";

static void start_at(const char *now)
{
	char now_env[64], cfg_env[300];
	snprintf(now_env, sizeof now_env, "SHIPLOG_NOW=%s", now);
	snprintf(cfg_env, sizeof cfg_env, "SHIPLOG_CONFIG=%s", config_path);
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, now_env, cfg_env, sink_env,
			     "SHIPLOG_BASE_URL=" BASE_URL, NULL};
	itest_server_start(&server, db_url, env);
}

static void restart_at(const char *now)
{
	assert_int_equal(itest_server_stop(&server), 0);
	start_at(now);
}

/* ---- GitHub deliveries (as in test_rc_story.c) ---- */

static void set_repo(json_t *payload)
{
	json_t *repo = json_object_get(payload, "repository");
	assert_non_null(repo);
	json_object_set_new(repo, "full_name", json_string(REPO));
	json_object_set_new(repo, "name", json_string("compare"));
	json_object_set_new(repo, "default_branch", json_string("main"));
	json_object_set_new(repo, "master_branch", json_string("main"));
	json_object_set_new(repo, "html_url", json_string("https://github.com/" REPO));
	json_object_set_new(repo, "id", json_integer(626262));
}

static void deliver(const char *event, json_t *payload)
{
	char id[64];
	struct itest_response r;
	gh_send_json(&server, event, gh_delivery_id(id, sizeof id), payload, &r);
	if (r.status != 200)
		fail_msg("%s answered %ld: %s", event, r.status, r.body ? r.body : "");
	itest_response_free(&r);
	json_decref(payload);
}

static void push(const char *before, const char *after, const char *message, const char *at)
{
	json_t *p = gh_load_fixture("push.with-new-branch.json");
	set_repo(p);
	json_t *c = json_deep_copy(json_array_get(json_object_get(p, "commits"), 0));
	json_object_set_new(p, "ref", json_string("refs/heads/main"));
	json_object_set_new(p, "before", json_string(before));
	json_object_set_new(p, "after", json_string(after));
	json_object_set_new(p, "created", json_boolean(strcmp(before, ZERO) == 0));
	json_object_set_new(p, "deleted", json_false());
	json_object_set_new(p, "forced", json_false());
	json_object_set_new(c, "id", json_string(after));
	json_object_set_new(c, "message", json_string(message));
	json_object_set_new(p, "commits", json_pack("[O]", c));
	json_object_set_new(p, "head_commit", c);
	json_object_set_new(json_object_get(p, "repository"), "pushed_at", json_string(at));
	deliver("push", p);
}

/* PR `number` merged into main as commit `merge`, then pushed after `before`. */
static void merge_pr(int number, const char *title, const char *before, const char *merge,
		     const char *at)
{
	json_t *p = gh_load_fixture("pull_request.closed.merged.json");
	set_repo(p);
	json_t *pr = json_object_get(p, "pull_request");
	char url[128], branch[64], msg[64];
	snprintf(url, sizeof url, "https://github.com/" REPO "/pull/%d", number);
	snprintf(branch, sizeof branch, "feature/%d", number);
	json_object_set_new(p, "action", json_string("closed"));
	json_object_set_new(p, "number", json_integer(number));
	json_object_set_new(pr, "number", json_integer(number));
	json_object_set_new(pr, "title", json_string(title));
	json_object_set_new(pr, "html_url", json_string(url));
	json_object_set_new(pr, "state", json_string("closed"));
	json_object_set_new(pr, "merged", json_true());
	json_object_set_new(pr, "merge_commit_sha", json_string(merge));
	json_object_set_new(pr, "created_at", json_string("2026-02-01T09:00:00Z"));
	json_object_set_new(pr, "merged_at", json_string(at));
	json_object_set_new(pr, "closed_at", json_string(at));
	json_object_set_new(pr, "updated_at", json_string(at));
	json_object_set_new(pr, "labels", json_array());
	json_object_set_new(json_object_get(pr, "head"), "ref", json_string(branch));
	json_object_set_new(json_object_get(pr, "base"), "ref", json_string("main"));
	deliver("pull_request", p);
	snprintf(msg, sizeof msg, "Merge pull request #%d", number);
	push(before, merge, msg, at);
}

/* ---- REST ---- */

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

static void artifact(const char *kind, const char *name, const char *version, const char *digest,
		     const char *commit)
{
	char body[600];
	snprintf(body, sizeof body,
		 "{\"kind\":\"%s\",\"name\":\"%s\",\"version\":\"%s\",\"digest\":\"%s\","
		 "\"repository\":\"" REPO "\",\"commit\":\"%s\"}",
		 kind, name, version, digest, commit);
	struct itest_response r;
	call("POST", "/api/v1/artifacts", ci, body, 201, &r);
	itest_response_free(&r);
}

static long cut(const char *repo, const char *version, const char *commit, const char *digests)
{
	char body[800];
	snprintf(body, sizeof body,
		 "{\"version\":\"%s\",\"repository\":\"%s\",\"commit\":\"%s\","
		 "\"artifacts\":[%s]}",
		 version, repo, commit, digests);
	struct itest_response r;
	call("POST", "/api/v1/release-candidates", ci, body, 201, &r);
	long id = (long)itest_int(r.json, "id");
	itest_response_free(&r);
	return id;
}

static long feedback(long rc, const char *token, const char *body)
{
	char path[128];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback", rc);
	struct itest_response r;
	call("POST", path, token, body, 201, &r);
	long id = (long)itest_int(r.json, "id");
	itest_response_free(&r);
	return id;
}

static void resolve(long feedback_id, const char *token)
{
	char path[128];
	snprintf(path, sizeof path, "/api/v1/feedback/%ld", feedback_id);
	struct itest_response r;
	call("PATCH", path, token, "{\"status\":\"resolved\",\"resolution\":\"fixed\"}", 200, &r);
	itest_response_free(&r);
}

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("rccompare", db_url, sizeof db_url);
	char unused[300];
	itest_config_file("rccompare", config_text, config_path, sizeof config_path, unused,
			  sizeof unused);
	sink = http_sink_start();
	char url[256];
	snprintf(sink_env, sizeof sink_env, "COMPARE_HOOK_URL=%s",
		 http_sink_url(sink, "/hook", url, sizeof url));
	start_at("2026-03-05T10:00:00Z");
	ci = itest_token_owned(&server, "release-bot", "ci");
	rm = itest_token_owned(&server, "rm@example.com", "read,release");
	ann = itest_token_owned(&server, "ann@example.com", "read,feedback");
	sue = itest_token_owned(&server, "sue@example.com", "read,feedback");
	zed = itest_token_owned(&server, "zed@sales.example.com", "read,feedback");
	yan = itest_token_owned(&server, "yan@sales.example.com", "read,feedback");
	reader = itest_token_owned(&server, "reader@eng.example.com", "read");

	/* rc.1: PRs #1 #2; an image, a chart and an npm package */
	push(ZERO, A0, "initial", "2026-03-01T09:00:00Z");
	merge_pr(1, "Add login", A0, A1, "2026-03-02T09:00:00Z");
	merge_pr(2, "Fix crash on save", A1, A2, "2026-03-02T10:00:00Z");
	artifact("image", "ghcr.io/itest/compare", "v1.0.0-rc.1", D("1"), A2);
	artifact("chart", "compare", "1.0.0", D("2"), A2);
	artifact("npm", "@itest/ui", "1.0.0-rc.1", D("5"), A2);
	rc1 = cut(REPO, "v1.0.0-rc.1", A2,
		  "\"" D("1") "\",\"" D("2") "\",\"" D("5") "\"");
	/* feedback on rc.1: ann's concern stays open, zed's is resolved, sue approves */
	feedback(rc1, ann, "{\"verdict\":\"concern\",\"comment\":\"login is slow\"}");
	long zf = feedback(rc1, zed, "{\"verdict\":\"concern\",\"comment\":\"typo\"}");
	resolve(zf, zed);
	feedback(rc1, sue, "{\"verdict\":\"approve\"}");

	/* rc.2: PRs #3 #4; the image rebuilt, the same chart, a new binary */
	merge_pr(3, "Refresh colours", A2, A3, "2026-03-03T09:00:00Z");
	merge_pr(4, "Faster login", A3, A4, "2026-03-03T10:00:00Z");
	artifact("image", "ghcr.io/itest/compare", "v1.0.0-rc.2", D("3"), A4);
	artifact("binary", "z", "v1.0.0-rc.2", D("4"), A4);
	rc2 = cut(REPO, "v1.0.0-rc.2", A4,
		  "\"" D("3") "\",\"" D("2") "\",\"" D("4") "\"");
	feedback(rc2, ann, "{\"verdict\":\"approve\",\"comment\":\"login is fast now\"}");
	feedback(rc2, sue, "{\"verdict\":\"approve\"}");

	/* another repository: yan's feedback there is not "seen" on this one */
	other_rc = cut(OTHER, "v9.0.0-rc.1", B1, "");
	feedback(other_rc, yan, "{\"verdict\":\"approve\"}");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	assert_int_equal(itest_server_stop(&server), 0);
	http_sink_stop(sink);
	unlink(config_path);
	free(ci);
	free(rm);
	free(ann);
	free(sue);
	free(zed);
	free(yan);
	free(reader);
	return 0;
}

/* ---- reading the answers ---- */

static json_t *compare(long base, long head, struct itest_response *r)
{
	char path[128];
	snprintf(path, sizeof path, "/api/v1/release-candidates/compare?base=%ld&head=%ld", base,
		 head);
	return call("GET", path, reader, NULL, 200, r);
}

/* The PR numbers of an array, as "1,2". */
static void numbers(const json_t *prs, char *out, size_t size)
{
	out[0] = '\0';
	size_t i, len = 0;
	const json_t *pr;
	json_array_foreach(prs, i, pr) {
		len += (size_t)snprintf(out + len, size - len, "%s%lld", i ? "," : "",
					(long long)itest_int(pr, "number"));
	}
}

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	if (!s)
		fail_msg("no string %s in %s", key, json_dumps(o, JSON_COMPACT));
	return s;
}

/* ---- compare ---- */

static void compare_lists_prs_artifacts_gates_and_carried_feedback(void **state)
{
	(void)state;
	struct itest_response r;
	json_t *o = compare(rc1, rc2, &r);
	char list[64];
	assert_string_equal(jstr(json_object_get(o, "base"), "version"), "v1.0.0-rc.1");
	assert_string_equal(jstr(json_object_get(o, "head"), "version"), "v1.0.0-rc.2");
	assert_true(json_is_true(json_object_get(o, "same_target")));

	/* PRs: #3 and #4 are new; nothing is gone */
	const json_t *prs = json_object_get(o, "pull_requests");
	numbers(json_object_get(prs, "added"), list, sizeof list);
	assert_string_equal(list, "3,4");
	assert_int_equal(itest_array_size(prs, "removed"), 0);

	/* artifacts: the image changed digest, the binary is new, the npm package
	 * gone, the chart unchanged */
	const json_t *arts = json_object_get(o, "artifacts");
	assert_int_equal(itest_array_size(arts, "changed"), 1);
	const json_t *ch = json_array_get(json_object_get(arts, "changed"), 0);
	assert_string_equal(jstr(ch, "kind"), "image");
	assert_string_equal(jstr(ch, "name"), "ghcr.io/itest/compare");
	assert_string_equal(jstr(json_object_get(ch, "base"), "digest"), D("1"));
	assert_string_equal(jstr(json_object_get(ch, "head"), "digest"), D("3"));
	assert_string_equal(jstr(json_object_get(ch, "head"), "version"), "v1.0.0-rc.2");
	assert_int_equal(itest_array_size(arts, "added"), 1);
	assert_string_equal(jstr(json_array_get(json_object_get(arts, "added"), 0), "kind"),
			    "binary");
	assert_int_equal(itest_array_size(arts, "removed"), 1);
	assert_string_equal(jstr(json_array_get(json_object_get(arts, "removed"), 0), "name"),
			    "@itest/ui");
	assert_int_equal(itest_int(arts, "unchanged"), 1);

	/* gates: the binary makes the artifacts gate pass; ann's approval on rc.2
	 * completes the sign-offs; CI (no runs on either) did not change */
	const json_t *gates = json_object_get(o, "gates");
	assert_int_equal(json_array_size(gates), 2);
	const json_t *g0 = json_array_get(gates, 0), *g1 = json_array_get(gates, 1);
	assert_string_equal(jstr(g0, "gate"), "artifacts");
	assert_string_equal(jstr(json_object_get(g0, "base"), "status"), "pending");
	assert_string_equal(jstr(json_object_get(g0, "head"), "status"), "passed");
	assert_string_equal(jstr(g1, "gate"), "feedback");
	assert_string_equal(jstr(json_object_get(g1, "base"), "status"), "pending");
	assert_string_equal(jstr(json_object_get(g1, "head"), "status"), "passed");

	/* feedback: ann's open concern carried over and re-checked on rc.2 (her
	 * approval); zed's resolved one and sue's approval are not carried */
	const json_t *carried = json_object_get(json_object_get(o, "feedback"), "carried_over");
	assert_int_equal(json_array_size(carried), 1);
	const json_t *f = json_array_get(carried, 0);
	assert_string_equal(jstr(f, "author"), "ann@example.com");
	assert_string_equal(jstr(f, "verdict"), "concern");
	assert_true(json_is_true(json_object_get(f, "to_recheck")));
	const json_t *again = json_object_get(f, "rechecked_on_head");
	assert_string_equal(jstr(again, "verdict"), "approve");
	assert_string_equal(jstr(again, "comment"), "login is fast now");
	itest_response_free(&r);

	/* the other way round: what rc.2 has is gone, nothing is carried from
	 * rc.2 (it has no open concern), and it is not a later RC */
	o = compare(rc2, rc1, &r);
	prs = json_object_get(o, "pull_requests");
	assert_int_equal(itest_array_size(prs, "added"), 0);
	numbers(json_object_get(prs, "removed"), list, sizeof list);
	assert_string_equal(list, "3,4");
	arts = json_object_get(o, "artifacts");
	assert_string_equal(jstr(json_array_get(json_object_get(arts, "added"), 0), "name"),
			    "@itest/ui");
	assert_string_equal(jstr(json_array_get(json_object_get(arts, "removed"), 0), "kind"),
			    "binary");
	assert_int_equal(json_array_size(json_object_get(json_object_get(o, "feedback"),
							 "carried_over")),
			 0);
	itest_response_free(&r);
}

static void compare_refuses_bad_input(void **state)
{
	(void)state;
	static const struct {
		const char *query;
		long status;
		const char *slug, *detail;
	} cases[] = {
		{"", 400, NULL, "base"},
		{"?base=RC", 400, NULL, "head"},
		{"?head=RC", 400, NULL, "base"},
		{"?base=abc&head=RC", 400, "invalid-parameter", "base"},
		{"?base=RC&head=0", 400, "invalid-parameter", "head"},
		{"?base=RC&head=-3", 400, "invalid-parameter", "head"},
		{"?base=RC&head=99999999999999999999", 400, "invalid-parameter", "head"},
		{"?base=RC&head=RC&extra=1", 400, "unknown-parameter", "extra"},
		{"?base=987654&head=RC", 404, "not-found", "base: no release candidate 987654"},
		{"?base=RC&head=987654", 404, "not-found", "head: no release candidate 987654"},
	};
	char path[200], id[24];
	snprintf(id, sizeof id, "%ld", rc1);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		/* RC: rc.1's id */
		size_t len = (size_t)snprintf(path, sizeof path, "/api/v1/release-candidates/compare");
		for (const char *q = cases[i].query; *q && len < sizeof path - 24;) {
			if (!strncmp(q, "RC", 2)) {
				len += (size_t)snprintf(path + len, sizeof path - len, "%s", id);
				q += 2;
			} else {
				path[len++] = *q++;
			}
		}
		path[len] = '\0';
		struct itest_response r;
		itest_get(&server, path, reader, &r);
		if (r.status != cases[i].status)
			fail_msg("%s answered %ld: %s", path, r.status, r.body ? r.body : "");
		assert_non_null(strstr(r.headers, "application/problem+json"));
		if (cases[i].detail) {
			const char *d = json_string_value(json_object_get(r.json, "detail"));
			if (!d || !strstr(d, cases[i].detail))
				fail_msg("%s: detail \"%s\" lacks \"%s\"", path, d ? d : "",
					 cases[i].detail);
		}
		if (cases[i].slug)
			itest_assert_problem(&r, cases[i].status, cases[i].slug, NULL);
		itest_response_free(&r);
	}
	/* the same RC twice, and RCs of two repositories */
	struct itest_response r;
	snprintf(path, sizeof path, "/api/v1/release-candidates/compare?base=%ld&head=%ld", rc1,
		 rc1);
	itest_get(&server, path, reader, &r);
	itest_assert_problem(&r, 400, "invalid-parameter", "head: the same release candidate");
	assert_string_equal(jstr(json_array_get(json_object_get(r.json, "errors"), 0), "parameter"),
			    "head");
	itest_response_free(&r);
	snprintf(path, sizeof path, "/api/v1/release-candidates/compare?base=%ld&head=%ld", rc1,
		 other_rc);
	itest_get(&server, path, reader, &r);
	itest_assert_problem(&r, 400, "invalid-parameter", "of one repository");
	assert_non_null(strstr(json_string_value(json_object_get(r.json, "detail")), OTHER));
	itest_response_free(&r);
	/* reading needs a token */
	itest_get(&server, "/api/v1/release-candidates/compare?base=1&head=2", NULL, &r);
	assert_int_equal(r.status, 401);
	itest_response_free(&r);
}

/* ---- untried ---- */

/* "person,person" of a team's list */
static void people(const json_t *team, const char *key, char *out, size_t size)
{
	out[0] = '\0';
	size_t i, len = 0;
	const json_t *p;
	json_array_foreach(json_object_get(team, key), i, p)
		len += (size_t)snprintf(out + len, size - len, "%s%s", i ? "," : "",
					jstr(p, "person"));
}

static void untried_lists_the_people_of_each_signing_team(void **state)
{
	(void)state;
	struct itest_response r;
	char path[128], list[300];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/untried", rc2);
	json_t *o = call("GET", path, reader, NULL, 200, &r);
	assert_int_equal(itest_int(json_object_get(o, "release_candidate"), "id"), rc2);
	const json_t *teams = json_object_get(o, "teams");
	assert_int_equal(json_array_size(teams), 2);
	/* sales: ben (named, never seen) and zed (seen on rc.1, matched by the
	 * *@sales pattern); ann tried it; yan only gave feedback on another
	 * repository */
	const json_t *sales = json_array_get(teams, 0);
	assert_string_equal(jstr(sales, "team"), "sales");
	assert_int_equal(itest_int(sales, "min"), 1);
	people(sales, "untried", list, sizeof list);
	assert_string_equal(list, "ben@example.com,zed@sales.example.com");
	const json_t *ben = json_array_get(json_object_get(sales, "untried"), 0);
	const json_t *zed_row = json_array_get(json_object_get(sales, "untried"), 1);
	assert_true(json_is_true(json_object_get(ben, "named")));
	assert_true(json_is_null(json_object_get(ben, "seen")));
	assert_true(json_is_false(json_object_get(zed_row, "named")));
	assert_string_equal(jstr(json_object_get(zed_row, "seen"), "version"), "v1.0.0-rc.1");
	people(sales, "tried", list, sizeof list);
	assert_string_equal(list, "ann@example.com");
	/* support: sam (named); sue tried it */
	const json_t *support = json_array_get(teams, 1);
	assert_string_equal(jstr(support, "team"), "support");
	people(support, "untried", list, sizeof list);
	assert_string_equal(list, "sam@example.com");
	people(support, "tried", list, sizeof list);
	assert_string_equal(list, "sue@example.com");
	itest_response_free(&r);

	/* on rc.1, ann and sue tried it; zed too (his concern, resolved) */
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/untried", rc1);
	o = call("GET", path, reader, NULL, 200, &r);
	people(json_array_get(json_object_get(o, "teams"), 0), "untried", list, sizeof list);
	assert_string_equal(list, "ben@example.com");
	people(json_array_get(json_object_get(o, "teams"), 0), "tried", list, sizeof list);
	assert_string_equal(list, "ann@example.com,zed@sales.example.com");
	itest_response_free(&r);

	static const char *const bad[] = {"0", "abc", "-1", "99999999999999999999"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(path, sizeof path, "/api/v1/release-candidates/%s/untried", bad[i]);
		itest_get(&server, path, reader, &r);
		itest_assert_problem(&r, 400, "invalid-parameter", "id");
		itest_response_free(&r);
	}
	itest_get(&server, "/api/v1/release-candidates/987654/untried", reader, &r);
	itest_assert_problem(&r, 404, "not-found", "no release candidate 987654");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/release-candidates/1/untried?x=1", reader, &r);
	itest_assert_problem(&r, 400, "unknown-parameter", "x");
	itest_response_free(&r);
}

/* ---- asking for feedback ---- */

static void ask(long rc, const char *token, const char *body, struct itest_response *r)
{
	char path[128];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback-requests", rc);
	itest_json(&server, "POST", path, token, body, r);
}

static void asking_for_feedback_notifies_the_sinks_with_the_form(void **state)
{
	(void)state;
	struct itest_response r;
	/* not a release manager: 403, nothing sent */
	ask(rc2, ann, "{}", &r);
	itest_assert_problem(&r, 403, "forbidden", "release");
	itest_response_free(&r);
	ask(rc2, reader, "{}", &r);
	itest_assert_problem(&r, 403, "forbidden", NULL);
	itest_response_free(&r);

	ask(rc2, rm, "{\"message\":\"Please try the new login\"}", &r);
	if (r.status != 201)
		fail_msg("asking answered %ld: %s", r.status, r.body ? r.body : "");
	char form[128];
	snprintf(form, sizeof form, BASE_URL "/feedback/%ld", rc2);
	assert_string_equal(jstr(r.json, "form_url"), form);
	assert_int_equal(itest_int(r.json, "notified"), 1);
	assert_string_equal(jstr(r.json, "requested_by"), "rm@example.com");
	assert_int_equal(itest_array_size(r.json, "teams"), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(r.json, "teams"), 0)),
			    "sales");
	assert_non_null(strstr(jstr(r.json, "changes"), "4 changes"));
	assert_non_null(strstr(jstr(r.json, "changes"), "2 new since v1.0.0-rc.1"));
	itest_response_free(&r);

	/* the sink gets it: the RC, what changed, the form's link */
	assert_true(http_sink_wait(sink, "/hook", 1, 15000));
	struct http_sink_request got;
	assert_true(http_sink_get(sink, "/hook", 0, &got));
	assert_non_null(got.json);
	assert_string_equal(jstr(got.json, "event"), "feedback.requested");
	const json_t *data = json_object_get(got.json, "data");
	assert_string_equal(jstr(data, "version"), "v1.0.0-rc.2");
	assert_string_equal(jstr(data, "repository"), REPO);
	assert_string_equal(jstr(data, "message"), "Please try the new login");
	assert_string_equal(jstr(json_object_get(got.json, "links"), "feedback_form"), form);
	const char *summary = jstr(got.json, "summary");
	assert_non_null(strstr(summary, "v1.0.0-rc.2"));
	assert_non_null(strstr(summary, "sales, support"));
	assert_non_null(strstr(summary, "4 changes"));
	http_sink_request_free(&got);

	/* again at once: 429 with Retry-After, nothing sent */
	ask(rc2, rm, "{\"teams\":[\"sales\"]}", &r);
	itest_assert_problem(&r, 429, "rate-limited", "15 minutes");
	char ra[16];
	assert_true(itest_header(&r, "Retry-After", ra, sizeof ra));
	assert_true(atol(ra) > 0 && atol(ra) <= 900);
	itest_response_free(&r);
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM feedback_requests"), 1);

	/* 16 minutes later it may ask again, here only sales */
	restart_at("2026-03-05T10:16:00Z");
	ask(rc2, rm, "{\"teams\":[\"SALES\",\"sales\"]}", &r);
	assert_int_equal(r.status, 201);
	assert_int_equal(itest_array_size(r.json, "teams"), 1);
	itest_response_free(&r);
	assert_true(http_sink_wait(sink, "/hook", 2, 15000));

	/* an admin token may too; rc.1 was superseded by rc.2: no more feedback */
	ask(rc1, ITEST_ADMIN_TOKEN, "{}", &r);
	itest_assert_problem(&r, 409, "conflict", "superseded");
	itest_response_free(&r);
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM feedback_requests"), 2);
}

static void asking_for_feedback_refuses_bad_input(void **state)
{
	(void)state;
	static const struct {
		const char *body;
		long status;
		const char *slug, *detail;
	} cases[] = {
		{"", 400, "malformed-json", NULL},
		{"[", 400, "malformed-json", NULL},
		{"[]", 400, NULL, NULL},
		{"{\"teams\":\"sales\"}", 400, "invalid-field", "teams"},
		{"{\"teams\":[1]}", 400, "invalid-field", "teams[0]"},
		{"{\"teams\":[\"nobody\"]}", 400, "invalid-field", "teams[0]: no team \"nobody\""},
		{"{\"teams\":[\"sales\",\"x\"]}", 400, "invalid-field", "teams[1]"},
		{"{\"teams\":[\"\"]}", 400, "invalid-field", "teams[0]"},
		{"{\"message\":\"\"}", 400, "invalid-field", "message"},
		{"{\"message\":\"  \\n \"}", 400, "invalid-field", "message: is only whitespace"},
		{"{\"message\":7}", 400, "invalid-field", "message"},
		{"{\"other\":1}", 400, "unknown-field", "other"},
	};
	struct itest_response r;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ask(rc2, rm, cases[i].body, &r);
		if (r.status != cases[i].status)
			fail_msg("%s answered %ld: %s", cases[i].body, r.status,
				 r.body ? r.body : "");
		assert_non_null(strstr(r.headers, "application/problem+json"));
		if (cases[i].slug)
			itest_assert_problem(&r, cases[i].status, cases[i].slug, cases[i].detail);
		else if (cases[i].detail)
			assert_non_null(strstr(json_string_value(json_object_get(r.json, "detail")),
					       cases[i].detail));
		itest_response_free(&r);
	}
	/* a message over 1000 characters; 20 teams at most */
	char *big = malloc(1100);
	strcpy(big, "{\"message\":\"");
	memset(big + 12, 'x', 1001);
	strcpy(big + 1013, "\"}");
	ask(rc2, rm, big, &r);
	itest_assert_problem(&r, 400, "invalid-field", "message");
	itest_response_free(&r);
	strcpy(big, "{\"teams\":[");
	for (int i = 0; i < 21; i++)
		strcat(big, i ? ",\"sales\"" : "\"sales\"");
	strcat(big, "]}");
	ask(rc2, rm, big, &r);
	itest_assert_problem(&r, 400, "invalid-field", "teams");
	itest_response_free(&r);
	free(big);
	/* the id, the content type, an unknown RC */
	itest_json(&server, "POST", "/api/v1/release-candidates/abc/feedback-requests", rm, "{}",
		   &r);
	itest_assert_problem(&r, 400, "invalid-parameter", "id");
	itest_response_free(&r);
	ask(987654, rm, "{}", &r);
	itest_assert_problem(&r, 404, "not-found", "no release candidate 987654");
	itest_response_free(&r);
	char auth[200];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", rm);
	const char *h[] = {auth, "Content-Type: text/plain", NULL};
	char path[128];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback-requests", rc2);
	itest_http(&server, "POST", path, h, "{}", 2, &r);
	itest_assert_problem(&r, 415, "unsupported-media-type", NULL);
	itest_response_free(&r);
	/* none of it asked anything */
	assert_int_equal(itest_sql_longf(db_url, "SELECT count(*) FROM feedback_requests"), 2);
}

/* Release managers asking about one RC at the same moment: one request
 * passes, the others are refused with 429; one message is sent. */
struct racer {
	long rc;
	long status;
};

static void *race(void *arg)
{
	struct racer *x = arg;
	struct itest_response r;
	ask(x->rc, rm, "{}", &r);
	x->status = r.status;
	itest_response_free(&r);
	return NULL;
}

static void asking_at_once_sends_one_request(void **state)
{
	(void)state;
	enum { N = 6 };
	pthread_t t[N];
	struct racer x[N];
	size_t before = http_sink_count(sink, "/hook");
	for (int i = 0; i < N; i++) {
		x[i] = (struct racer){other_rc, 0};
		assert_int_equal(pthread_create(&t[i], NULL, race, &x[i]), 0);
	}
	int created = 0, limited = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		created += x[i].status == 201;
		limited += x[i].status == 429;
	}
	assert_int_equal(created, 1);
	assert_int_equal(limited, N - 1);
	assert_int_equal(itest_sql_longf(db_url,
					 "SELECT count(*) FROM feedback_requests WHERE rc_id = %ld",
					 other_rc),
			 1);
	/* the sink subscribes to it: exactly one more message */
	assert_true(http_sink_wait(sink, "/hook", before + 1, 15000));
	assert_int_equal(itest_sql_longf(db_url,
					 "SELECT count(*) FROM notifications WHERE kind ="
					 " 'feedback.requested' AND entity_id = '%ld'",
					 other_rc),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(compare_lists_prs_artifacts_gates_and_carried_feedback),
		cmocka_unit_test(compare_refuses_bad_input),
		cmocka_unit_test(untried_lists_the_people_of_each_signing_team),
		cmocka_unit_test(asking_for_feedback_notifies_the_sinks_with_the_form),
		cmocka_unit_test(asking_for_feedback_refuses_bad_input),
		cmocka_unit_test(asking_at_once_sends_one_request),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
