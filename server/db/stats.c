/*
 * db/stats.c — the statements of the dashboard's aggregates (see
 * db/stats.h): one query each, whose single cell is the JSON answer.
 */
#include <stdio.h>

#include "db/stats.h"
#include "db/sql_time.h"

/* Runs a query whose single cell is the JSON answer: its rows, and *out
 * (NULL if there is no row or its text is not JSON). */
static int one_json(struct db_conn *c, const char *sql, const char *until, long long n,
		    const char *scope, json_t **out)
{
	*out = NULL;
	char count[24];
	snprintf(count, sizeof count, "%lld", n);
	const char *p[3] = {until, count, scope};
	PGresult *res = NULL;
	int rows = db_query(c, sql, 3, p, &res);
	if (rows > 0)
		*out = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	PQclear(res);
	return rows;
}

int db_stats_default_branch(struct db_conn *c, const char *until, long long days,
			    const char *repo, json_t **out)
{
	return one_json(c,
			"WITH d AS (SELECT generate_series(date_trunc('day', $1::timestamptz AT TIME ZONE 'UTC') "
			"  - ($2::int - 1) * interval '1 day', date_trunc('day', $1::timestamptz AT TIME ZONE "
			"  'UTC'), interval '1 day') AS day), "
			"rr AS (SELECT r.conclusion, r.completed_at AT TIME ZONE 'UTC' AS done, "
			"  extract(epoch FROM r.completed_at - r.started_at) AS secs FROM runs r "
			"  JOIN repositories rp ON rp.id = r.repository_id "
			"  WHERE r.head_branch = rp.default_branch AND r.status = 'completed' "
			"  AND r.conclusion NOT IN ('cancelled', 'skipped', 'neutral', 'stale') "
			"  AND ($3::text IS NULL OR lower(rp.full_name) = lower($3)) "
			"  AND r.completed_at >= $1::timestamptz - $2::int * interval '1 day' "
			"  AND r.completed_at <= $1::timestamptz), "
			"per AS (SELECT d.day, count(rr.done) AS runs, "
			"  count(rr.done) FILTER (WHERE rr.conclusion = 'success') AS passed, "
			"  percentile_cont(0.5) WITHIN GROUP (ORDER BY rr.secs) AS median "
			"  FROM d LEFT JOIN rr ON rr.done >= d.day AND rr.done < d.day + interval '1 day' "
			"  GROUP BY d.day) "
			"SELECT json_build_object('repository', $3::text, 'days', $2::int, 'until', " SQL_TS("$1::timestamptz") ", "
			" 'series', coalesce(json_agg(json_build_object('day', to_char(day, 'YYYY-MM-DD'), "
			"  'runs', runs, 'passed', passed, 'failed', runs - passed, "
			"  'pass_rate', CASE WHEN runs = 0 THEN NULL ELSE round(passed::numeric / runs, 4) END, "
			"  'median_duration_seconds', round(median::numeric, 1)) ORDER BY day), '[]'))::text "
			"FROM per",
			until, days, repo, out);
}

int db_stats_stages(struct db_conn *c, const char *until, long long days,
		    const char *repo, json_t **out)
{
	return one_json(c,
			"WITH jj AS (SELECT j.stage, extract(epoch FROM j.completed_at - j.started_at) AS secs "
			"  FROM jobs j JOIN run_attempts a ON a.id = j.attempt_id JOIN runs r ON r.id = a.run_id "
			"  JOIN repositories rp ON rp.id = r.repository_id "
			"  WHERE j.status = 'completed' AND j.started_at IS NOT NULL "
			"  AND j.completed_at >= j.started_at "
			"  AND ($3::text IS NULL OR lower(rp.full_name) = lower($3)) "
			"  AND j.completed_at >= $1::timestamptz - $2::int * interval '1 day' "
			"  AND j.completed_at <= $1::timestamptz), "
			"per AS (SELECT stage, count(*) AS jobs, "
			"  percentile_cont(0.5) WITHIN GROUP (ORDER BY secs) AS p50, "
			"  percentile_cont(0.9) WITHIN GROUP (ORDER BY secs) AS p90 FROM jj GROUP BY stage) "
			"SELECT json_build_object('repository', $3::text, 'days', $2::int, 'until', " SQL_TS("$1::timestamptz") ", "
			" 'stages', coalesce(json_agg(json_build_object('stage', stage, 'jobs', jobs, "
			"  'median_seconds', round(p50::numeric, 1), 'p90_seconds', round(p90::numeric, 1)) "
			"  ORDER BY array_position(ARRAY['lint', 'unit', 'integration', 'build', 'publish', "
			"  'e2e', 'other'], stage)), '[]'))::text FROM per",
			until, days, repo, out);
}

int db_stats_deployments(struct db_conn *c, const char *until, long long weeks,
			 const char *environment, json_t **out)
{
	return one_json(c,
			"WITH w AS (SELECT generate_series(date_trunc('week', $1::timestamptz AT TIME ZONE 'UTC') "
			"  - ($2::int - 1) * interval '1 week', date_trunc('week', $1::timestamptz AT TIME ZONE "
			"  'UTC'), interval '1 week') AS week), "
			"dd AS (SELECT d.status, d.started_at AT TIME ZONE 'UTC' AS at FROM deployments d "
			"  JOIN environments e ON e.id = d.environment_id "
			"  WHERE ($3::text IS NULL OR lower(e.name) = lower($3)) "
			"  AND d.started_at <= $1::timestamptz), "
			"per AS (SELECT w.week, count(dd.at) AS n, "
			"  count(dd.at) FILTER (WHERE dd.status = 'success') AS ok, "
			"  count(dd.at) FILTER (WHERE dd.status IN ('failure', 'error')) AS bad "
			"  FROM w LEFT JOIN dd ON dd.at >= w.week AND dd.at < w.week + interval '1 week' "
			"  GROUP BY w.week) "
			"SELECT json_build_object('environment', $3::text, 'weeks', $2::int, 'until', " SQL_TS("$1::timestamptz") ", "
			" 'series', coalesce(json_agg(json_build_object('week', to_char(week, 'IYYY-\"W\"IW'), "
			"  'starts', to_char(week, 'YYYY-MM-DD'), 'deployments', n, 'succeeded', ok, "
			"  'failed', bad) ORDER BY week), '[]'))::text FROM per",
			until, weeks, environment, out);
}

