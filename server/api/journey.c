/*
 * journey.c — the product's central answers:
 *   GET /api/v1/repos/{owner}/{name}/pulls/{number}/journey — a PR's road
 *     from opened to released, as steps in the order they happened with
 *     the time spent since the previous step; steps not reached yet follow
 *     as pending, so a client can draw the whole road.  The release part
 *     (in RC, feedback, released) is the release that shipped the change;
 *     the other RCs and releases containing it are listed in `also_in`;
 *   GET /api/v1/repos/{owner}/{name}/commits/{sha}/where — which
 *     environments currently contain a commit, which artifacts were built
 *     from it.
 *
 * The glue: the journey's facts are loaded by db/journey.h (and
 * rc_journey_steps() for the release part) and assembled by
 * domain/journey.h; what "contains" means is said in db/journey.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "db/deployments.h"
#include "db/journey.h"
#include "domain/journey.h"
#include "webhooks/gh_rc.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/db.h"
#include "shiplog/xalloc.h"

/* The facts of a journey, loaded as the plan says. */
struct loaded {
	struct journey_ci_attempt *ci;
	size_t n_ci;
	struct journey_main main;
	bool have_main;
	struct journey_env *envs;
	size_t n_envs;
	json_t *release_steps, *also_in;
};

static void loaded_free(struct loaded *l)
{
	journey_ci_attempts_free(l->ci, l->n_ci);
	journey_main_clear(&l->main);
	journey_envs_free(l->envs, l->n_envs);
	json_decref(l->release_steps);
	json_decref(l->also_in);
}

static int load(struct http_request *r, struct db_conn *c, const json_t *pr, struct loaded *l)
{
	struct journey_plan plan;
	journey_plan(pr, &plan);
	size_t n_runs = json_array_size(json_object_get(pr, "runs"));
	int64_t *ids = xcalloc(n_runs + 1, sizeof *ids);
	size_t n_ids = journey_ci_run_ids(pr, ids, n_runs);
	int n = db_journey_ci_attempts(c, ids, n_ids, &l->ci);
	free(ids);
	if (n < 0)
		return n;
	l->n_ci = (size_t)n;
	/* unknown (or unreadable): no repository's facts */
	int64_t repo_id = 0;
	db_journey_repository_id(c, json_string_value(json_object_get(pr, "repository")), &repo_id);
	if (plan.on_default_branch) {
		n = db_journey_main(c, repo_id, plan.branch, plan.merge_seq, &l->main);
		if (n < 0)
			return n;
		l->have_main = true;
	}
	if (plan.closed_unmerged)
		return DB_OK;
	/* not (yet) on the default branch: no deployment counts */
	n = plan.on_default_branch
		    ? db_journey_envs(c, repo_id, plan.branch, plan.merge_seq, &l->envs)
		    : db_journey_envs(c, 0, "", 0, &l->envs);
	if (n < 0)
		return n;
	l->n_envs = (size_t)n;
	l->release_steps = json_array();
	l->also_in = json_pack("{s:[], s:[]}", "release_candidates", "releases");
	rc_settle(c, r->app->cfg);
	return rc_journey_steps(c, repo_id, plan.merge_sha, l->release_steps, l->also_in);
}

void api_journey_get(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	if (db_deployments_settle(c) < 0) {
		http_reply_db_failure(r, "could not bring deployments up to date");
		return;
	}
	json_t *pr = repos_pull_json(r, c);
	if (!pr)
		return;
	struct loaded l = {0};
	if (load(r, c, pr, &l) < 0) {
		loaded_free(&l);
		json_decref(pr);
		http_reply_db_failure(r, "could not read the journey");
		return;
	}
	struct journey_facts f = {.pr = pr,
				  .ci = l.ci,
				  .n_ci = l.n_ci,
				  .main = l.have_main ? &l.main : NULL,
				  .envs = l.envs,
				  .n_envs = l.n_envs,
				  .release_steps = l.release_steps,
				  .also_in = l.also_in};
	json_t *out = journey_assemble(&f);
	loaded_free(&l);
	json_decref(pr);
	http_reply_json(r, 200, out);
}

void api_commit_where(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	if (db_deployments_settle(c) < 0) {
		http_reply_db_failure(r, "could not bring deployments up to date");
		return;
	}
	char full[256];
	snprintf(full, sizeof full, "%s/%s", http_param(r, "owner"), http_param(r, "name"));
	const char *prefix = http_param(r, "sha");
	struct db_commit_match m;
	int n = db_commit_match(c, full, prefix, &m);
	if (n < 0) {
		http_reply_db_failure(r, "could not look the commit up");
		return;
	}
	if (!m.repository_found) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "repository: shiplog has not heard of %s", full);
		return;
	}
	if (m.matches > 1) {
		http_reply_field_problem(r, PROBLEM_INVALID_PARAMETER, "sha",
					 "%s is ambiguous in %s; give more digits", prefix,
					 m.repository);
		return;
	}
	if (m.matches == 0) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "sha: %s has no commit %s", m.repository,
				   prefix);
		return;
	}
	char now[40];
	clock_format_rfc3339(clock_now_us(), now, sizeof now);
	json_t *out = NULL;
	n = db_commit_where(c, m.repository_id, m.branch, m.sha, now, &out);
	if (n <= 0) {
		http_reply_db_failure(r, "could not work out where the commit is");
		return;
	}
	if (!out) {
		http_reply_problem(r, PROBLEM_INTERNAL, "could not build the answer");
		return;
	}
	/* the release candidates and releases containing it */
	rc_settle(c, r->app->cfg);
	json_t *rcs = json_array(), *releases = json_array();
	if (rc_containing_commit(c, m.repository_id, m.sha, rcs, releases) < 0) {
		json_decref(rcs);
		json_decref(releases);
		json_decref(out);
		http_reply_db_failure(r, "could not find the releases of the commit");
		return;
	}
	json_object_set_new(out, "release_candidates", rcs);
	json_object_set_new(out, "releases", releases);
	http_reply_json(r, 200, out);
}
