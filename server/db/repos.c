/*
 * db/repos.c — the statements of repositories, commit answers and branch
 * health (contract in repos.h).
 */
#include "db/repos.h"

#include <stdio.h>
#include <string.h>

#include "db/result.h"
#include "db/run_sql.h"

static void id_text(int64_t v, char *buf, size_t size)
{
	snprintf(buf, size, "%lld", (long long)v);
}

int db_repos_find(struct db_conn *c, const char *full_name, struct db_repo *out)
{
	const char *p[1] = {full_name};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT id, full_name, default_branch FROM repositories "
			 "WHERE lower(full_name) = lower($1)",
			 1, p, &res);
	if (n > 0) {
		out->id = db_get_i64(res, 0, 0);
		snprintf(out->full_name, sizeof out->full_name, "%s", PQgetvalue(res, 0, 1));
		snprintf(out->default_branch, sizeof out->default_branch, "%s", PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	return n;
}

/* A repository row as the answers show it (GET /api/v1/repos, .../{owner}/{name}). */
/* clang-format off */
#define REPO_SQL_JSON                                                                         \
	"json_build_object('id', id, 'full_name', full_name,"                                 \
	" 'default_branch', default_branch, 'url', html_url, 'github_id', github_id,"        \
	" 'created_at', " SQL_TS("created_at") ", 'updated_at', " SQL_TS("updated_at") ")"
/* clang-format on */

int db_repos_get(struct db_conn *c, const char *full_name, json_t **row)
{
	const char *p[1] = {full_name};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " REPO_SQL_JSON "::text FROM repositories"
			 " WHERE lower(full_name) = lower($1)",
			 1, p, &res);
	*row = n > 0 ? db_get_json(res, 0, 0) : NULL;
	PQclear(res);
	return n;
}

int db_repos_page(struct db_conn *c, int64_t before_id, int limit_n, json_t **rows)
{
	char before[24], limit[16];
	id_text(before_id, before, sizeof before);
	snprintf(limit, sizeof limit, "%d", limit_n);
	const char *p[2] = {before, limit};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT id, " REPO_SQL_JSON "::text "
			 "FROM repositories WHERE id < $1 ORDER BY id DESC LIMIT $2",
			 2, p, &res);
	*rows = NULL;
	if (n >= 0) {
		*rows = json_array();
		for (int i = 0; i < n; i++) {
			json_t *o = db_get_json(res, i, 1);
			if (o)
				json_array_append_new(*rows, o);
		}
	}
	PQclear(res);
	return n;
}

int db_repos_commit_find(struct db_conn *c, int64_t repo_id, const char *prefix,
			 char found[2][HEX_SHA_LEN + 1])
{
	char rid[24], upper[HEX_SHA_LEN + 2], len[24];
	id_text(repo_id, rid, sizeof rid);
	/* every SHA starting with prefix sorts in [prefix, prefix + "g") */
	snprintf(upper, sizeof upper, "%sg", prefix);
	snprintf(len, sizeof len, "%zu", strlen(prefix));
	const char *p[4] = {rid, prefix, upper, len};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT DISTINCT sha FROM ("
		" SELECT sha FROM commits WHERE repository_id = $1 AND sha >= $2 AND sha < $3 "
		" UNION SELECT sha FROM branch_sequence WHERE repository_id = $1 AND sha >= $2 AND sha < $3 "
		" UNION SELECT head_sha FROM runs WHERE repository_id = $1 AND head_sha >= $2 AND head_sha < $3 "
		" UNION SELECT s.sha FROM pull_request_shas s JOIN pull_requests p ON p.id = s.pull_request_id "
		"  WHERE p.repository_id = $1 AND s.sha >= $2 AND s.sha < $3 "
		" UNION SELECT merge_commit_sha FROM pull_requests WHERE repository_id = $1 AND merged "
		"  AND merge_commit_sha >= $2 AND merge_commit_sha < $3 "
		" UNION SELECT head_sha FROM check_suites WHERE repository_id = $1 "
		"  AND head_sha >= $2 AND head_sha < $3) u "
		"WHERE left(sha, $4::integer) = $2 AND length(sha) = 40 LIMIT 2",
		4, p, &res);
	for (int i = 0; i < n && i < 2; i++)
		snprintf(found[i], HEX_SHA_LEN + 1, "%s", PQgetvalue(res, i, 0));
	PQclear(res);
	return n;
}

