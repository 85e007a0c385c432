/*
 * gh_git.c — push, create and delete: commits, branch heads, tags, and the
 * default branch's ordered sequence of commits.
 *
 * THE DEFAULT-BRANCH SEQUENCE (branch_sequence; ARCHITECTURE.md sums it up)
 *
 * Every push to the repository's default branch extends an ordered sequence
 * (seq 1, 2, 3... per repository + branch) with the SHAs of payload.commits[]
 * in payload order (oldest first), then `after` if it is not among them;
 * SHAs already in the sequence (and not left) are skipped.  So "revision R
 * contains commit C" is seq(C) <= seq(R), over entries whose left_at is NULL.
 * The KNOWN HEAD is the entry with the highest seq that has not left.
 *
 *  1. Normal: `before` is the known head, or the sequence is empty: append.
 *  2. Already there: a non-forced push whose `after` is already in the
 *     sequence (the same push under a new delivery id, or a late copy)
 *     appends nothing.  A push identical to one already recorded (ref,
 *     before, after, forced, deleted) is a redelivery unless its `before` is
 *     the known head (the same move made twice, e.g. reset back and forth):
 *     it changes nothing, and no second `pushes` row is written.  (Replays
 *     of one delivery id are this case too.)
 *  3. Late delivery: a non-forced push whose `after` is not in the sequence
 *     but is the `before` of a recorded push whose commits are: the two
 *     arrived out of order.  Its new commits are INSERTED just before that
 *     later push's first entry (the entries from there on are renumbered),
 *     and the later push's gap flag is cleared (the hole is filled).  The
 *     late push itself is a gap only if its own `before` is not the entry
 *     just before the insertion point.
 *  4. Gap: any other non-forced push whose `before` is not the known head
 *     (a missed delivery; also a `created` push, before all zeros, onto a
 *     non-empty sequence): pushes.gap = true, then append anyway.  Gaps are
 *     listed by the branch health answer, not papered over.
 *  5. Forced push whose `after` is already in the sequence (the branch was
 *     reset back): every entry after it gets left_at; pushes.rewrote = true;
 *     nothing is appended.  (If `after` is already the head: a redelivery,
 *     nothing happens.)
 *  6. Forced push whose `after` is new (a rewrite): a push payload carries
 *     no parent SHAs, so which earlier entries are still ancestors of the
 *     new head cannot be known.  `before`'s entry, every entry after it and
 *     every entry that came with the same push as `before` are marked left;
 *     pushes.rewrote = true (and gap = true too when `before` was not the
 *     known head); then the new commits are appended.  LIMITATION: commits
 *     of older pushes that the rewrite also dropped stay in the sequence;
 *     commits of `before`'s push that survived the rewrite are marked left
 *     unless the forced push lists them again (then they are re-appended).
 *  7. Forced pushes are applied in arrival order (never reordered); a
 *     deletion of the default branch marks the branch deleted and leaves the
 *     sequence alone.  Only payload.commits[] is known (GitHub caps it):
 *     commits beyond the cap are missing from the sequence.
 *  8. Each push holds a per-(repository, ref) advisory lock for the rest
 *     of its transaction, so replicas apply the pushes of a ref one at a
 *     time.
 *
 * BRANCH HEADS AND TAGS (branches, tags) are order-independent by time: the
 * time of a push/create/delete is repository.pushed_at (when GitHub sends
 * it) or the delivery's receipt time.  A branch head moves to a push's
 * `after` if the push is newer than the stored head (same second: only if
 * it builds on the stored head).  A deletion wins over anything not newer
 * than it; a creation or push newer than a deletion revives the ref.  A tag
 * matching rc_pattern (fnmatch, default "v*-rc.*") has is_rc = true and its
 * creation records a "tag.rc" domain event besides "tag.created".
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/result.h"
#include "shiplog/db.h"
#include "shiplog/hex.h"
#include "shiplog/xalloc.h"
#include "webhooks/github_events.h"
#include "webhooks/webhook.h"

/* ---- small helpers ---- */

static bool is_zero_sha(const char *s)
{
	return s && *s && strspn(s, "0") == strlen(s);
}

