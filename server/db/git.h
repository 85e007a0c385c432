/*
 * db/git.h — the statements of git facts: commits, pushes, branch heads,
 * tags and the default branch's sequence (tables commits, pushes, branches,
 * tags, branch_sequence).  The rules they apply are the comments at the top
 * of server/webhooks/gh_git.c (branch heads and tags) and
 * server/domain/branch_sequence.h (the sequence).
 *
 * Contract of every function here: it runs on a connection the caller
 * holds, inside the caller's transaction; it returns what db_query returns
 * — the number of rows found or changed (>= 0), or a negative enum
 * db_status when a statement failed (logged with its SQLSTATE; the caller
 * decides what to answer).  Boolean out-parameters are set on every return
 * (false when the statement failed); others on success only.  Nothing is
 * handed over to free; arguments are borrowed.
 */
#ifndef SHIPLOG_DB_GIT_H
#define SHIPLOG_DB_GIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/branch_sequence.h"
#include "shiplog/db.h"
#include "shiplog/hex.h"

/* ---- commits ---- */

/* Upserts commit rows, an array of {sha, message, author_name,
 * author_email, author_login, committed_at, url} (any may be missing but
 * sha): a known commit only gains what it did not know.  An empty array
 * runs nothing (0). */
int db_git_commits_upsert(struct db_conn *c, int64_t repo_id, const json_t *rows);

/* ---- pushes ---- */

/* Takes the per-(repository, ref) advisory lock for the rest of the
 * transaction (the sequence rule's point 8). */
int db_git_lock_ref(struct db_conn *c, int64_t repo_id, const char *ref);

/* Is an identical push (ref, before, after, forced, deleted) recorded?  1
 * if so, 0 if not.  before "" matches a push recorded without one. */
int db_git_push_recorded(struct db_conn *c, int64_t repo_id, const char *ref, const char *before,
			 const char *after, bool forced, bool deleted);

struct db_git_push {
	const char *delivery_id, *ref;
	const char *before; /* "" when none */
	const char *after;
	bool forced, created, deleted;
	const char *pusher; /* may be NULL */
	int64_t commit_count;
	bool gap, rewrote;
	const char *received_at;
};

/* Records a push; 1 and its id in *id. */
int db_git_push_insert(struct db_conn *c, int64_t repo_id, const struct db_git_push *p,
		       int64_t *id);

/* ---- the default branch's sequence ---- */

/* Plans push p to `branch` (the default branch; ref its full name): loads
 * the facts domain/branch_sequence.h's bseq_plan() asks for, as it asks
 * for them, and returns 0 with *plan filled. */
int db_git_seq_plan(struct db_conn *c, int64_t repo_id, const char *branch, const char *ref,
		    const struct bseq_push *p, struct bseq_plan *plan);

/* Applies *plan to `branch`'s sequence: list[0..n) are the push's SHAs,
 * oldest first (filtered in place: those already in the sequence are
 * dropped); pushed_at the push's time; push_id its pushes row (0: none).
 * 0, and in *appended how many entries were added. */
int db_git_seq_apply(struct db_conn *c, int64_t repo_id, const char *branch,
		     const struct bseq_plan *plan, char (*list)[HEX_SHA_LEN + 1], size_t n,
		     const char *pushed_at, int64_t push_id, size_t *appended);

/* ---- branch heads and tags (order-independent by time `when`) ---- */

/* A push moved branch `name` to `after` (before "" when unknown).  1 and
 * *created: did the branch come to exist (new, or revived after a
 * deletion)? */
int db_git_branch_pushed(struct db_conn *c, int64_t repo_id, const char *name, const char *before,
			 const char *after, const char *when, bool *created);

/* A create event named branch `name` (no SHA).  1 and *created as above. */
int db_git_branch_created(struct db_conn *c, int64_t repo_id, const char *name, const char *when,
			  bool *created);

/* Branch `name` was deleted at `when`: 1 if that deleted it, else 0. */
int db_git_branch_deleted(struct db_conn *c, int64_t repo_id, const char *name, const char *when);

/* Tag `name` came to exist at `when` on sha (NULL: unknown); moved: a
 * forced push moved it.  1, *fresh: did the tag come to exist (new, or
 * revived), and its stored SHA in stored[0..size) ("" when none). */
int db_git_tag_created(struct db_conn *c, int64_t repo_id, const char *name, const char *sha,
		       bool is_rc, const char *when, bool moved, bool *fresh, char *stored,
		       size_t size);

/* Tag `name` (sha, NULL when unknown) was deleted at `when`.  1, *fresh:
 * did that delete it? */
int db_git_tag_deleted(struct db_conn *c, int64_t repo_id, const char *name, const char *sha,
		       bool is_rc, const char *when, bool *fresh);

#endif