int db_repos_commit_json(struct db_conn *c, const struct db_repo *repo, const char *sha,
			 json_t **out)
{
	char rid[24];
	id_text(repo->id, rid, sizeof rid);
	const char *q[4] = {rid, sha, repo->default_branch, repo->full_name};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT json_build_object('repository', $4::text, 'sha', $2::text, "
		" 'message', c.message, 'author', json_build_object('name', c.author_name, "
		"  'email', c.author_email, 'login', c.author_login), "
		" 'committed_at', " SQL_TS("c.committed_at") ", 'url', c.html_url, "
		" 'default_branch', (SELECT json_build_object('name', bs.branch, 'seq', bs.seq, "
		"   'left', bs.left_at IS NOT NULL, 'left_at', " SQL_TS("bs.left_at") ", "
		"   'pushed_at', " SQL_TS("bs.pushed_at") ") FROM branch_sequence bs "
		"   WHERE bs.repository_id = $1 AND bs.branch = $3 AND bs.sha = $2 "
		"   ORDER BY bs.left_at IS NULL DESC, bs.seq DESC LIMIT 1), "
		" 'branches', (SELECT coalesce(json_agg(DISTINCT b.name ORDER BY b.name), '[]') FROM ("
		"   SELECT $3::text AS name WHERE EXISTS (SELECT 1 FROM branch_sequence bs "
		"    WHERE bs.repository_id = $1 AND bs.branch = $3 AND bs.sha = $2 AND bs.left_at IS NULL) "
		"   UNION SELECT name FROM branches WHERE repository_id = $1 AND head_sha = $2 "
		"    AND deleted_at IS NULL "
		"   UNION SELECT head_branch FROM runs WHERE repository_id = $1 AND head_sha = $2 "
		"    AND head_branch IS NOT NULL) b), "
		" 'runs', (SELECT coalesce(json_agg(json_build_object(" RUN_FIELDS ") "
		"   ORDER BY r.created_at DESC, r.id DESC), '[]') FROM runs r " LATEST_ATTEMPT
		"   WHERE r.repository_id = $1 AND r.head_sha = $2), "
		" 'check_suites', (SELECT coalesce(json_agg(json_build_object('id', cs.github_id, "
		"   'app', cs.app_name, 'head_branch', cs.head_branch, 'status', cs.status, "
		"   'conclusion', cs.conclusion, 'updated_at', " SQL_TS("cs.updated_at") ") "
		"   ORDER BY cs.github_id), '[]') FROM check_suites cs "
		"   WHERE cs.repository_id = $1 AND cs.head_sha = $2), "
		" 'check_runs', (SELECT coalesce(json_agg(json_build_object('id', cr.github_id, "
		"   'check_suite_id', cr.check_suite_id, 'name', cr.name, 'app', cr.app_name, "
		"   'status', cr.status, 'conclusion', cr.conclusion, "
		"   'started_at', " SQL_TS("cr.started_at") ", 'completed_at', " SQL_TS("cr.completed_at") ", "
		"   'url', cr.html_url) ORDER BY cr.name, cr.github_id), '[]') FROM check_runs cr "
		"   WHERE cr.repository_id = $1 AND cr.head_sha = $2), "
		" 'pull_requests', (SELECT coalesce(json_agg(json_build_object('number', x.number, "
		"   'title', x.title, 'state', x.state, 'merged', x.merged, 'url', x.html_url, "
		"   'via', x.via) ORDER BY x.number), '[]') FROM ("
		"   SELECT p.number, p.title, p.state, p.merged, p.html_url, "
		"    array_agg(DISTINCT v.via ORDER BY v.via) AS via FROM ("
		"     SELECT id, 'merge_commit' AS via FROM pull_requests WHERE repository_id = $1 "
		"      AND merged AND merge_commit_sha = $2 "
		"     UNION SELECT s.pull_request_id, 'head_sha' FROM pull_request_shas s "
		"      WHERE s.sha = $2) v "
		"    JOIN pull_requests p ON p.id = v.id AND p.repository_id = $1 "
		"    GROUP BY p.number, p.title, p.state, p.merged, p.html_url) x) "
		")::text FROM (SELECT 1) one "
		"LEFT JOIN commits c ON c.repository_id = $1 AND c.sha = $2",
		4, q, &res);
	*out = n > 0 ? db_get_json(res, 0, 0) : NULL;
	PQclear(res);
	return n;
}

/* ---- branch health ---- */

/* A run of the health CTEs (alias a), or NULL when the join found none. */
#define HEALTH_RUN(a)                                                                            \
	"CASE WHEN " a ".id IS NULL THEN NULL ELSE json_build_object('id', " a ".id, "           \
	"'workflow', " a ".workflow_name, 'workflow_path', " a ".workflow_path, "               \
	"'head_sha', " a ".head_sha, 'status', " a ".st, 'conclusion', " a ".co, "              \
	"'attempt', " a ".att, 'url', " a ".url, 'event', " a ".event, 'kind', " a ".kind, "    \
	"'run_number', " a ".run_number, 'created_at', " SQL_TS(a ".created_at") ") END"