/* The time of a ref change: repository.pushed_at, else the receipt time. */
static void ref_event_time(const struct webhook_ctx *ctx, char *buf, size_t size)
{
	if (!wj_time(ctx->payload, "repository.pushed_at", buf, size))
		snprintf(buf, size, "%s", ctx->received_at);
}

static bool is_rc_tag(const struct webhook_ctx *ctx, const char *name)
{
	const char *pattern = ctx->cfg && ctx->cfg->rc_pattern ? ctx->cfg->rc_pattern : "v*-rc.*";
	return fnmatch(pattern, name, 0) == 0;
}

static void id_text(int64_t v, char *buf, size_t size)
{
	snprintf(buf, size, "%lld", (long long)v);
}

static int record_event(struct webhook_ctx *ctx, const char *kind, const char *entity_type,
			const char *entity_id, json_t *payload)
{
	json_object_set_new(payload, "repository", json_string(ctx->repo_name));
	int rc = db_event_record(ctx->db, kind, entity_type, entity_id, ctx->actor, payload);
	json_decref(payload);
	return rc < 0 ? rc : WH_OK;
}

/* A PostgreSQL text[] literal of SHAs (hex only, so no quoting needed). */
static char *sha_array_literal(char (*shas)[HEX_SHA_LEN + 1], size_t n)
{
	char *out = xmalloc(n * (HEX_SHA_LEN + 1) + 3);
	char *p = out;
	*p++ = '{';
	for (size_t i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		memcpy(p, shas[i], HEX_SHA_LEN);
		p += HEX_SHA_LEN;
	}
	*p++ = '}';
	*p = '\0';
	return out;
}

/* ---- commits ---- */

static bool list_has(char (*shas)[HEX_SHA_LEN + 1], size_t n, const char *sha)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(shas[i], sha) == 0)
			return true;
	return false;
}

/* Appends a payload commit object to `rows` (for the commits upsert). */
static void commit_row(json_t *rows, const json_t *commit, const char *sha)
{
	char when[40];
	json_t *o = json_object();
	json_object_set_new(o, "sha", json_string(sha));
	const char *v;
	if ((v = wj_str(commit, "message")))
		json_object_set_new(o, "message", json_string(v));
	if ((v = wj_str(commit, "author.name")))
		json_object_set_new(o, "author_name", json_string(v));
	if ((v = wj_str(commit, "author.email")))
		json_object_set_new(o, "author_email", json_string(v));
	if ((v = wj_str(commit, "author.username")))
		json_object_set_new(o, "author_login", json_string(v));
	if (wj_time(commit, "timestamp", when, sizeof when))
		json_object_set_new(o, "committed_at", json_string(when));
	if ((v = wj_str(commit, "url")))
		json_object_set_new(o, "url", json_string(v));
	json_array_append_new(rows, o);
}

static int upsert_commits(struct webhook_ctx *ctx, const json_t *rows)
{
	if (json_array_size(rows) == 0)
		return WH_OK;
	char rid[24];
	id_text(ctx->repo_id, rid, sizeof rid);
	char *js = json_dumps(rows, JSON_COMPACT);
	if (!js)
		return DB_HARD_ERROR;
	const char *p[2] = {rid, js};
	int n = db_query(ctx->db,
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
	return n < 0 ? n : WH_OK;
}

/* ---- the default-branch sequence ---- */

struct seq_entry {
	bool found;
	int64_t seq;
	int64_t push_id; /* 0 when none */
	char sha[HEX_SHA_LEN + 1];
};

static void seq_entry_read(PGresult *res, struct seq_entry *e)
{
	e->found = true;
	e->seq = db_get_i64(res, 0, 0);
	e->push_id = PQgetisnull(res, 0, 1) ? 0 : db_get_i64(res, 0, 1);
	snprintf(e->sha, sizeof e->sha, "%s", PQgetvalue(res, 0, 2));
}

static int seq_head(struct db_conn *c, const char *rid, const char *branch, struct seq_entry *e)
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
	return n < 0 ? n : WH_OK;
}

