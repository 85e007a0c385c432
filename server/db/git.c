/*
 * db/git.c — the statements of commits, pushes, branch heads, tags and the
 * default branch's sequence (contract in git.h).
 */
#include "db/git.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/result.h"
#include "shiplog/xalloc.h"

static void id_text(int64_t v, char *buf, size_t size)
{
	snprintf(buf, size, "%lld", (long long)v);
}

/* A text[] literal of list[0..n). */
static char *sha_array_literal(char (*list)[HEX_SHA_LEN + 1], size_t n)
{
	const char **v = xmalloc((n ? n : 1) * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = list[i];
	char *out = db_text_array_literal(v, n);
	free(v);
	return out;
}

/* ---- commits ---- */

int db_git_commits_upsert(struct db_conn *c, int64_t repo_id, const json_t *rows)
{
	if (json_array_size(rows) == 0)
		return 0;
	char rid[24];
	id_text(repo_id, rid, sizeof rid);
	char *js = json_dumps(rows, JSON_COMPACT);
	if (!js)
		return DB_HARD_ERROR;
	const char *p[2] = {rid, js};
	int n = db_query(c,
			 "INSERT INTO commits AS c (repository_id, sha, message, author_name, "
			 " author_email, author_login, committed_at, html_url) "
			 "SELECT $1, x.sha, x.message, x.author_name, x.author_email, x.author_login, "
			 " x.committed_at, x.url "
			 "FROM json_to_recordset($2::json) AS x(sha text, message text, "
			 " author_name text, author_email text, author_login text, "
			 " committed_at timestamptz, url text) "
			 "ON CONFLICT (repository_id, sha) DO UPDATE SET "
			 " message = coalesce(c.message, EXCLUDED.message),"
			 " author_name = coalesce(c.author_name, EXCLUDED.author_name),"
			 " author_email = coalesce(c.author_email, EXCLUDED.author_email),"
			 " author_login = coalesce(c.author_login, EXCLUDED.author_login),"
			 " committed_at = coalesce(c.committed_at, EXCLUDED.committed_at),"
			 " html_url = coalesce(c.html_url, EXCLUDED.html_url) "
			 "WHERE c.message IS NULL OR c.author_name IS NULL OR c.author_email IS NULL "
			 " OR (c.author_login IS NULL AND EXCLUDED.author_login IS NOT NULL) "
			 " OR c.committed_at IS NULL OR c.html_url IS NULL",
			 2, p, NULL);
	free(js);
	return n;
}

/* ---- pushes ---- */

int db_git_lock_ref(struct db_conn *c, int64_t repo_id, const char *ref)
{
	char rid[24];
	id_text(repo_id, rid, sizeof rid);
	const char *lp[2] = {rid, ref};
	return db_query(c,
			"SELECT pg_advisory_xact_lock(hashtextextended('shiplog-push:' || $1 || ':' || $2, 0))",
			2, lp, NULL);
}

int db_git_push_recorded(struct db_conn *c, int64_t repo_id, const char *ref, const char *before,
			 const char *after, bool forced, bool deleted)
{
	char rid[24];
	id_text(repo_id, rid, sizeof rid);
	const char *p[6] = {rid, ref, before[0] ? before : NULL, after, forced ? "true" : "false",
			    deleted ? "true" : "false"};
	return db_query(c,
			"SELECT 1 FROM pushes WHERE repository_id = $1 AND ref = $2 "
			"AND before_sha IS NOT DISTINCT FROM $3 AND after_sha = $4 "
			"AND forced = $5::boolean AND deleted = $6::boolean LIMIT 1",
			6, p, NULL);
}

int db_git_push_insert(struct db_conn *c, int64_t repo_id, const struct db_git_push *pu,
		       int64_t *id)
{
	char rid[24], count[24];
	id_text(repo_id, rid, sizeof rid);
	id_text(pu->commit_count, count, sizeof count);
	const char *p[13] = {rid,
			     pu->delivery_id,
			     pu->ref,
			     pu->before[0] ? pu->before : NULL,
			     pu->after,
			     pu->forced ? "true" : "false",
			     pu->created ? "true" : "false",
			     pu->deleted ? "true" : "false",
			     pu->pusher,
			     count,
			     pu->gap ? "true" : "false",
			     pu->rewrote ? "true" : "false",
			     pu->received_at};
	PGresult *res = NULL;
	int n = db_query(c,
			 "INSERT INTO pushes (repository_id, delivery_id, ref, before_sha, after_sha, "
			 " forced, created, deleted, pusher, commit_count, gap, rewrote, received_at) "
			 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
			 13, p, &res);
	if (n > 0)
		*id = db_get_i64(res, 0, 0);
	PQclear(res);
	return n;
}

/* ---- the default branch's sequence: facts ---- */

static void seq_entry_read(PGresult *res, struct bseq_entry *e)
{
	e->found = true;
	e->seq = db_get_i64(res, 0, 0);
	e->push_id = PQgetisnull(res, 0, 1) ? 0 : db_get_i64(res, 0, 1);
	snprintf(e->sha, sizeof e->sha, "%s", PQgetvalue(res, 0, 2));
}

/* The known head: the entry with the highest seq that has not left. */
static int seq_head(struct db_conn *c, const char *rid, const char *branch, struct bseq_entry *e)
{
	memset(e, 0, sizeof *e);
	const char *p[2] = {rid, branch};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT seq, push_id, sha FROM branch_sequence "
			 "WHERE repository_id = $1 AND branch = $2 AND left_at IS NULL "
			 "ORDER BY seq DESC LIMIT 1",
			 2, p, &res);
	if (n > 0)
		seq_entry_read(res, e);
	PQclear(res);
	return n;
}

