/*
 * test_journey.c — the journey of a change, end to end through the real
 * endpoints: PR opened → PR run → merged → main run with an e2e job →
 * artifacts posted → Flux deploys the merge commit to staging → the journey
 * lists every step in order with durations and `where` says staging; then a
 * newer deploy, and staging reports 0 commits behind the default branch.
 * Payloads are the real fixtures with ids, SHAs and times rewritten to tell
 * one consistent story.
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

static void pull_request(const char *action, bool merged, const char *updated_at)
{
	json_t *p = gh_load_fixture(!strcmp(action, "opened") ? "pull_request.opened.json"
							      : "pull_request.closed.json");
	set_repo(p);
	json_t *pr = json_object_get(p, "pull_request");
	json_object_set_new(p, "number", json_integer(7));
	json_object_set_new(pr, "number", json_integer(7));
	json_object_set_new(pr, "title", json_string("Checkout accepts gift cards"));
	json_object_set_new(pr, "created_at", json_string("2026-03-02T09:00:00Z"));
	json_object_set_new(pr, "updated_at", json_string(updated_at));
	json_object_set_new(json_object_get(pr, "head"), "ref", json_string("feature/gift-cards"));
	json_object_set_new(json_object_get(pr, "head"), "sha", json_string(HEAD_SHA));
	json_object_set_new(json_object_get(pr, "base"), "ref", json_string("main"));
	json_object_set_new(json_object_get(pr, "base"), "sha", json_string(BASE_SHA));
	if (merged) {
		json_object_set_new(pr, "state", json_string("closed"));
		json_object_set_new(pr, "merged", json_true());
		json_object_set_new(pr, "merged_at", json_string(updated_at));
		json_object_set_new(pr, "closed_at", json_string(updated_at));
		json_object_set_new(pr, "merge_commit_sha", json_string(MERGE_SHA));
	}
	send_ok("pull_request", p);
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
	json_array_remove((json_t *)(uintptr_t)steps, 1);
	static const char *const order[] = {"opened", "ci", "merged", "main_pipeline", "e2e",
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
	assert_int_equal(json_integer_value(json_object_get(step_named(steps, "main_pipeline"),
							    "since_previous_seconds")),
			 31 * 60);
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
		cmocka_unit_test(journey_and_where_answer_unknowns_with_404_and_bad_input_with_400),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
