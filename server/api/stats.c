/*
 * stats.c — aggregates for the dashboard's charts, one query each
 * (db/stats.c):
 *   GET /api/v1/stats/default-branch  pass rate and duration of default-branch runs per day
 *   GET /api/v1/stats/stages          job durations per pipeline stage
 *   GET /api/v1/stats/deployments     deployments per week
 *   GET /api/v1/stats/releases        RCs cut, released, overrides and releases
 *                                     without readiness per week
 *   GET /api/v1/stats/flaky-jobs      jobs that failed, then passed on a re-run of the
 *                                     same run (the same commit)
 * Periods end at the injectable clock's "now" (SHIPLOG_NOW).
 */
#include "api/api.h"
#include "db/stats.h"
#include "shiplog/clock.h"
#include "shiplog/db.h"

typedef int (*stats_query)(struct db_conn *c, const char *until, long long count,
			   const char *scope, json_t **out);

/* Runs one aggregate over the `count_param` days or weeks (default
 * `fallback`) ending now, for the `scope_param` given or all, and replies
 * its answer. */
static void reply_one(struct http_request *r, stats_query query, const char *count_param,
		      int64_t fallback, const char *scope_param, const char *what)
{
	char now[40];
	clock_format_rfc3339(clock_now_us(), now, sizeof now);
	long long count = (long long)http_param_int(r, count_param, fallback);
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	json_t *o;
	int rows = query(c, now, count, http_param(r, scope_param), &o);
	if (rows <= 0) {
		http_reply_db_failure(r, "could not compute %s", what);
		return;
	}
	if (!o) {
		http_reply_problem(r, PROBLEM_INTERNAL, "could not build the answer");
		return;
	}
	http_reply_json(r, 200, o);
}

void api_stats_default_branch(struct http_request *r)
{
	reply_one(r, db_stats_default_branch, "days", 30, "repo",
		  "the default branch's statistics");
}

void api_stats_stages(struct http_request *r)
{
	reply_one(r, db_stats_stages, "days", 30, "repo", "stage durations");
}

void api_stats_deployments(struct http_request *r)
{
	reply_one(r, db_stats_deployments, "weeks", 12, "environment", "deployments per week");
}

void api_stats_releases(struct http_request *r)
{
	reply_one(r, db_stats_releases, "weeks", 12, "repo", "releases per week");
}

void api_stats_flaky_jobs(struct http_request *r)
{
	reply_one(r, db_stats_flaky_jobs, "days", 30, "repo", "flaky jobs");
}