/* sha's entry (not left); none for an empty sha. */
static int seq_find(struct db_conn *c, const char *rid, const char *branch, const char *sha,
		    struct bseq_entry *e)
{
	memset(e, 0, sizeof *e);
	if (!sha || !*sha)
		return 0;
	const char *p[3] = {rid, branch, sha};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT seq, push_id, sha FROM branch_sequence "
			 "WHERE repository_id = $1 AND branch = $2 AND sha = $3 AND left_at IS NULL",
			 3, p, &res);
	if (n > 0)
		seq_entry_read(res, e);
	PQclear(res);
	return n;
}

/* The later push that built on `after` (a late delivery's), see bseq_facts. */
static int seq_later_push(struct db_conn *c, const char *rid, const char *ref, const char *after,
			  struct bseq_facts *f)
{
	const char *p[3] = {rid, ref, after};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT p.id, min(bs.seq) FROM pushes p "
			 "JOIN branch_sequence bs ON bs.repository_id = p.repository_id "
			 " AND bs.push_id = p.id AND bs.left_at IS NULL "
			 "WHERE p.repository_id = $1 AND p.ref = $2 AND p.before_sha = $3 "
			 " AND NOT p.forced "
			 "GROUP BY p.id ORDER BY 2 LIMIT 1",
			 3, p, &res);
	f->later_found = n > 0;
	if (n > 0) {
		f->later_push = db_get_i64(res, 0, 0);
		f->later_first_seq = db_get_i64(res, 0, 1);
	}
	PQclear(res);
	return n;
}

