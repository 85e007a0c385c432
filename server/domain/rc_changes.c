/*
 * rc_changes.c — what is in an RC: the PRs merged on the default branch
 * after the previous release up to the RC's commit, grouped by label for
 * release notes, and the difference to the previous RC of the same target.
 *
 * Bounds: the upper bound is the RC commit's place in the default-branch
 * sequence (when the commit is not in the sequence: PRs merged before the
 * RC was cut).  The lower bound is the previous release's commit place
 * (when unknown: PRs merged after the previous release), where the previous
 * release is the highest released version below the RC's target.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/result.h"
#include "domain/rc_store.h"
#include "domain/rc_store_internal.h"

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
	int n = db_query(
		c,
		"SELECT json_build_object('number', pr.number, 'title', pr.title, 'author', "
		"pr.author,"
		" 'labels', pr.labels, 'merged_at', " SQL_TS(
			"coalesce(pr.merged_at, pr.closed_at)") ","
								" 'merge_commit', "
								"pr.merge_commit_sha, 'url', "
								"pr.html_url)::text"
								" FROM pull_requests pr"
								" LEFT JOIN branch_sequence bs ON "
								"bs.repository_id = "
								"pr.repository_id"
								"  AND bs.branch = $2 AND bs.sha = "
								"pr.merge_commit_sha AND "
								"bs.left_at IS NULL"
								" WHERE pr.repository_id = $1 AND "
								"pr.merged"
								" AND (pr.base_ref IS NULL OR "
								"pr.base_ref = $2)"
								" AND CASE WHEN $4::bigint IS NOT "
								"NULL THEN bs.seq IS NOT NULL AND "
								"bs.seq <= $4"
								"  ELSE coalesce(pr.merged_at, "
								"pr.closed_at) <= $6::timestamptz "
								"END"
								" AND CASE WHEN $3::bigint IS NOT "
								"NULL AND bs.seq IS NOT NULL THEN "
								"bs.seq > $3"
								"  WHEN $5::timestamptz IS NOT NULL"
								"  THEN coalesce(pr.merged_at, "
								"pr.closed_at) > $5::timestamptz "
								"ELSE true END"
								" ORDER BY bs.seq NULLS LAST, "
								"coalesce(pr.merged_at, "
								"pr.closed_at), pr.number",
		6, p, &res);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		json_array_append_new(*out, db_get_json(res, i, 0));
	PQclear(res);
	return DB_OK;
}

/* The category of a PR object (labels as strings or {name} objects). */
static int pr_category(const json_t *pr)
{
	const json_t *labels = json_object_get(pr, "labels");
	const char *names[32];
	size_t n = 0, i;
	const json_t *l;
	json_array_foreach(labels, i, l) {
		const char *s = json_is_string(l) ? json_string_value(l)
						  : json_string_value(json_object_get(l, "name"));
		if (s && n < 32)
			names[n++] = s;
	}
	return rc_note_category_of(names, n);
}

/* Adds "category" to each PR and splits them into groups + excluded. */
static void group_prs(json_t *prs, json_t **groups, json_t **excluded)
{
	*groups = json_object();
	*excluded = json_array();
	for (int c = 0; c < RC_NOTE_CATEGORIES; c++)
		json_object_set_new(*groups, rc_note_categories[c].key, json_array());
	size_t i;
	json_t *pr;
	json_array_foreach(prs, i, pr) {
		int c = pr_category(pr);
		json_object_set_new(pr, "category",
				    c < 0 ? json_null() : json_string(rc_note_categories[c].key));
		if (c < 0)
			json_array_append(*excluded, pr);
		else
			json_array_append(json_object_get(*groups, rc_note_categories[c].key), pr);
	}
}

static bool has_number(const json_t *prs, json_int_t number)
{
	size_t i;
	const json_t *pr;
	json_array_foreach(prs, i, pr) {
		if (json_integer_value(json_object_get(pr, "number")) == number)
			return true;
	}
	return false;
}

