/*
 * db/release_candidates_proposal.c — the statements of a release candidate's
 * proposal (see db/release_candidates_proposal.h).
 */
#include <stdio.h>

#include "db/release_candidates_proposal.h"
#include "db/release_candidates_internal.h"
#include "db/result.h"
#include "db/run_sql.h"

int db_rc_proposal_versions(struct db_conn *c, int64_t repo_id, json_t **released, json_t **rcs)
{
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, repo_id)};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT (SELECT coalesce(json_agg(x.version), '[]') FROM (SELECT version "
			 "  FROM shipped_releases WHERE repository_id = $1 "
			 "  ORDER BY released_at DESC, id DESC LIMIT 500) x)::text, "
			 " (SELECT coalesce(json_agg(y.version), '[]') FROM (SELECT version "
			 "  FROM release_candidates WHERE repository_id = $1 "
			 "  ORDER BY id DESC LIMIT 1000) y)::text",
			 1, p, &res);
	if (n < 0) {
		PQclear(res);
		return n;
	}
	*released = db_get_json(res, 0, 0);
	*rcs = db_get_json(res, 0, 1);
	PQclear(res);
	if (!*released || !*rcs) {
		json_decref(*released);
		json_decref(*rcs);
		*released = *rcs = NULL;
		return DB_HARD_ERROR;
	}
	return n;
}

/* The verdict of run r (alias) with its latest attempt (la): the red/green rule. */
#define PROPOSAL_VERDICT                                                                         \
	"run_verdict(coalesce(la.status, r.status), coalesce(la.conclusion, r.conclusion))"

int db_rc_proposal_green(struct db_conn *c, int64_t repo_id, const char *branch, int limit,
			 json_t **commits)
{
	struct rcs_idbuf b;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", limit);
	const char *p[3] = {rcs_id(&b, repo_id), branch, lim};
	PGresult *res = NULL;
	/* clang-format off */
	int n = db_query(
		c,
		"WITH last AS (SELECT max(seq) AS s FROM branch_sequence"
		"  WHERE repository_id = $1 AND branch = $2), "
		"g AS (SELECT bs.seq, bs.sha, bs.pushed_at FROM last, branch_sequence bs"
		"  CROSS JOIN LATERAL (SELECT bool_and(v.verdict = 'green') AS green FROM ("
		"   SELECT DISTINCT ON (run_workflow_key(r.workflow_path, r.workflow_name,"
		"    r.workflow_id)) " PROPOSAL_VERDICT " AS verdict FROM runs r " LATEST_ATTEMPT
		"   WHERE r.repository_id = $1 AND r.head_branch = $2 AND r.head_sha = bs.sha"
		"    AND " PROPOSAL_VERDICT " IS NOT NULL"
		"   ORDER BY run_workflow_key(r.workflow_path, r.workflow_name, r.workflow_id),"
		"    r.created_at DESC, r.id DESC) v) w"
		"  WHERE bs.repository_id = $1 AND bs.branch = $2 AND bs.left_at IS NULL"
		"   AND bs.seq > last.s - 500 AND w.green"
		"  ORDER BY bs.seq DESC LIMIT $3::int) "
		"SELECT coalesce(json_agg(json_build_object('sha', g.sha,"
		" 'title', split_part(cm.message, E'\\n', 1), 'author',"
		" coalesce(cm.author_login, cm.author_name), 'committed_at', "
		SQL_TS("cm.committed_at") ", 'pushed_at', " SQL_TS("g.pushed_at") ","
		" 'url', cm.html_url, 'release_candidate', (SELECT json_build_object('id', rc.id,"
		"  'version', rc.version) FROM release_candidates rc WHERE rc.repository_id = $1"
		"  AND rc.commit_sha = g.sha ORDER BY rc.id DESC LIMIT 1))"
		" ORDER BY g.seq DESC), '[]')::text "
		"FROM g LEFT JOIN commits cm ON cm.repository_id = $1 AND cm.sha = g.sha",
		3, p, &res);
	/* clang-format on */
	if (n < 0) {
		PQclear(res);
		return n;
	}
	*commits = db_get_json(res, 0, 0);
	PQclear(res);
	return *commits ? n : DB_HARD_ERROR;
}
