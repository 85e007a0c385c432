/*
 * test_rc_story.c — the release story end to end, through the real
 * endpoints: PRs merged on main with labels → v1.2.0-rc.1 tag → readiness
 * pending (staging not yet, no feedback) → Flux deploys it to staging →
 * soak passes (a later pinned clock) → a Sales block → v1.2.0-rc.2
 * supersedes rc.1 and shows the block to re-check → fix confirmed, two
 * approvals → ready → the GitHub release is published → rc.2 released,
 * the release listed, the release notes right, the train and the journey
 * knowing it.
 *
 * GitHub deliveries are signed like GitHub signs them; Flux events go to
 * POST /webhooks/flux (generic provider, no secret).  "Now" is pinned with
 * SHIPLOG_NOW and moved by restarting the server against the same database.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "github_send.h"
#include "itest.h"

#define REPO "itest/story"
#define ZERO "0000000000000000000000000000000000000000"
#define A0   "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0"
#define A1   "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define A2   "a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2"
#define A3   "a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3"
#define A4   "a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4"
#define A5   "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5"
#define A6   "a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6"
#define D(n)                                                                                      \
	"sha256:" n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n n \
		n n n n n n n n n n n n n n n n n n n n n n n n

static struct itest_server server;
static char db_url[512];
static char config_path[256];
static char *alice, *carol, *ci;

static const char config_text[] =
	"repositories:\n"
	"  - name: " REPO "\n"
	"    default_branch: main\n"
	"jobs:\n"
	"  - {match: build, stage: build}\n"
	"  - {match: \"smoke-tests-*\", stage: e2e}\n"
	"  - {match: playwright-smoke-tests, stage: e2e, required: false}\n"
	"environments:\n"
	"  - name: staging\n"
	"    tier: staging\n"
	"    flux: [{kind: Kustomization, namespace: flux-system, name: apps}]\n"
	"teams:\n"
	"  - name: sales\n"
	"    members: [\"*@sales.example.com\"]\n"
	"  - name: support\n"
	"    members: [\"bob@support.example.com\"]\n"
	"releases:\n"
	"  rc_pattern: \"v*-rc.*\"\n"
	"  cadence: {every: 2w, anchor: \"2026-03-05\"}\n"
	"  required_artifacts: [\"chart:story\", \"image:itest/story\"]\n"
	"  gates:\n"
	"    staging: {soak: 30m}\n"
	"    approvals:\n"
	"      - {team: sales, min: 2}\n";

static void start_at(const char *now)
{
	char now_env[64], cfg_env[300];
	snprintf(now_env, sizeof now_env, "SHIPLOG_NOW=%s", now);
	snprintf(cfg_env, sizeof cfg_env, "SHIPLOG_CONFIG=%s", config_path);
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, now_env, cfg_env, NULL};
	itest_server_start(&server, db_url, env);
}

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("rcstory", db_url, sizeof db_url);
	snprintf(config_path, sizeof config_path, "/tmp/shiplog-rcstory-%d.yaml", (int)getpid());
	FILE *f = fopen(config_path, "w");
	assert_non_null(f);
	fputs(config_text, f);
	fclose(f);
	start_at("2026-03-05T10:00:00Z");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(alice);
	free(carol);
	free(ci);
	unlink(config_path);
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

static void restart_at(const char *now)
{
	assert_int_equal(itest_server_stop(&server), 0);
	start_at(now);
}

/* ---- GitHub deliveries ---- */

