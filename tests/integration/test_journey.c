/*
 * test_journey.c — the journey of a change, end to end through the real
 * endpoints: PR opened → PR run → merged → main run with an e2e job →
 * artifacts posted → Flux deploys the merge commit to staging → the journey
 * lists every step in time order with durations and `where` says staging;
 * then a newer deploy, and staging reports 0 commits behind the default
 * branch.  Then the release part of the road: a change in v2.0.0-rc.1,
 * shipped by v2.0.0-rc.2 as v2.0.0, and merely contained by the later
 * v2.1.0-rc.1 (its feedback is not this change's; it is listed in
 * `also_in`).  Payloads are the real fixtures with ids, SHAs and times
 * rewritten to tell one consistent story; "now" is pinned with SHIPLOG_NOW
 * by restarting the server where the clock matters (RCs, feedback).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "github_send.h"
#include "itest.h"

#define REPO "acme/shop"
#define HEAD_SHA "1111111111111111111111111111111111111111"
#define BASE_SHA "0000000000000000000000000000000000000aaa"
#define MERGE_SHA "2222222222222222222222222222222222222222"
#define NEXT_SHA "3333333333333333333333333333333333333333"
/* the second pull request (#8) and the commits after it */
#define HEAD8_SHA  "8888888888888888888888888888888888888888"
#define MERGE8_SHA "4444444444444444444444444444444444444444"
#define FIX_SHA	   "5555555555555555555555555555555555555555"
#define LATER_SHA  "6666666666666666666666666666666666666666"

static struct itest_server server;
static char db_url[512];
static char cfg_path[64];

static int group_setup(void **state)
{
	(void)state;
	snprintf(cfg_path, sizeof cfg_path, "/tmp/shiplog-journey-XXXXXX");
	int fd = mkstemp(cfg_path);
	const char *yaml = "environments:\n"
			   "  - name: staging\n"
			   "    tier: staging\n"
			   "    order: 2\n"
			   "    flux:\n"
			   "      - {kind: Kustomization, namespace: flux-system, name: shop}\n";
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	itest_db_create("journey", db_url, sizeof db_url);
	setenv("ITEST_CONFIG", cfg_path, 1);
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, NULL};
	itest_server_start(&server, db_url, env);
	unsetenv("ITEST_CONFIG");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(cfg_path);
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

static void set_repo(json_t *payload)
{
	json_t *repo = json_object_get(payload, "repository");
	json_object_set_new(repo, "full_name", json_string(REPO));
	json_object_set_new(repo, "name", json_string("shop"));
	json_object_set_new(repo, "default_branch", json_string("main"));
	json_object_set_new(repo, "id", json_integer(4242));
}

static void send_ok(const char *event, json_t *payload)
{
	char id[64];
	struct itest_response r;
	gh_send_json(&server, event, gh_delivery_id(id, sizeof id), payload, &r);
	if (r.status != 200)
		fail_msg("%s delivery answered %ld: %s", event, r.status, r.body);
	itest_response_free(&r);
	json_decref(payload);
}

struct pull {
	int number;
	const char *title, *head_sha, *merge_sha, *opened_at;
};

static const struct pull pr7 = {7, "Checkout accepts gift cards", HEAD_SHA, MERGE_SHA,
				"2026-03-02T09:00:00Z"};
static const struct pull pr8 = {8, "Gift cards in the order history", HEAD8_SHA, MERGE8_SHA,
				"2026-04-01T09:00:00Z"};

static void pull_request_of(const struct pull *pl, const char *action, bool merged,
			    const char *updated_at)
{
	json_t *p = gh_load_fixture(!strcmp(action, "opened") ? "pull_request.opened.json"
							      : "pull_request.closed.json");
	set_repo(p);
	json_t *pr = json_object_get(p, "pull_request");
	json_object_set_new(p, "number", json_integer(pl->number));
	json_object_set_new(pr, "number", json_integer(pl->number));
	json_object_set_new(pr, "title", json_string(pl->title));
	json_object_set_new(pr, "created_at", json_string(pl->opened_at));
	json_object_set_new(pr, "updated_at", json_string(updated_at));
	json_object_set_new(json_object_get(pr, "head"), "ref", json_string("feature/gift-cards"));
	json_object_set_new(json_object_get(pr, "head"), "sha", json_string(pl->head_sha));
	json_object_set_new(json_object_get(pr, "base"), "ref", json_string("main"));
	json_object_set_new(json_object_get(pr, "base"), "sha", json_string(BASE_SHA));
	if (merged) {
		json_object_set_new(pr, "state", json_string("closed"));
		json_object_set_new(pr, "merged", json_true());
		json_object_set_new(pr, "merged_at", json_string(updated_at));
		json_object_set_new(pr, "closed_at", json_string(updated_at));
		json_object_set_new(pr, "merge_commit_sha", json_string(pl->merge_sha));
	}
	send_ok("pull_request", p);
}

