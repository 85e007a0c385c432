/*
 * db/release_candidates_changes.c — the statements of an RC's changes and of the train's
 * (see db/release_candidates.h): the merged PRs between two places of the default-branch
 * sequence, the previous release and the previous RC.  The bounds are
 * explained in server/domain/rc_changes.c, which groups the PRs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/release_candidates.h"
#include "db/release_candidates_internal.h"
#include "db/release_candidates_compare.h"
#include "db/result.h"
#include "domain/rc.h"
#include "domain/rc_answers.h"

struct bounds {
	const char *lo_seq, *hi_seq;   /* decimal text or NULL */
	const char *lo_time, *hi_time; /* RFC 3339 or NULL */
};

/* The merged PRs within the bounds, oldest first (new array). */
static int load_prs(struct db_conn *c, int64_t repo_id, const char *branch, const struct bounds *bd,
		    json_t **out)
{
	*out = json_array();
	struct rcs_idbuf b;
	const char *p[6] = {rcs_id(&b, repo_id), branch,
			    bd->lo_seq,		 bd->hi_seq,
			    bd->lo_time,	 bd->hi_time ? bd->hi_time : "infinity"};
	PGresult *res = NULL;
	/* clang-format off */
	int n = db_query(
		c,
		"SELECT json_build_object('number', pr.number, 'title', pr.title, 'author', pr.author,"
		" 'labels', pr.labels, 'merged_at', " SQL_TS("coalesce(pr.merged_at, pr.closed_at)") ","
		" 'merge_commit', pr.merge_commit_sha, 'url', pr.html_url)::text"
		" FROM pull_requests pr"
		" LEFT JOIN branch_sequence bs ON bs.repository_id = pr.repository_id"
		"  AND bs.branch = $2 AND bs.sha = pr.merge_commit_sha AND bs.left_at IS NULL"
		" WHERE pr.repository_id = $1 AND pr.merged"
		" AND (pr.base_ref IS NULL OR pr.base_ref = $2)"
		" AND CASE WHEN $4::bigint IS NOT NULL THEN bs.seq IS NOT NULL AND bs.seq <= $4"
		"  ELSE coalesce(pr.merged_at, pr.closed_at) <= $6::timestamptz END"
		" AND CASE WHEN $3::bigint IS NOT NULL AND bs.seq IS NOT NULL THEN bs.seq > $3"
		"  WHEN $5::timestamptz IS NOT NULL"
		"  THEN coalesce(pr.merged_at, pr.closed_at) > $5::timestamptz ELSE true END"
		" ORDER BY bs.seq NULLS LAST, coalesce(pr.merged_at, pr.closed_at), pr.number",
		6, p, &res);
	/* clang-format on */
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		json_array_append_new(*out, db_get_json_or_null(res, i, 0));
	PQclear(res);
	return DB_OK;
}

/* The place of a commit in the default-branch sequence, as text ("" when
 * not there). */
static int seq_of(struct db_conn *c, int64_t repo_id, const char *branch, const char *sha,
		  char *out, size_t size)
{
	out[0] = '\0';
	if (!sha || !*sha)
		return DB_OK;
	struct rcs_idbuf b;
	const char *p[3] = {rcs_id(&b, repo_id), branch, sha};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT seq FROM branch_sequence WHERE repository_id = $1 AND branch = $2"
			 " AND sha = $3 AND left_at IS NULL",
			 3, p, &res);
	if (n > 0)
		snprintf(out, size, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return n < 0 ? n : DB_OK;
}

/* The highest released version of the repository below `below` (NULL: any):
 * id, version, commit, released_at into the given buffers (id 0: none). */
struct prev_release {
	int64_t id;
	char version[200], commit[48], released_at[40];
	json_t *json;
};

static int previous_release(struct db_conn *c, int64_t repo_id, const char *below,
			    struct prev_release *out)
{
	memset(out, 0, sizeof *out);
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, repo_id)};
	PGresult *res = NULL;
	/* clang-format off */
	int n = db_query(c,
			 "SELECT sr.id, sr.version, coalesce(sr.commit_sha, rc.commit_sha),"
			 " " SQL_TS_US("sr.released_at") ","
			 " json_build_object('id', sr.id, 'version', sr.version, 'commit',"
			 "  coalesce(sr.commit_sha, rc.commit_sha),"
			 " 'released_at', " SQL_TS("sr.released_at") ")::text"
			 " FROM shipped_releases sr LEFT JOIN release_candidates rc ON rc.id = sr.rc_id"
			 " WHERE sr.repository_id = $1 ORDER BY sr.id",
			 1, p, &res);
	/* clang-format on */
	if (n < 0)
		return n;
	int pick = rcs_pick_version(res, n, 1, below);
	if (pick >= 0) {
		out->id = db_get_i64(res, pick, 0);
		snprintf(out->version, sizeof out->version, "%s", PQgetvalue(res, pick, 1));
		snprintf(out->commit, sizeof out->commit, "%s", PQgetvalue(res, pick, 2));
		snprintf(out->released_at, sizeof out->released_at, "%s", PQgetvalue(res, pick, 3));
		out->json = db_get_json_or_null(res, pick, 4);
	}
	PQclear(res);
	return DB_OK;
}

