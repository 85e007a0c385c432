/*
 * db/journey.c — the statements of the journey and of "where is my commit"
 * (see db/journey.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/journey.h"
#include "db/result.h"
#include "db/sql_time.h"
#include "shiplog/xalloc.h"

/* A cell as a new string, or NULL for SQL NULL. */
static char *text_dup(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : xstrdup(PQgetvalue(res, row, col));
}

/* A cell of JSON text as a new value, or NULL (SQL NULL, unreadable). */
static json_t *cell_json(PGresult *res, int row, int col)
{
	if (!res || PQntuples(res) <= row || PQgetisnull(res, row, col))
		return NULL;
	return json_loads(PQgetvalue(res, row, col), JSON_DECODE_ANY, NULL);
}

int db_journey_repository_id(struct db_conn *c, const char *full_name, int64_t *id)
{
	PGresult *res = NULL;
	const char *rp[1] = {full_name};
	int n = db_query(c, "SELECT id FROM repositories WHERE lower(full_name) = lower($1)", 1, rp,
			 &res);
	if (n > 0)
		*id = db_get_i64(res, 0, 0);
	PQclear(res);
	return n;
}

int db_journey_ci_attempts(struct db_conn *c, const int64_t *run_ids, size_t n_ids,
			   struct journey_ci_attempt **out)
{
	char ids[4096] = "{";
	size_t o = 1;
	for (size_t i = 0; i < n_ids; i++) {
		int w = snprintf(ids + o, sizeof ids - o, "%s%lld", o > 1 ? "," : "",
				 (long long)run_ids[i]);
		if (w < 0 || (size_t)w >= sizeof ids - o)
			break;
		o += (size_t)w;
	}
	snprintf(ids + o, sizeof ids - o, "}");
	const char *p[1] = {ids};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT r.id, a.attempt, coalesce(r.workflow_name, r.workflow_path, 'CI'), "
			 " a.status, a.conclusion, " SQL_TS("coalesce(a.completed_at, a.started_at, a.queued_at)")
			 ", coalesce(a.html_url, r.html_url), r.head_sha "
			 "FROM runs r JOIN run_attempts a ON a.run_id = r.id "
			 "WHERE r.id = ANY($1::bigint[]) "
			 "ORDER BY coalesce(a.started_at, a.queued_at, r.created_at), r.id, a.attempt",
			 1, p, &res);
	if (n < 0)
		return n;
	struct journey_ci_attempt *a = xcalloc((size_t)n + 1, sizeof *a);
	for (int k = 0; k < n; k++) {
		a[k].run_id = db_get_i64(res, k, 0);
		a[k].attempt = (int)db_get_i64(res, k, 1);
		a[k].workflow = xstrdup(PQgetvalue(res, k, 2));
		a[k].status = text_dup(res, k, 3);
		a[k].conclusion = text_dup(res, k, 4);
		a[k].at = text_dup(res, k, 5);
		a[k].url = text_dup(res, k, 6);
		a[k].sha = text_dup(res, k, 7);
	}
	PQclear(res);
	*out = a;
	return n;
}

/* $1 repository, $2 branch, $3 the merge commit's seq: where the road after
 * the merge starts. */
struct road {
	char repo[24], seq[24];
	const char *p[3];
};

static const char *const *road_params(struct road *r, int64_t repo_id, const char *branch,
				      int64_t merge_seq)
{
	snprintf(r->repo, sizeof r->repo, "%lld", (long long)repo_id);
	snprintf(r->seq, sizeof r->seq, "%lld", (long long)merge_seq);
	r->p[0] = r->repo;
	r->p[1] = branch;
	r->p[2] = r->seq;
	return r->p;
}

