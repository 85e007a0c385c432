/*
 * feedback_requests.c — POST /api/v1/release-candidates/{id}/feedback-requests:
 * a release manager asks for feedback on an RC.  A feedback.requested
 * notification goes to every configured sink that subscribes to it, naming
 * the RC, a summary of its changes, the teams asked and the feedback form's
 * link (notify/sinks.c builds the links).
 *
 * Refused: an RC that takes no feedback (released, rejected, superseded:
 * 409), and a second request for one RC within
 * RC_FEEDBACK_REQUEST_INTERVAL_S of the last (429 with Retry-After, so a
 * double click or a script cannot flood the channels).  Requests for one RC
 * take turns on its row lock, so two at once cannot both pass the limit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "db/audit.h"
#include "db/feedback_requests.h"
#include "db/release_candidates.h"
#include "domain/policy.h"
#include "domain/rc.h"
#include "domain/rc_compare.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/dashboard.h"
#include "shiplog/xalloc.h"
#include "webhooks/gh_rc.h"

/* The configured team called `name` (any case), or NULL. */
static const struct config_team *team_named(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_teams; i++)
		if (!strcasecmp(cfg->teams[i].name, name))
			return &cfg->teams[i];
	return NULL;
}

static bool blank(const char *s)
{
	for (; s && *s; s++)
		if (!strchr(" \t\r\n", *s))
			return false;
	return true;
}

/* The teams with a required sign-off in repository `repo`'s release policy
 * (names as configured, each once). */
static void default_teams(const struct config *cfg, const char *repo, const char **teams, size_t *n,
			  size_t max)
{
	struct config_releases pol;
	policy_of(cfg, repo, &pol);
	*n = 0;
	for (size_t i = 0; i < pol.gates.n_approvals && *n < max; i++) {
		const struct config_team *t = team_named(cfg, pol.gates.approvals[i].team);
		if (t)
			teams[(*n)++] = t->name;
	}
}

/* The teams to ask (names as configured, each once): the body's (none
 * given: *n = 0, default_teams() once the RC's repository is known).
 * False with a reply made. */
static bool teams_or_reply(struct http_request *r, const char **teams, size_t *n, size_t max)
{
	const struct config *cfg = r->app->cfg;
	const json_t *given = json_object_get(r->json, "teams");
	*n = 0;
	if (!given)
		return true;
	size_t i;
	const json_t *v;
	json_array_foreach(given, i, v) {
		const struct config_team *t = team_named(cfg, json_string_value(v));
		if (!t) {
			char at[32];
			snprintf(at, sizeof at, "/teams/%zu", i);
			http_reply_field_problem(r, PROBLEM_INVALID_FIELD, at,
						 "no team \"%.64s\" in the configuration",
						 json_string_value(v));
			return false;
		}
		bool twice = false;
		for (size_t k = 0; k < *n; k++)
			twice = twice || teams[k] == t->name;
		if (!twice && *n < max)
			teams[(*n)++] = t->name;
	}
	return true;
}

struct request_tx {
	struct db_feedback_request_new req;
	int64_t now_us;
	/* results */
	bool found;
	char state[16];
	long wait_s;
	int64_t id;
	int notified;
	struct db_audit_who who;
};

static int request_tx(struct db_conn *c, void *arg)
{
	struct request_tx *x = arg;
	struct db_feedback_request_rc rc;
	x->id = 0;
	x->wait_s = 0;
	int n = db_feedback_request_lock(c, x->req.rc_id, &rc);
	if (n <= 0)
		return n;
	x->found = true;
	snprintf(x->state, sizeof x->state, "%s", rc.state);
	int st = rc_state_parse(rc.state);
	if (st < 0 || rc_state_closed((enum rc_state)st))
		return DB_OK;
	x->wait_s = rc_feedback_request_wait(rc.last_us, x->now_us);
	if (x->wait_s > 0)
		return DB_OK;
	n = db_feedback_request_add(c, &x->req, &x->id, &x->notified);
	if (n < 0)
		return n;
	char rc_id[24];
	snprintf(rc_id, sizeof rc_id, "%lld", (long long)x->req.rc_id);
	json_t *after = json_pack("{s:I, s:O, s:s?, s:i}", "request", (json_int_t)x->id, "teams",
				  json_object_get(x->req.data, "teams"), "message", x->req.message,
				  "notified", x->notified);
	n = db_audit_record(c, &x->who,
			    &(struct db_audit_change){.action = "feedback.requested",
						      .target_type = "release_candidate",
						      .target_id = rc_id,
						      .after = after});
	json_decref(after);
	return n < 0 ? n : DB_OK;
}