static int seq_find(struct db_conn *c, const char *rid, const char *branch, const char *sha,
		    struct seq_entry *e)
{
	memset(e, 0, sizeof *e);
	if (!sha || !*sha)
		return WH_OK;
	const char *p[3] = {rid, branch, sha};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT seq, push_id, sha FROM branch_sequence "
			 "WHERE repository_id = $1 AND branch = $2 AND sha = $3 AND left_at IS NULL",
			 3, p, &res);
	if (n > 0)
		seq_entry_read(res, e);
	PQclear(res);
	return n < 0 ? n : WH_OK;
}

/* Removes from list the SHAs already in the sequence (not left). */
static int seq_filter_new(struct db_conn *c, const char *rid, const char *branch,
			  char (*list)[HEX_SHA_LEN + 1], size_t *n)
{
	if (*n == 0)
		return WH_OK;
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
	size_t kept = 0;
	for (size_t i = 0; i < *n; i++) {
		bool known = false;
		for (int r = 0; r < rows && !known; r++)
			known = strcmp(PQgetvalue(res, r, 0), list[i]) == 0;
		if (!known) {
			if (kept != i)
				memcpy(list[kept], list[i], HEX_SHA_LEN + 1);
			kept++;
		}
	}
	PQclear(res);
	*n = kept;
	return WH_OK;
}

/* Inserts list as seq base+1, base+2...; base NULL = after the last entry. */
static int seq_insert(struct db_conn *c, const char *rid, const char *branch, const char *base,
		      char (*list)[HEX_SHA_LEN + 1], size_t n, const char *when, const char *push_id)
{
	if (n == 0)
		return WH_OK;
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
	return rows < 0 ? rows : WH_OK;
}

enum seq_action { SEQ_NONE, SEQ_APPEND, SEQ_INSERT, SEQ_RESET, SEQ_REWRITE };

struct seq_plan {
	enum seq_action act;
	bool gap, rewrote;
	int64_t at;            /* RESET: seq of `after`; INSERT: the position */
	struct seq_entry before_entry; /* REWRITE */
	int64_t fills_push;    /* INSERT: the later push whose gap this fills */
};

/* Decides what a push to the default branch does to the sequence. */
static int seq_plan_make(struct db_conn *c, const char *rid, const char *branch, const char *ref,
			 const char *before, const char *after, bool forced, bool recorded,
			 struct seq_plan *pl)
{
	memset(pl, 0, sizeof *pl);
	struct seq_entry head, a;
	int rc = seq_head(c, rid, branch, &head);
	if (rc < 0)
		return rc;
	if ((rc = seq_find(c, rid, branch, after, &a)) < 0)
		return rc;
	bool before_is_head = head.found && before[0] && strcmp(before, head.sha) == 0;
	if (recorded && !before_is_head)
		return WH_OK; /* a redelivery of a push already applied */
	if (forced) {
		if (a.found) {
			if (!(head.found && a.seq == head.seq)) {
				pl->act = SEQ_RESET;
				pl->at = a.seq;
				pl->rewrote = true;
			}
			return WH_OK;
		}
		pl->act = SEQ_REWRITE;
		pl->rewrote = true;
		pl->gap = head.found && !before_is_head;
		return seq_find(c, rid, branch, before, &pl->before_entry);
	}
	if (a.found)
		return WH_OK; /* already there: a redelivery or a late copy */
	if (!head.found || before_is_head) {
		pl->act = SEQ_APPEND;
		return WH_OK;
	}
	/* a recorded later push that built on `after`: this one arrived late */
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
	if (n < 0) {
		PQclear(res);
		return n;
	}
	if (n == 0) {
		PQclear(res);
		pl->act = SEQ_APPEND;
		pl->gap = true;
		return WH_OK;
	}
	pl->act = SEQ_INSERT;
	pl->fills_push = db_get_i64(res, 0, 0);
	pl->at = db_get_i64(res, 0, 1);
	PQclear(res);
	/* is our `before` the entry just before the insertion point? */
	char at[24];
	id_text(pl->at, at, sizeof at);
	const char *pp[3] = {rid, branch, at};
	n = db_query(c,
		     "SELECT sha FROM branch_sequence WHERE repository_id = $1 AND branch = $2 "
		     "AND left_at IS NULL AND seq < $3 ORDER BY seq DESC LIMIT 1",
		     3, pp, &res);
	if (n < 0) {
		PQclear(res);
		return n;
	}
	pl->gap = n > 0 && strcmp(PQgetvalue(res, 0, 0), before) != 0;
	PQclear(res);
	return WH_OK;
}