int db_rc_changes(struct db_conn *c, int64_t rc_id, json_t **out)
{
	*out = NULL;
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, rc_id)};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT rc.repository_id, rc.version, rc.target, rc.commit_sha,"
		" " SQL_TS_US("rc.cut_at") ","
		" rp.default_branch, " RC_SQL_JSON "::text"
		" FROM release_candidates rc JOIN repositories rp ON rp.id = rc.repository_id"
		" WHERE rc.id = $1",
		1, p, &res);
	if (n <= 0) {
		PQclear(res);
		return n;
	}
	int64_t repo_id = db_get_i64(res, 0, 0);
	char version[200], target[200], commit[48], cut_at[40], branch[256];
	snprintf(version, sizeof version, "%s", PQgetvalue(res, 0, 1));
	snprintf(target, sizeof target, "%s", PQgetvalue(res, 0, 2));
	snprintf(commit, sizeof commit, "%s", PQgetvalue(res, 0, 3));
	snprintf(cut_at, sizeof cut_at, "%s", PQgetvalue(res, 0, 4));
	snprintf(branch, sizeof branch, "%s", PQgetvalue(res, 0, 5));
	json_t *summary = db_get_json_or_null(res, 0, 6);
	PQclear(res);
	res = NULL;

	struct prev_release prev;
	json_t *prs = NULL, *prev_prs = NULL;
	n = previous_release(c, repo_id, target, &prev);
	if (n < 0)
		goto fail;
	char hi[32], lo[32];
	if ((n = seq_of(c, repo_id, branch, commit, hi, sizeof hi)) < 0 ||
	    (n = seq_of(c, repo_id, branch, prev.id ? prev.commit : NULL, lo, sizeof lo)) < 0)
		goto fail;
	struct bounds bd = {lo[0] ? lo : NULL, hi[0] ? hi : NULL, prev.id ? prev.released_at : NULL,
			    cut_at};
	n = load_prs(c, repo_id, branch, &bd, &prs);
	if (n < 0)
		goto fail;

	/* the previous RC of the same target: what this one adds */
	const char *tp[2] = {p[0], target};
	n = db_query(c,
		     "SELECT o.id, o.version, o.commit_sha,"
		     " " SQL_TS_US("o.cut_at")
		     " FROM release_candidates me JOIN release_candidates o"
		     "  ON o.repository_id = me.repository_id AND o.target = $2 AND o.id <> me.id"
		     " WHERE me.id = $1 ORDER BY o.id",
		     2, tp, &res);
	if (n < 0)
		goto fail;
	int pick = rcs_pick_version(res, n, 1, version);
	json_t *since_rc = json_null();
	if (pick >= 0) {
		char phi[32];
		char pcommit[48], pcut[40];
		int64_t pid = db_get_i64(res, pick, 0);
		char pversion[200];
		snprintf(pversion, sizeof pversion, "%s", PQgetvalue(res, pick, 1));
		snprintf(pcommit, sizeof pcommit, "%s", PQgetvalue(res, pick, 2));
		snprintf(pcut, sizeof pcut, "%s", PQgetvalue(res, pick, 3));
		PQclear(res);
		res = NULL;
		if ((n = seq_of(c, repo_id, branch, pcommit, phi, sizeof phi)) < 0)
			goto fail;
		struct bounds pb = {bd.lo_seq, phi[0] ? phi : NULL, bd.lo_time, pcut};
		n = load_prs(c, repo_id, branch, &pb, &prev_prs);
		if (n < 0)
			goto fail;
		since_rc = rc_answer_since_rc(pid, pversion, pcommit, prs, prev_prs);
	} else {
		PQclear(res);
		res = NULL;
	}
	*out = rc_answer_changes(summary, commit, prev.json, prs, since_rc);
	json_decref(prev_prs);
	return 1;
fail:
	PQclear(res);
	json_decref(summary);
	json_decref(prev.json);
	json_decref(prs);
	json_decref(prev_prs);
	return n < 0 ? n : DB_HARD_ERROR;
}