void api_feedback_request_create(struct http_request *r)
{
	const struct config *cfg = r->app->cfg;
	int64_t id = http_param_int(r, "id", 0);
	const char *message = json_string_value(json_object_get(r->json, "message"));
	if (message && blank(message)) {
		http_reply_field_problem(r, PROBLEM_INVALID_FIELD, "/message",
					 "is only whitespace; leave it out or say something");
		return;
	}
	const char *teams[64];
	size_t n_teams = 0;
	if (!teams_or_reply(r, teams, &n_teams, 64))
		return;
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	rc_settle(c, cfg);
	json_t *changes = NULL;
	int n = db_rc_changes(c, id, &changes);
	if (n < 0) {
		http_reply_db_failure(r, "could not read the release candidate's changes");
		return;
	}
	if (n == 0) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no release candidate %lld",
				   (long long)id);
		return;
	}
	if (!json_object_get(r->json, "teams"))
		default_teams(cfg,
			      json_string_value(json_object_get(
				      json_object_get(changes, "release_candidate"), "repository")),
			      teams, &n_teams, 64);
	char *summary = rc_changes_summary(changes);
	json_t *team_list = json_array();
	for (size_t i = 0; i < n_teams; i++)
		json_array_append_new(team_list, json_string(teams[i]));
	const char *actor = r->who.subject[0] ? r->who.subject : "api";
	json_t *data = json_pack("{s:O, s:s?, s:s, s:O?, s:s}", "teams", team_list, "message",
				 message, "changes", summary, "changes_count",
				 json_object_get(changes, "count"), "requested_by", actor);
	char now[40];
	struct request_tx x = {0};
	x.now_us = clock_now_us();
	clock_format_rfc3339(x.now_us, now, sizeof now);
	x.req.rc_id = id;
	x.req.at = now;
	x.req.actor = actor;
	x.req.teams = teams;
	x.req.n_teams = n_teams;
	x.req.message = message;
	x.req.data = data;
	api_audit_who(r, &x.who);
	n = db_transaction(c, request_tx, &x);
	json_decref(data);
	if (n < 0) {
		http_reply_db_failure(r, "could not ask for feedback");
	} else if (!x.found) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no release candidate %lld",
				   (long long)id);
	} else if (!x.id && x.wait_s == 0) {
		char detail[120];
		snprintf(detail, sizeof detail,
			 "the release candidate is %s: it takes no more feedback", x.state);
		http_reply_problem_members(r, PROBLEM_CONFLICT, detail,
					   json_pack("{s:s}", "state", x.state));
	} else if (!x.id) {
		char ra[24], detail[200];
		snprintf(ra, sizeof ra, "%ld", x.wait_s);
		snprintf(detail, sizeof detail,
			 "feedback on this release candidate was asked for less than %d minutes "
			 "ago; ask again in %ld s",
			 RC_FEEDBACK_REQUEST_INTERVAL_S / 60, x.wait_s);
		http_reply_problem_members(r, PROBLEM_RATE_LIMITED, detail,
					   json_pack("{s:I}", "retry_after", (json_int_t)x.wait_s));
		http_reply_header(r, "Retry-After", ra);
	} else {
		char key[32], form[1024];
		snprintf(key, sizeof key, "%lld", (long long)id);
		dashboard_link(form, sizeof form, cfg->base_url, DASHBOARD_FEEDBACK_FORM, key);
		char next[40];
		clock_format_rfc3339(x.now_us + (int64_t)RC_FEEDBACK_REQUEST_INTERVAL_S * 1000000,
				     next, sizeof next);
		json_t *o = json_pack(
			"{s:I, s:O, s:s, s:s, s:O, s:s?, s:s, s:i, s:s, s:s}", "id",
			(json_int_t)x.id, "release_candidate",
			json_object_get(changes, "release_candidate"), "requested_at", now,
			"requested_by", actor, "teams", team_list, "message", message, "changes",
			summary, "notified", x.notified, "form_url", form, "next_allowed_at", next);
		http_reply_json(r, 201, o);
	}
	json_decref(team_list);
	json_decref(changes);
	free(summary);
}