/* Applies a plan; list (the push's SHAs, oldest first) is filtered in place.
 * *appended receives how many entries were added. */
static int seq_apply(struct db_conn *c, const char *rid, const char *branch,
		     const struct seq_plan *pl, char (*list)[HEX_SHA_LEN + 1], size_t n,
		     const char *when, const char *push_id, size_t *appended)
{
	*appended = 0;
	int rc;
	switch (pl->act) {
	case SEQ_NONE:
		return WH_OK;
	case SEQ_RESET: {
		char at[24];
		id_text(pl->at, at, sizeof at);
		const char *p[4] = {rid, branch, at, when};
		rc = db_query(c,
			      "UPDATE branch_sequence SET left_at = $4 WHERE repository_id = $1 "
			      "AND branch = $2 AND left_at IS NULL AND seq > $3",
			      4, p, NULL);
		return rc < 0 ? rc : WH_OK;
	}
	case SEQ_REWRITE:
		if (pl->before_entry.found) {
			char at[24], bp[24];
			id_text(pl->before_entry.seq, at, sizeof at);
			id_text(pl->before_entry.push_id, bp, sizeof bp);
			const char *p[5] = {rid, branch, at, pl->before_entry.push_id ? bp : NULL, when};
			rc = db_query(c,
				      "UPDATE branch_sequence SET left_at = $5 WHERE repository_id = $1 "
				      "AND branch = $2 AND left_at IS NULL "
				      "AND (seq >= $3 OR ($4::bigint IS NOT NULL AND push_id = $4))",
				      5, p, NULL);
			if (rc < 0)
				return rc;
		}
		break;
	case SEQ_APPEND:
	case SEQ_INSERT:
		break;
	}
	if ((rc = seq_filter_new(c, rid, branch, list, &n)) < 0)
		return rc;
	if (n == 0)
		return WH_OK;
	if (pl->act == SEQ_INSERT) {
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
			rc = seq_insert(c, rid, branch, base, list, n, when, push_id);
		if (rc >= 0 && pl->fills_push) {
			char fp[24];
			id_text(pl->fills_push, fp, sizeof fp);
			const char *q[1] = {fp};
			rc = db_query(c, "UPDATE pushes SET gap = false WHERE id = $1", 1, q, NULL);
		}
	} else {
		rc = seq_insert(c, rid, branch, NULL, list, n, when, push_id);
	}
	if (rc < 0)
		return rc;
	*appended = n;
	return WH_OK;
}

/* ---- branches and tags ---- */

