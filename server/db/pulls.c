/*
 * db/pulls.c — the statements of pull requests (contract in pulls.h).
 */
#include "db/pulls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/result.h"
#include "db/run_sql.h"
#include "shiplog/xalloc.h"

/* The event wins over the stored row (the rule: webhooks/gh_pulls.c). */
#define PR_WINS                                                                                  \
	"((coalesce(EXCLUDED.updated_at, '-infinity'::timestamptz), "                            \
	"EXCLUDED.tiebreak COLLATE \"C\") > "                                                     \
	"(coalesce(t.updated_at, '-infinity'::timestamptz), t.tiebreak COLLATE \"C\"))"
#define PR_DESCRIPTIVE(col)                                                                      \
	col " = CASE WHEN " PR_WINS " THEN coalesce(EXCLUDED." col ", t." col ") "              \
	    "ELSE coalesce(t." col ", EXCLUDED." col ") END"

int db_pulls_upsert(struct db_conn *c, int64_t repo_id, const struct db_pull_event *e,
		    struct db_pull_row *row)
{
	char rid[24], num[24];
	snprintf(rid, sizeof rid, "%lld", (long long)repo_id);
	snprintf(num, sizeof num, "%lld", (long long)e->number);
	const char *p[19] = {rid,
			     num,
			     e->github_id,
			     e->title,
			     e->author,
			     e->state,
			     e->draft < 0 ? NULL : e->draft ? "true" : "false",
			     e->merged ? "true" : "false",
			     e->labels_json,
			     e->head_ref,
			     e->head_sha,
			     e->base_ref,
			     e->merge_commit_sha,
			     e->html_url,
			     e->opened_at,
			     e->closed_at,
			     e->merged_at,
			     e->updated_at,
			     e->tiebreak};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"WITH old AS (SELECT updated_at, tiebreak FROM pull_requests "
		" WHERE repository_id = $1 AND number = $2), "
		"up AS (INSERT INTO pull_requests AS t (repository_id, number, github_id, title, "
		" author, state, draft, merged, labels, head_ref, head_sha, base_ref, "
		" merge_commit_sha, html_url, opened_at, closed_at, merged_at, updated_at, tiebreak) "
		"VALUES ($1, $2, $3, $4, $5, $6, coalesce($7::boolean, false), $8::boolean, "
		" coalesce($9::jsonb, '[]'), $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) "
		"ON CONFLICT (repository_id, number) DO UPDATE SET "
		" github_id = coalesce(EXCLUDED.github_id, t.github_id), " PR_DESCRIPTIVE("title")
		", " PR_DESCRIPTIVE("author") ", " PR_DESCRIPTIVE("head_ref") ", " PR_DESCRIPTIVE(
			"head_sha") ", " PR_DESCRIPTIVE("base_ref") ", " PR_DESCRIPTIVE("html_url")
		", opened_at = coalesce(t.opened_at, EXCLUDED.opened_at),"
		" state = CASE WHEN " PR_WINS " THEN coalesce(EXCLUDED.state, t.state) "
		"  ELSE coalesce(t.state, EXCLUDED.state) END,"
		" draft = CASE WHEN " PR_WINS " THEN coalesce($7::boolean, t.draft) ELSE t.draft END,"
		" labels = CASE WHEN " PR_WINS " THEN coalesce($9::jsonb, t.labels) ELSE t.labels END,"
		" closed_at = CASE WHEN " PR_WINS " THEN EXCLUDED.closed_at ELSE t.closed_at END,"
		" merged = t.merged OR EXCLUDED.merged,"
		" merged_at = CASE WHEN " PR_WINS " THEN coalesce(EXCLUDED.merged_at, t.merged_at) "
		"  ELSE coalesce(t.merged_at, EXCLUDED.merged_at) END,"
		" merge_commit_sha = CASE "
		"  WHEN EXCLUDED.merged AND NOT t.merged THEN coalesce(EXCLUDED.merge_commit_sha, "
		"   t.merge_commit_sha) "
		"  WHEN t.merged AND NOT EXCLUDED.merged THEN coalesce(t.merge_commit_sha, "
		"   EXCLUDED.merge_commit_sha) "
		"  WHEN " PR_WINS " THEN coalesce(EXCLUDED.merge_commit_sha, t.merge_commit_sha) "
		"  ELSE coalesce(t.merge_commit_sha, EXCLUDED.merge_commit_sha) END,"
		" updated_at = CASE WHEN " PR_WINS " THEN EXCLUDED.updated_at ELSE t.updated_at END,"
		" tiebreak = CASE WHEN " PR_WINS " THEN EXCLUDED.tiebreak ELSE t.tiebreak END "
		"RETURNING id, state, merged, head_sha, updated_at, tiebreak) "
		"SELECT up.id, up.state, up.merged, up.head_sha, "
		" NOT EXISTS (SELECT 1 FROM old) OR ((SELECT tiebreak FROM old) <> up.tiebreak "
		"  OR (SELECT updated_at FROM old) IS DISTINCT FROM up.updated_at) "
		"FROM up",
		19, p, &res);
	if (n > 0) {
		row->id = db_get_i64(res, 0, 0);
		snprintf(row->state, sizeof row->state, "%s", PQgetvalue(res, 0, 1));
		row->merged = db_get_bool(res, 0, 2);
		snprintf(row->head_sha, sizeof row->head_sha, "%s", PQgetvalue(res, 0, 3));
		row->changed = db_get_bool(res, 0, 4);
	}
	PQclear(res);
	return n;
}