int db_rc_changes_since_last_release(struct db_conn *c, int64_t repo_id, json_t **out)
{
	*out = NULL;
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, repo_id)};
	PGresult *res = NULL;
	int n = db_query(c, "SELECT default_branch FROM repositories WHERE id = $1", 1, p, &res);
	if (n <= 0) {
		PQclear(res);
		*out = json_array();
		return n;
	}
	char branch[256];
	snprintf(branch, sizeof branch, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	struct prev_release prev;
	n = previous_release(c, repo_id, NULL, &prev);
	if (n < 0)
		return n;
	char lo[32];
	n = seq_of(c, repo_id, branch, prev.id ? prev.commit : NULL, lo, sizeof lo);
	json_decref(prev.json);
	if (n < 0)
		return n;
	struct bounds bd = {lo[0] ? lo : NULL, NULL, prev.id ? prev.released_at : NULL, NULL};
	json_t *prs = NULL;
	n = load_prs(c, repo_id, branch, &bd, &prs);
	if (n < 0) {
		json_decref(prs);
		return n;
	}
	/* the same grouping as the changes answer, flat */
	json_t *groups, *excluded;
	rc_changes_group(prs, &groups, &excluded);
	json_decref(groups);
	json_decref(excluded);
	*out = prs;
	return DB_OK;
}

/* ---- two RCs compared (db/release_candidates_compare.h) ---- */

/* Where an RC is: its repository, target, commit, cut time (microseconds
 * text) and default branch. */
struct rc_place {
	int64_t repo_id;
	char target[200], commit[48], cut_at[40], branch[256];
};

static int rc_place_load(struct db_conn *c, int64_t rc_id, struct rc_place *out)
{
	memset(out, 0, sizeof *out);
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, rc_id)};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT rc.repository_id, rc.target, rc.commit_sha,"
			 " " SQL_TS_US("rc.cut_at") ", rp.default_branch"
			 " FROM release_candidates rc JOIN repositories rp ON rp.id = rc.repository_id"
			 " WHERE rc.id = $1",
			 1, p, &res);
	if (n > 0) {
		out->repo_id = db_get_i64(res, 0, 0);
		snprintf(out->target, sizeof out->target, "%s", PQgetvalue(res, 0, 1));
		snprintf(out->commit, sizeof out->commit, "%s", PQgetvalue(res, 0, 2));
		snprintf(out->cut_at, sizeof out->cut_at, "%s", PQgetvalue(res, 0, 3));
		snprintf(out->branch, sizeof out->branch, "%s", PQgetvalue(res, 0, 4));
	}
	PQclear(res);
	return n;
}

/* The PRs `rc` contains since the common place lo (lo_time). */
static int side_prs(struct db_conn *c, const struct rc_place *rc, const char *lo,
		    const char *lo_time, json_t **out)
{
	char hi[32];
	int n = seq_of(c, rc->repo_id, rc->branch, rc->commit, hi, sizeof hi);
	if (n < 0)
		return n;
	struct bounds bd = {lo[0] ? lo : NULL, hi[0] ? hi : NULL, lo_time, rc->cut_at};
	return load_prs(c, rc->repo_id, rc->branch, &bd, out);
}

int db_rc_compare_prs(struct db_conn *c, int64_t base_id, int64_t head_id, json_t **base_prs,
		      json_t **head_prs)
{
	*base_prs = *head_prs = NULL;
	struct rc_place base, head;
	int n = rc_place_load(c, base_id, &base);
	if (n <= 0)
		return n;
	if ((n = rc_place_load(c, head_id, &head)) <= 0)
		return n;
	/* one common lower bound: the release before the lower target */
	const char *lower = rc_version_compare(base.target, head.target) <= 0 ? base.target
									       : head.target;
	struct prev_release prev;
	n = previous_release(c, base.repo_id, lower, &prev);
	if (n < 0)
		return n;
	json_decref(prev.json);
	char lo[32];
	n = seq_of(c, base.repo_id, base.branch, prev.id ? prev.commit : NULL, lo, sizeof lo);
	if (n < 0)
		return n;
	const char *lo_time = prev.id ? prev.released_at : NULL;
	json_t *b = NULL, *h = NULL;
	if ((n = side_prs(c, &base, lo, lo_time, &b)) < 0 ||
	    (n = side_prs(c, &head, lo, lo_time, &h)) < 0) {
		json_decref(b);
		json_decref(h);
		return n;
	}
	*base_prs = b;
	*head_prs = h;
	return 1;
}
