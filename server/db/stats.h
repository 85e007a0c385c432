/*
 * db/stats.h — the statements of the dashboard's aggregates (GET
 * /api/v1/stats/...): one query each over the period of `count` days or
 * weeks ending at `until` (RFC 3339), for one repository or environment or,
 * with NULL, all.
 *
 * Contract: every function runs on a connection the caller holds and
 * returns the rows read (1 when there is an answer) or a negative enum
 * db_status (logged with its SQLSTATE).  *out is the answer as the API
 * shows it (new reference, the caller owns it), NULL when there is none or
 * it could not be parsed.
 */
#ifndef SHIPLOG_DB_STATS_H
#define SHIPLOG_DB_STATS_H

#include <jansson.h>

#include "shiplog/db.h"

/* Pass rate and median duration of default-branch runs per day. */
int db_stats_default_branch(struct db_conn *c, const char *until, long long days,
			    const char *repo, json_t **out);

/* Median and p90 job durations per pipeline stage. */
int db_stats_stages(struct db_conn *c, const char *until, long long days, const char *repo,
		    json_t **out);

/* Deployments per week: started, succeeded, failed. */
int db_stats_deployments(struct db_conn *c, const char *until, long long weeks,
			 const char *environment, json_t **out);

/* Release candidates cut, versions released, readiness overrides and GitHub
 * releases of unready RCs per week, with the window's totals. */
int db_stats_releases(struct db_conn *c, const char *until, long long weeks, const char *repo,
		      json_t **out);

/* Jobs that failed, then passed on a later attempt of the same run (the
 * top 50). */
int db_stats_flaky_jobs(struct db_conn *c, const char *until, long long days, const char *repo,
			json_t **out);

#endif
