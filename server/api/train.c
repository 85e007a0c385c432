/*
 * train.c — GET /api/v1/train: the release train of one repository.
 *
 *   repository        the one asked for (?repo=owner/name; 404 when it is
 *                     neither configured nor named by any event), else the
 *                     one with the latest RC or release, else the first
 *                     configured one (null: none)
 *   cadence           {every_days, weekday, anchor} or null: that
 *                     repository's own (its effective release policy,
 *                     domain/policy.h; the global one when it has none, and
 *                     when there is no repository at all)
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
#include "db/release_candidates.h"
#include "db/releases.h"
#include "domain/policy.h"
#include "domain/rc.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "webhooks/gh_rc.h"

void api_train_get(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	const struct config *cfg = r->app->cfg;
	rc_settle(c, cfg);
	int64_t repo_id;
	char repo[256];
	if (db_train_repository(c, http_param(r, "repo"),
				cfg->n_repositories ? cfg->repositories[0].name : NULL, &repo_id, repo,
				sizeof repo) < 0)
		goto db_error;
	/* a configured repository no event has named yet has an empty train */
	const char *asked = http_param(r, "repo");
	const struct config_repository *configured =
		asked && !repo_id ? config_find_repository(cfg, asked) : NULL;
	if (!repo_id && asked && !configured) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "repo: no repository %s", asked);
		return;
	}
	const char *name = repo_id ? repo : configured ? configured->name : NULL;
	int64_t now_us = clock_now_us();
	int64_t today = now_us >= 0 ? now_us / 86400000000LL : (now_us + 1) / 86400000000LL - 1;
	char today_text[16];
	rc_format_date(today, today_text, sizeof today_text);
	json_t *o = json_pack("{s:s?, s:s}", "repository", name, "today", today_text);
	/* the repository's own cadence (its effective release policy) */
	struct config_releases pol;
	policy_of(cfg, name, &pol);
	int64_t next;
	if (pol.cadence.every_days > 0 && rc_cadence_next(&pol.cadence, today, &next)) {
		char buf[16];
		rc_format_date(next, buf, sizeof buf);
		json_object_set_new(o, "cadence", policy_cadence_json(&pol.cadence));
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
	int64_t rc_id = 0;
	if (db_rc_newest_open(c, repo_id, &rc_id) < 0)
		goto db_error_o;
	if (rc_id) {
		json_t *readiness = NULL;
		if (db_rc_readiness(c, cfg, rc_id, now_us, &readiness) < 0)
			goto db_error_o;
		if (readiness) {
			json_t *rc = json_incref(json_object_get(readiness, "release_candidate"));
			json_object_del(readiness, "release_candidate");
			json_object_set_new(rc, "readiness", readiness);
			json_object_set_new(o, "current_rc", rc);
		}
	}

	json_t *prs = NULL;
	if (db_rc_changes_since_last_release(c, repo_id, &prs) < 0)
		goto db_error_o;
	json_object_set_new(o, "on_the_train",
			    json_pack("{s:I, s:o}", "count", (json_int_t)json_array_size(prs),
				      "pull_requests", prs));

	json_t *past = NULL, *days = NULL;
	if (db_releases_past(c, repo_id, &past, &days) < 0)
		goto db_error_o;
	size_t i, last = 0;
	json_t *rel;
	json_array_foreach(past, i, rel) {
		api_release_add_plan(rel, cfg, repo, json_string_value(json_array_get(days, i)));
		if (rc_version_compare(json_string_value(json_object_get(rel, "version")),
				       json_string_value(json_object_get(
					       json_array_get(past, last), "version"))) > 0)
			last = i;
	}
	json_decref(days);
	json_object_set_new(o, "past_releases", past);
	if (json_array_size(past))
		json_object_set(o, "last_release", json_array_get(past, last));
	http_reply_json(r, 200, o);
	return;
db_error_o:
	json_decref(o);
db_error:
	http_reply_db_failure(r, "could not read the release train");
}