/* Items of a that b lacks (new array; items shared). */
static json_t *pr_difference(const json_t *a, const json_t *b)
{
	json_t *out = json_array();
	size_t i;
	json_t *pr;
	json_array_foreach(a, i, pr) {
		if (!has_number(b, json_integer_value(json_object_get(pr, "number"))))
			json_array_append(out, pr);
	}
	return out;
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
	int n = db_query(c,
			 "SELECT sr.id, sr.version, coalesce(sr.commit_sha, rc.commit_sha),"
			 " " SQL_TS_US("sr.released_at") ","
			 " json_build_object('id', sr.id, 'version', sr.version, 'commit',"
			 "  coalesce(sr.commit_sha, rc.commit_sha), 'released_at', " SQL_TS(
				 "sr.released_at") ")::text"
						   " FROM shipped_releases sr LEFT JOIN "
						   "release_candidates rc ON rc.id = sr.rc_id"
						   " WHERE sr.repository_id = $1 ORDER BY sr.id",
			 1, p, &res);
	if (n < 0)
		return n;
	int pick = -1;
	for (int i = 0; i < n; i++) {
		const char *v = PQgetvalue(res, i, 1);
		if (below && rc_version_compare(v, below) >= 0)
			continue;
		if (pick < 0 || rc_version_compare(v, PQgetvalue(res, pick, 1)) > 0)
			pick = i;
	}
	if (pick >= 0) {
		out->id = db_get_i64(res, pick, 0);
		snprintf(out->version, sizeof out->version, "%s", PQgetvalue(res, pick, 1));
		snprintf(out->commit, sizeof out->commit, "%s", PQgetvalue(res, pick, 2));
		snprintf(out->released_at, sizeof out->released_at, "%s", PQgetvalue(res, pick, 3));
		out->json = db_get_json(res, pick, 4);
	}
	PQclear(res);
	return DB_OK;
}

int rc_changes(struct db_conn *c, int64_t rc_id, json_t **out)
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
	json_t *summary = db_get_json(res, 0, 6);
	PQclear(res);
	res = NULL;

	struct prev_release prev;
	json_t *prs = NULL, *prev_prs = NULL, *groups = NULL, *excluded = NULL;
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
	group_prs(prs, &groups, &excluded);

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
	int pick = -1;
	for (int i = 0; i < n; i++) {
		const char *v = PQgetvalue(res, i, 1);
		if (rc_version_compare(v, version) < 0 &&
		    (pick < 0 || rc_version_compare(v, PQgetvalue(res, pick, 1)) > 0))
			pick = i;
	}
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
		since_rc = json_pack("{s:{s:I, s:s, s:s?}, s:o, s:o}", "release_candidate", "id",
				     (json_int_t)pid, "version", pversion, "commit",
				     pcommit[0] ? pcommit : NULL, "added",
				     pr_difference(prs, prev_prs), "removed",
				     pr_difference(prev_prs, prs));
	} else {
		PQclear(res);
		res = NULL;
	}
	size_t included = json_array_size(prs) - json_array_size(excluded);
	*out = json_pack("{s:o, s:s?, s:o, s:I, s:o, s:o, s:O, s:o}", "release_candidate", summary,
			 "commit", commit[0] ? commit : NULL, "previous_release",
			 prev.json ? prev.json : json_null(), "count", (json_int_t)included,
			 "groups", groups, "excluded", excluded, "pull_requests", prs,
			 "since_previous_rc", since_rc);
	json_decref(prs);
	json_decref(prev_prs);
	return 1;
fail:
	PQclear(res);
	json_decref(summary);
	json_decref(prev.json);
	json_decref(prs);
	json_decref(prev_prs);
	json_decref(groups);
	json_decref(excluded);
	return n < 0 ? n : DB_HARD_ERROR;
}

int rc_changes_since_last_release(struct db_conn *c, int64_t repo_id, json_t **out)
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
	group_prs(prs, &groups, &excluded);
	json_decref(groups);
	json_decref(excluded);
	*out = prs;
	return DB_OK;
}