static void pull_request(const char *action, bool merged, const char *updated_at)
{
	pull_request_of(&pr7, action, merged, updated_at);
}

static void workflow_run_attempt(long id, int attempt, const char *conclusion, const char *name,
				 const char *path, const char *branch, const char *sha,
				 const char *created, const char *updated)
{
	json_t *p = gh_load_fixture("workflow_run.completed.json");
	set_repo(p);
	json_t *wr = json_object_get(p, "workflow_run");
	json_object_set_new(wr, "id", json_integer(id));
	json_object_set_new(wr, "name", json_string(name));
	json_object_set_new(wr, "path", json_string(path));
	json_object_set_new(wr, "head_branch", json_string(branch));
	json_object_set_new(wr, "head_sha", json_string(sha));
	json_object_set_new(wr, "event", json_string("push"));
	json_object_set_new(wr, "pull_requests", json_array());
	json_object_set_new(wr, "conclusion", json_string(conclusion));
	json_object_set_new(wr, "run_attempt", json_integer(attempt));
	json_object_set_new(wr, "created_at", json_string(created));
	json_object_set_new(wr, "run_started_at", json_string(created));
	json_object_set_new(wr, "updated_at", json_string(updated));
	send_ok("workflow_run", p);
}

static void workflow_run(long id, const char *name, const char *path, const char *branch,
			 const char *sha, const char *created, const char *updated)
{
	workflow_run_attempt(id, 1, "success", name, path, branch, sha, created, updated);
}

static void workflow_job(long id, long run_id, const char *name, const char *sha,
			 const char *started, const char *completed)
{
	json_t *p = gh_load_fixture("workflow_job.completed.success.json");
	set_repo(p);
	json_t *j = json_object_get(p, "workflow_job");
	json_object_set_new(j, "id", json_integer(id));
	json_object_set_new(j, "run_id", json_integer(run_id));
	json_object_set_new(j, "run_attempt", json_integer(1));
	json_object_set_new(j, "name", json_string(name));
	json_object_set_new(j, "head_sha", json_string(sha));
	json_object_set_new(j, "head_branch", json_string("main"));
	json_object_set_new(j, "workflow_name", json_string("deploy"));
	json_object_set_new(j, "created_at", json_string(started));
	json_object_set_new(j, "started_at", json_string(started));
	json_object_set_new(j, "completed_at", json_string(completed));
	send_ok("workflow_job", p);
}

static void push_main(const char *before, const char *after, const char *at)
{
	json_t *p = gh_load_fixture("push.1.json");
	set_repo(p);
	json_object_set_new(p, "ref", json_string("refs/heads/main"));
	json_object_set_new(p, "before", json_string(before));
	json_object_set_new(p, "after", json_string(after));
	json_object_set_new(p, "created", json_false());
	json_object_set_new(p, "deleted", json_false());
	json_object_set_new(p, "forced", json_false());
	json_t *commit = json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "id", after, "message",
				   "Merge pull request #7", "timestamp", at, "author", "name",
				   "Dana", "email", "dana@example.com");
	json_object_set_new(p, "commits", json_pack("[o]", commit));
	json_object_set_new(p, "head_commit", json_deep_copy(commit));
	send_ok("push", p);
}

static void flux_deploy(const char *sha, const char *timestamp)
{
	char body[1024];
	int n = snprintf(body, sizeof body,
			 "{\"involvedObject\":{\"kind\":\"Kustomization\",\"namespace\":\"flux-system\","
			 "\"name\":\"shop\"},\"severity\":\"info\",\"timestamp\":\"%s\","
			 "\"message\":\"Reconciliation finished\",\"reason\":\"ReconciliationSucceeded\","
			 "\"metadata\":{\"revision\":\"main@sha1:%s\"},"
			 "\"reportingController\":\"kustomize-controller\"}",
			 timestamp, sha);
	struct itest_response r;
	itest_http(&server, "POST", "/webhooks/flux",
		   (const char *const[]){"Content-Type: application/json", NULL}, body, (size_t)n,
		   &r);
	if (r.status != 200)
		fail_msg("flux event answered %ld: %s", r.status, r.body);
	itest_response_free(&r);
}