int db_journey_main(struct db_conn *c, int64_t repo_id, const char *branch, int64_t merge_seq,
		    struct journey_main *out)
{
	struct road road;
	const char *const *p = road_params(&road, repo_id, branch, merge_seq);
	PGresult *res = NULL;
	int n = db_query(
		c,
		"WITH target AS (SELECT bs.seq, bs.sha FROM branch_sequence bs "
		"  WHERE bs.repository_id = $1 AND bs.branch = $2 AND bs.left_at IS NULL "
		/* The runs of a SHA come from runs_sha alone (the OFFSET 0 fences keep
		 * the repository and branch out of the index choice, which would read
		 * every run of the branch), probed entry by entry in seq order (the first
		 * usually answers) rather than hashing every run of the branch. */
		"  AND bs.seq >= $3::bigint AND EXISTS (SELECT 1 FROM (SELECT r0.repository_id,"
		"   r0.head_branch FROM runs r0 WHERE r0.head_sha = bs.sha OFFSET 0) r"
		"   WHERE r.repository_id = $1 AND r.head_branch = $2 OFFSET 0) "
		"  ORDER BY bs.seq LIMIT 1), "
		"mr AS (SELECT r.id, r.workflow_name, la.status, la.conclusion, la.completed_at, "
		"  la.started_at, la.attempt_id, coalesce(la.html_url, r.html_url) AS url "
		"  FROM target t JOIN LATERAL (SELECT r0.id, r0.workflow_name, r0.html_url,"
		"   r0.repository_id, r0.head_branch FROM runs r0 WHERE r0.head_sha = t.sha"
		"   OFFSET 0) r ON r.repository_id = $1 AND r.head_branch = $2 "
		"  JOIN LATERAL (SELECT a.id AS attempt_id, a.status, a.conclusion, a.completed_at, "
		"   a.started_at, a.html_url FROM run_attempts a WHERE a.run_id = r.id "
		"   ORDER BY a.attempt DESC LIMIT 1) la ON true) "
		"SELECT (SELECT sha FROM target), "
		" (SELECT count(*) FROM mr), "
		" (SELECT count(*) FROM mr WHERE status IS DISTINCT FROM 'completed'), "
		" (SELECT count(*) FROM mr WHERE conclusion IN ('failure', 'timed_out', "
		"   'startup_failure', 'action_required')), "
		" (SELECT " SQL_TS("max(completed_at)") " FROM mr), "
		" (SELECT coalesce(json_agg(json_build_object('run_id', id, 'workflow', "
		"   workflow_name, 'status', status, 'conclusion', conclusion, 'url', url) "
		"   ORDER BY id), '[]')::text FROM mr), "
		" (SELECT count(*) FROM jobs j JOIN mr ON j.attempt_id = mr.attempt_id "
		"   WHERE j.stage = 'e2e' AND j.required), "
		" (SELECT count(*) FROM jobs j JOIN mr ON j.attempt_id = mr.attempt_id "
		"   WHERE j.stage = 'e2e' AND j.required AND j.status IS DISTINCT FROM 'completed'), "
		" (SELECT count(*) FROM jobs j JOIN mr ON j.attempt_id = mr.attempt_id "
		"   WHERE j.stage = 'e2e' AND j.required AND j.status = 'completed' "
		"   AND j.conclusion NOT IN ('success', 'skipped', 'neutral')), "
		" (SELECT " SQL_TS("max(j.completed_at)") " FROM jobs j JOIN mr ON "
		"   j.attempt_id = mr.attempt_id WHERE j.stage = 'e2e'), "
		" (SELECT coalesce(json_agg(json_build_object('name', j.name, 'status', j.status, "
		"   'conclusion', j.conclusion, 'required', j.required) ORDER BY j.name), "
		"   '[]')::text FROM jobs j JOIN mr ON j.attempt_id = mr.attempt_id "
		"   WHERE j.stage = 'e2e')",
		3, p, &res);
	if (n < 0)
		return n;
	memset(out, 0, sizeof *out);
	if (n > 0) {
		out->sha = text_dup(res, 0, 0);
		out->runs = (long)db_get_i64(res, 0, 1);
		out->running = (long)db_get_i64(res, 0, 2);
		out->failing = (long)db_get_i64(res, 0, 3);
		out->completed_at = text_dup(res, 0, 4);
		out->runs_json = cell_json(res, 0, 5);
		out->e2e = (long)db_get_i64(res, 0, 6);
		out->e2e_running = (long)db_get_i64(res, 0, 7);
		out->e2e_failed = (long)db_get_i64(res, 0, 8);
		out->e2e_completed_at = text_dup(res, 0, 9);
		out->e2e_jobs = cell_json(res, 0, 10);
	}
	PQclear(res);
	return n;
}

