/*
 * domain/runs_merge.h — what one event says about a pipeline run, one of its
 * attempts and its jobs, and the inputs of the merge rule computed from it:
 * status names and ranks, the kind of a run, normalised steps, and each
 * fact's (rank, event time, tiebreak).  Pure: the statements that apply the
 * rule, and the rule itself written out, are in db/runs.h.
 *
 * Shared by the GitHub mapper (webhooks/gh_runs.c: workflow_run and
 * workflow_job) and the CI report endpoint (POST /api/v1/runs).
 */
#ifndef SHIPLOG_RUNS_MERGE_H
#define SHIPLOG_RUNS_MERGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "shiplog/config.h"

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

/* The merge inputs of a run fact (for db_runs_merge_run). */
struct run_merge_key {
	int attempt;	     /* the fact's attempt, at least 1 */
	int rank;	     /* the attempt's status rank; 0 unless run_level */
	long long info_rank; /* the run row's: attempt * 10 + rank, so later attempts
			      * win; 0 unless run_level */
	char tiebreak[65];   /* of "status|conclusion|completed_at"; "" unless run_level */
	const char *kind;    /* the kind this fact alone tells (for a new row):
			      * kind_given, else runs_classify_kind() of its fields */
	/* the attempt's state as the fact tells it: all NULL unless run_level
	 * (a job only tells that the attempt exists) */
	const char *status, *conclusion, *event_time, *queued_at, *started_at, *completed_at,
		*html_url;
};
/* Strings in k are borrowed from f (or static). */
void runs_run_key(const struct run_fact *f, struct run_merge_key *k);

/* The kind of a run once merged: the merged kind_given when known, else
 * runs_classify_kind() of the MERGED workflow path, name, head branch and
 * event (f gives the config, repository and default branch). */
const char *runs_merged_kind(const struct run_fact *f, const char *kind_given, const char *path,
			     const char *name, const char *head_branch, const char *event);

/* The merge inputs of a job fact (for db_runs_merge_job). */
struct job_merge_key {
	int rank;          /* the job's status rank */
	char tiebreak[65]; /* of "status|conclusion|started_at|completed_at|runner_name|name" */
	const char *stage; /* j->stage, else "other" */
};
void runs_job_key(const struct job_fact *j, struct job_merge_key *k);

#endif