/* The steps that have a time are in time order (non-decreasing); those
 * not reached (no time) may sit anywhere. */
static void assert_time_ordered(const json_t *steps)
{
	const char *prev = NULL, *prev_step = NULL;
	size_t i;
	const json_t *s;
	json_array_foreach(steps, i, s)
	{
		const char *at = json_string_value(json_object_get(s, "at"));
		const char *name = json_string_value(json_object_get(s, "step"));
		if (!at)
			continue;
		/* RFC 3339 UTC times of one format compare as strings */
		if (prev && strcmp(prev, at) > 0)
			fail_msg("step %s (%s) comes after %s (%s)", name, at, prev_step, prev);
		prev = at;
		prev_step = name;
	}
}

static const json_t *step_named(const json_t *steps, const char *name)
{
	size_t i;
	const json_t *s;
	json_array_foreach(steps, i, s)
	if (!strcmp(json_string_value(json_object_get(s, "step")), name))
		return s;
	return NULL;
}

static void journey_of_a_pull_request_from_opened_to_staging(void **state)
{
	(void)state;
	pull_request("opened", false, "2026-03-02T09:00:00Z");
	/* so far: opened, the rest pending */
	struct itest_response r;
	itest_get(&server, "/api/v1/repos/acme/shop/pulls/7/journey", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "current_step")), "ci");
	assert_string_equal(json_string_value(json_object_get(
				    step_named(json_object_get(r.json, "steps"), "merged"), "status")),
			    "pending");
	itest_response_free(&r);

	/* the PR workflow runs on push, so it carries no PR list: linked by SHA;
	 * its first attempt failed (a flaky test) and a re-run passed */
	workflow_run_attempt(5001, 1, "failure", "run tests", ".github/workflows/test.yaml",
			     "feature/gift-cards", HEAD_SHA, "2026-03-02T09:01:00Z",
			     "2026-03-02T09:06:00Z");
	workflow_run_attempt(5001, 2, "success", "run tests", ".github/workflows/test.yaml",
			     "feature/gift-cards", HEAD_SHA, "2026-03-02T09:01:00Z",
			     "2026-03-02T09:11:00Z");
	pull_request("closed", true, "2026-03-02T10:00:00Z");
	push_main(BASE_SHA, MERGE_SHA, "2026-03-02T10:00:05Z");
	workflow_run(5002, "deploy", ".github/workflows/deploy.yaml", "main", MERGE_SHA,
		     "2026-03-02T10:01:00Z", "2026-03-02T10:31:00Z");
	workflow_job(7001, 5002, "smoke-tests-github", MERGE_SHA, "2026-03-02T10:10:00Z",
		     "2026-03-02T10:30:00Z");
	itest_json(&server, "POST", "/api/v1/artifacts", ITEST_ADMIN_TOKEN,
		   "{\"kind\":\"image\",\"name\":\"acme/shop\",\"version\":\"main-22222222\","
		   "\"digest\":\"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
		   "\"repository\":\"" REPO "\",\"commit\":\"" MERGE_SHA "\"}",
		   &r);
	assert_int_equal(r.status, 201);
	itest_response_free(&r);
	flux_deploy(MERGE_SHA, "2026-03-02T10:45:00Z");

	itest_get(&server, "/api/v1/repos/acme/shop/pulls/7/journey", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	const json_t *steps = json_object_get(r.json, "steps");
	/* the failed first attempt is on the road, but does not hold the change up */
	const json_t *first_ci = json_array_get(steps, 1);
	assert_string_equal(json_string_value(json_object_get(first_ci, "step")), "ci");
	assert_string_equal(json_string_value(json_object_get(first_ci, "status")), "failed");
	/* in the order they happened: the last smoke test ends the main pipeline */
	assert_time_ordered(steps);
	json_array_remove((json_t *)(uintptr_t)steps, 1);
	static const char *const order[] = {"opened", "ci", "merged", "e2e", "main_pipeline",
					     "deployed:staging"};
	/* then the release steps, not reached yet */
	static const char *const later[] = {"in_rc", "feedback", "released"};
	assert_int_equal(json_array_size(steps), 9);
	for (size_t i = 0; i < 3; i++) {
		const json_t *s = json_array_get(steps, 6 + i);
		assert_string_equal(json_string_value(json_object_get(s, "step")), later[i]);
		assert_string_equal(json_string_value(json_object_get(s, "status")), "pending");
	}
	for (size_t i = 0; i < 6; i++) {
		const json_t *s = json_array_get(steps, i);
		assert_string_equal(json_string_value(json_object_get(s, "step")), order[i]);
		if (strcmp(json_string_value(json_object_get(s, "status")), "done"))
			fail_msg("step %s is %s", order[i],
				 json_string_value(json_object_get(s, "status")));
	}
	/* durations: each leg measured from the previous step */
	assert_true(json_is_null(json_object_get(json_array_get(steps, 0), "since_previous_seconds")));
	assert_int_equal(json_integer_value(json_object_get(step_named(steps, "ci"),
							    "since_previous_seconds")),
			 5 * 60); /* failed attempt 09:06 → the re-run passed 09:11 */
	assert_int_equal(json_integer_value(json_object_get(step_named(steps, "merged"),
							    "since_previous_seconds")),
			 49 * 60);
	assert_int_equal(json_integer_value(json_object_get(step_named(steps, "e2e"),
							    "since_previous_seconds")),
			 30 * 60);
	assert_int_equal(json_integer_value(json_object_get(step_named(steps, "main_pipeline"),
							    "since_previous_seconds")),
			 60); /* the smoke tests 10:30 → the pipeline done 10:31 */
	assert_string_equal(json_string_value(json_object_get(step_named(steps, "deployed:staging"),
							       "at")),
			    "2026-03-02T10:45:00Z");
	assert_string_equal(json_string_value(json_object_get(r.json, "current_step")), "in_rc");
	itest_response_free(&r);

	/* where is the merge commit now: on staging, and what was built from it */
	itest_get(&server, "/api/v1/repos/acme/shop/commits/2222222/where", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "sha")), MERGE_SHA);
	const json_t *env = json_array_get(json_object_get(r.json, "environments"), 0);
	assert_string_equal(json_string_value(json_object_get(env, "name")), "staging");
	assert_true(json_is_true(json_object_get(env, "contains")));
	assert_int_equal(json_array_size(json_object_get(r.json, "artifacts")), 1);
	itest_response_free(&r);

	/* a newer commit reaches main: staging is 1 behind, then deployed: 0 behind */
	push_main(MERGE_SHA, NEXT_SHA, "2026-03-03T08:00:00Z");
	itest_get(&server, "/api/v1/environments/staging", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(r.json, "behind_default_branch"), "commits")),
			 1);
	itest_response_free(&r);
	flux_deploy(NEXT_SHA, "2026-03-03T08:30:00Z");
	itest_get(&server, "/api/v1/environments/staging", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(itest_int(json_object_get(r.json, "behind_default_branch"), "commits"), 0);
	itest_response_free(&r);
	/* the newer deployment still contains the merge commit */
	itest_get(&server, "/api/v1/repos/acme/shop/commits/" MERGE_SHA "/where", ITEST_ADMIN_TOKEN,
		  &r);
	env = json_array_get(json_object_get(r.json, "environments"), 0);
	assert_true(json_is_true(json_object_get(env, "contains")));
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(env, "current_deployment"), "commit")),
			    NEXT_SHA);
	itest_response_free(&r);
}