int db_pulls_add_sha(struct db_conn *c, int64_t pr_id, const char *sha, const char *seen_at,
		     bool *added)
{
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)pr_id);
	const char *p[3] = {id, sha, seen_at};
	PGresult *res = NULL;
	int n = db_query(c,
			 "INSERT INTO pull_request_shas AS s (pull_request_id, sha, seen_at) "
			 "VALUES ($1, $2, $3) "
			 "ON CONFLICT (pull_request_id, sha) DO UPDATE SET seen_at = EXCLUDED.seen_at "
			 "WHERE EXCLUDED.seen_at < s.seen_at "
			 "RETURNING xmax = 0",
			 3, p, &res);
	if (n > 0 && db_get_bool(res, 0, 0))
		*added = true;
	PQclear(res);
	return n;
}

/* ---- what the API reads ---- */

int db_pulls_detail(struct db_conn *c, int64_t repo_id, const char *number,
		    const char *default_branch, struct db_pull_detail *d)
{
	memset(d, 0, sizeof *d);
	char rid[24];
	snprintf(rid, sizeof rid, "%lld", (long long)repo_id);
	const char *p[3] = {rid, number, default_branch};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT p.id, p.head_ref, p.base_ref, " SQL_TS("p.closed_at") ", "
		" json_build_object('repository', rp.full_name, 'number', p.number, "
		" 'title', p.title, 'author', p.author, 'state', p.state, 'draft', p.draft, "
		" 'merged', p.merged, 'labels', p.labels, 'head_ref', p.head_ref, "
		" 'head_sha', p.head_sha, 'base_ref', p.base_ref, "
		" 'merge_commit_sha', p.merge_commit_sha, 'url', p.html_url, "
		" 'opened_at', " SQL_TS("p.opened_at") ", 'closed_at', " SQL_TS("p.closed_at") ", "
		" 'merged_at', " SQL_TS("p.merged_at") ", 'updated_at', " SQL_TS("p.updated_at") ", "
		" 'head_shas', (SELECT coalesce(json_agg(json_build_object('sha', s.sha, "
		"   'seen_at', " SQL_TS("s.seen_at") ") ORDER BY s.seen_at, s.sha), '[]') "
		"   FROM pull_request_shas s WHERE s.pull_request_id = p.id), "
		" 'merge_commit', CASE WHEN p.merged AND p.merge_commit_sha IS NOT NULL THEN "
		"   json_build_object('sha', p.merge_commit_sha, 'default_branch', "
		"    (SELECT json_build_object('name', bs.branch, 'seq', bs.seq, "
		"      'left', bs.left_at IS NOT NULL, 'pushed_at', " SQL_TS("bs.pushed_at") ") "
		"     FROM branch_sequence bs WHERE bs.repository_id = p.repository_id "
		"      AND bs.branch = $3 AND bs.sha = p.merge_commit_sha "
		"     ORDER BY bs.left_at IS NULL DESC, bs.seq DESC LIMIT 1)) END)::text "
		"FROM pull_requests p JOIN repositories rp ON rp.id = p.repository_id "
		"WHERE p.repository_id = $1 AND p.number = $2",
		3, p, &res);
	if (n > 0) {
		d->json = db_get_json(res, 0, 4);
		d->id = db_get_i64(res, 0, 0);
		const char *v;
		if ((v = db_get_text_or_null(res, 0, 1)))
			d->head_ref = xstrdup(v);
		if ((v = db_get_text_or_null(res, 0, 2)))
			d->base_ref = xstrdup(v);
		snprintf(d->closed_at, sizeof d->closed_at, "%s", PQgetvalue(res, 0, 3));
	}
	PQclear(res);
	return n;
}