/* Branch health: the workflow a run belongs to and the decisive runs of the branch with
 * their latest attempt and verdict, as the rows of its CTEs.  run_workflow_key() and
 * run_verdict() are the red/green rule (migrations/017_branch_verdict.sql), which the
 * main.broken/main.fixed notifications apply too; the planner inlines them, so the
 * runs_branch_workflow index still serves the workflow key. */
#define HEALTH_WF "run_workflow_key(r.workflow_path, r.workflow_name, r.workflow_id)"
#define HEALTH_VERDICT                                                                           \
	"run_verdict(coalesce(la.status, r.status), coalesce(la.conclusion, r.conclusion))"
#define HEALTH_X                                                                                 \
	"r.id, r.workflow_name, r.workflow_path, r.head_sha, r.event, r.kind, r.run_number, "    \
	" r.created_at, coalesce(la.attempt, r.latest_attempt) AS att, "                         \
	" coalesce(la.status, r.status) AS st, coalesce(la.conclusion, r.conclusion) AS co, "    \
	" coalesce(la.html_url, r.html_url) AS url, " HEALTH_WF " AS wf, "                      \
	" " HEALTH_VERDICT " AS verdict FROM runs r " LATEST_ATTEMPT                            \
	" WHERE r.repository_id = $1"                                                            \
	" AND r.head_branch = $2 AND " HEALTH_VERDICT " IS NOT NULL"

int db_repos_branch_health(struct db_conn *c, int64_t repo_id, const char *branch,
			   struct db_branch_health *h)
{
	memset(h, 0, sizeof *h);
	char rid[24];
	id_text(repo_id, rid, sizeof rid);
	const char *p[2] = {rid, branch};
	PGresult *res = NULL;
	int n = db_query(
		c,
		/* Per workflow: its latest decisive run, its last green one and the first red
		 * one after that.  Each is found by walking the workflow's runs in time order
		 * (runs_branch_workflow) and stopping at the first that qualifies, so the work
		 * is the length of the current streak, not of the branch's history.  The
		 * workflows are found by skipping through the same index. */
		"WITH RECURSIVE w AS (SELECT min(" HEALTH_WF ") AS wf FROM runs r "
		"  WHERE r.repository_id = $1 AND r.head_branch = $2 "
		"  UNION ALL SELECT (SELECT min(" HEALTH_WF ") FROM runs r WHERE r.repository_id = $1 "
		"   AND r.head_branch = $2 AND " HEALTH_WF " > w.wf) FROM w WHERE w.wf IS NOT NULL), "
		"lt AS (SELECT x.* FROM w CROSS JOIN LATERAL (SELECT " HEALTH_X " AND " HEALTH_WF
		"  = w.wf ORDER BY r.created_at DESC, r.id DESC LIMIT 1) x WHERE w.wf IS NOT NULL), "
		"lg AS (SELECT x.* FROM lt CROSS JOIN LATERAL (SELECT " HEALTH_X " AND " HEALTH_WF
		"  = lt.wf AND " HEALTH_VERDICT " = 'green' "
		"  ORDER BY r.created_at DESC, r.id DESC LIMIT 1) x), "
		"fr AS (SELECT x.* FROM lt LEFT JOIN lg ON lg.wf = lt.wf CROSS JOIN LATERAL (SELECT "
		HEALTH_X " AND " HEALTH_WF " = lt.wf AND " HEALTH_VERDICT " = 'red' "
		"  AND r.created_at >= coalesce(lg.created_at, '-infinity') "
		"  AND (lg.id IS NULL OR (r.created_at, r.id) > (lg.created_at, lg.id)) "
		"  ORDER BY r.created_at, r.id LIMIT 1) x) "
		"SELECT lt.wf, lt.verdict, lg.head_sha, fr.head_sha, " SQL_TS("fr.created_at") ", "
		" json_build_object('workflow', lt.workflow_name, 'workflow_path', lt.workflow_path, "
		"  'state', lt.verdict, 'latest', " HEALTH_RUN("lt") ", 'last_green', " HEALTH_RUN("lg")
		", 'first_failing', CASE WHEN lt.verdict = 'red' THEN " HEALTH_RUN("fr") " END)::text "
		"FROM lt LEFT JOIN lg ON lg.wf = lt.wf LEFT JOIN fr ON fr.wf = lt.wf "
		"ORDER BY lt.verdict = 'red' DESC, fr.created_at ASC NULLS LAST, lt.wf",
		2, p, &res);
	if (n < 0) {
		PQclear(res);
		return n;
	}
	h->workflows = json_array();
	for (int i = 0; i < n; i++) {
		json_t *w = db_get_json(res, i, 5);
		if (w)
			json_array_append_new(h->workflows, w);
	}
	h->red = n > 0 && strcmp(PQgetvalue(res, 0, 1), "red") == 0;
	if (h->red) {
		/* row 0: the workflow that turned red first */
		h->red_since = json_string(PQgetvalue(res, 0, 4));
		h->failing_workflow = json_string(PQgetvalue(res, 0, 0));
		if (!PQgetisnull(res, 0, 2))
			snprintf(h->green_sha, sizeof h->green_sha, "%s", PQgetvalue(res, 0, 2));
		if (!PQgetisnull(res, 0, 3))
			snprintf(h->red_sha, sizeof h->red_sha, "%s", PQgetvalue(res, 0, 3));
	}
	PQclear(res);
	return n;
}