static void set_repo(json_t *payload)
{
	json_t *repo = json_object_get(payload, "repository");
	assert_non_null(repo);
	json_object_set_new(repo, "full_name", json_string(REPO));
	json_object_set_new(repo, "name", json_string("story"));
	json_object_set_new(repo, "default_branch", json_string("main"));
	json_object_set_new(repo, "master_branch", json_string("main"));
	json_object_set_new(repo, "html_url", json_string("https://github.com/" REPO));
	json_object_set_new(repo, "id", json_integer(515151));
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

/* A push of `ref` from before to after carrying `commit` (NULL: none). */
static void push(const char *ref, const char *before, const char *after, const char *commit,
		 const char *message, const char *pushed_at)
{
	json_t *p = gh_load_fixture("push.with-new-branch.json");
	set_repo(p);
	json_t *tmpl = json_deep_copy(json_array_get(json_object_get(p, "commits"), 0));
	json_object_set_new(p, "ref", json_string(ref));
	json_object_set_new(p, "before", json_string(before));
	json_object_set_new(p, "after", json_string(after));
	json_object_set_new(p, "created", json_boolean(strcmp(before, ZERO) == 0));
	json_object_set_new(p, "deleted", json_false());
	json_object_set_new(p, "forced", json_false());
	json_t *list = json_array();
	json_object_set_new(tmpl, "id", json_string(after));
	json_object_set_new(tmpl, "message", json_string(message ? message : "tag"));
	if (commit)
		json_array_append(list, tmpl);
	json_object_set_new(p, "head_commit", tmpl);
	json_object_set_new(p, "commits", list);
	json_object_set_new(json_object_get(p, "repository"), "pushed_at", json_string(pushed_at));
	deliver("push", p);
}

/* PR `number` merged into main as commit `merge` at `merged_at`. */
static void pr_merged(int number, const char *title, const char *label, const char *merge,
		      const char *merged_at)
{
	json_t *p = gh_load_fixture("pull_request.closed.merged.json");
	set_repo(p);
	json_t *pr = json_object_get(p, "pull_request");
	char url[128], branch[64];
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
	json_object_set_new(pr, "merged_at", json_string(merged_at));
	json_object_set_new(pr, "closed_at", json_string(merged_at));
	json_object_set_new(pr, "updated_at", json_string(merged_at));
	json_t *labels = json_array();
	if (label)
		json_array_append_new(labels,
				      json_pack("{s:s, s:s}", "name", label, "color", "ededed"));
	json_object_set_new(pr, "labels", labels);
	json_object_set_new(json_object_get(pr, "head"), "ref", json_string(branch));
	json_object_set_new(json_object_get(pr, "base"), "ref", json_string("main"));
	deliver("pull_request", p);
}

static void create_tag_event(const char *tag)
{
	json_t *p = gh_load_fixture("create.json");
	set_repo(p);
	json_object_set_new(p, "ref", json_string(tag));
	json_object_set_new(p, "ref_type", json_string("tag"));
	json_object_set_new(p, "master_branch", json_string("main"));
	deliver("create", p);
}

static void release_event(const char *action, long id, const char *tag, bool prerelease,
			  const char *published_at)
{
	json_t *p = gh_load_fixture("release.published.json");
	set_repo(p);
	json_t *rel = json_object_get(p, "release");
	char url[160];
	snprintf(url, sizeof url, "https://github.com/" REPO "/releases/tag/%s", tag);
	json_object_set_new(p, "action", json_string(action));
	json_object_set_new(rel, "id", json_integer(id));
	json_object_set_new(rel, "tag_name", json_string(tag));
	json_object_set_new(rel, "name", json_string(tag));
	json_object_set_new(rel, "html_url", json_string(url));
	json_object_set_new(rel, "target_commitish", json_string("main"));
	json_object_set_new(rel, "draft", json_false());
	json_object_set_new(rel, "prerelease", json_boolean(prerelease));
	json_object_set_new(rel, "created_at", json_string(published_at));
	json_object_set_new(rel, "published_at", json_string(published_at));
	deliver("release", p);
}

/* The deploy workflow on `sha`: build, two smoke tests (the playwright one
 * allowed to fail, and failing). */
static void ci_green(long run_id, const char *sha, const char *at)
{
	json_t *p = gh_load_fixture("workflow_run.completed.json");
	set_repo(p);
	json_t *wr = json_object_get(p, "workflow_run");
	json_object_set_new(wr, "id", json_integer(run_id));
	json_object_set_new(wr, "run_attempt", json_integer(1));
	json_object_set_new(wr, "name", json_string("deploy"));
	json_object_set_new(wr, "path", json_string(".github/workflows/deploy.yaml"));
	json_object_set_new(wr, "head_branch", json_string("main"));
	json_object_set_new(wr, "head_sha", json_string(sha));
	json_object_set_new(wr, "event", json_string("push"));
	json_object_set_new(wr, "status", json_string("completed"));
	json_object_set_new(wr, "conclusion", json_string("success"));
	json_object_set_new(wr, "created_at", json_string(at));
	json_object_set_new(wr, "run_started_at", json_string(at));
	json_object_set_new(wr, "updated_at", json_string(at));
	json_object_set_new(wr, "pull_requests", json_array());
	json_object_set_new(json_object_get(wr, "head_commit"), "id", json_string(sha));
	deliver("workflow_run", p);
	static const struct {
		const char *name, *conclusion;
	} jobs[] = {{"build", "success"},
		    {"smoke-tests-github", "success"},
		    {"playwright-smoke-tests", "failure"}};
	for (size_t i = 0; i < 3; i++) {
		json_t *j = gh_load_fixture("workflow_job.completed.success.json");
		set_repo(j);
		json_t *wj = json_object_get(j, "workflow_job");
		json_object_set_new(wj, "id", json_integer(run_id * 10 + (long)i));
		json_object_set_new(wj, "run_id", json_integer(run_id));
		json_object_set_new(wj, "run_attempt", json_integer(1));
		json_object_set_new(wj, "head_sha", json_string(sha));
		json_object_set_new(wj, "head_branch", json_string("main"));
		json_object_set_new(wj, "name", json_string(jobs[i].name));
		json_object_set_new(wj, "workflow_name", json_string("deploy"));
		json_object_set_new(wj, "status", json_string("completed"));
		json_object_set_new(wj, "conclusion", json_string(jobs[i].conclusion));
		json_object_set_new(wj, "created_at", json_string(at));
		json_object_set_new(wj, "started_at", json_string(at));
		json_object_set_new(wj, "completed_at", json_string(at));
		deliver("workflow_job", j);
	}
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

static char *make_token(const char *owner, const char *scopes)
{
	char body[300];
	snprintf(body, sizeof body, "{\"name\":\"%s\",\"owner\":\"%s\",\"scopes\":[%s]}", owner,
		 owner, scopes);
	struct itest_response r;
	call("POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN, body, 201, &r);
	char *t = strdup(json_string_value(json_object_get(r.json, "token")));
	itest_response_free(&r);
	return t;
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

static void flux_deployed(const char *sha, const char *timestamp)
{
	char body[800];
	snprintf(body, sizeof body,
		 "{\"involvedObject\":{\"kind\":\"Kustomization\",\"namespace\":\"flux-system\","
		 "\"name\":\"apps\",\"apiVersion\":\"kustomize.toolkit.fluxcd.io/v1\"},"
		 "\"severity\":\"info\",\"timestamp\":\"%s\",\"message\":\"Applied revision\","
		 "\"reason\":\"ReconciliationSucceeded\",\"metadata\":{\"revision\":\"main@sha1:%"
		 "s\"},"
		 "\"reportingController\":\"kustomize-controller\"}",
		 timestamp, sha);
	const char *h[] = {"Content-Type: application/json", NULL};
	struct itest_response r;
	itest_http(&server, "POST", "/webhooks/flux", h, body, strlen(body), &r);
	if (r.status != 200)
		fail_msg("flux answered %ld: %s", r.status, r.body ? r.body : "");
	itest_response_free(&r);
}

/* The id of the RC `version`, as the list answers it (0: none). */
static long rc_id_of(const char *version)
{
	struct itest_response r;
	itest_get(&server, "/api/v1/release-candidates?repo=" REPO, ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	long id = 0;
	size_t i;
	json_t *rc;
	json_array_foreach(json_object_get(r.json, "items"), i, rc) {
		if (!strcmp(json_string_value(json_object_get(rc, "version")), version))
			id = (long)json_integer_value(json_object_get(rc, "id"));
	}
	itest_response_free(&r);
	return id;
}

static const json_t *gate(const json_t *readiness, const char *key)
{
	size_t i;
	const json_t *g;
	json_array_foreach(json_object_get(readiness, "gates"), i, g) {
		if (!strcmp(json_string_value(json_object_get(g, "gate")), key))
			return g;
	}
	fail_msg("no gate %s", key);
	return NULL;
}

static void expect_gate(const json_t *readiness, const char *key, const char *status,
			const char *reason_part)
{
	const json_t *g = gate(readiness, key);
	const char *st = json_string_value(json_object_get(g, "status"));
	const char *reason = json_string_value(json_object_get(g, "reason"));
	if (strcmp(st, status) || (reason_part && !strstr(reason, reason_part)))
		fail_msg("gate %s: %s \"%s\", expected %s \"%s\"", key, st, reason, status,
			 reason_part ? reason_part : "");
}

static json_t *readiness(long id, struct itest_response *r)
{
	char path[128];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/readiness", id);
	return call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, r);
}

static long feedback(long rc, const char *token, const char *body, long want)
{
	char path[128];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback", rc);
	struct itest_response r;
	call("POST", path, token, body, want, &r);
	long id = (long)json_integer_value(json_object_get(r.json, "id"));
	itest_response_free(&r);
	return id;
}

/* ---- the story ---- */

static void the_release_story(void **state)
{
	(void)state;
	struct itest_response r;
	alice = make_token("alice@sales.example.com", "\"feedback\"");
	carol = make_token("carol@sales.example.com", "\"feedback\"");
	ci = make_token("release-bot", "\"ci\"");

	/* the previous release: PR #10, v1.1.0 */
	pr_merged(10, "Initial API", "enhancement", A0, "2026-02-20T09:00:00Z");
	push("refs/heads/main", ZERO, A0, A0, "Merge pull request #10", "2026-02-20T09:00:10Z");
	push("refs/tags/v1.1.0", ZERO, A0, NULL, NULL, "2026-02-20T11:00:00Z");
	release_event("published", 7001, "v1.1.0", false, "2026-02-20T12:00:00Z");

	/* the next train: five PRs, one of them excluded from the notes */
	static const struct {
		int number;
		const char *title, *label, *sha, *at, *pushed;
	} prs[] = {
		{11, "Add login", "enhancement", A1, "2026-03-02T09:00:00Z",
		 "2026-03-02T09:00:10Z"},
		{12, "Fix crash on save", "bug", A2, "2026-03-02T10:00:00Z",
		 "2026-03-02T10:00:10Z"},
		{13, "Refresh button colours", "ui", A3, "2026-03-03T09:00:00Z",
		 "2026-03-03T09:00:10Z"},
		{14, "Bump yaml to 1.4", "exclude from release notes", A4, "2026-03-03T10:00:00Z",
		 "2026-03-03T10:00:10Z"},
		{15, "Tidy logs", NULL, A5, "2026-03-04T09:00:00Z", "2026-03-04T09:00:10Z"},
	};
	const char *before = A0;
	for (size_t i = 0; i < sizeof prs / sizeof prs[0]; i++) {
		char msg[64];
		snprintf(msg, sizeof msg, "Merge pull request #%d", prs[i].number);
		pr_merged(prs[i].number, prs[i].title, prs[i].label, prs[i].sha, prs[i].at);
		push("refs/heads/main", before, prs[i].sha, prs[i].sha, msg, prs[i].pushed);
		before = prs[i].sha;
	}
	ci_green(9001, A5, "2026-03-04T09:30:00Z");
	artifact("chart", "story", "1.2.0-rc.1", D("1"), A5);
	artifact("image", "itest/story", "v1.2.0-rc.1", D("2"), A5);

	/* v1.2.0-rc.1: the tag push and the create event make ONE RC */
	create_tag_event("v1.2.0-rc.1");
	push("refs/tags/v1.2.0-rc.1", ZERO, A5, NULL, NULL, "2026-03-05T08:00:00Z");
	call("GET", "/api/v1/release-candidates?repo=" REPO, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	json_t *rc1 = json_array_get(json_object_get(r.json, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(rc1, "version")), "v1.2.0-rc.1");
	assert_string_equal(json_string_value(json_object_get(rc1, "target")), "v1.2.0");
	assert_string_equal(json_string_value(json_object_get(rc1, "state")), "testing");
	assert_string_equal(json_string_value(json_object_get(rc1, "commit")), A5);
	long rc1_id = (long)json_integer_value(json_object_get(rc1, "id"));
	itest_response_free(&r);

	/* readiness: CI, smoke tests and artifacts are there; staging and
	 * feedback are not yet */
	json_t *ready = readiness(rc1_id, &r);
	assert_string_equal(json_string_value(json_object_get(ready, "verdict")), "pending");
	expect_gate(ready, "ci", "passed", "all 1 required jobs passed on a5a5a5a");
	expect_gate(ready, "smoke_tests", "passed", "1 optional job failed");
	expect_gate(ready, "artifacts", "passed", "all 2 required artifacts");
	expect_gate(ready, "staging", "pending", "staging has no deployment yet");
	expect_gate(ready, "feedback", "pending", "approvals needed: sales 0 of 2");
	itest_response_free(&r);

	/* Flux deploys it to staging ten minutes before "now" */
	flux_deployed(A5, "2026-03-05T09:50:00Z");
	ready = readiness(rc1_id, &r);
	expect_gate(ready, "staging", "pending", "healthy for 10 min of the 30 min soak");
	itest_response_free(&r);

	/* 45 minutes later it has soaked */
	restart_at("2026-03-05T10:35:00Z");
	ready = readiness(rc1_id, &r);
	expect_gate(ready, "staging", "passed", "staging runs the RC's revision (a5a5a5a)");
	assert_string_equal(json_string_value(json_object_get(ready, "verdict")), "pending");
	itest_response_free(&r);

	/* Sales blocks it */
	long block_id = feedback(rc1_id, alice,
				 "{\"verdict\":\"block\",\"severity\":\"high\",\"area\":\"login\","
				 "\"comment\":\"SSO login loops back to the sign-in page\"}",
				 201);
	char path[160];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback?verdict=block",
		 rc1_id);
	call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	json_t *fb = json_array_get(json_object_get(r.json, "items"), 0);
	assert_int_equal(json_integer_value(json_object_get(fb, "id")), block_id);
	assert_string_equal(json_string_value(json_object_get(fb, "author")),
			    "alice@sales.example.com");
	assert_string_equal(json_string_value(json_object_get(fb, "team")), "sales");
	assert_true(json_is_true(json_object_get(fb, "verified")));
	/* what was running when she said it */
	json_t *running = json_object_get(fb, "running");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(running, "staging"), "commit")),
		A5);
	assert_int_equal(json_array_size(json_object_get(running, "artifacts")), 2);
	itest_response_free(&r);
	ready = readiness(rc1_id, &r);
	assert_string_equal(json_string_value(json_object_get(ready, "verdict")), "failed");
	expect_gate(ready, "feedback", "failed",
		    "unresolved block by alice@sales.example.com (sales) on v1.2.0-rc.1");
	itest_response_free(&r);

	/* the fix, and v1.2.0-rc.2 */
	pr_merged(16, "Fix SSO login loop", "bug", A6, "2026-03-05T10:20:00Z");
	push("refs/heads/main", A5, A6, A6, "Merge pull request #16", "2026-03-05T10:21:00Z");
	ci_green(9002, A6, "2026-03-05T10:25:00Z");
	artifact("chart", "story", "1.2.0-rc.2", D("3"), A6);
	artifact("image", "itest/story", "v1.2.0-rc.2", D("4"), A6);
	push("refs/tags/v1.2.0-rc.2", ZERO, A6, NULL, NULL, "2026-03-05T10:30:00Z");
	long rc2_id = rc_id_of("v1.2.0-rc.2");
	assert_true(rc2_id > 0);
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld", rc1_id);
	call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_string_equal(json_string_value(json_object_get(r.json, "state")), "superseded");
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(r.json, "superseded_by"), "id")),
		rc2_id);
	itest_response_free(&r);
	/* rc.1 takes no more feedback */
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/feedback", rc1_id);
	itest_json(&server, "POST", path, carol, "{\"verdict\":\"approve\"}", &r);
	itest_assert_problem(&r, 409, "/conflict", "give it on v1.2.0-rc.2");
	itest_response_free(&r);
	/* rc.2 shows the block to re-check */
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld", rc2_id);
	call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_string_equal(json_string_value(json_object_get(r.json, "state")), "testing");
	json_t *recheck = json_object_get(r.json, "to_recheck");
	assert_int_equal(json_array_size(recheck), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(recheck, 0), "id")),
			 block_id);
	assert_true(json_is_true(json_object_get(json_array_get(recheck, 0), "to_recheck")));
	itest_response_free(&r);

	/* staged at 10:40; the carried-over block still fails it */
	flux_deployed(A6, "2026-03-05T10:40:00Z");
	restart_at("2026-03-05T11:30:00Z");
	ready = readiness(rc2_id, &r);
	expect_gate(ready, "ci", "passed", NULL);
	expect_gate(ready, "smoke_tests", "passed", NULL);
	expect_gate(ready, "artifacts", "passed", NULL);
	expect_gate(ready, "staging", "passed", "a6a6a6a");
	expect_gate(ready, "feedback", "failed", "carried over until confirmed fixed");
	itest_response_free(&r);

	/* Alice confirms the fix on rc.2; two Sales approvals; an unverified one */
	char body[300];
	snprintf(body, sizeof body,
		 "{\"status\":\"resolved\",\"resolution\":\"fixed in rc.2\",\"fixed_in\":%ld}",
		 rc2_id);
	snprintf(path, sizeof path, "/api/v1/feedback/%ld", block_id);
	call("PATCH", path, alice, body, 200, &r);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "resolved");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(r.json, "fixed_in"), "version")),
		"v1.2.0-rc.2");
	itest_response_free(&r);
	feedback(rc2_id, alice, "{\"verdict\":\"approve\",\"comment\":\"login works\"}", 201);
	ready = readiness(rc2_id, &r);
	expect_gate(ready, "feedback", "pending", "sales 1 of 2");
	itest_response_free(&r);
	feedback(rc2_id, ITEST_ADMIN_TOKEN,
		 "{\"author\":\"dave@partner.example.com\",\"team\":\"sales\",\"verdict\":"
		 "\"approve\"}",
		 201);
	ready = readiness(rc2_id, &r);
	expect_gate(ready, "feedback", "pending", "sales 1 of 2"); /* free text never counts */
	itest_response_free(&r);
	feedback(rc2_id, carol, "{\"verdict\":\"approve\",\"area\":\"pipelines\"}", 201);
	ready = readiness(rc2_id, &r);
	assert_string_equal(json_string_value(json_object_get(ready, "verdict")), "ready");
	assert_true(json_is_true(json_object_get(ready, "ready")));
	expect_gate(ready, "feedback", "passed", "sales 2 of 2");
	itest_response_free(&r);
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld", rc2_id);
	call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_int_equal(itest_array_size(r.json, "to_recheck"), 0);
	itest_response_free(&r);

	/* the release manager approves it; GitHub publishes v1.2.0 */
	call("PATCH", path, ci, "{\"state\":\"approved\",\"reason\":\"all gates green\"}", 200, &r);
	assert_string_equal(json_string_value(json_object_get(r.json, "state")), "approved");
	itest_response_free(&r);
	push("refs/tags/v1.2.0", ZERO, A6, NULL, NULL, "2026-03-05T11:15:00Z");
	release_event("published", 7002, "v1.2.0", false, "2026-03-05T11:20:00Z");
	call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_string_equal(json_string_value(json_object_get(r.json, "state")), "released");
	json_t *history = json_object_get(r.json, "history");
	json_t *last = json_array_get(history, json_array_size(history) - 1);
	assert_string_equal(json_string_value(json_object_get(last, "to")), "released");
	assert_string_equal(json_string_value(json_object_get(last, "source")), "github");
	assert_string_equal(json_string_value(json_object_get(last, "fact")),
			    "release v1.2.0 published");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(r.json, "release"), "version")),
		"v1.2.0");
	itest_response_free(&r);
	call("GET", "/api/v1/releases?repo=" REPO, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	json_t *items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), 2);
	json_t *rel = json_array_get(items, 0);
	assert_string_equal(json_string_value(json_object_get(rel, "version")), "v1.2.0");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(rel, "release_candidate"), "version")),
			    "v1.2.0-rc.2");
	assert_string_equal(json_string_value(json_object_get(rel, "commit")), A6);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "version")),
			    "v1.1.0");
	itest_response_free(&r);

	/* what is in it: the notes, and what rc.2 added */
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/notes.md", rc2_id);
	call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	char ct[128];
	assert_true(itest_header(&r, "Content-Type", ct, sizeof ct));
	assert_non_null(strstr(ct, "text/markdown"));
	assert_string_equal(r.body, "## Enhancements\n\n"
				    "- PR: #11 - Add login\n"
				    "\n## UI\n\n"
				    "- PR: #13 - Refresh button colours\n"
				    "\n## Bugs\n\n"
				    "- PR: #12 - Fix crash on save\n"
				    "- PR: #16 - Fix SSO login loop\n"
				    "\n## Uncategorized\n\n"
				    "- PR: #15 - Tidy logs\n");
	itest_response_free(&r);
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/changes", rc2_id);
	call("GET", path, ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(r.json, "previous_release"), "version")),
			    "v1.1.0");
	assert_int_equal(json_integer_value(json_object_get(r.json, "count")), 5);
	json_t *excluded = json_object_get(r.json, "excluded");
	assert_int_equal(json_array_size(excluded), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(excluded, 0), "number")),
			 14);
	json_t *since = json_object_get(r.json, "since_previous_rc");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(since, "release_candidate"), "version")),
			    "v1.2.0-rc.1");
	assert_int_equal(json_array_size(json_object_get(since, "added")), 1);
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(since, "added"), 0), "number")),
			 16);
	assert_int_equal(itest_array_size(since, "removed"), 0);
	json_t *author = json_object_get(
		json_array_get(json_object_get(r.json, "pull_requests"), 0), "author");
	assert_true(json_is_string(author));
	itest_response_free(&r);

	/* the train: released on plan; v1.1.0 a day after its planned Thursday */
	call("GET", "/api/v1/train", ITEST_ADMIN_TOKEN, NULL, 200, &r);
	assert_string_equal(json_string_value(json_object_get(r.json, "repository")), REPO);
	assert_string_equal(json_string_value(json_object_get(r.json, "next_release_date")),
			    "2026-03-05");
	assert_true(json_is_null(json_object_get(r.json, "current_rc")));
	json_t *past = json_object_get(r.json, "past_releases");
	assert_int_equal(json_array_size(past), 2);
	assert_int_equal(itest_int(json_array_get(past, 0), "days_late"), 0);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(past, 1), "planned_for")),
		"2026-02-19");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(past, 1), "days_late")),
			 1);
	assert_int_equal(itest_int(json_object_get(r.json, "on_the_train"), "count"), 0);
	itest_response_free(&r);

	/* every change was recorded with who and when */
	assert_true(itest_sql_long(db_url,
				   "SELECT count(*) FROM events WHERE kind = 'rc.created'") == 2);
	assert_true(itest_sql_long(db_url, "SELECT count(*) FROM rc_state_changes WHERE actor = "
					   "'release-bot' AND to_state = 'approved'") == 1);
	assert_true(itest_sql_long(db_url, "SELECT count(*) FROM rc_state_changes WHERE "
					   "to_state = 'superseded' AND source = 'shiplog'") == 1);
}