/* A push moved a branch head (see the file comment for the order rule). */
static int branch_pushed(struct webhook_ctx *ctx, const char *name, const char *before,
			 const char *after, const char *when, bool *created)
{
	char rid[24];
	id_text(ctx->repo_id, rid, sizeof rid);
	const char *p[5] = {rid, name, after, when, before[0] ? before : NULL};
	PGresult *res = NULL;
	int n = db_query(ctx->db,
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
	return n < 0 ? n : WH_OK;
}

/* A branch named by a `create` event (no SHA there). */
static int branch_created(struct webhook_ctx *ctx, const char *name, const char *when,
			  bool *created)
{
	char rid[24];
	id_text(ctx->repo_id, rid, sizeof rid);
	const char *p[3] = {rid, name, when};
	PGresult *res = NULL;
	int n = db_query(ctx->db,
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
	return n < 0 ? n : WH_OK;
}

/* A branch deletion (push deleted:true or a delete event) at `when`. */
static int branch_deleted(struct webhook_ctx *ctx, const char *name, const char *when)
{
	char rid[24];
	id_text(ctx->repo_id, rid, sizeof rid);
	const char *p[3] = {rid, name, when};
	PGresult *res = NULL;
	int n = db_query(ctx->db,
			 "INSERT INTO branches AS b (repository_id, name, head_sha, updated_at, deleted_at) "
			 "VALUES ($1, $2, NULL, $3, $3) "
			 "ON CONFLICT (repository_id, name) DO UPDATE SET deleted_at = EXCLUDED.deleted_at "
			 "WHERE b.deleted_at IS NULL AND b.updated_at <= EXCLUDED.deleted_at "
			 "RETURNING 1",
			 3, p, &res);
	PQclear(res);
	if (n < 0)
		return n;
	if (n == 0)
		return WH_OK;
	char eid[600];
	snprintf(eid, sizeof eid, "%s:%s", ctx->repo_name, name);
	return record_event(ctx, "branch.deleted", "branch", eid,
			    json_pack("{s:s, s:s}", "name", name, "deleted_at", when));
}

/* A tag came to exist (push refs/tags/... or create ref_type tag). */
static int tag_created(struct webhook_ctx *ctx, const char *name, const char *sha,
		       const char *when, bool moved)
{
	char rid[24];
	id_text(ctx->repo_id, rid, sizeof rid);
	bool rc_tag = is_rc_tag(ctx, name);
	const char *p[6] = {rid, name, sha, rc_tag ? "true" : "false", when, moved ? "true" : "false"};
	PGresult *res = NULL;
	int n = db_query(ctx->db,
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
	if (n < 0) {
		PQclear(res);
		return n;
	}
	bool fresh = n > 0 && db_get_bool(res, 0, 0);
	char stored[HEX_SHA_LEN + 8] = "";
	if (n > 0 && !PQgetisnull(res, 0, 1))
		snprintf(stored, sizeof stored, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	if (!fresh)
		return WH_OK;
	char eid[600];
	snprintf(eid, sizeof eid, "%s:%s", ctx->repo_name, name);
	json_t *pl = json_pack("{s:s, s:b, s:s}", "name", name, "is_rc", rc_tag, "created_at", when);
	json_object_set_new(pl, "sha", stored[0] ? json_string(stored) : json_null());
	int rc = record_event(ctx, "tag.created", "tag", eid, json_deep_copy(pl));
	if (rc >= 0 && rc_tag)
		rc = record_event(ctx, "tag.rc", "tag", eid, json_incref(pl));
	json_decref(pl);
	return rc;
}

static int tag_deleted(struct webhook_ctx *ctx, const char *name, const char *sha,
		       const char *when)
{
	char rid[24];
	id_text(ctx->repo_id, rid, sizeof rid);
	const char *p[5] = {rid, name, sha, is_rc_tag(ctx, name) ? "true" : "false", when};
	PGresult *res = NULL;
	int n = db_query(ctx->db,
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
	bool fresh = n > 0 && db_get_bool(res, 0, 0);
	PQclear(res);
	if (n < 0)
		return n;
	if (!fresh)
		return WH_OK;
	char eid[600];
	snprintf(eid, sizeof eid, "%s:%s", ctx->repo_name, name);
	return record_event(ctx, "tag.deleted", "tag", eid,
			    json_pack("{s:s, s:s}", "name", name, "deleted_at", when));
}

/* ---- push ---- */

/* An identical push already recorded (a redelivery under any delivery id)? */
static int push_recorded(struct webhook_ctx *ctx, const char *ref, const char *before,
			 const char *after, bool forced, bool deleted, bool *found)
{
	char rid[24];
	id_text(ctx->repo_id, rid, sizeof rid);
	const char *p[6] = {rid, ref, before[0] ? before : NULL, after, forced ? "true" : "false",
			    deleted ? "true" : "false"};
	int n = db_query(ctx->db,
			 "SELECT 1 FROM pushes WHERE repository_id = $1 AND ref = $2 "
			 "AND before_sha IS NOT DISTINCT FROM $3 AND after_sha = $4 "
			 "AND forced = $5::boolean AND deleted = $6::boolean LIMIT 1",
			 6, p, NULL);
	*found = n > 0;
	return n < 0 ? n : WH_OK;
}

int gh_on_push(struct webhook_ctx *ctx)
{
	int rc = webhook_repo(ctx);
	if (rc < 0)
		return rc;
	const json_t *pl = ctx->payload;
	const char *ref = wj_str(pl, "ref");
	if (!ref || !*ref || strlen(ref) > 1000)
		return webhook_bad(ctx, "ref: missing");
	char before[HEX_SHA_LEN + 1] = "", after[HEX_SHA_LEN + 1];
	if (!hex_read_sha(wj_str(pl, "after"), after))
		return webhook_bad(ctx, "after: missing or not a 40-digit SHA");
	if (!hex_read_sha(wj_str(pl, "before"), before))
		before[0] = '\0';
	bool deleted = wj_bool(pl, "deleted") == 1 || is_zero_sha(after);
	bool created = wj_bool(pl, "created") == 1 || (!deleted && is_zero_sha(before));
	bool forced = wj_bool(pl, "forced") == 1;
	const char *pusher = wj_str(pl, "pusher.name");
	char when[40];
	ref_event_time(ctx, when, sizeof when);

	/* the push's commits, oldest first, then `after`; and their rows */
	const json_t *commits = wj_get(pl, "commits");
	size_t ncommits = json_is_array(commits) ? json_array_size(commits) : 0;
	char(*list)[HEX_SHA_LEN + 1] = xmalloc((ncommits + 2) * sizeof *list);
	size_t n = 0;
	json_t *rows = json_array();
	for (size_t i = 0; i < ncommits; i++) {
		const json_t *cm = json_array_get(commits, i);
		char sha[HEX_SHA_LEN + 1];
		if (!hex_read_sha(wj_str(cm, "id"), sha) || is_zero_sha(sha) ||
		    list_has(list, n, sha))
			continue;
		memcpy(list[n++], sha, sizeof sha);
		commit_row(rows, cm, sha);
	}
	char head[HEX_SHA_LEN + 1];
	if (hex_read_sha(wj_str(pl, "head_commit.id"), head) && !is_zero_sha(head) &&
	    !list_has(list, n, head))
		commit_row(rows, wj_get(pl, "head_commit"), head);
	if (!deleted && !list_has(list, n, after))
		memcpy(list[n++], after, sizeof after);
	rc = upsert_commits(ctx, rows);
	json_decref(rows);
	if (rc < 0)
		goto out;

	char rid[24];
	id_text(ctx->repo_id, rid, sizeof rid);
	const char *branch = strncmp(ref, "refs/heads/", 11) == 0 ? ref + 11 : NULL;
	const char *tag = strncmp(ref, "refs/tags/", 10) == 0 ? ref + 10 : NULL;
	bool on_default = branch && !deleted && strcmp(branch, ctx->default_branch) == 0;

	/* one push per ref at a time, whatever the replica */
	const char *lp[2] = {rid, ref};
	rc = db_query(ctx->db,
		      "SELECT pg_advisory_xact_lock(hashtextextended('shiplog-push:' || $1 || ':' || $2, 0))",
		      2, lp, NULL);
	if (rc < 0)
		goto out;
	bool seen;
	rc = push_recorded(ctx, ref, before, after, forced, deleted, &seen);
	if (rc < 0)
		goto out;
	struct seq_plan plan = {0};
	if (on_default) {
		rc = seq_plan_make(ctx->db, rid, branch, ref, before, after, forced, seen, &plan);
		if (rc < 0)
			goto out;
	}
	bool record = !(seen && plan.act == SEQ_NONE);
	char push_id[24] = "";
	if (record) {
		char count[24];
		id_text((int64_t)ncommits, count, sizeof count);
		const char *p[13] = {rid,
				     ctx->d->delivery_id,
				     ref,
				     before[0] ? before : NULL,
				     after,
				     forced ? "true" : "false",
				     created ? "true" : "false",
				     deleted ? "true" : "false",
				     pusher,
				     count,
				     plan.gap ? "true" : "false",
				     plan.rewrote ? "true" : "false",
				     ctx->received_at};
		PGresult *res = NULL;
		rc = db_query(ctx->db,
			      "INSERT INTO pushes (repository_id, delivery_id, ref, before_sha, after_sha, "
			      " forced, created, deleted, pusher, commit_count, gap, rewrote, received_at) "
			      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
			      13, p, &res);
		if (rc > 0)
			snprintf(push_id, sizeof push_id, "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
		if (rc < 0)
			goto out;
	}
	size_t appended = 0;
	if (on_default) {
		rc = seq_apply(ctx->db, rid, branch, &plan, list, n, when,
			       push_id[0] ? push_id : NULL, &appended);
		if (rc < 0)
			goto out;
	}

	/* branch head or tag */
	if (branch) {
		if (deleted) {
			rc = branch_deleted(ctx, branch, when);
		} else {
			bool fresh = false;
			rc = branch_pushed(ctx, branch, before, after, when, &fresh);
			if (rc >= 0 && fresh) {
				char eid[600];
				snprintf(eid, sizeof eid, "%s:%s", ctx->repo_name, branch);
				rc = record_event(ctx, "branch.created", "branch", eid,
						  json_pack("{s:s, s:s}", "name", branch, "sha", after));
			}
		}
	} else if (tag) {
		char target[HEX_SHA_LEN + 1];
		/* an annotated tag's `after` is the tag object; head_commit is the commit */
		const char *sha = hex_read_sha(wj_str(pl, "head_commit.id"), target) ? target : after;
		rc = deleted ? tag_deleted(ctx, tag, before[0] ? before : NULL, when)
			     : tag_created(ctx, tag, sha, when, forced);
	}
	if (rc < 0)
		goto out;

	if (record) {
		json_t *ev = json_pack("{s:s, s:o, s:s, s:b, s:b, s:b, s:b, s:b, s:I}", "ref", ref,
				       "before", before[0] ? json_string(before) : json_null(),
				       "after", after, "forced", forced, "created", created,
				       "deleted", deleted, "gap", plan.gap, "rewrote", plan.rewrote,
				       "appended", (json_int_t)appended);
		rc = record_event(ctx, "push", "push", push_id, ev);
	}
out:
	free(list);
	return rc < 0 ? rc : WH_OK;
}

/* ---- create / delete ---- */

static int ref_event(struct webhook_ctx *ctx, bool is_create)
{
	const char *ref_type = wj_str(ctx->payload, "ref_type");
	if (!ref_type)
		return webhook_bad(ctx, "ref_type: missing");
	if (strcmp(ref_type, "tag") != 0 && strcmp(ref_type, "branch") != 0)
		return WH_IGNORED; /* "repository" and whatever comes next */
	int rc = webhook_repo(ctx);
	if (rc < 0)
		return rc;
	const char *ref = wj_str(ctx->payload, "ref");
	if (!ref || !*ref || strlen(ref) > 1000)
		return webhook_bad(ctx, "ref: missing");
	/* GitHub sends the short name; accept a full one too */
	if (strncmp(ref, "refs/heads/", 11) == 0)
		ref += 11;
	else if (strncmp(ref, "refs/tags/", 10) == 0)
		ref += 10;
	char when[40];
	ref_event_time(ctx, when, sizeof when);
	if (strcmp(ref_type, "tag") == 0)
		return is_create ? tag_created(ctx, ref, NULL, when, false)
				 : tag_deleted(ctx, ref, NULL, when);
	if (!is_create)
		return branch_deleted(ctx, ref, when);
	bool fresh = false;
	rc = branch_created(ctx, ref, when, &fresh);
	if (rc < 0 || !fresh)
		return rc < 0 ? rc : WH_OK;
	char eid[600];
	snprintf(eid, sizeof eid, "%s:%s", ctx->repo_name, ref);
	return record_event(ctx, "branch.created", "branch", eid, json_pack("{s:s}", "name", ref));
}

int gh_on_create(struct webhook_ctx *ctx)
{
	return ref_event(ctx, true);
}

int gh_on_delete(struct webhook_ctx *ctx)
{
	return ref_event(ctx, false);
}