/* Restarts the server with its clock pinned at `now` (same database). */
static void restart_at(const char *now)
{
	char now_env[64];
	snprintf(now_env, sizeof now_env, "SHIPLOG_NOW=%s", now);
	assert_int_equal(itest_server_stop(&server), 0);
	setenv("ITEST_CONFIG", cfg_path, 1);
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, now_env, NULL};
	itest_server_start(&server, db_url, env);
	unsetenv("ITEST_CONFIG");
}

/* POSTs `body` to `path` with the admin token, expects `status`; returns the
 * answer's "id" (0 when it has none). */
static long long post_expect(const char *method, const char *path, const char *body, long status)
{
	struct itest_response r;
	itest_json(&server, method, path, ITEST_ADMIN_TOKEN, body, &r);
	if (r.status != status)
		fail_msg("%s %s answered %ld: %s", method, path, r.status, r.body);
	long long id = (long long)json_integer_value(json_object_get(r.json, "id"));
	itest_response_free(&r);
	return id;
}

/* Cuts an RC at `now` and starts its testing. */
static long long cut_rc_at(const char *now, const char *version, const char *commit)
{
	restart_at(now);
	char body[256];
	snprintf(body, sizeof body,
		 "{\"repository\":\"" REPO "\",\"version\":\"%s\",\"commit\":\"%s\"}", version,
		 commit);
	long long id = post_expect("POST", "/api/v1/release-candidates", body, 201);
	char path[64];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%lld", id);
	post_expect("PATCH", path, "{\"state\":\"testing\"}", 200);
	return id;
}

