/*
 * db/checks.h — the statements of check suites and check runs (tables
 * check_suites, check_runs): what CI systems other than GitHub Actions
 * report about a commit.  Each row is written by one upsert applying the
 * merge rule written out at the top of webhooks/gh_checks.c; its inputs
 * (rank, event time, tiebreak) come from the caller.
 *
 * Contract: every function runs inside the caller's transaction, on a
 * connection it holds, and returns DB_OK or a negative enum db_status
 * (logged with its SQLSTATE).  Strings are borrowed; NULL means "not
 * known".  When the row is new or its status or conclusion changed, it
 * records the domain event ("check_suite.updated", "check_run.updated")
 * with `event` as its payload, to which it adds status, conclusion (when
 * known) and repository; `event` stays the caller's.
 */
#ifndef SHIPLOG_DB_CHECKS_H
#define SHIPLOG_DB_CHECKS_H

#include <jansson.h>
#include <stdint.h>

#include "shiplog/db.h"

/* What one check_suite event says. */
struct db_check_suite {
	int64_t repository_id;
	const char *github_id; /* decimal */
	const char *head_sha, *head_branch, *app, *status, *conclusion;
	int rank;                 /* the status rank */
	const char *updated_at;   /* the event time */
	const char *tiebreak;     /* 64 hex digits */
	const char *created_at;
};

/* What one check_run event says. */
struct db_check_run {
	int64_t repository_id;
	const char *github_id, *check_suite_id; /* decimal */
	const char *name, *head_sha, *app, *status, *conclusion;
	int rank; /* the status rank */
	const char *started_at, *completed_at;
	const char *progress_at; /* the event time */
	const char *tiebreak;    /* 64 hex digits */
	const char *html_url, *details_url;
};

int db_checks_merge_suite(struct db_conn *c, const struct db_check_suite *s,
			  const char *repository, const char *actor, json_t *event);
int db_checks_merge_run(struct db_conn *c, const struct db_check_run *r, const char *repository,
			const char *actor, json_t *event);

#endif