void db_pull_detail_free(struct db_pull_detail *d)
{
	json_decref(d->json);
	free(d->head_ref);
	free(d->base_ref);
	memset(d, 0, sizeof *d);
}

int db_pulls_runs(struct db_conn *c, int64_t repo_id, const struct db_pull_detail *d,
		  const char *number, const char *default_branch, json_t **runs, int64_t *count)
{
	char rid[24], pr_id[24];
	snprintf(rid, sizeof rid, "%lld", (long long)repo_id);
	snprintf(pr_id, sizeof pr_id, "%lld", (long long)d->id);
	const char *rp[7] = {rid,	  pr_id,	number, d->head_ref, default_branch, d->base_ref,
			     d->closed_at[0] ? d->closed_at : NULL};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"WITH ids AS ("
		" SELECT r.id, 'sha' AS via FROM pull_request_shas s "
		"  JOIN runs r ON r.head_sha = s.sha AND r.repository_id = $1 "
		"  WHERE s.pull_request_id = $2 "
		" UNION SELECT l.run_id, 'pull_request' FROM run_pull_requests l "
		"  JOIN runs r ON r.id = l.run_id AND r.repository_id = $1 "
		"  WHERE l.pr_number = $3::integer "
		" UNION SELECT r.id, 'branch' FROM runs r "
		"  WHERE r.repository_id = $1 AND $4::text IS NOT NULL AND r.head_branch = $4 "
		"  AND $4 <> $5 AND $4 IS DISTINCT FROM $6 "
		"  AND ($7::timestamptz IS NULL OR r.created_at <= $7::timestamptz) "
		"  AND NOT EXISTS (SELECT 1 FROM pull_requests p2 WHERE p2.repository_id = $1 "
		"   AND p2.head_ref = $4 AND p2.number < $3::integer AND p2.closed_at IS NOT NULL "
		"   AND r.created_at <= p2.closed_at)), "
		"agg AS (SELECT id, array_agg(DISTINCT via ORDER BY via) AS via FROM ids GROUP BY id), "
		"sel AS (SELECT r.id, r.created_at, json_build_object(" RUN_FIELDS ", 'linked_by', agg.via) AS o "
		" FROM agg JOIN runs r ON r.id = agg.id " LATEST_ATTEMPT
		" ORDER BY r.created_at DESC, r.id DESC LIMIT 201) "
		"SELECT coalesce(json_agg(o ORDER BY created_at DESC, id DESC), '[]')::text, count(*) FROM sel",
		7, rp, &res);
	*runs = NULL;
	*count = 0;
	if (n > 0) {
		*runs = db_get_json(res, 0, 0);
		*count = db_get_i64(res, 0, 1);
	}
	PQclear(res);
	return n;
}
