/*
 * db/runs.h — the statements of pipeline runs, their attempts and their
 * jobs (tables runs, run_attempts, jobs, run_pull_requests).
 *
 * Reading: the list of runs (latest attempt each) and one run with its
 * attempts, jobs by stage, linked pull requests and commit, as JSON in the
 * API's shape (openapi_schemas.json: Run).
 *
 * The merge: the one place the merge rule of runs, attempts and jobs is
 * applied (the rule is written out at the top of webhooks/gh_runs.c).
 * Each row is written by one INSERT ... ON CONFLICT DO UPDATE statement
 * whose CASEs keep the winner's facts, so replicas stay atomic; its inputs
 * (ranks, event times, tiebreaks, the kind) come from domain/runs_merge.h.
 * Every function runs inside the caller's transaction and records the
 * domain events of what it changed ("run.updated", "job.updated").
 *
 * Contract: every function runs on a connection the caller holds and
 * returns rows (>= 0; DB_OK for the merge) or a negative enum db_status
 * (logged with its SQLSTATE; db_last_error says more).  Strings passed in
 * are borrowed; what is handed over to free is said per function.
 */
#ifndef SHIPLOG_DB_RUNS_H
#define SHIPLOG_DB_RUNS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/runs_merge.h"
#include "shiplog/db.h"

/* What the merge of one event has done so far. */
struct run_merge_state {
	int64_t run_id;
	int64_t attempt_id;
	int attempt;
	bool run_created; /* the run row was inserted by this event */
	bool changed;     /* the run or the attempt changed: "run.updated" is due */
};

/* Upserts the run and the attempt the fact is about (the attempt is
 * created with an unknown state when the fact is not run_level), and sets
 * the run's kind to runs_merged_kind() of the merged row. */
int db_runs_merge_run(struct db_conn *c, const struct run_fact *f, struct run_merge_state *st);

/* Links the run to a pull request number (explicit link). */
int db_runs_link_pull_request(struct db_conn *c, struct run_merge_state *st, int64_t number);

/* Upserts one job of st's attempt; records "job.updated" when it changed. */
int db_runs_merge_job(struct db_conn *c, struct run_merge_state *st, const struct job_fact *j,
		      const char *actor);

/* Refreshes the run's mirror of its latest attempt and records
 * "run.updated" when anything about the run changed.  Call last. */
int db_runs_merge_finish(struct db_conn *c, struct run_merge_state *st, const char *actor);

/* ---- reading ---- */

/* The filters of the runs list (GET /api/v1/runs); NULL: any.  Text as the
 * request gave it (validated by the route): times RFC 3339, sha a prefix of
 * 7 to 40 hex digits, pr a number (only with repo). */
struct db_runs_filter {
	const char *repo, *kind, *branch, *status, *conclusion, *sha, *pr, *workflow, *since,
		*until;
	bool has_cursor; /* only runs before (before_time, before_id) */
	const char *before_time;
	int64_t before_id;
	int limit; /* the page size */
};

/* One page of the list, newest first. */
struct db_runs_page {
	json_t *items; /* new array of at most limit runs (the caller owns it) */
	bool more;     /* a next page exists; it starts before: */
	int64_t next_id;
	char next_time[40]; /* created_at with microseconds */
};

/* Reads one page (limit + 1 rows, to know whether there is more): the
 * rows read, with page->items set, or a failure (page->items NULL). */
int db_runs_list(struct db_conn *c, const struct db_runs_filter *f, struct db_runs_page *page);

/* One run with its attempts, their jobs grouped by stage (pipeline order),
 * the pull requests linked or matched by SHA or branch, and its commit:
 * 1 and *out (new reference), 0 if there is no such run, or a failure. */
int db_runs_get(struct db_conn *c, int64_t run_id, json_t **out);

/* ---- the repository of a CI report ---- */

struct db_runs_repository {
	int64_t id;
	char full_name[256];
	char default_branch[256];
};

/* Creates the repository a CI report names, or takes the known one (its
 * default branch set to default_branch when not NULL): DB_OK and *out, or
 * a failure. */
int db_runs_report_repository(struct db_conn *c, const char *full_name,
			      const char *default_branch, struct db_runs_repository *out);

#endif