/* The entry just before seq `at` (only its sha is read). */
static int seq_previous(struct db_conn *c, const char *rid, const char *branch, int64_t at,
			struct bseq_entry *e)
{
	memset(e, 0, sizeof *e);
	char at_text[24];
	id_text(at, at_text, sizeof at_text);
	const char *pp[3] = {rid, branch, at_text};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT sha FROM branch_sequence WHERE repository_id = $1 AND branch = $2 "
			 "AND left_at IS NULL AND seq < $3 ORDER BY seq DESC LIMIT 1",
			 3, pp, &res);
	if (n > 0) {
		e->found = true;
		snprintf(e->sha, sizeof e->sha, "%s", PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	return n;
}

int db_git_seq_plan(struct db_conn *c, int64_t repo_id, const char *branch, const char *ref,
		    const struct bseq_push *p, struct bseq_plan *plan)
{
	char rid[24];
	id_text(repo_id, rid, sizeof rid);
	struct bseq_facts f = {0};
	int rc = seq_head(c, rid, branch, &f.head);
	if (rc >= 0)
		rc = seq_find(c, rid, branch, p->after, &f.after_entry);
	unsigned need;
	while (rc >= 0 && (need = bseq_plan(&f, p, plan)) != 0) {
		switch (need) {
		case BSEQ_FACT_BEFORE:
			rc = seq_find(c, rid, branch, p->before, &f.before_entry);
			break;
		case BSEQ_FACT_LATER:
			rc = seq_later_push(c, rid, ref, p->after, &f);
			break;
		case BSEQ_FACT_PREVIOUS:
			rc = seq_previous(c, rid, branch, f.later_first_seq, &f.previous);
			break;
		default:
			return DB_HARD_ERROR; /* a fact this file cannot load: a bug */
		}
		f.loaded |= need;
	}
	return rc < 0 ? rc : 0;
}

/* ---- the default branch's sequence: applying a plan ---- */

/* Drops from list the SHAs already in the sequence (not left). */
static int seq_filter_new(struct db_conn *c, const char *rid, const char *branch,
			  char (*list)[HEX_SHA_LEN + 1], size_t *n)
{
	if (*n == 0)
		return 0;
	char *arr = sha_array_literal(list, *n);
	const char *p[3] = {rid, branch, arr};
	PGresult *res = NULL;
	int rows = db_query(c,
			    "SELECT sha FROM branch_sequence WHERE repository_id = $1 AND branch = $2 "
			    "AND left_at IS NULL AND sha = ANY($3::text[])",
			    3, p, &res);
	free(arr);
	if (rows < 0) {
		PQclear(res);
		return rows;
	}
	const char **known = xmalloc((rows > 0 ? (size_t)rows : 1) * sizeof *known);
	for (int r = 0; r < rows; r++)
		known[r] = PQgetvalue(res, r, 0);
	*n = bseq_keep_new(list, *n, known, (size_t)rows);
	free(known);
	PQclear(res);
	return rows;
}

/* Inserts list as seq base+1, base+2...; base NULL = after the last entry. */
static int seq_insert(struct db_conn *c, const char *rid, const char *branch, const char *base,
		      char (*list)[HEX_SHA_LEN + 1], size_t n, const char *when, const char *push_id)
{
	if (n == 0)
		return 0;
	char *arr = sha_array_literal(list, n);
	const char *p[6] = {rid, branch, base, arr, when, push_id};
	int rows = db_query(c,
			    "INSERT INTO branch_sequence (repository_id, branch, seq, sha, pushed_at, push_id) "
			    "SELECT $1, $2, coalesce($3::bigint, (SELECT coalesce(max(seq), 0) "
			    "   FROM branch_sequence WHERE repository_id = $1 AND branch = $2)) + u.ord, "
			    " u.sha, $5, $6 "
			    "FROM unnest($4::text[]) WITH ORDINALITY AS u(sha, ord)",
			    6, p, NULL);
	free(arr);
	return rows;
}

int db_git_seq_apply(struct db_conn *c, int64_t repo_id, const char *branch,
		     const struct bseq_plan *pl, char (*list)[HEX_SHA_LEN + 1], size_t n,
		     const char *when, int64_t push_id_v, size_t *appended)
{
	*appended = 0;
	char rid[24], push_id[24];
	id_text(repo_id, rid, sizeof rid);
	id_text(push_id_v, push_id, sizeof push_id);
	int rc;
	switch (pl->act) {
	case BSEQ_NONE:
		return 0;
	case BSEQ_RESET: {
		char at[24];
		id_text(pl->at, at, sizeof at);
		const char *p[4] = {rid, branch, at, when};
		rc = db_query(c,
			      "UPDATE branch_sequence SET left_at = $4 WHERE repository_id = $1 "
			      "AND branch = $2 AND left_at IS NULL AND seq > $3",
			      4, p, NULL);
		return rc < 0 ? rc : 0;
	}
	case BSEQ_REWRITE:
		if (pl->left_from.found) {
			char at[24], bp[24];
			id_text(pl->left_from.seq, at, sizeof at);
			id_text(pl->left_from.push_id, bp, sizeof bp);
			const char *p[5] = {rid, branch, at, pl->left_from.push_id ? bp : NULL, when};
			rc = db_query(c,
				      "UPDATE branch_sequence SET left_at = $5 WHERE repository_id = $1 "
				      "AND branch = $2 AND left_at IS NULL "
				      "AND (seq >= $3 OR ($4::bigint IS NOT NULL AND push_id = $4))",
				      5, p, NULL);
			if (rc < 0)
				return rc;
		}
		break;
	case BSEQ_APPEND:
	case BSEQ_INSERT:
		break;
	}
	if ((rc = seq_filter_new(c, rid, branch, list, &n)) < 0)
		return rc;
	if (n == 0)
		return 0;
	const char *pid = push_id_v ? push_id : NULL;
	if (pl->act == BSEQ_INSERT) {
		char at[24], k[24], base[24];
		id_text(pl->at, at, sizeof at);
		id_text((int64_t)n, k, sizeof k);
		id_text(pl->at - 1, base, sizeof base);
		const char *p[4] = {rid, branch, k, at};
		/* renumber in two steps: the primary key is checked row by row */
		rc = db_query(c,
			      "UPDATE branch_sequence SET seq = -(seq + $3) WHERE repository_id = $1 "
			      "AND branch = $2 AND seq >= $4",
			      4, p, NULL);
		if (rc >= 0)
			rc = db_query(c,
				      "UPDATE branch_sequence SET seq = -seq WHERE repository_id = $1 "
				      "AND branch = $2 AND seq < 0",
				      2, p, NULL);
		if (rc >= 0)
			rc = seq_insert(c, rid, branch, base, list, n, when, pid);
		if (rc >= 0 && pl->fills_push) {
			char fp[24];
			id_text(pl->fills_push, fp, sizeof fp);
			const char *q[1] = {fp};
			rc = db_query(c, "UPDATE pushes SET gap = false WHERE id = $1", 1, q, NULL);
		}
	} else {
		rc = seq_insert(c, rid, branch, NULL, list, n, when, pid);
	}
	if (rc < 0)
		return rc;
	*appended = n;
	return 0;
}

/* ---- branch heads and tags ---- */

int db_git_branch_pushed(struct db_conn *c, int64_t repo_id, const char *name, const char *before,
			 const char *after, const char *when, bool *created)
{
	char rid[24];
	id_text(repo_id, rid, sizeof rid);
	const char *p[5] = {rid, name, after, when, before[0] ? before : NULL};
	PGresult *res = NULL;
	int n = db_query(c,
			 "WITH old AS (SELECT deleted_at FROM branches WHERE repository_id = $1 AND name = $2), "
			 "up AS (INSERT INTO branches AS b (repository_id, name, head_sha, updated_at) "
			 " VALUES ($1, $2, $3, $4) "
			 " ON CONFLICT (repository_id, name) DO UPDATE SET "
			 "  head_sha = CASE WHEN EXCLUDED.updated_at > b.updated_at OR b.head_sha IS NULL "
			 "   OR (EXCLUDED.updated_at = b.updated_at AND b.head_sha = $5) "
			 "   THEN EXCLUDED.head_sha ELSE b.head_sha END,"
			 "  updated_at = GREATEST(b.updated_at, EXCLUDED.updated_at),"
			 "  deleted_at = CASE WHEN b.deleted_at IS NOT NULL "
			 "   AND EXCLUDED.updated_at > b.deleted_at THEN NULL ELSE b.deleted_at END "
			 " RETURNING deleted_at) "
			 "SELECT (NOT EXISTS (SELECT 1 FROM old)) "
			 " OR ((SELECT deleted_at FROM old) IS NOT NULL AND up.deleted_at IS NULL) FROM up",
			 5, p, &res);
	*created = n > 0 && db_get_bool(res, 0, 0);
	PQclear(res);
	return n;
}

int db_git_branch_created(struct db_conn *c, int64_t repo_id, const char *name, const char *when,
			  bool *created)
{
	char rid[24];
	id_text(repo_id, rid, sizeof rid);
	const char *p[3] = {rid, name, when};
	PGresult *res = NULL;
	int n = db_query(c,
			 "WITH old AS (SELECT deleted_at FROM branches WHERE repository_id = $1 AND name = $2), "
			 "up AS (INSERT INTO branches AS b (repository_id, name, head_sha, updated_at) "
			 " VALUES ($1, $2, NULL, $3) "
			 " ON CONFLICT (repository_id, name) DO UPDATE SET "
			 "  deleted_at = CASE WHEN b.deleted_at IS NOT NULL "
			 "   AND EXCLUDED.updated_at > b.deleted_at THEN NULL ELSE b.deleted_at END,"
			 "  head_sha = CASE WHEN b.deleted_at IS NOT NULL "
			 "   AND EXCLUDED.updated_at > b.deleted_at THEN NULL ELSE b.head_sha END,"
			 "  updated_at = GREATEST(b.updated_at, EXCLUDED.updated_at) "
			 " RETURNING deleted_at) "
			 "SELECT (NOT EXISTS (SELECT 1 FROM old)) "
			 " OR ((SELECT deleted_at FROM old) IS NOT NULL AND up.deleted_at IS NULL) FROM up",
			 3, p, &res);
	*created = n > 0 && db_get_bool(res, 0, 0);
	PQclear(res);
	return n;
}

int db_git_branch_deleted(struct db_conn *c, int64_t repo_id, const char *name, const char *when)
{
	char rid[24];
	id_text(repo_id, rid, sizeof rid);
	const char *p[3] = {rid, name, when};
	PGresult *res = NULL;
	int n = db_query(c,
			 "INSERT INTO branches AS b (repository_id, name, head_sha, updated_at, deleted_at) "
			 "VALUES ($1, $2, NULL, $3, $3) "
			 "ON CONFLICT (repository_id, name) DO UPDATE SET deleted_at = EXCLUDED.deleted_at "
			 "WHERE b.deleted_at IS NULL AND b.updated_at <= EXCLUDED.deleted_at "
			 "RETURNING 1",
			 3, p, &res);
	PQclear(res);
	return n;
}

int db_git_tag_created(struct db_conn *c, int64_t repo_id, const char *name, const char *sha,
		       bool is_rc, const char *when, bool moved, bool *fresh, char *stored,
		       size_t size)
{
	char rid[24];
	id_text(repo_id, rid, sizeof rid);
	const char *p[6] = {rid, name, sha, is_rc ? "true" : "false", when, moved ? "true" : "false"};
	PGresult *res = NULL;
	int n = db_query(c,
			 "WITH old AS (SELECT deleted_at FROM tags WHERE repository_id = $1 AND name = $2), "
			 "up AS (INSERT INTO tags AS t (repository_id, name, sha, is_rc, created_at) "
			 " VALUES ($1, $2, $3, $4, $5) "
			 " ON CONFLICT (repository_id, name) DO UPDATE SET "
			 "  sha = CASE WHEN t.deleted_at IS NOT NULL AND EXCLUDED.created_at > t.deleted_at "
			 "   THEN coalesce(EXCLUDED.sha, t.sha) "
			 "   WHEN $6::boolean THEN coalesce(EXCLUDED.sha, t.sha) "
			 "   ELSE coalesce(t.sha, EXCLUDED.sha) END,"
			 "  is_rc = EXCLUDED.is_rc,"
			 "  created_at = CASE WHEN t.deleted_at IS NOT NULL AND EXCLUDED.created_at > t.deleted_at "
			 "   THEN EXCLUDED.created_at ELSE LEAST(t.created_at, EXCLUDED.created_at) END,"
			 "  deleted_at = CASE WHEN t.deleted_at IS NOT NULL AND EXCLUDED.created_at > t.deleted_at "
			 "   THEN NULL ELSE t.deleted_at END "
			 " RETURNING sha, deleted_at) "
			 "SELECT (NOT EXISTS (SELECT 1 FROM old) AND up.deleted_at IS NULL) "
			 " OR ((SELECT deleted_at FROM old) IS NOT NULL AND up.deleted_at IS NULL), up.sha "
			 "FROM up",
			 6, p, &res);
	*fresh = n > 0 && db_get_bool(res, 0, 0);
	if (size)
		stored[0] = '\0';
	if (n > 0 && !PQgetisnull(res, 0, 1))
		snprintf(stored, size, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	return n;
}

int db_git_tag_deleted(struct db_conn *c, int64_t repo_id, const char *name, const char *sha,
		       bool is_rc, const char *when, bool *fresh)
{
	char rid[24];
	id_text(repo_id, rid, sizeof rid);
	const char *p[5] = {rid, name, sha, is_rc ? "true" : "false", when};
	PGresult *res = NULL;
	int n = db_query(c,
			 "WITH old AS (SELECT deleted_at FROM tags WHERE repository_id = $1 AND name = $2), "
			 "up AS (INSERT INTO tags AS t (repository_id, name, sha, is_rc, created_at, deleted_at) "
			 " VALUES ($1, $2, $3, $4, $5, $5) "
			 " ON CONFLICT (repository_id, name) DO UPDATE SET "
			 "  sha = coalesce(t.sha, EXCLUDED.sha),"
			 "  deleted_at = CASE WHEN t.deleted_at IS NULL AND t.created_at <= EXCLUDED.deleted_at "
			 "   THEN EXCLUDED.deleted_at ELSE t.deleted_at END "
			 " RETURNING deleted_at) "
			 "SELECT up.deleted_at IS NOT NULL AND (NOT EXISTS (SELECT 1 FROM old) "
			 " OR (SELECT deleted_at FROM old) IS NULL) FROM up",
			 5, p, &res);
	*fresh = n > 0 && db_get_bool(res, 0, 0);
	PQclear(res);
	return n;
}