int db_journey_envs(struct db_conn *c, int64_t repo_id, const char *branch, int64_t merge_seq,
		    struct journey_env **out)
{
	struct road road;
	const char *const *p = road_params(&road, repo_id, branch, merge_seq);
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT e.name, e.tier, " SQL_TS("first.at") ", first.id, first.revision, first.sha "
		"FROM environments e "
		"LEFT JOIN LATERAL (SELECT d.id, d.revision, bs.sha, "
		"  coalesce(d.finished_at, d.last_event_at) AS at FROM deployments d "
		"  JOIN branch_sequence bs ON bs.repository_id = $1 AND bs.branch = $2 "
		"   AND bs.sha = d.commit_sha AND bs.left_at IS NULL AND bs.seq >= $3::bigint "
		"  WHERE d.environment_id = e.id AND d.status = 'success' "
		"  ORDER BY coalesce(d.finished_at, d.last_event_at), d.id LIMIT 1) first ON true "
		/* production is "released" (later steps); a development environment
		 * that never reported a deployment is a developer's machine */
		"WHERE e.deleted_at IS NULL AND e.tier <> 'production' AND (e.tier <> 'development' "
		" OR EXISTS (SELECT 1 FROM deployments dd WHERE dd.environment_id = e.id)) "
		"ORDER BY e.sort_order, e.name",
		3, p, &res);
	if (n < 0)
		return n;
	struct journey_env *e = xcalloc((size_t)n + 1, sizeof *e);
	for (int i = 0; i < n; i++) {
		e[i].name = xstrdup(PQgetvalue(res, i, 0));
		e[i].tier = xstrdup(PQgetvalue(res, i, 1));
		e[i].reached = !PQgetisnull(res, i, 3);
		if (e[i].reached) {
			e[i].at = xstrdup(PQgetvalue(res, i, 2));
			e[i].deployment_id = db_get_i64(res, i, 3);
			e[i].revision = xstrdup(PQgetvalue(res, i, 4));
			e[i].sha = xstrdup(PQgetvalue(res, i, 5));
		}
	}
	PQclear(res);
	*out = e;
	return n;
}

int db_commit_match(struct db_conn *c, const char *full_name, const char *prefix,
		    struct db_commit_match *out)
{
	const char *p[2] = {full_name, prefix};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"WITH repo AS (SELECT id, full_name, default_branch FROM repositories "
		"  WHERE lower(full_name) = lower($1)), "
		/* each branch bounded by the prefix's range, so that an index finds it: SHAs
		 * are hex, and every hex string starting with $2 lies in [$2, $2 || 'g') */
		"cand AS (SELECT DISTINCT sha FROM ("
		"  SELECT c.sha FROM commits c, repo WHERE c.repository_id = repo.id "
		"   AND c.sha >= lower($2) AND c.sha < lower($2) || 'g' "
		"  UNION SELECT bs.sha FROM branch_sequence bs, repo WHERE bs.repository_id = repo.id "
		"   AND bs.sha >= lower($2) AND bs.sha < lower($2) || 'g' "
		"  UNION SELECT r.head_sha FROM runs r, repo WHERE r.repository_id = repo.id "
		"   AND r.head_sha >= lower($2) AND r.head_sha < lower($2) || 'g' "
		"  UNION SELECT a.commit_sha FROM artifacts a, repo WHERE a.repository_id = repo.id "
		"   AND a.commit_sha >= lower($2) AND a.commit_sha < lower($2) || 'g' "
		"  UNION SELECT d.commit_sha FROM deployments d, repo WHERE d.repository_id = repo.id"
		"   AND d.commit_sha >= lower($2) AND d.commit_sha < lower($2) || 'g'"
		" ) s WHERE sha LIKE lower($2) || '%' LIMIT 2) "
		"SELECT (SELECT id FROM repo), (SELECT full_name FROM repo), "
		" (SELECT default_branch FROM repo), (SELECT count(*) FROM cand), (SELECT min(sha) FROM cand)",
		2, p, &res);
	memset(out, 0, sizeof *out);
	if (n > 0 && !PQgetisnull(res, 0, 0)) {
		out->repository_found = true;
		out->repository_id = db_get_i64(res, 0, 0);
		snprintf(out->repository, sizeof out->repository, "%s", PQgetvalue(res, 0, 1));
		snprintf(out->branch, sizeof out->branch, "%s", PQgetvalue(res, 0, 2));
		out->matches = (long)db_get_i64(res, 0, 3);
		snprintf(out->sha, sizeof out->sha, "%s", out->matches ? PQgetvalue(res, 0, 4) : "");
	}
	PQclear(res);
	return n;
}

