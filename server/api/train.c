/*
 * train.c — GET /api/v1/train: the release train of one repository.
 *
 *   repository        the one asked for, else the one with the latest RC or
 *                     release, else the first configured one (null: none)
 *   cadence           {every_days, weekday, anchor} or null
 *   today             clock_now_us() as a date (SHIPLOG_NOW pins it)
 *   next_release_date the first planned date on or after today (null
 *                     without a cadence), days_until_next
 *   current_rc        the newest open RC (draft, testing, approved) with its
 *                     readiness, or null
 *   on_the_train      {count, pull_requests}: merged on the default branch
 *                     since the last release
 *   last_release      the newest release (by version), or null
 *   past_releases     the last 20 releases, newest first, each with
 *                     planned_for and days_late
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "domain/rc.h"
#include "db/result.h"
#include "domain/rc_store.h"
#include "domain/rc_store_internal.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/db.h"

static const char *const weekdays[] = {"sunday",   "monday", "tuesday", "wednesday",
				       "thursday", "friday", "saturday"};

/* The repository the train is about: id and name, 0 when none. */
static int pick_repository(struct http_request *r, struct db_conn *c, int64_t *id, char *name,
			   size_t size)
{
	*id = 0;
	name[0] = '\0';
	const struct config *cfg = r->app->cfg;
	const char *p[2] = {http_param(r, "repo"),
			    cfg->n_repositories ? cfg->repositories[0].name : NULL};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT rp.id, rp.full_name FROM repositories rp WHERE CASE WHEN $1::text IS NOT "
		"NULL"
		"  THEN lower(rp.full_name) = lower($1) ELSE true END"
		" ORDER BY (SELECT max(x) FROM (SELECT max(rc.cut_at) AS x FROM release_candidates "
		"rc"
		"  WHERE rc.repository_id = rp.id UNION ALL SELECT max(sr.released_at)"
		"  FROM shipped_releases sr WHERE sr.repository_id = rp.id) t) DESC NULLS LAST,"
		" lower(rp.full_name) = lower($2) DESC NULLS LAST, rp.id LIMIT 1",
		2, p, &res);
	if (n > 0) {
		*id = db_get_i64(res, 0, 0);
		snprintf(name, size, "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return n < 0 ? n : DB_OK;
}

void api_train_get(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	const struct config *cfg = r->app->cfg;
	rc_settle(c, cfg);
	int64_t repo_id;
	char repo[256];
	if (pick_repository(r, c, &repo_id, repo, sizeof repo) < 0)
		goto db_error;
	if (!repo_id && http_param(r, "repo")) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "repo: no repository %s",
				   http_param(r, "repo"));
		return;
	}
	int64_t now_us = clock_now_us();
	int64_t today = now_us >= 0 ? now_us / 86400000000LL : (now_us + 1) / 86400000000LL - 1;
	char today_text[16];
	rc_format_date(today, today_text, sizeof today_text);
	json_t *o =
		json_pack("{s:s?, s:s}", "repository", repo_id ? repo : NULL, "today", today_text);
	int64_t next;
	if (cfg->cadence.every_days > 0 && rc_cadence_next(&cfg->cadence, today, &next)) {
		char buf[16];
		rc_format_date(next, buf, sizeof buf);
		json_object_set_new(o, "cadence",
				    json_pack("{s:i, s:s, s:s?}", "every_days",
					      cfg->cadence.every_days, "weekday",
					      cfg->cadence.weekday >= 0 && cfg->cadence.weekday < 7
						      ? weekdays[cfg->cadence.weekday]
						      : "",
					      "anchor", cfg->cadence.anchor));
		json_object_set_new(o, "next_release_date", json_string(buf));
		json_object_set_new(o, "days_until_next", json_integer(next - today));
	} else {
		json_object_set_new(o, "cadence", json_null());
		json_object_set_new(o, "next_release_date", json_null());
		json_object_set_new(o, "days_until_next", json_null());
	}
	json_object_set_new(o, "current_rc", json_null());
	json_object_set_new(o, "on_the_train",
			    json_pack("{s:i, s:[]}", "count", 0, "pull_requests"));
	json_object_set_new(o, "last_release", json_null());
	json_object_set_new(o, "past_releases", json_array());
	if (!repo_id) {
		http_reply_json(r, 200, o);
		return;
	}

	/* the newest open RC */
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, repo_id)};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT id, version FROM release_candidates WHERE repository_id = $1"
			 " AND state IN ('draft', 'testing', 'approved') ORDER BY id",
			 1, p, &res);
	if (n < 0)
		goto db_error_o;
	int pick = -1;
	for (int i = 0; i < n; i++)
		if (pick < 0 ||
		    rc_version_compare(PQgetvalue(res, i, 1), PQgetvalue(res, pick, 1)) > 0)
			pick = i;
	int64_t rc_id = pick >= 0 ? db_get_i64(res, pick, 0) : 0;
	PQclear(res);
	res = NULL;
	if (rc_id) {
		json_t *readiness = NULL;
		if (rc_readiness(c, cfg, rc_id, now_us, &readiness) < 0)
			goto db_error_o;
		if (readiness) {
			json_t *rc = json_incref(json_object_get(readiness, "release_candidate"));
			json_object_del(readiness, "release_candidate");
			json_object_set_new(rc, "readiness", readiness);
			json_object_set_new(o, "current_rc", rc);
		}
	}

	json_t *prs = NULL;
	if (rc_changes_since_last_release(c, repo_id, &prs) < 0)
		goto db_error_o;
	json_object_set_new(o, "on_the_train",
			    json_pack("{s:I, s:o}", "count", (json_int_t)json_array_size(prs),
				      "pull_requests", prs));

	n = db_query(
		c,
		"SELECT json_build_object('id', sr.id, 'version', sr.version, 'tag', sr.tag_name,"
		" 'released_at', " SQL_TS(
			"sr.released_at") ","
					  " 'release_candidate', CASE WHEN rc.id IS NULL THEN NULL "
					  "ELSE"
					  "  json_build_object('id', rc.id, 'version', rc.version) "
					  "END)::text,"
					  " to_char(sr.released_at AT TIME ZONE 'UTC', "
					  "'YYYY-MM-DD'), sr.version"
					  " FROM shipped_releases sr LEFT JOIN release_candidates "
					  "rc ON rc.id = sr.rc_id"
					  " WHERE sr.repository_id = $1 ORDER BY sr.released_at "
					  "DESC, sr.id DESC LIMIT 20",
		1, p, &res);
	if (n < 0)
		goto db_error_o;
	json_t *past = json_object_get(o, "past_releases");
	int last = -1;
	for (int i = 0; i < n; i++) {
		json_t *rel = db_get_json(res, i, 0);
		api_release_add_plan(rel, cfg, PQgetvalue(res, i, 1));
		json_array_append_new(past, rel);
		if (last < 0 ||
		    rc_version_compare(PQgetvalue(res, i, 2), PQgetvalue(res, last, 2)) > 0)
			last = i;
	}
	if (last >= 0)
		json_object_set(o, "last_release", json_array_get(past, (size_t)last));
	PQclear(res);
	http_reply_json(r, 200, o);
	return;
db_error_o:
	json_decref(o);
db_error:
	http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not read the release train");
}
