/*
 * db/repos.h — the statements behind GET /api/v1/repos...: repositories,
 * a commit's answer and branch health (tables repositories, commits,
 * branch_sequence, branches, runs, run_attempts, check_suites, check_runs,
 * pull_requests, pushes).  The answers are JSON assembled in SQL
 * (json_build_object / json_agg), so a commit's runs or a branch's suspects
 * never cost one query per item.  The rules of the answers are the comment
 * at the top of server/api/repos.c.
 *
 * Contract of every function here: it runs on a connection the caller
 * holds; it returns what db_query returns — the number of rows found (>=
 * 0), or a negative enum db_status when the statement failed (logged with
 * its SQLSTATE; the caller decides what to answer).  A json_t handed out
 * belongs to the caller (json_decref); it is NULL unless rows came back
 * and their JSON could be read.  Arguments are borrowed.
 */
#ifndef SHIPLOG_DB_REPOS_H
#define SHIPLOG_DB_REPOS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "shiplog/db.h"
#include "shiplog/hex.h"

struct db_repo {
	int64_t id;
	char full_name[256];
	char default_branch[256];
};

/* The repository named full_name ("owner/name", any case): 1 and *out, or 0. */
int db_repos_find(struct db_conn *c, const char *full_name, struct db_repo *out);

/* The repository named full_name ("owner/name", any case): 1 and *row
 * {id, full_name, default_branch, url, github_id, created_at, updated_at},
 * or 0 (*row NULL). */
int db_repos_get(struct db_conn *c, const char *full_name, json_t **row);

/* Repositories with id < before_id, newest first, at most `limit`: *rows
 * an array of {id, full_name, default_branch, url, github_id, created_at,
 * updated_at}. */
int db_repos_page(struct db_conn *c, int64_t before_id, int limit, json_t **rows);

/* The full SHAs known in the repository (commits, sequence, runs, pull
 * requests, check suites) that start with `prefix` (lowercase hex), at
 * most 2: n and found[0..n). */
int db_repos_commit_find(struct db_conn *c, int64_t repo_id, const char *prefix,
			 char found[2][HEX_SHA_LEN + 1]);

/* The answer of GET .../commits/{sha} for full SHA sha: 1 and *out. */
int db_repos_commit_json(struct db_conn *c, const struct db_repo *repo, const char *sha,
			 json_t **out);

/* ---- branch health ---- */

/* Per workflow of the branch with a decisive run: n rows, the workflow
 * that turned red first first (then the others red by red_since, then the
 * green ones).  *workflows: their objects; *red whether that first one is
 * red; then, only when red: *red_since (a JSON string), *failing_workflow
 * (a JSON string), and the head SHAs of its last green run (green_sha, ""
 * when none) and its first failing one (red_sha, "" when unknown). */
struct db_branch_health {
	json_t *workflows;
	bool red;
	json_t *red_since, *failing_workflow;
	char green_sha[HEX_SHA_LEN + 1], red_sha[HEX_SHA_LEN + 1];
};
int db_repos_branch_health(struct db_conn *c, int64_t repo_id, const char *branch,
			   struct db_branch_health *h);

/* The suspects: the branch's sequence entries after green_sha's (NULL:
 * none) up to red_sha's, with their commits and pull requests; *suspects
 * an array. */
int db_repos_branch_suspects(struct db_conn *c, int64_t repo_id, const char *branch,
			     const char *green_sha, const char *red_sha, json_t **suspects);

/* The pushes of the branch recorded with a gap or a rewrite, newest first,
 * at most 50: *gaps an array. */
int db_repos_branch_gaps(struct db_conn *c, int64_t repo_id, const char *branch, json_t **gaps);

#endif
