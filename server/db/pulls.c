/*
 * db/pulls.c — the statements of pull requests (contract in pulls.h).
 */
#include "db/pulls.h"

#include <stdio.h>

#include "db/result.h"

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
