/*
 * repos.c — repositories, pull requests, commits and branch health.
 *
 * Each answer is built by a few queries that return JSON text assembled in
 * SQL (json_build_object / json_agg), so a PR's runs or a commit's check
 * runs never cost one query per item; they are in db/repos.c and (a pull
 * request's) db/pulls.c.
 *
 * Branch health (GET .../branches/{branch}/health): per workflow of the
 * branch, the verdict of its latest run that has one (the red/green rule,
 * which workflow a run belongs to and which runs are green, red or carry no
 * verdict, is said once in migrations/017_branch_verdict.sql and shared
 * with the main.broken/main.fixed notifications).  The branch is red if any
 * workflow is red, green if every workflow with a verdict is green,
 * unknown when none has one.  When red: the workflow that turned red first
 * gives red_since (the created_at of its first failing run after its last
 * green run), that first failing run, the last green run, and the suspect
 * commits: the branch's sequence entries after the last green run's head
 * SHA up to and including the first failing run's head SHA (only the
 * failing commit when there was never a green run, or when the green commit
 * is not before it).  Pushes recorded with a gap or a rewrite are listed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "db/pulls.h"
#include "db/repos.h"
#include "domain/policy.h"
#include "shiplog/app.h"
#include "shiplog/db.h"
#include "shiplog/hex.h"
#include "shiplog/validate.h"

/* Finds {owner}/{name}; on failure it has replied (404 or 503). */
static bool repo_lookup(struct http_request *r, struct db_conn *c, struct db_repo *out)
{
	char full[256];
	snprintf(full, sizeof full, "%s/%s", http_param(r, "owner"), http_param(r, "name"));
	int n = db_repos_find(c, full, out);
	if (n < 0) {
		http_reply_db_failure(r, "could not read the repository");
		return false;
	}
	if (n == 0) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "repository: %s is unknown to shiplog", full);
		return false;
	}
	return true;
}

/* ---- GET /api/v1/repos/{owner}/{name}: the repository and its policy ---- */

/* "owner/name" into full, or a 400 naming the malformed part. */
static bool repo_name_param(struct http_request *r, char *full, size_t size)
{
	const char *owner = http_param(r, "owner"), *name = http_param(r, "name");
	char probe[256];
	snprintf(probe, sizeof probe, "%s/x", owner);
	if (validate_repo_name(probe)) {
		http_reply_field_problem(
			r, PROBLEM_INVALID_PARAMETER, "owner",
			"expected a GitHub owner: letters, digits and '-' (at most "
			"39, not starting with '-')");
		return false;
	}
	snprintf(probe, sizeof probe, "x/%s", name);
	if (validate_repo_name(probe)) {
		http_reply_field_problem(
			r, PROBLEM_INVALID_PARAMETER, "name",
			"expected a repository name: letters, digits, '.', '_' and "
			"'-' (at most 100)");
		return false;
	}
	snprintf(full, size, "%s/%s", owner, name);
	return true;
}

void api_repos_get(struct http_request *r)
{
	char full[256];
	if (!repo_name_param(r, full, sizeof full))
		return;
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	json_t *row = NULL;
	if (db_repos_get(c, full, &row) < 0) {
		http_reply_db_failure(r, "could not read the repository");
		return;
	}
	const struct config *cfg = r->app->cfg;
	const struct config_repository *cr = config_find_repository(cfg, full);
	if (!row && !cr) {
		http_reply_problem(r, PROBLEM_NOT_FOUND,
				   "repository: %s is unknown to shiplog (not configured, and no "
				   "event named it)",
				   full);
		return;
	}
	struct config_releases pol;
	policy_of(cfg, full, &pol);
	/* GitHub's names once it has told them, else the configuration's */
	const char *name = row ? json_string_value(json_object_get(row, "full_name")) : NULL;
	const char *branch = row ? json_string_value(json_object_get(row, "default_branch")) : NULL;
	json_t *o = json_pack("{s:s, s:s, s:b, s:o, s:o, s:o}", "full_name", name ? name : cr->name,
			      "default_branch", branch ? branch : cr->default_branch, "configured",
			      cr != NULL, "repository", row ? row : json_null(), "policy",
			      policy_json(&pol), "policy_sources", policy_sources_json(&pol));
	http_reply_json(r, 200, o);
}

/* ---- GET /api/v1/repos ---- */

void api_repos_list(struct http_request *r)
{
	struct api_page pg;
	if (!api_page_parse(r, &pg))
		return;
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	json_t *rows = NULL;
	int n = db_repos_page(c, pg.has_cursor ? pg.before_id : INT64_MAX, pg.limit + 1, &rows);
	if (n < 0) {
		http_reply_db_failure(r, "could not list repositories");
		return;
	}
	json_t *items = json_array();
	size_t shown = json_array_size(rows) > (size_t)pg.limit ? (size_t)pg.limit
								  : json_array_size(rows);
	int64_t last = 0;
	for (size_t i = 0; i < shown; i++) {
		json_t *o = json_array_get(rows, i);
		last = json_integer_value(json_object_get(o, "id"));
		json_array_append(items, o);
	}
	char *next = n > pg.limit ? api_cursor_make(last, NULL) : NULL;
	json_decref(rows);
	http_reply_list(r, items, next);
	free(next);
}

/* ---- GET /api/v1/repos/{owner}/{name}/pulls/{number} ---- */