static void give_feedback_at(const char *now, long long rc_id, const char *verdict,
			     const char *comment)
{
	restart_at(now);
	char path[96], body[512];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%lld/feedback", rc_id);
	snprintf(body, sizeof body,
		 "{\"verdict\":\"%s\",\"comment\":\"%s\",\"author\":\"sam@example.com\","
		 "\"team\":\"sales\"}",
		 verdict, comment);
	post_expect("POST", path, body, 201);
}

/* This story reports no CI and stages the RC's commit late, so approving
 * and releasing override readiness (the admin token may): the journey is
 * about what shipped, not about the gates. */
static void set_rc_state(long long rc_id, const char *state)
{
	char path[64], body[192];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%lld", rc_id);
	snprintf(body, sizeof body,
		 "{\"state\":\"%s\",\"override_reason\":\"checked by hand: no CI in this "
		 "story\"}",
		 state);
	post_expect("PATCH", path, body, 200);
}

/* The release part of the road belongs to the release that shipped the
 * change: #8 went into v2.0.0-rc.1 (a concern), v2.0.0-rc.2 fixed that (an
 * approval) and was released as v2.0.0.  v2.1.0-rc.1, cut later, contains
 * #8 too and was blocked — for something else: that block is not #8's
 * feedback, and v2.1.0-rc.1 is only "also in".  Every step in time order:
 * staging got #8 after it was in its first RC. */
