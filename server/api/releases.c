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
#include "db/releases.h"
#include "domain/policy.h"
#include "domain/rc.h"
#include "shiplog/app.h"
#include "webhooks/gh_rc.h"

void api_release_add_plan(json_t *o, const struct config *cfg, const char *repo,
			  const char *released_day)
{
	int64_t day, planned;
	struct config_releases pol;
	policy_of(cfg, repo, &pol);
	if (!json_is_object(o) || !rc_parse_date(released_day, &day) ||
	    !rc_cadence_previous(&pol.cadence, day, &planned)) {
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
	json_t *items = NULL, *days = NULL;
	struct db_page_end last;
	int n = db_releases_page(c, http_param(r, "repo"), pg.before_time[0] ? pg.before_time : NULL,
				 pg.has_cursor ? pg.before_id : INT64_MAX, pg.limit, &items, &days,
				 &last);
	if (n < 0) {
		http_reply_db_failure(r, "could not list releases");
		return;
	}
	size_t i;
	json_t *o;
	const struct config *cfg = r->app->cfg;
	json_array_foreach(items, i, o)
		api_release_add_plan(o, cfg, json_string_value(json_object_get(o, "repository")),
				     json_string_value(json_array_get(days, i)));
	json_decref(days);
	char *next = n > pg.limit ? api_cursor_make(last.id, last.time) : NULL;
	http_reply_list(r, items, next);
	free(next);
}

void api_releases_get(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	rc_settle(c, r->app->cfg);
	const char *id = http_param(r, "id");
	json_t *o = NULL;
	char day[16];
	int n = db_release_get(c, id, &o, day, sizeof day);
	if (n < 0) {
		http_reply_db_failure(r, "could not read the release");
		return;
	}
	if (n == 0) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no release %s", id);
		return;
	}
	api_release_add_plan(o, r->app->cfg, json_string_value(json_object_get(o, "repository")),
			     day);
	http_reply_json(r, 200, o);
}