int db_repos_branch_suspects(struct db_conn *c, int64_t repo_id, const char *branch,
			     const char *green_sha, const char *red_sha, json_t **suspects)
{
	char rid[24];
	id_text(repo_id, rid, sizeof rid);
	const char *sp[4] = {rid, branch, green_sha, red_sha};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"WITH g AS (SELECT max(seq) AS s FROM branch_sequence WHERE repository_id = $1 "
		"  AND branch = $2 AND sha = $3), "
		"rd AS (SELECT max(seq) AS s FROM branch_sequence WHERE repository_id = $1 "
		"  AND branch = $2 AND sha = $4) "
		"SELECT coalesce(json_agg(json_build_object('sha', bs.sha, 'seq', bs.seq, "
		" 'left', bs.left_at IS NOT NULL, 'message', c.message, "
		" 'author', json_build_object('name', c.author_name, 'email', c.author_email, "
		"  'login', c.author_login), "
		" 'committed_at', " SQL_TS("c.committed_at") ", "
		" 'pull_request', CASE WHEN pr.number IS NULL THEN NULL ELSE "
		"  json_build_object('number', pr.number, 'title', pr.title, 'url', pr.html_url, "
		"   'via', pr.via) END) ORDER BY bs.seq), '[]')::text "
		"FROM g, rd, branch_sequence bs "
		"LEFT JOIN commits c ON c.repository_id = bs.repository_id AND c.sha = bs.sha "
		"LEFT JOIN LATERAL (SELECT * FROM ("
		"  SELECT p.number, p.title, p.html_url, 'merge_commit' AS via, 0 AS prio, p.merged "
		"   FROM pull_requests p WHERE p.repository_id = $1 AND p.merged "
		"   AND p.merge_commit_sha = bs.sha "
		"  UNION ALL SELECT p.number, p.title, p.html_url, 'head_sha', 1, p.merged "
		"   FROM pull_request_shas s JOIN pull_requests p ON p.id = s.pull_request_id "
		"   WHERE s.sha = bs.sha AND p.repository_id = $1) y "
		"  ORDER BY prio, merged DESC, number DESC LIMIT 1) pr ON true "
		"WHERE bs.repository_id = $1 AND bs.branch = $2 AND rd.s IS NOT NULL "
		" AND bs.seq <= rd.s AND bs.seq > least(coalesce(g.s, rd.s - 1), rd.s - 1) "
		" AND bs.seq > rd.s - 500",
		4, sp, &res);
	*suspects = n > 0 ? db_get_json(res, 0, 0) : NULL;
	PQclear(res);
	return n;
}

int db_repos_branch_gaps(struct db_conn *c, int64_t repo_id, const char *branch, json_t **gaps)
{
	char rid[24];
	id_text(repo_id, rid, sizeof rid);
	const char *p[2] = {rid, branch};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT coalesce(json_agg(json_build_object('push', x.id, 'before', x.before_sha, "
			 " 'after', x.after_sha, 'gap', x.gap, 'rewrote', x.rewrote, 'forced', x.forced, "
			 " 'delivery_id', x.delivery_id, 'received_at', " SQL_TS("x.received_at") ") "
			 " ORDER BY x.id DESC), '[]')::text FROM (SELECT * FROM pushes "
			 " WHERE repository_id = $1 AND ref = 'refs/heads/' || $2 AND (gap OR rewrote) "
			 " ORDER BY id DESC LIMIT 50) x",
			 2, p, &res);
	*gaps = n > 0 ? db_get_json(res, 0, 0) : NULL;
	PQclear(res);
	return n;
}
