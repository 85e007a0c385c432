/*
 * releases.c — GET /api/v1/releases and /api/v1/releases/{id}: the
 * published, non-pre-release versions (what customers deploy), each with
 * its final release candidate and, when a cadence is configured, the
 * planned date it was meant for and how many days late it was (against the
 * last planned date on or before its release day).
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
#include "shiplog/db.h"

#define SQL_RELEASE_JSON                                                                          \
	"json_build_object('id', sr.id, 'repository', rp.full_name, 'version', sr.version,"       \
	" 'tag', sr.tag_name, 'commit', coalesce(sr.commit_sha, rc.commit_sha),"                  \
	" 'url', sr.html_url, 'source', sr.source, 'released_by', sr.released_by,"                \
	" 'released_at', " SQL_TS(                                                             \
		"sr.released_at") ","                                                             \
				  " 'release_candidate', CASE WHEN rc.id IS NULL THEN NULL ELSE " \
				  "json_build_object("                                            \
				  "  'id', rc.id, 'version', rc.version) END)::text,"             \
				  " to_char(sr.released_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"

void api_release_add_plan(json_t *o, const struct config *cfg, const char *released_day)
{
	int64_t day, planned;
	if (!json_is_object(o) || !rc_parse_date(released_day, &day) ||
	    !rc_cadence_previous(&cfg->cadence, day, &planned)) {
		json_object_set_new(o, "planned_for", json_null());
		json_object_set_new(o, "days_late", json_null());
		return;
	}
	char buf[16];
	rc_format_date(planned, buf, sizeof buf);
	json_object_set_new(o, "planned_for", json_string(buf));
	json_object_set_new(o, "days_late", json_integer(day - planned));
}

void api_releases_list(struct http_request *r)
{
	struct api_page pg;
	if (!api_page_parse(r, &pg))
		return;
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	rc_settle(c, r->app->cfg);
	char before[24], limit[16];
	snprintf(before, sizeof before, "%lld",
		 pg.has_cursor ? (long long)pg.before_id : INT64_MAX);
	snprintf(limit, sizeof limit, "%d", pg.limit + 1);
	const char *p[4] = {http_param(r, "repo"), pg.before_time[0] ? pg.before_time : NULL,
			    before, limit};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT " SQL_RELEASE_JSON ", sr.id,"
		" " SQL_TS_US("sr.released_at")
		" FROM shipped_releases sr JOIN repositories rp ON rp.id = sr.repository_id"
		" LEFT JOIN release_candidates rc ON rc.id = sr.rc_id"
		" WHERE ($1::text IS NULL OR lower(rp.full_name) = lower($1))"
		" AND ($2::timestamptz IS NULL OR (sr.released_at, sr.id) < ($2::timestamptz, $3))"
		" AND ($2::timestamptz IS NOT NULL OR sr.id < $3)"
		" ORDER BY sr.released_at DESC, sr.id DESC LIMIT $4",
		4, p, &res);
	if (n < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not list releases");
		return;
	}
	json_t *items = json_array();
	int shown = n > pg.limit ? pg.limit : n;
	for (int i = 0; i < shown; i++) {
		json_t *o = db_get_json(res, i, 0);
		api_release_add_plan(o, r->app->cfg, PQgetvalue(res, i, 1));
		json_array_append_new(items, o);
	}
	char *next = n > pg.limit ? api_cursor_make(db_get_i64(res, shown - 1, 2),
						    PQgetvalue(res, shown - 1, 3))
				  : NULL;
	PQclear(res);
	http_reply_list(r, items, next);
	free(next);
}

void api_releases_get(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	rc_settle(c, r->app->cfg);
	const char *p[1] = {http_param(r, "id")};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT " SQL_RELEASE_JSON
		" FROM shipped_releases sr JOIN repositories rp ON rp.id = sr.repository_id"
		" LEFT JOIN release_candidates rc ON rc.id = sr.rc_id WHERE sr.id = $1",
		1, p, &res);
	if (n < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not read the release");
		return;
	}
	if (n == 0) {
		PQclear(res);
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no release %s", p[0]);
		return;
	}
	json_t *o = db_get_json(res, 0, 0);
	api_release_add_plan(o, r->app->cfg, PQgetvalue(res, 0, 1));
	PQclear(res);
	http_reply_json(r, 200, o);
}