json_t *repos_pull_json(struct http_request *r, struct db_conn *c)
{
	struct db_repo repo;
	if (!repo_lookup(r, c, &repo))
		return NULL;
	const char *number = http_param(r, "number");
	struct db_pull_detail d;
	int n = db_pulls_detail(c, repo.id, number, repo.default_branch, &d);
	if (n < 0) {
		http_reply_db_failure(r, "could not read the pull request");
		return NULL;
	}
	if (n == 0) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "number: %s has no pull request #%s",
				   repo.full_name, number);
		return NULL;
	}
	if (!d.json) {
		db_pull_detail_free(&d);
		http_reply_problem(r, PROBLEM_INTERNAL, "could not build the answer");
		return NULL;
	}

	/*
	 * Its runs: head SHA one of the PR's SHAs, or linked explicitly
	 * (workflow_run.pull_requests), or on the PR's head branch — the branch
	 * match skips the default and base branches (a fork's "main"), runs
	 * created after the PR closed, and runs an earlier PR from the same
	 * branch had already claimed (created before that PR closed).
	 */
	json_t *runs = NULL;
	int64_t count = 0;
	n = db_pulls_runs(c, repo.id, &d, number, repo.default_branch, &runs, &count);
	json_t *pr = json_incref(d.json);
	db_pull_detail_free(&d);
	if (n < 0) {
		json_decref(pr);
		http_reply_db_failure(r, "could not read the pull request's runs");
		return NULL;
	}
	if (!runs)
		runs = json_array();
	bool truncated = n > 0 && count > 200;
	if (truncated)
		json_array_remove(runs, json_array_size(runs) - 1);
	json_object_set_new(pr, "runs", runs);
	json_object_set_new(pr, "runs_truncated", json_boolean(truncated));
	return pr;
}

void api_pulls_get(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	json_t *pr = repos_pull_json(r, c);
	if (pr)
		http_reply_json(r, 200, pr);
}

/* ---- GET /api/v1/repos/{owner}/{name}/commits/{sha} ---- */

void api_commits_get(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	struct db_repo repo;
	if (!repo_lookup(r, c, &repo))
		return;
	char prefix[41];
	hex_lower_copy(prefix, http_param(r, "sha"), sizeof prefix - 1);
	char found[2][HEX_SHA_LEN + 1];
	int n = db_repos_commit_find(c, repo.id, prefix, found);
	if (n < 0) {
		http_reply_db_failure(r, "could not read the commit");
		return;
	}
	if (n == 0) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "sha: no commit %s is known in %s", prefix,
				   repo.full_name);
		return;
	}
	if (n > 1) {
		http_reply_field_problem(r, PROBLEM_INVALID_PARAMETER, "sha",
					 "%s is ambiguous in %s; give more digits", prefix,
					 repo.full_name);
		return;
	}
	json_t *o = NULL;
	n = db_repos_commit_json(c, &repo, found[0], &o);
	if (n <= 0) {
		http_reply_db_failure(r, "could not read the commit");
		return;
	}
	if (!o) {
		http_reply_problem(r, PROBLEM_INTERNAL, "could not build the answer");
		return;
	}
	http_reply_json(r, 200, o);
}

/* ---- GET /api/v1/repos/{owner}/{name}/branches/{branch}/health ---- */

void api_branch_health(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	struct db_repo repo;
	if (!repo_lookup(r, c, &repo))
		return;
	const char *branch = http_param(r, "branch");
	struct db_branch_health h;
	int n = db_repos_branch_health(c, repo.id, branch, &h);
	if (n < 0) {
		http_reply_db_failure(r, "could not read the branch's runs");
		return;
	}
	json_t *o = json_pack("{s:s, s:s, s:b}", "repository", repo.full_name, "branch", branch,
			      "default_branch", strcmp(branch, repo.default_branch) == 0);
	const char *state = n == 0 ? "unknown" : "green";
	if (h.red) {
		state = "red";
		json_t *w0 = json_array_get(h.workflows, 0);
		json_object_set_new(o, "red_since", h.red_since);
		json_t *ff = json_object_get(w0, "first_failing"), *lg = json_object_get(w0, "last_green");
		json_object_set_new(o, "first_failing_run", ff ? json_incref(ff) : json_null());
		json_object_set_new(o, "last_green_run", lg ? json_incref(lg) : json_null());
		json_object_set_new(o, "failing_workflow", h.failing_workflow);
	} else {
		json_object_set_new(o, "red_since", json_null());
		json_object_set_new(o, "first_failing_run", json_null());
		json_object_set_new(o, "last_green_run", json_null());
	}
	json_object_set_new(o, "state", json_string(state));
	json_object_set_new(o, "workflows", h.workflows);

	json_t *suspects = NULL;
	if (h.red && h.red_sha[0]) {
		n = db_repos_branch_suspects(c, repo.id, branch, h.green_sha[0] ? h.green_sha : NULL,
					     h.red_sha, &suspects);
		if (n < 0) {
			json_decref(o);
			http_reply_db_failure(r, "could not read the suspects");
			return;
		}
	}
	json_object_set_new(o, "suspects", suspects ? suspects : json_array());

	/* gaps and rewrites recorded on the branch, newest first */
	json_t *gaps = NULL;
	n = db_repos_branch_gaps(c, repo.id, branch, &gaps);
	if (n < 0) {
		json_decref(o);
		http_reply_db_failure(r, "could not read the branch's pushes");
		return;
	}
	json_object_set_new(o, "gaps", gaps ? gaps : json_array());
	http_reply_json(r, 200, o);
}