int db_commit_where(struct db_conn *c, int64_t repo_id, const char *branch, const char *sha,
		    const char *as_of, json_t **out)
{
	char repo[24];
	snprintf(repo, sizeof repo, "%lld", (long long)repo_id);
	const char *q[4] = {repo, branch, sha, as_of};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"WITH pos AS (SELECT bs.seq, bs.left_at, bs.pushed_at FROM branch_sequence bs "
		"  WHERE bs.repository_id = $1 AND bs.branch = $2 AND bs.sha = $3 "
		"  ORDER BY bs.left_at IS NULL DESC, bs.seq DESC LIMIT 1) "
		"SELECT json_build_object("
		" 'repository', (SELECT full_name FROM repositories WHERE id = $1), "
		" 'sha', $3::text, "
		" 'commit', (SELECT json_build_object('message', c.message, 'author', "
		"   coalesce(c.author_login, c.author_name), 'committed_at', " SQL_TS("c.committed_at")
		"   , 'url', c.html_url) FROM commits c WHERE c.repository_id = $1 AND c.sha = $3), "
		" 'default_branch', (SELECT json_build_object('name', $2::text, 'seq', pos.seq, "
		"   'left', pos.left_at IS NOT NULL, 'pushed_at', " SQL_TS("pos.pushed_at") ") FROM pos), "
		" 'environments', (SELECT coalesce(json_agg(json_build_object("
		"   'name', e.name, 'tier', e.tier, "
		"   'contains', coalesce(d.id IS NOT NULL AND (d.commit_sha = $3 OR ("
		"     (SELECT seq FROM pos WHERE left_at IS NULL) IS NOT NULL AND EXISTS ("
		"     SELECT 1 FROM branch_sequence ds WHERE ds.repository_id = $1 AND "
		"      ds.branch = $2 AND ds.sha = d.commit_sha AND ds.left_at IS NULL AND "
		"      ds.seq >= (SELECT seq FROM pos WHERE left_at IS NULL)))), false), "
		"   'current_deployment', CASE WHEN d.id IS NULL THEN NULL ELSE json_build_object("
		"     'id', d.id, 'revision', d.revision, 'commit', d.commit_sha, 'status', d.status, "
		"     'at', " SQL_TS("coalesce(d.finished_at, d.last_event_at)") ") END) "
		"   ORDER BY e.sort_order, e.name), '[]') FROM environments e "
		"   LEFT JOIN LATERAL (SELECT d0.* FROM deployments d0 WHERE d0.environment_id = e.id "
		"    AND d0.status NOT IN ('queued', 'inactive') "
		"    ORDER BY d0.last_event_at DESC, d0.id DESC LIMIT 1) d ON true "
		"   WHERE e.deleted_at IS NULL), "
		" 'artifacts', (SELECT coalesce(json_agg(json_build_object('id', a.id, 'kind', a.kind, "
		"   'name', a.name, 'version', a.version, 'digest', a.digest, 'uri', a.uri) "
		"   ORDER BY a.created_at, a.id), '[]') FROM artifacts a WHERE a.commit_sha = $3 "
		"   AND (a.repository_id IS NULL OR a.repository_id = $1)), "
		" 'pull_requests', (SELECT coalesce(json_agg(DISTINCT jsonb_build_object('number', "
		"   p.number, 'title', p.title, 'state', p.state, 'merged', p.merged)), '[]') "
		"   FROM pull_requests p WHERE p.repository_id = $1 AND (p.merge_commit_sha = $3 "
		"   OR EXISTS (SELECT 1 FROM pull_request_shas s WHERE s.pull_request_id = p.id "
		"   AND s.sha = $3)) "
		/* the candidates by index first (merge commit, head SHAs), not every PR */
		"   AND p.id IN (SELECT p2.id FROM pull_requests p2 WHERE p2.merge_commit_sha = $3 "
		"   UNION SELECT s2.pull_request_id FROM pull_request_shas s2 WHERE s2.sha = $3)), "
		" 'as_of', $4::text)::text",
		4, q, &res);
	if (n > 0)
		*out = cell_json(res, 0, 0);
	PQclear(res);
	return n;
}