int db_stats_flaky_jobs(struct db_conn *c, const char *until, long long days,
			const char *repo, json_t **out)
{
	return one_json(c,
			"WITH flips AS (SELECT rp.full_name AS repository, "
			"  coalesce(r.workflow_name, r.workflow_path) AS workflow, j1.name, r.id AS run_id, "
			"  r.head_sha, max(j2.completed_at) AS passed_at "
			"  FROM runs r JOIN repositories rp ON rp.id = r.repository_id "
			"  JOIN run_attempts a1 ON a1.run_id = r.id "
			"  JOIN jobs j1 ON j1.attempt_id = a1.id AND j1.status = 'completed' "
			"   AND j1.conclusion IN ('failure', 'timed_out') "
			"  JOIN run_attempts a2 ON a2.run_id = r.id AND a2.attempt > a1.attempt "
			"  JOIN jobs j2 ON j2.attempt_id = a2.id AND j2.name = j1.name "
			"   AND j2.conclusion = 'success' "
			"  WHERE ($3::text IS NULL OR lower(rp.full_name) = lower($3)) "
			"  AND r.created_at >= $1::timestamptz - $2::int * interval '1 day' "
			"  AND r.created_at <= $1::timestamptz "
			"  GROUP BY rp.full_name, r.workflow_name, r.workflow_path, j1.name, r.id, r.head_sha), "
			"per AS (SELECT repository, workflow, name, count(*) AS flips, max(passed_at) AS last, "
			"  (array_agg(run_id ORDER BY passed_at DESC))[1] AS last_run "
			"  FROM flips GROUP BY repository, workflow, name) "
			"SELECT json_build_object('repository', $3::text, 'days', $2::int, 'until', " SQL_TS("$1::timestamptz") ", "
			" 'jobs', coalesce(json_agg(json_build_object('repository', repository, "
			"  'workflow', workflow, 'job', name, 'flaky_runs', flips, "
			"  'last_seen', " SQL_TS("last") ", 'last_run_id', last_run) "
			"  ORDER BY flips DESC, last DESC), '[]'))::text FROM (SELECT * FROM per "
			"  ORDER BY flips DESC, last DESC LIMIT 50) top",
			until, days, repo, out);
}

int db_stats_releases(struct db_conn *c, const char *until, long long weeks, const char *repo,
		      json_t **out)
{
	return one_json(c,
			"WITH w AS (SELECT generate_series(date_trunc('week', $1::timestamptz AT TIME ZONE 'UTC') "
			"  - ($2::int - 1) * interval '1 week', date_trunc('week', $1::timestamptz AT TIME ZONE "
			"  'UTC'), interval '1 week') AS week), "
			"rp AS (SELECT id FROM repositories WHERE $3::text IS NULL OR lower(full_name) = lower($3)), "
			"ev AS (SELECT 'cut' AS kind, rc.cut_at AS at FROM release_candidates rc "
			"  WHERE rc.repository_id IN (SELECT id FROM rp) "
			" UNION ALL SELECT 'released', s.released_at FROM shipped_releases s "
			"  WHERE s.repository_id IN (SELECT id FROM rp) "
			" UNION ALL SELECT 'override', o.at FROM rc_overrides o "
			"  JOIN release_candidates rc ON rc.id = o.rc_id WHERE rc.repository_id IN (SELECT id FROM rp) "
			" UNION ALL SELECT 'unready', rc.released_unready_at FROM release_candidates rc "
			"  WHERE rc.released_unready_at IS NOT NULL AND rc.repository_id IN (SELECT id FROM rp)), "
			"e AS (SELECT kind, at AT TIME ZONE 'UTC' AS at FROM ev WHERE at <= $1::timestamptz), "
			"per AS (SELECT w.week, count(e.at) FILTER (WHERE e.kind = 'cut') AS cut, "
			"  count(e.at) FILTER (WHERE e.kind = 'released') AS released, "
			"  count(e.at) FILTER (WHERE e.kind = 'override') AS overrides, "
			"  count(e.at) FILTER (WHERE e.kind = 'unready') AS unready "
			"  FROM w LEFT JOIN e ON e.at >= w.week AND e.at < w.week + interval '1 week' "
			"  GROUP BY w.week) "
			"SELECT json_build_object('repository', $3::text, 'weeks', $2::int, 'until', " SQL_TS("$1::timestamptz") ", "
			" 'totals', json_build_object('rcs_cut', sum(cut), 'released', sum(released), "
			"  'overrides', sum(overrides), 'released_without_readiness', sum(unready)), "
			" 'series', coalesce(json_agg(json_build_object('week', to_char(week, 'IYYY-\"W\"IW'), "
			"  'starts', to_char(week, 'YYYY-MM-DD'), 'rcs_cut', cut, 'released', released, "
			"  'overrides', overrides, 'released_without_readiness', unready) ORDER BY week), "
			"  '[]'))::text FROM per",
			until, weeks, repo, out);
}
