/*
 * db/runs.h — the statements of pipeline runs, their attempts and their
 * jobs (tables runs, run_attempts, jobs, run_pull_requests).
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
 * returns DB_OK (>= 0) or a negative enum db_status (logged with its
 * SQLSTATE; db_last_error says more).  Strings in the facts are borrowed;
 * nothing is handed over to free.
 */
#ifndef SHIPLOG_DB_RUNS_H
#define SHIPLOG_DB_RUNS_H

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

#endif
