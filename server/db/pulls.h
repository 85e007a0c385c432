/*
 * db/pulls.h — the statements of pull requests (tables pull_requests and
 * pull_request_shas) as the pull_request webhook writes them.  The merge
 * rule the upsert applies (the event wins with a greater (updated_at,
 * tiebreak); a loser only fills what is unknown; `merged` only goes from
 * false to true) is the comment at the top of server/webhooks/gh_pulls.c,
 * which computes the tiebreak.
 *
 * Contract of every function here: it runs on a connection the caller
 * holds; it returns what db_query returns — the number of rows found or
 * changed (>= 0), or a negative enum db_status when the statement failed
 * (logged with its SQLSTATE; the caller decides what to answer).  Nothing
 * is handed over to free; arguments are borrowed; out-parameters are set
 * when a row came back.
 */
#ifndef SHIPLOG_DB_PULLS_H
#define SHIPLOG_DB_PULLS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "shiplog/db.h"
#include "shiplog/hex.h"

/* What a pull_request event says (NULL: the event does not say). */
struct db_pull_event {
	int64_t number;
	const char *github_id, *title, *author;
	const char *state; /* "open", "closed" or NULL */
	int draft;         /* 1, 0, or < 0 when not said */
	bool merged;
	const char *labels_json; /* a JSON array of names, or NULL */
	const char *head_ref, *head_sha, *base_ref, *merge_commit_sha, *html_url;
	const char *opened_at, *closed_at, *merged_at, *updated_at;
	const char *tiebreak; /* 64 hex digits */
};

/* The row after the upsert. */
struct db_pull_row {
	int64_t id;
	char state[16];
	bool merged;
	char head_sha[HEX_SHA_LEN + 1]; /* "" when unknown */
	bool changed; /* new, or its (updated_at, tiebreak) moved */
};

/* Upserts pull request e->number of the repository by the merge rule: 1
 * and *row. */
int db_pulls_upsert(struct db_conn *c, int64_t repo_id, const struct db_pull_event *e,
		    struct db_pull_row *row);

/* Adds sha, seen at `seen_at`, to the head-SHA history of pull request
 * pr_id (an earlier sighting moves seen_at back): 1 when a row was written,
 * with *added set to true (never to false) when the SHA is new to it. */
int db_pulls_add_sha(struct db_conn *c, int64_t pr_id, const char *sha, const char *seen_at,
		     bool *added);

/* ---- what the API reads (GET .../pulls/{number}) ---- */

/* Pull request `number` (the path's digits, as text) of the repository. */
struct db_pull_detail {
	int64_t id;
	json_t *json;             /* the answer's object without its runs; NULL if unreadable */
	char *head_ref, *base_ref; /* NULL when unknown */
	char closed_at[40];       /* RFC 3339, "" while open */
};

/* 1 and *d (its json, head_ref and base_ref the caller's: free with
 * db_pull_detail_free), or 0 when there is no such pull request.
 * default_branch: where its merge commit's sequence entry is looked up. */
int db_pulls_detail(struct db_conn *c, int64_t repo_id, const char *number,
		    const char *default_branch, struct db_pull_detail *d);
void db_pull_detail_free(struct db_pull_detail *d);

/* The runs of pull request d (the rule is the comment in api/repos.c),
 * newest first, at most 201: *runs a new array of run objects with
 * "linked_by" (NULL if unreadable) and *count how many there are. */
int db_pulls_runs(struct db_conn *c, int64_t repo_id, const struct db_pull_detail *d,
		  const char *number, const char *default_branch, json_t **runs, int64_t *count);

#endif
