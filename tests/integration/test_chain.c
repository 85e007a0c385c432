/*
 * test_chain.c — one change from pull request to main, built from the
 * fixtures with consistent ids, SHAs and times: a PR opened on a branch, CI
 * runs triggered by PUSHES to that branch (workflow_run.pull_requests
 * empty, so linked to the PR by SHA and branch), a re-run, a run linked only
 * through workflow_run.pull_requests, the PR merged (merge commit M), the
 * push of M to main, the main run on M — and what the PR and commit
 * answers make of it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "github_send.h"
#include "itest.h"

#define REPO "itest/chain"
#define ZERO "0000000000000000000000000000000000000000"
#define B0   "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"
#define P1   "1111111111aaaaaaaaaa1111111111aaaaaaaaaa"
#define P2   "2222222222bbbbbbbbbb2222222222bbbbbbbbbb"
#define M    "3333333333cccccccccc3333333333cccccccccc"
#define Q    "4444444444dddddddddd4444444444dddddddddd"
#define Z    "5555555555eeeeeeeeee5555555555eeeeeeeeee"

static struct itest_server server;
static char db_url[512];

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("chain", db_url, sizeof db_url);
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

static void set_repo(json_t *payload)
{
	json_t *repo = json_object_get(payload, "repository");
	assert_non_null(repo);
	json_object_set_new(repo, "full_name", json_string(REPO));
	json_object_set_new(repo, "name", json_string("chain"));
	json_object_set_new(repo, "default_branch", json_string("main"));
	json_object_set_new(repo, "master_branch", json_string("main"));
	json_object_set_new(repo, "html_url", json_string("https://github.com/" REPO));
	json_object_set_new(repo, "id", json_integer(424242));
}

static void deliver(const char *event, json_t *payload)
{
	char id[64];
	struct itest_response r;
	gh_send_json(&server, event, gh_delivery_id(id, sizeof id), payload, &r);
	if (r.status != 200)
		fail_msg("%s answered %ld: %s", event, r.status, r.body ? r.body : "");
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "processed");
	itest_response_free(&r);
	json_decref(payload);
}

/* The PR as GitHub describes it at `updated`: head `head`, from a fixture. */
static json_t *pr_event(const char *fixture, const char *action, const char *head,
			const char *updated)
{
	json_t *p = gh_load_fixture(fixture);
	set_repo(p);
	json_t *pr = json_object_get(p, "pull_request");
	json_object_set_new(p, "action", json_string(action));
	json_object_set_new(p, "number", json_integer(7));
	json_object_set_new(pr, "number", json_integer(7));
	json_object_set_new(pr, "title", json_string("Add login"));
	json_object_set_new(pr, "html_url", json_string("https://github.com/" REPO "/pull/7"));
	json_object_set_new(pr, "created_at", json_string("2024-03-01T09:00:00Z"));
	json_object_set_new(pr, "updated_at", json_string(updated));
	json_t *h = json_object_get(pr, "head");
	json_object_set_new(h, "ref", json_string("feature/login"));
	json_object_set_new(h, "sha", json_string(head));
	json_t *b = json_object_get(pr, "base");
	json_object_set_new(b, "ref", json_string("main"));
	json_object_set_new(b, "sha", json_string(B0));
	return p;
}

static json_t *push_event(const char *ref, const char *before, const char *after,
			  const char *const *commits, long pushed_at)
{
	json_t *p = gh_load_fixture("push.with-new-branch.json");
	set_repo(p);
	json_t *tmpl = json_deep_copy(json_array_get(json_object_get(p, "commits"), 0));
	json_object_set_new(p, "ref", json_string(ref));
	json_object_set_new(p, "before", json_string(before));
	json_object_set_new(p, "after", json_string(after));
	json_object_set_new(p, "created", json_boolean(strcmp(before, ZERO) == 0));
	json_t *list = json_array();
	for (size_t i = 0; commits[i]; i++) {
		json_t *c = json_deep_copy(tmpl);
		char msg[80];
		if (strcmp(commits[i], M) == 0)
			snprintf(msg, sizeof msg, "Merge pull request #7 from octo/feature/login");
		else
			snprintf(msg, sizeof msg, "work %.6s", commits[i]);
		json_object_set_new(c, "id", json_string(commits[i]));
		json_object_set_new(c, "message", json_string(msg));
		json_array_append_new(list, c);
	}
	json_object_set_new(p, "head_commit",
			    json_deep_copy(json_array_get(list, json_array_size(list) - 1)));
	json_object_set_new(p, "commits", list);
	json_object_set_new(json_object_get(p, "repository"), "pushed_at", json_integer(pushed_at));
	json_decref(tmpl);
	return p;
}