/* A step of a journey by name: the steps come in the order they happened,
 * so a step's place depends on the times of the others. */
static const json_t *journey_step(const json_t *steps, const char *name)
{
	size_t i;
	const json_t *s;
	json_array_foreach(steps, i, s) {
		if (!strcmp(json_string_value(json_object_get(s, "step")), name))
			return s;
	}
	fail_msg("no step %s", name);
	return NULL;
}

/* The journey of the fix's PR: "In RC v1.2.0-rc.2", its feedback, "Released
 * in v1.2.0" (server/api/journey.c calls rc_journey_steps()); "where" lists
 * the RCs and releases of a commit. */
static void the_journey_and_where_know_the_rcs_and_the_release(void **state)
{
	(void)state;
	struct itest_response r;
	call("GET", "/api/v1/repos/" REPO "/pulls/16/journey", ITEST_ADMIN_TOKEN, NULL, 200, &r);
	json_t *steps = json_object_get(r.json, "steps");
	const json_t *step = journey_step(steps, "released");
	assert_string_equal(json_string_value(json_object_get(step, "status")), "done");
	assert_string_equal(json_string_value(json_object_get(step, "title")),
			    "Released in v1.2.0");
	assert_string_equal(json_string_value(json_object_get(step, "at")), "2026-03-05T11:20:00Z");
	step = journey_step(steps, "in_rc");
	assert_string_equal(json_string_value(json_object_get(step, "title")), "In RC v1.2.0-rc.2");
	step = journey_step(steps, "feedback");
	assert_string_equal(json_string_value(json_object_get(step, "status")), "done");
	itest_response_free(&r);
	/* the first PR of the train went out in the same release */
	call("GET", "/api/v1/repos/" REPO "/pulls/11/journey", ITEST_ADMIN_TOKEN, NULL, 200, &r);
	steps = json_object_get(r.json, "steps");
	step = journey_step(steps, "in_rc");
	assert_string_equal(json_string_value(json_object_get(step, "title")), "In RC v1.2.0-rc.1");
	step = journey_step(steps, "released");
	assert_string_equal(json_string_value(json_object_get(step, "title")),
			    "Released in v1.2.0");
	itest_response_free(&r);
	/* where: the RCs and releases containing a commit (server/api/journey.c
	 * calls rc_containing_commit()) */
	call("GET", "/api/v1/repos/" REPO "/commits/" A1 "/where", ITEST_ADMIN_TOKEN, NULL, 200,
	     &r);
	json_t *rcs = json_object_get(r.json, "release_candidates");
	assert_int_equal(json_array_size(rcs), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rcs, 0), "version")),
			    "v1.2.0-rc.1");
	json_t *rels = json_object_get(r.json, "releases");
	assert_int_equal(json_array_size(rels), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rels, 0), "version")),
			    "v1.2.0");
	itest_response_free(&r);
	call("GET", "/api/v1/repos/" REPO "/commits/" A6 "/where", ITEST_ADMIN_TOKEN, NULL, 200,
	     &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "release_candidates")), 1);
	itest_response_free(&r);
	call("GET", "/api/v1/repos/" REPO "/commits/" A0 "/where", ITEST_ADMIN_TOKEN, NULL, 200,
	     &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "releases")), 2);
	itest_response_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_release_story),
		cmocka_unit_test(the_journey_and_where_know_the_rcs_and_the_release),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
