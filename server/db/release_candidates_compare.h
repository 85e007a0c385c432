/*
 * db/release_candidates_compare.h — the statements behind comparing two
 * release candidates and "who has not tried it yet" (tables
 * release_candidates, artifacts, feedback, pull_requests,
 * branch_sequence); the answers are assembled by domain/rc_compare.h.
 *
 * Contract: every function runs on a connection the caller holds, in the
 * caller's transaction, reads only, and returns what db_query returns —
 * 1 or 0 for "the one X" (0: there is no such RC), or a negative enum
 * db_status (logged with its SQLSTATE).  A json_t handed out through an
 * out-parameter is new (the caller json_decrefs it) and set only when 1 is
 * returned.  Call rc_settle() first for fresh GitHub facts.
 */
#ifndef SHIPLOG_DB_RELEASE_CANDIDATES_COMPARE_H
#define SHIPLOG_DB_RELEASE_CANDIDATES_COMPARE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shiplog/db.h"

/* The repository of RC `rc_id` (full name) into repo[size]: 1, or 0. */
int db_rc_repository_of(struct db_conn *c, int64_t rc_id, char *repo, size_t size);

/* One side of a comparison: *summary (the RC's summary object),
 * *artifacts (as GET /api/v1/release-candidates/{id} lists them) and
 * *feedback (every feedback on it as Feedback objects, oldest first). */
int db_rc_compare_side(struct db_conn *c, int64_t rc_id, json_t **summary, json_t **artifacts,
		       json_t **feedback);

/* The merged PRs each of two RCs of one repository contains, since one
 * common lower bound: the release before the lower of their targets (its
 * commit's place on the default branch, else its time); each up to its
 * RC's commit (else the time it was cut).  Oldest first, in the changes
 * answer's format.  (In db/release_candidates_changes.c, beside the bounds
 * it shares with the changes answer.) */
int db_rc_compare_prs(struct db_conn *c, int64_t base_id, int64_t head_id, json_t **base_prs,
		      json_t **head_prs);

/* For "who has not tried it yet": *summary; *seen the people who gave
 * feedback on the repository's other RCs, [{author, version, given_at}]
 * one row per author (any case) at their newest feedback, newest first;
 * *given the feedback on this RC, [{author, verdict, given_at}], oldest
 * first. */
int db_rc_untried_facts(struct db_conn *c, int64_t rc_id, json_t **summary, json_t **seen,
			json_t **given);

#endif
