/*
 * db/release_candidates_proposal.h — the statements behind GET
 * /api/v1/release-candidates/proposal (server/api/release_candidates_proposal.c):
 * what a repository shipped and cut (tables shipped_releases,
 * release_candidates), and its newest green commits on the default branch
 * (branch_sequence, commits, runs, run_attempts).  The version proposed from
 * them is domain/rc_propose.h's rule.
 *
 * Contract: every function runs on a connection the caller holds and returns
 * what db_query returns — rows found (>= 0), or a negative enum db_status
 * (logged with its SQLSTATE).  A json_t handed out is new (the caller
 * json_decrefs it) and set only on success.
 */
#ifndef SHIPLOG_DB_RELEASE_CANDIDATES_PROPOSAL_H
#define SHIPLOG_DB_RELEASE_CANDIDATES_PROPOSAL_H

#include <jansson.h>
#include <stdint.h>

#include "shiplog/db.h"

/* The versions of repository repo_id's shipped releases (the newest 500 by
 * release time) and of its release candidates (the newest 1000, any state):
 * *released and *rcs arrays of strings. */
int db_rc_proposal_versions(struct db_conn *c, int64_t repo_id, json_t **released, json_t **rcs);

/*
 * The newest green commits of `branch` (the repository's default branch),
 * newest first, at most `limit`, among its last 500 sequence entries that
 * have not left: *commits an array of {sha, title (the message's first
 * line, null when the commit is unknown), author, committed_at, pushed_at,
 * url, release_candidate (the newest RC cut from it: {id, version}, or
 * null)}.  Green is the branch's red/green rule (run_verdict,
 * migrations/017_branch_verdict.sql) applied to the runs of the branch on
 * that commit: per workflow its latest run with a verdict; at least one,
 * and all of them green.
 */
int db_rc_proposal_green(struct db_conn *c, int64_t repo_id, const char *branch, int limit,
			 json_t **commits);

#endif
