/*
 * db/journey.h — the statements of the journey and of "where is my
 * commit" (api/journey.c): the facts a pull request's journey is assembled
 * from (domain/journey.h), and where a commit is.
 *
 * "Contains" is a comparison on the default-branch sequence: a deployed
 * commit D contains C when both are on the default branch (not rewritten
 * away) and seq(C) <= seq(D).  Sequence numbers are compared at query time,
 * never stored elsewhere (late pushes may renumber them).
 *
 * Contract: every function runs on a connection the caller holds and
 * returns what db_query returns — rows found (>= 0), or a negative enum
 * db_status (logged with its SQLSTATE).  What is handed out through an
 * out-parameter is set only on success and belongs to the caller: arrays
 * of the domain's structs are freed with journey_ci_attempts_free(),
 * journey_envs_free() and journey_main_clear() (domain/journey.h), a
 * json_t with json_decref.  Arguments are borrowed.
 */
#ifndef SHIPLOG_DB_JOURNEY_H
#define SHIPLOG_DB_JOURNEY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/journey.h"
#include "shiplog/db.h"

/* The repository called `full_name` (any case): 1 and *id, or 0. */
int db_journey_repository_id(struct db_conn *c, const char *full_name, int64_t *id);

/* Every attempt of the runs run_ids[0..n), in the order they started:
 * *out (n_out = the result). */
int db_journey_ci_attempts(struct db_conn *c, const int64_t *run_ids, size_t n,
			   struct journey_ci_attempt **out);

/* The main pipeline of repository repo_id's `branch` for the merge commit at
 * merge_seq: 1 and *out. */
int db_journey_main(struct db_conn *c, int64_t repo_id, const char *branch, int64_t merge_seq,
		    struct journey_main *out);

/* The live environments on the road (not production; a development one
 * only once it reported a deployment), in their order, each with the first
 * successful deployment of a commit at or after merge_seq on repo_id's
 * `branch` (repo_id 0: none reached): *out.  A reached one's revision, sha
 * and at are never NULL ("" when not known). */
int db_journey_envs(struct db_conn *c, int64_t repo_id, const char *branch, int64_t merge_seq,
		    struct journey_env **out);

/* What a SHA prefix names in a repository. */
struct db_commit_match {
	bool repository_found; /* else nothing below is set */
	int64_t repository_id;
	char repository[256]; /* its full name */
	char branch[256];     /* its default branch */
	long matches;	      /* commits the prefix names: 0, 1, or 2 for "more than one" */
	char sha[48];	      /* the (first) one; "" when none */
};

/* Looks the commit `prefix` of repository `full_name` (any case) up among
 * the commits, the default-branch sequence, runs, artifacts and
 * deployments: 1 and *out. */
int db_commit_match(struct db_conn *c, const char *full_name, const char *prefix,
		    struct db_commit_match *out);

/* Where commit `sha` of repo_id is: 1 and *out, the answer of GET
 * .../commits/{sha}/where without its release candidates and releases
 * {repository, sha, commit, default_branch, environments, artifacts,
 * pull_requests, as_of (= as_of)}; *out is NULL when the answer could not
 * be read. */
int db_commit_where(struct db_conn *c, int64_t repo_id, const char *branch, const char *sha,
		    const char *as_of, json_t **out);

#endif