static void journey_follows_the_release_that_shipped_the_change(void **state)
{
	(void)state;
	pull_request_of(&pr8, "opened", false, "2026-04-01T09:00:00Z");
	pull_request_of(&pr8, "closed", true, "2026-04-01T10:00:00Z");
	push_main(NEXT_SHA, MERGE8_SHA, "2026-04-01T10:00:05Z");

	long long rc1 = cut_rc_at("2026-04-02T09:00:00Z", "v2.0.0-rc.1", MERGE8_SHA);
	give_feedback_at("2026-04-02T15:00:00Z", rc1, "concern", "The order history is slow");
	flux_deploy(MERGE8_SHA, "2026-04-02T16:00:00Z");

	push_main(MERGE8_SHA, FIX_SHA, "2026-04-03T08:00:00Z");
	long long rc2 = cut_rc_at("2026-04-03T09:00:00Z", "v2.0.0-rc.2", FIX_SHA);
	give_feedback_at("2026-04-03T12:00:00Z", rc2, "approve", "Fast now");
	restart_at("2026-04-04T10:00:00Z");
	set_rc_state(rc2, "approved");
	set_rc_state(rc2, "released");

	push_main(FIX_SHA, LATER_SHA, "2026-04-09T08:00:00Z");
	long long later = cut_rc_at("2026-04-10T09:00:00Z", "v2.1.0-rc.1", LATER_SHA);
	give_feedback_at("2026-04-10T11:00:00Z", later, "block", "The new checkout loses the basket");

	struct itest_response r;
	itest_get(&server, "/api/v1/repos/acme/shop/pulls/8/journey", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	const json_t *steps = json_object_get(r.json, "steps");
	assert_time_ordered(steps);

	/* in the first candidate of the release that shipped it */
	const json_t *in_rc = step_named(steps, "in_rc");
	assert_string_equal(json_string_value(json_object_get(in_rc, "status")), "done");
	assert_string_equal(json_string_value(json_object_get(in_rc, "title")), "In RC v2.0.0-rc.1");
	assert_string_equal(json_string_value(json_object_get(in_rc, "at")), "2026-04-02T09:00:00Z");
	const json_t *line = json_object_get(json_object_get(in_rc, "detail"), "release_candidates");
	assert_int_equal(json_array_size(line), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(line, 0), "version")),
			    "v2.0.0-rc.1");
	assert_string_equal(json_string_value(json_object_get(json_array_get(line, 1), "version")),
			    "v2.0.0-rc.2");

	/* the feedback of those candidates, not the later one's block */
	const json_t *fb = step_named(steps, "feedback");
	const json_t *fd = json_object_get(fb, "detail");
	assert_string_equal(json_string_value(json_object_get(fb, "status")), "done");
	assert_string_equal(json_string_value(json_object_get(fb, "at")), "2026-04-02T15:00:00Z");
	assert_int_equal(json_integer_value(json_object_get(fd, "concern")), 1);
	assert_int_equal(json_integer_value(json_object_get(fd, "approve")), 1);
	assert_int_equal(json_integer_value(json_object_get(fd, "block")), 0);

	const json_t *rel = step_named(steps, "released");
	assert_string_equal(json_string_value(json_object_get(rel, "title")), "Released in v2.0.0");
	assert_string_equal(json_string_value(json_object_get(rel, "at")), "2026-04-04T10:00:00Z");

	/* staging had it after its first RC was cut: after "in RC" on the road */
	size_t i_rc = 0, i_staging = 0, i;
	const json_t *s;
	json_array_foreach(steps, i, s)
	{
		const char *name = json_string_value(json_object_get(s, "step"));
		if (!strcmp(name, "in_rc"))
			i_rc = i;
		else if (!strcmp(name, "deployed:staging"))
			i_staging = i;
	}
	assert_string_equal(json_string_value(json_object_get(step_named(steps, "deployed:staging"),
							       "at")),
			    "2026-04-02T16:00:00Z");
	assert_true(i_staging > i_rc);

	/* the later candidate that merely contains it, listed apart */
	const json_t *also = json_object_get(r.json, "also_in");
	const json_t *also_rcs = json_object_get(also, "release_candidates");
	assert_int_equal(json_array_size(also_rcs), 1);
	const json_t *b = json_array_get(also_rcs, 0);
	assert_string_equal(json_string_value(json_object_get(b, "version")), "v2.1.0-rc.1");
	assert_int_equal(json_integer_value(json_object_get(b, "id")), later);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(b, "feedback"), "block")),
			 1);
	assert_int_equal(json_array_size(json_object_get(also, "releases")), 0);
	itest_response_free(&r);

	/* #7, merged a month earlier, went out in the same release, and was on
	 * staging long before its first candidate */
	itest_get(&server, "/api/v1/repos/acme/shop/pulls/7/journey", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	steps = json_object_get(r.json, "steps");
	assert_time_ordered(steps);
	assert_string_equal(json_string_value(json_object_get(step_named(steps, "in_rc"), "title")),
			    "In RC v2.0.0-rc.1");
	assert_string_equal(
		json_string_value(json_object_get(step_named(steps, "released"), "title")),
		"Released in v2.0.0");
	assert_int_equal(
		json_array_size(json_object_get(json_object_get(r.json, "also_in"), "release_candidates")),
		1);
	itest_response_free(&r);
}

static void journey_and_where_answer_unknowns_with_404_and_bad_input_with_400(void **state)
{
	(void)state;
	struct itest_response r;
	itest_get(&server, "/api/v1/repos/acme/shop/pulls/999/journey", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 404, "/not-found", "999");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/repos/nobody/nothing/pulls/1/journey", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 404, "/not-found", NULL);
	itest_response_free(&r);
	itest_get(&server, "/api/v1/repos/acme/shop/commits/abcdef0/where", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 404, "/not-found", "abcdef0");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/repos/acme/shop/commits/xyz/where", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "sha");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/repos/acme/shop/pulls/seven/journey", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "number");
	itest_response_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(journey_of_a_pull_request_from_opened_to_staging),
		cmocka_unit_test(journey_follows_the_release_that_shipped_the_change),
		cmocka_unit_test(journey_and_where_answer_unknowns_with_404_and_bad_input_with_400),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
