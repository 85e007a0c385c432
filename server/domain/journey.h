/*
 * domain/journey.h — a pull request's journey (GET
 * /api/v1/repos/{owner}/{name}/pulls/{number}/journey), assembled from
 * facts loaded beforehand: pure functions of structs and JSON.  The facts
 * come from db/journey.h (CI attempts, the main pipeline, the
 * environments) and rc_journey_steps() (the release part); api/journey.c
 * loads them as journey_plan() says and replies journey_assemble().
 *
 * The journey is a road of steps {"step", "title", "status", "at",
 * "detail"}: opened, one "ci" per attempt of the PR's runs, merged, the
 * main pipeline and its e2e stage, "deployed:<environment>" per
 * environment, then in RC, feedback and released.  Steps not reached are
 * "pending" with "at" null.  The answer lists them in the order they
 * happened (journey_order()) and names the current step
 * (journey_current_step()).
 */
#ifndef SHIPLOG_DOMAIN_JOURNEY_H
#define SHIPLOG_DOMAIN_JOURNEY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What to load for a pull request (repos_pull_json's object). */
struct journey_plan {
	bool merged;
	bool closed_unmerged; /* closed without merging: the road ends there */
	/* merged and its commit on the default branch (not rewritten away): the
	 * main pipeline and the deployments count from merge_seq on branch */
	bool on_default_branch;
	const char *branch; /* borrowed from the PR */
	int64_t merge_seq;
	/* the commit whose releases are the release part (NULL: not merged,
	 * nothing contains it yet) */
	const char *merge_sha;
};

void journey_plan(const json_t *pr, struct journey_plan *out);

/* The PR's runs that are its CI (not the main pipeline's runs of the merge
 * commit), in the PR's order: their ids in ids[0..result), at most max. */
size_t journey_ci_run_ids(const json_t *pr, int64_t *ids, size_t max);

/* One attempt of one of the PR's runs: a "ci" step. */
struct journey_ci_attempt {
	int64_t run_id;
	int attempt;
	char *workflow;		   /* its name (or path, or "CI") */
	char *status, *conclusion; /* NULL: not known */
	char *at;		   /* completed, else started, else queued; NULL */
	char *url, *sha;	   /* NULL: not known */
};

/* The main pipeline: the runs on the default branch at the first commit at
 * or after the merge commit that has runs, and their e2e stage. */
struct journey_main {
	char *sha; /* that commit; NULL: none has runs yet */
	long runs, running, failing;
	char *completed_at; /* the runs' latest completion; NULL */
	json_t *runs_json;  /* [{run_id, workflow, status, conclusion, url}]; NULL: [] */
	long e2e, e2e_running, e2e_failed; /* required e2e jobs: all, not done, failed */
	char *e2e_completed_at;		   /* the e2e jobs' latest completion; NULL */
	json_t *e2e_jobs;		   /* [{name, status, conclusion, required}]; NULL: [] */
};

/* An environment on the road (not production, which is "released") and the
 * first successful deployment there of a commit at or after the merge
 * commit. */
struct journey_env {
	char *name, *tier;
	bool reached; /* else the deployment's fields are NULL / 0 */
	int64_t deployment_id;
	char *revision, *sha, *at;
};

/* Free what the db layer loaded (NULL: nothing). */
void journey_ci_attempts_free(struct journey_ci_attempt *a, size_t n);
void journey_main_clear(struct journey_main *m);
void journey_envs_free(struct journey_env *e, size_t n);

/* Everything the journey is made of (borrowed). */
struct journey_facts {
	const json_t *pr; /* repos_pull_json's object */
	const struct journey_ci_attempt *ci;
	size_t n_ci;
	const struct journey_main *main; /* when the plan is on_default_branch */
	const struct journey_env *envs;	 /* unless closed_unmerged */
	size_t n_envs;
	/* unless closed_unmerged: the in RC, feedback and released steps and
	 * also_in {"release_candidates", "releases"} (rc_journey_steps()) */
	const json_t *release_steps, *also_in;
};

/* The answer {"pull_request", "steps", "current_step", "also_in"} (new). */
json_t *journey_assemble(const struct journey_facts *f);

/* done / failed / skipped / in_progress / pending for the latest state of a
 * run (status, conclusion: NULL when not known). */
const char *journey_run_step_status(const char *status, const char *conclusion);

/* The current step of a road (steps in road order): the first one neither
 * done nor skipped — a failed "ci" followed by another "ci" does not count,
 * the later attempt speaks for the change — or else the last one; NULL for
 * no steps. */
const char *journey_current_step(const json_t *steps);

/* Puts a road's steps in the order they happened: those with a time by
 * time (the road's order among equal times); one not reached stays right
 * after the step before it on the road.  Sets since_previous_seconds (from
 * the previous step that has a time; null for the first and the unreached). */
void journey_order(json_t *steps);

#endif
