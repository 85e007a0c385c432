/*
 * db/runs.h — the statements of pipeline runs, their attempts and their
 * jobs (tables runs, run_attempts, jobs, run_pull_requests).
 *
 * Reading: the list of runs (latest attempt each) and one run with its
 * attempts, jobs by stage, linked pull requests and commit, as JSON in the
 * API's shape (openapi_schemas.json: Run).
 *
 * The merge: the one place the merge rule of runs, attempts and jobs is
 * applied; the rule follows.
 *
 * THE MERGE RULE (order independence) — runs, attempts, jobs
 * ----------------------------------------------------------
 * Events arrive late, twice and out of order; the final state depends only
 * on the set of events, not on their order.  The statements that apply it
 * are in db/runs.c, their inputs (ranks, event times, tiebreaks, the kind)
 * in domain/runs_merge.c; both are shared with POST /api/v1/runs.
 *
 * 1. Status rank: queued (requested, pending) = 1 < in_progress, waiting = 2
 *    < completed = 3; unknown = 0.
 * 2. An event replaces the stored state (status, conclusion, completed_at)
 *    of an attempt or a job only if (rank, event_time, tiebreak) is GREATER
 *    than the stored triple, compared in that order, NULL times as
 *    -infinity.  event_time: workflow_run.updated_at for an attempt; for a
 *    job, completed_at when completed, started_at when in_progress, else
 *    created_at; for POST /api/v1/runs, its updated_at (default now).
 *    tiebreak: lowercase hex SHA-256 of "status|conclusion|completed_at"
 *    (a job: "status|conclusion|started_at|completed_at|runner_name|name"),
 *    NULL as "", compared bytewise (COLLATE "C"), so equal (rank, time)
 *    pairs resolve the same way in any order.
 * 3. queued_at and started_at keep the EARLIEST non-null value seen (least()).
 *    An attempt is queued at workflow_run.created_at (attempt 1) or
 *    run_started_at (a re-run), and started at run_started_at once it is
 *    in_progress or completed; a job is queued at created_at and started at
 *    started_at once in_progress or completed (GitHub fills started_at in
 *    queued and waiting events too, with the creation time).  completed_at
 *    comes from the winning event (workflow_run.updated_at for a run).
 * 4. Descriptive fields (names, URLs, branch, SHA, workflow path, runner)
 *    take the winner's value but never replace a known value with NULL;
 *    a losing event fills only fields still unknown.
 * 5. Steps of a job merge by step number: the union of every snapshot, each
 *    step the one furthest along (rank, completed_at, started_at, then its
 *    canonical text) — a lattice join, so exact in any order.
 * 6. A run row holds the run-level facts (workflow, branch, SHA,
 *    created_at) and is merged with its own triple (attempt * 10 + rank,
 *    updated_at, tiebreak): the latest attempt's newest event wins.  A job
 *    that arrives before its run creates the run and the attempt with rank 0
 *    (state unknown); any run event then beats it, and a job only fills
 *    fields still unknown.  The kind is not merged but derived from the
 *    MERGED fields (config rules on path then name; else branch/tag/event
 *    heuristics), or is the kind a CI report named.  created_at is
 *    workflow_run.created_at (the earliest seen), else the earliest job
 *    created_at.
 * 7. The run mirrors its LATEST attempt (the highest number seen):
 *    latest_attempt = greatest(); status, conclusion and the times are a
 *    copy of that attempt's row, refreshed after every event, so an
 *    attempt-1 event arriving after attempt 2 cannot touch the mirror.
 * 8. Pull request links (workflow_run.pull_requests) only accumulate.
 * 9. Each row is written by ONE statement (INSERT ... ON CONFLICT DO UPDATE
 *    SET col = CASE WHEN (EXCLUDED.rank, EXCLUDED.time, EXCLUDED.tiebreak) >
 *    (t.rank, t.time, t.tiebreak) THEN ... END).  Every event upserts its
 *    run row first, which locks it until the transaction ends, so the
 *    events of one run on several replicas are serialised.
 *
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