/* A workflow_run on a push (pull_requests empty unless pr_number > 0). */
static json_t *run_event(long id, int attempt, const char *workflow, const char *branch,
			 const char *sha, const char *conclusion, const char *created,
			 const char *updated, int pr_number)
{
	json_t *p = gh_load_fixture("workflow_run.completed.json");
	set_repo(p);
	json_t *wr = json_object_get(p, "workflow_run");
	char path[200], url[300];
	snprintf(path, sizeof path, ".github/workflows/%s.yml", workflow);
	snprintf(url, sizeof url, "https://github.com/" REPO "/actions/runs/%ld", id);
	json_object_set_new(wr, "id", json_integer(id));
	json_object_set_new(wr, "run_attempt", json_integer(attempt));
	json_object_set_new(wr, "name", json_string(workflow));
	json_object_set_new(wr, "path", json_string(path));
	json_object_set_new(wr, "head_branch", json_string(branch));
	json_object_set_new(wr, "head_sha", json_string(sha));
	json_object_set_new(wr, "event", json_string("push"));
	json_object_set_new(wr, "status", json_string("completed"));
	json_object_set_new(wr, "conclusion", json_string(conclusion));
	json_object_set_new(wr, "created_at", json_string(created));
	json_object_set_new(wr, "run_started_at", json_string(updated));
	json_object_set_new(wr, "updated_at", json_string(updated));
	json_object_set_new(wr, "html_url", json_string(url));
	json_object_set_new(json_object_get(wr, "head_commit"), "id", json_string(sha));
	json_t *prs = json_array();
	if (pr_number > 0)
		json_array_append_new(prs, json_pack("{s:i, s:{s:s, s:s}, s:{s:s, s:s}}", "number",
						     pr_number, "head", "ref", branch, "sha", sha,
						     "base", "ref", "main", "sha", B0));
	json_object_set_new(wr, "pull_requests", prs);
	json_t *wf = json_object_get(p, "workflow");
	json_object_set_new(wf, "name", json_string(workflow));
	json_object_set_new(wf, "path", json_string(path));
	return p;
}

