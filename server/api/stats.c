/*
 * stats.c — aggregates for the dashboard's charts, one query each:
 *   GET /api/v1/stats/default-branch  pass rate and duration of default-branch runs per day
 *   GET /api/v1/stats/stages          job durations per pipeline stage
 *   GET /api/v1/stats/deployments     deployments per week
 *   GET /api/v1/stats/flaky-jobs      jobs that failed, then passed on a re-run of the
 *                                     same run (the same commit)
 * Periods end at the injectable clock's "now" (SHIPLOG_NOW).
 */
#include <stdio.h>
#include <stdlib.h>

#include "api/api.h"
#include "db/sql_time.h"
#include "shiplog/clock.h"
#include "shiplog/db.h"

/* Runs a query whose single cell is the JSON answer, and replies it. */
static void reply_one(struct http_request *r, const char *sql, int n, const char *const *p,
		      const char *what)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	PGresult *res = NULL;
	int rows = db_query(c, sql, n, p, &res);
	if (rows <= 0) {
		PQclear(res);
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not compute %s", what);
		return;
	}
	json_t *o = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	PQclear(res);
	if (!o) {
		http_reply_problem(r, PROBLEM_INTERNAL, "could not build the answer");
		return;
	}
	http_reply_json(r, 200, o);
}

static void now_text(char *buf, size_t size)
{
	clock_format_rfc3339(clock_now_us(), buf, size);
}

void api_stats_default_branch(struct http_request *r)
{
	char now[40], days[16];
	now_text(now, sizeof now);
	snprintf(days, sizeof days, "%lld", (long long)http_param_int(r, "days", 30));
	const char *p[3] = {now, days, http_param(r, "repo")};
	reply_one(r,
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
		  3, p, "the default branch's statistics");
}

void api_stats_stages(struct http_request *r)
{
	char now[40], days[16];
	now_text(now, sizeof now);
	snprintf(days, sizeof days, "%lld", (long long)http_param_int(r, "days", 30));
	const char *p[3] = {now, days, http_param(r, "repo")};
	reply_one(r,
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
		  3, p, "stage durations");
}

void api_stats_deployments(struct http_request *r)
{
	char now[40], weeks[16];
	now_text(now, sizeof now);
	snprintf(weeks, sizeof weeks, "%lld", (long long)http_param_int(r, "weeks", 12));
	const char *p[3] = {now, weeks, http_param(r, "environment")};
	reply_one(r,
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
		  3, p, "deployments per week");
}

void api_stats_flaky_jobs(struct http_request *r)
{
	char now[40], days[16];
	now_text(now, sizeof now);
	snprintf(days, sizeof days, "%lld", (long long)http_param_int(r, "days", 30));
	const char *p[3] = {now, days, http_param(r, "repo")};
	reply_one(r,
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
		  3, p, "flaky jobs");
}
