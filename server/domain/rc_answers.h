/*
 * domain/rc_answers.h — the answers about release candidates, assembled
 * from the facts db/release_candidates.h loads: one RC, what to re-check on it, what it
 * runs on, its readiness (the gate sequence), its changes, and the
 * journey's last steps.  Pure functions of structs and JSON (no database),
 * unit-tested in tests/unit/test_rc_answers.c; the rules they apply are
 * rc.h's.
 */
#ifndef SHIPLOG_RC_ANSWERS_H
#define SHIPLOG_RC_ANSWERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/rc.h"
#include "shiplog/config.h"

/* ---- one RC ---- */

/*
 * One RC's answer: `summary` (an object, else NULL is returned) with its
 * artifacts, where they come from ("digests" when the RC names artifact
 * digests, else "commit"), its history, the transitions a person may make
 * from `state`, whether it takes feedback, and `to_recheck`.  Takes the
 * references it is given (all of them, also when it returns NULL).
 */
json_t *rc_answer_rc(json_t *summary, json_t *artifacts, json_t *history, const char *state,
		     json_t *to_recheck);

/* What to re-check on RC `version`: the feedback of `carried`
 * ([{"version": the RC it was given on, "feedback": {...}}], oldest
 * first) given on earlier versions, each marked "to_recheck": true (new
 * array; the feedback objects shared). */
json_t *rc_answer_recheck(const char *version, const json_t *carried);

/* The staging environment the gates look at, as loaded: its current
 * deployment and where the RC's commit and the deployed one are on the
 * default branch. */
struct rc_staging_row {
	bool found;
	const char *environment;
	bool has_deployment;
	int64_t deployment_id;
	const char *revision, *commit, *status, *reason; /* commit, reason: "" unknown */
	int64_t healthy_since_us;
	bool rc_seq_known, deployed_seq_known;
	int64_t rc_seq, deployed_seq, commits_between;
	bool digest_overlap; /* the deployment runs one of the RC's digests */
};

/* What RC `version` runs on (for feedback): {rc, commit, artifacts,
 * staging}.  Takes the reference to `artifacts`. */
json_t *rc_answer_running(const char *version, const char *commit, json_t *artifacts,
			  const struct rc_staging_row *staging);

/* ---- readiness ---- */

/* Verified approvers of one team (the team as stored, any case). */
struct rc_approval_row {
	const char *team;
	int approvers;
};

/* The facts readiness is evaluated on; what a gate the configuration turns
 * off needs (rc_readiness_gate_on) need not be loaded. */
struct rc_readiness_facts {
	const char *version;
	const char *commit; /* "" when not known yet */
	bool has_digests;   /* the RC names artifact digests */
	const struct rc_job_fact *jobs; /* of the latest attempts on the commit */
	size_t n_jobs;
	bool jobs_settled; /* there are runs and all of them completed */
	const struct rc_artifact_fact *artifacts;
	size_t n_artifacts;
	struct rc_staging_row staging;
	const struct rc_approval_row *approvals;
	size_t n_approvals;
	/* unresolved blocks on this RC and the other RCs of its target */
	const struct rc_block_fact *blocks;
	size_t n_blocks;
};

/* Is the gate `key` (ci, smoke_tests, artifacts, staging, feedback)
 * evaluated under this configuration? */
bool rc_readiness_gate_on(const struct config *cfg, const char *key);

/* {release_candidate, verdict, ready, evaluated_at, gates[]}: the gates in
 * the order of the gate sequence.  Takes the reference to `summary`. */
json_t *rc_answer_readiness(const struct config *cfg, const struct rc_readiness_facts *f,
			    json_t *summary, int64_t now_us);

/* The gates of a readiness answer (rc_answer_readiness) that did not pass,
 * in its order: [{name, status, reason}] (new array; empty when ready). */
json_t *rc_readiness_unready(const json_t *readiness);

/* ---- changes ---- */

/* Adds "category" to each PR object of `prs` and splits them into *groups
 * (an object of arrays, one per category key, in rc_note_categories
 * order) and *excluded (new references; the PRs shared). */
void rc_changes_group(json_t *prs, json_t **groups, json_t **excluded);

/* The PRs of `a` whose number `b` lacks (new array; the PRs shared). */
json_t *rc_changes_difference(const json_t *a, const json_t *b);

/* What RC `version` (id, commit) had: {release_candidate {id, version,
 * commit}, added, removed} — the PRs of `prs` it lacked and those of
 * `prev_prs` that are gone. */
json_t *rc_answer_since_rc(int64_t id, const char *version, const char *commit, const json_t *prs,
			   const json_t *prev_prs);

/* The changes answer: {release_candidate, commit, previous_release, count,
 * groups, excluded, pull_requests, since_previous_rc} with the PRs grouped
 * (rc_changes_group) and counted without the excluded ones.  Takes the
 * references it is given (previous_release, since_rc NULL: null). */
json_t *rc_answer_changes(json_t *summary, const char *commit, json_t *previous_release,
			  json_t *prs, json_t *since_rc);

/* ---- the journey ---- */

/*
 * The journey's last steps for a commit, from the RCs and the releases
 * that contain it (oldest first, in the formats of rc_containing_commit(),
 * db/release_candidates.h): "in_rc", "feedback" and "released" appended to `steps`, and
 * the RCs and releases that merely contain it too set in `also_in` (see
 * rc_journey_steps() in db/release_candidates.h).
 */
void rc_answer_journey(const json_t *rcs, const json_t *releases, json_t *steps,
		       json_t *also_in);

#endif
