/*
 * domain/runs_merge.h — storing what is learnt about pipeline runs, their
 * attempts and their jobs, whatever the order it arrives in.
 *
 * Shared by the GitHub mapper (webhooks/gh_runs.c: workflow_run and
 * workflow_job) and the CI report endpoint (POST /api/v1/runs).  The merge
 * rule is written out at the top of webhooks/gh_runs.c.
 *
 * Every function runs inside the caller's transaction and records the
 * domain events of what it changed ("run.updated", "job.updated").
 */
#ifndef SHIPLOG_RUNS_MERGE_H
#define SHIPLOG_RUNS_MERGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "shiplog/config.h"
#include "shiplog/db.h"

/* What one event says about a run and one of its attempts.  All strings are
 * borrowed; NULL means "not known" (never "clear it"). */
struct run_fact {
	const struct config *cfg;   /* for the kind */
	int64_t repo_id;
	const char *repo_name;      /* owner/name */
	const char *default_branch; /* the repository's */
	const char *provider;    /* "github-actions", "gitlab-ci" ... */
	const char *external_id; /* the run's id in that CI system */
	int attempt;             /* >= 1 */
	/* true: the event is about the run itself (workflow_run, a CI report);
	 * false: a job told us the run exists (the run's state stays unknown) */
	bool run_level;

	/* descriptive */
	const char *workflow_name;
	const char *workflow_path;
	const char *workflow_id; /* decimal */
	const char *kind_given;  /* a kind the sender named (CI reports), or NULL */
	const char *event;
	const char *head_branch;
	const char *head_sha;
	const char *run_number; /* decimal */
	const char *html_url;
	const char *display_title;
	const char *created_at; /* when the run was created (RFC 3339) */

	/* the attempt's state (run_level only) */
	const char *status;     /* normalised: queued | in_progress | waiting | completed */
	const char *conclusion; /* only with completed */
	const char *queued_at;
	const char *started_at;
	const char *completed_at;
	const char *event_time; /* orders events of equal status rank */
};

/* What one event says about a job of an attempt. */
struct job_fact {
	const char *external_id; /* GitHub job id, or the job name for other CI */
	const char *name;
	const char *stage; /* lint ... other */
	bool required;
	const char *status; /* normalised, or NULL when unknown */
	const char *conclusion;
	const char *queued_at;
	const char *started_at;
	const char *completed_at;
	const char *event_time;
	const char *runner_name;
	const char *html_url;
	const json_t *labels; /* array of strings, or NULL */
	const json_t *steps;  /* normalised steps (runs_steps_normalise), or NULL */
};

struct run_merge_state {
	int64_t run_id;
	int64_t attempt_id;
	int attempt;
	bool run_created;     /* the run row was inserted by this event */
	bool changed;         /* the run or the attempt changed: "run.updated" is due */
};

/* queued/requested/pending -> "queued"; in_progress, waiting, completed kept;
 * anything else NULL. */
const char *runs_status_normalise(const char *status);
/* 1 queued, 2 in_progress/waiting, 3 completed, 0 unknown (normalised input). */
int runs_status_rank(const char *status);

/* Kind of a run: config rules (path, then name); else event "release", a
 * tag-like head branch (refs/tags/..., the RC pattern, v1.2.3) -> release;
 * the default branch -> main; another branch -> pr; no branch -> other. */
const char *runs_classify_kind(const struct config *cfg, const char *repo, const char *path,
			       const char *name, const char *head_branch, const char *event,
			       const char *default_branch);


/* Steps as stored: [{number, name, status, conclusion, started_at,
 * completed_at}] with times in RFC 3339 UTC; items that are not objects are
 * dropped.  New reference. */
json_t *runs_steps_normalise(const json_t *steps);

/* Upserts the run and the attempt the fact is about (the attempt is
 * created with an unknown state when the fact is not run_level).  The run's
 * kind is kind_given as merged, else runs_classify_kind() of the MERGED
 * workflow path, name, head branch and event. */
int runs_merge_run(struct db_conn *c, const struct run_fact *f, struct run_merge_state *st);

/* Links the run to a pull request number (explicit link). */
int runs_link_pull_request(struct db_conn *c, struct run_merge_state *st, int64_t number);

/* Upserts one job of st's attempt; records "job.updated" when it changed. */
int runs_merge_job(struct db_conn *c, struct run_merge_state *st, const struct job_fact *j,
		   const char *actor);

/* Refreshes the run's mirror of its latest attempt and records
 * "run.updated" when anything about the run changed.  Call last. */
int runs_merge_finish(struct db_conn *c, struct run_merge_state *st, const char *actor);

#endif