static json_t *get_ok(const char *path, struct itest_response *r)
{
	itest_get(&server, path, ITEST_ADMIN_TOKEN, r);
	if (r->status != 200)
		fail_msg("GET %s answered %ld: %s", path, r->status, r->body ? r->body : "");
	return r->json;
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The run of the answer's list whose GitHub id is `external`, or NULL. */
static json_t *find_run(json_t *runs, const char *external)
{
	long id = itest_sql_longf(db_url, "SELECT id FROM runs WHERE external_id = '%s'", external);
	size_t i;
	json_t *run;
	json_array_foreach(runs, i, run) {
		if (json_integer_value(json_object_get(run, "id")) == id)
			return run;
	}
	return NULL;
}

static bool linked_by(const json_t *run, const char *how)
{
	size_t i;
	const json_t *v;
	json_array_foreach(json_object_get(run, "linked_by"), i, v) {
		if (strcmp(json_string_value(v), how) == 0)
			return true;
	}
	return false;
}

static void pr_to_main_chain_shows_in_the_pr_and_commit_answers(void **state)
{
	(void)state;
	/* main starts at B0 */
	const char *base[] = {B0, NULL};
	deliver("push", push_event("refs/heads/main", ZERO, B0, base, 1709280000));

	/* the branch is pushed; its CI runs on push (pull_requests empty) */
	const char *c1[] = {P1, NULL};
	deliver("push", push_event("refs/heads/feature/login", ZERO, P1, c1, 1709283500));
	deliver("workflow_run", run_event(5001, 1, "pr-checks", "feature/login", P1, "success",
					  "2024-03-01T08:59:00Z", "2024-03-01T09:05:00Z", 0));
	/* then the PR is opened (after that run began: linked by SHA, not by time) */
	json_t *opened = pr_event("pull_request.opened.json", "opened", P1, "2024-03-01T09:00:00Z");
	deliver("pull_request", opened);

	/* a second push to the branch: synchronize, a run that fails, then its re-run passes */
	const char *c2[] = {P2, NULL};
	deliver("push", push_event("refs/heads/feature/login", P1, P2, c2, 1709284200));
	json_t *sync = pr_event("pull_request.synchronize.json", "synchronize", P2,
				"2024-03-01T09:10:00Z");
	json_object_set_new(sync, "before", json_string(P1));
	json_object_set_new(sync, "after", json_string(P2));
	deliver("pull_request", sync);
	deliver("workflow_run", run_event(5002, 1, "pr-checks", "feature/login", P2, "failure",
					  "2024-03-01T09:10:30Z", "2024-03-01T09:15:00Z", 0));
	deliver("workflow_run", run_event(5002, 2, "pr-checks", "feature/login", P2, "success",
					  "2024-03-01T09:10:30Z", "2024-03-01T09:25:00Z", 0));
	/* a run linked only by workflow_run.pull_requests (another SHA and branch) */
	deliver("workflow_run", run_event(5008, 1, "label-check", "refs/pull/7/merge", Z, "success",
					  "2024-03-01T09:12:00Z", "2024-03-01T09:13:00Z", 7));
	/* an unrelated run on another branch */
	deliver("workflow_run", run_event(5009, 1, "pr-checks", "feature/other", Q, "success",
					  "2024-03-01T09:12:00Z", "2024-03-01T09:14:00Z", 0));

	/* merged: merge commit M */
	json_t *merged =
		pr_event("pull_request.closed.merged.json", "closed", P2, "2024-03-01T09:30:00Z");
	json_t *mpr = json_object_get(merged, "pull_request");
	json_object_set_new(mpr, "merge_commit_sha", json_string(M));
	json_object_set_new(mpr, "merged_at", json_string("2024-03-01T09:30:00Z"));
	json_object_set_new(mpr, "closed_at", json_string("2024-03-01T09:30:00Z"));
	deliver("pull_request", merged);
	/* the push of M to main, and the main run on M */
	const char *cm[] = {P1, P2, M, NULL};
	deliver("push", push_event("refs/heads/main", B0, M, cm, 1709285400));
	deliver("workflow_run", run_event(6001, 1, "deploy", "main", M, "success",
					  "2024-03-01T09:31:00Z", "2024-03-01T09:45:00Z", 0));
	/* a run on the PR's branch after the PR closed is not the PR's */
	deliver("workflow_run", run_event(5010, 1, "pr-checks", "feature/login", Q, "success",
					  "2024-03-01T09:50:00Z", "2024-03-01T09:55:00Z", 0));

	/* ---- the PR's answer ---- */
	struct itest_response r;
	json_t *pr = get_ok("/api/v1/repos/itest/chain/pulls/7", &r);
	assert_string_equal(jstr(pr, "state"), "closed");
	assert_true(json_is_true(json_object_get(pr, "merged")));
	assert_string_equal(jstr(pr, "merge_commit_sha"), M);
	assert_string_equal(jstr(pr, "merged_at"), "2024-03-01T09:30:00Z");
	assert_string_equal(jstr(pr, "head_ref"), "feature/login");
	assert_string_equal(jstr(pr, "head_sha"), P2);
	json_t *shas = json_object_get(pr, "head_shas");
	assert_int_equal(json_array_size(shas), 2);
	assert_string_equal(jstr(json_array_get(shas, 0), "sha"), P1);
	assert_string_equal(jstr(json_array_get(shas, 1), "sha"), P2);
	json_t *mc = json_object_get(pr, "merge_commit");
	assert_string_equal(jstr(mc, "sha"), M);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(mc, "default_branch"), "seq")),
		4);
	json_t *runs = json_object_get(pr, "runs");
	assert_int_equal(json_array_size(runs), 3);
	json_t *r1 = find_run(runs, "5001");
	assert_non_null(r1);
	assert_true(linked_by(r1, "sha"));
	assert_true(linked_by(r1, "branch"));
	assert_string_equal(jstr(r1, "event"), "push");
	assert_string_equal(jstr(r1, "conclusion"), "success");
	assert_string_equal(jstr(r1, "url"), "https://github.com/" REPO "/actions/runs/5001");
	assert_string_equal(jstr(r1, "created_at"), "2024-03-01T08:59:00Z");
	assert_non_null(jstr(r1, "kind"));
	json_t *r2 = find_run(runs, "5002");
	assert_non_null(r2);
	assert_int_equal(json_integer_value(json_object_get(r2, "attempt")), 2);
	assert_string_equal(jstr(r2, "status"), "completed");
	assert_string_equal(jstr(r2, "conclusion"), "success");
	json_t *r8 = find_run(runs, "5008");
	assert_non_null(r8);
	assert_true(linked_by(r8, "pull_request"));
	assert_false(linked_by(r8, "sha"));
	assert_null(find_run(runs, "6001"));
	assert_null(find_run(runs, "5009"));
	assert_null(find_run(runs, "5010"));
	/* newest first */
	assert_int_equal(json_integer_value(json_object_get(json_array_get(runs, 0), "id")),
			 itest_sql_longf(db_url, "SELECT id FROM runs WHERE external_id = '5008'"));
	itest_response_free(&r);

	/* ---- the merge commit's answer ---- */
	json_t *c = get_ok("/api/v1/repos/itest/chain/commits/" M, &r);
	assert_string_equal(jstr(c, "message"), "Merge pull request #7 from octo/feature/login");
	json_t *db = json_object_get(c, "default_branch");
	assert_string_equal(jstr(db, "name"), "main");
	assert_int_equal(json_integer_value(json_object_get(db, "seq")), 4);
	assert_false(json_is_true(json_object_get(db, "left")));
	runs = json_object_get(c, "runs");
	assert_int_equal(json_array_size(runs), 1);
	assert_non_null(find_run(runs, "6001"));
	assert_string_equal(jstr(json_array_get(runs, 0), "head_branch"), "main");
	json_t *prs = json_object_get(c, "pull_requests");
	assert_int_equal(json_array_size(prs), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(prs, 0), "number")), 7);
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(json_array_get(prs, 0), "via"), 0)),
			    "merge_commit");
	assert_string_equal(json_string_value(json_array_get(json_object_get(c, "branches"), 0)),
			    "main");
	itest_response_free(&r);

	/* ---- the PR's first commit, by a 7-digit prefix ---- */
	c = get_ok("/api/v1/repos/itest/chain/commits/1111111", &r);
	assert_string_equal(jstr(c, "sha"), P1);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(c, "default_branch"), "seq")),
		2);
	runs = json_object_get(c, "runs");
	assert_int_equal(json_array_size(runs), 1);
	assert_non_null(find_run(runs, "5001"));
	prs = json_object_get(c, "pull_requests");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(prs, 0), "number")), 7);
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(json_array_get(prs, 0), "via"), 0)),
			    "head_sha");
	json_t *branches = json_object_get(c, "branches");
	assert_int_equal(json_array_size(branches), 2);
	assert_string_equal(json_string_value(json_array_get(branches, 0)), "feature/login");
	assert_string_equal(json_string_value(json_array_get(branches, 1)), "main");
	itest_response_free(&r);

	/* ---- main is green on M ---- */
	json_t *h = get_ok("/api/v1/repos/itest/chain/branches/main/health", &r);
	assert_string_equal(jstr(h, "state"), "green");
	assert_int_equal(itest_array_size(h, "gaps"), 0);
	itest_response_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pr_to_main_chain_shows_in_the_pr_and_commit_answers),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
