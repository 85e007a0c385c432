/*
 * feedback.c — what internal customers say about a release candidate:
 * POST/GET /api/v1/release-candidates/{id}/feedback, PATCH
 * /api/v1/feedback/{id}.
 *
 * WHO SAYS IT.  When the request's identity (a token's owner, the session,
 * or the trusted SSO header) is one the configuration maps to a team, the
 * feedback is that person's, in that team, and `verified`: `author` and
 * `team` may be left out and may not name someone else.  Otherwise
 * `author` (default: the identity when it is an email address) and `team`
 * are free text, shown unverified, and never count towards a team's
 * approvals.  Blocks count whoever gives them: they must be looked at.
 *
 * WHAT WAS RUNNING.  Each feedback keeps the RC's artifact digests and the
 * staging environment's deployed revision at that moment.
 *
 * Feedback is refused (409) on a released, rejected or superseded RC; its
 * life is open → acknowledged → resolved (with a note and the RC that fixed
 * it); resolved → open reopens.  Those changes are for the identity that
 * gave it (created_by), their team, or an admin (rc_feedback_right): the
 * feedback scope alone would let anyone lift anyone's block (403).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "db/audit.h"
#include "db/feedback.h"
#include "db/release_candidates.h"
#include "domain/rc.h"
#include "http/form.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "webhooks/gh_rc.h"

static void reply_feedback(struct http_request *r, struct db_conn *c, int64_t id, unsigned status)
{
	json_t *o = NULL;
	int n = db_feedback_get(c, id, &o);
	if (n < 0) {
		http_reply_db_failure(r, "could not read the feedback");
		return;
	}
	if (n == 0) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no feedback %lld", (long long)id);
		return;
	}
	http_reply_json(r, status, o);
}

void api_feedback_list(struct http_request *r)
{
	struct api_page pg;
	if (!api_page_parse(r, &pg))
		return;
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	rc_settle(c, r->app->cfg);
	int64_t rc_id = http_param_int(r, "id", 0);
	int n = db_rc_exists(c, rc_id);
	if (n < 0) {
		http_reply_db_failure(r, "could not list the feedback");
		return;
	}
	if (n == 0) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no release candidate %lld",
				   (long long)rc_id);
		return;
	}
	json_t *items = NULL;
	int64_t last_id = 0;
	n = db_feedback_page(c, rc_id, http_param(r, "verdict"), http_param(r, "status"),
			     http_param(r, "team"), pg.has_cursor ? pg.before_id : INT64_MAX,
			     pg.limit, &items, &last_id);
	if (n < 0) {
		http_reply_db_failure(r, "could not list the feedback");
		return;
	}
	char *next = n > pg.limit ? api_cursor_make(last_id, NULL) : NULL;
	http_reply_list(r, items, next);
	free(next);
}

struct create_tx {
	const struct config *cfg;
	int64_t rc_id;
	const char *author, *team, *verdict, *severity, *area, *comment, *created_by, *now;
	const char *given_at; /* NULL: now */
	bool verified;
	/* results */
	bool found;
	bool given_too_early; /* given_at is before the RC was cut */
	char state[16];
	char successor[200];
	int64_t id;
	struct db_audit_who who;
};

static int create_tx(struct db_conn *c, void *arg)
{
	struct create_tx *x = arg;
	x->found = false;
	x->id = 0;
	struct db_feedback_rc rc;
	int n = db_feedback_rc_share(c, x->rc_id, x->given_at, &rc);
	if (n <= 0)
		return n;
	x->found = true;
	snprintf(x->state, sizeof x->state, "%s", rc.state);
	snprintf(x->successor, sizeof x->successor, "%s", rc.successor);
	x->given_too_early = rc.given_too_early;
	if (x->given_too_early)
		return DB_OK;
	int st = rc_state_parse(x->state);
	if (st < 0 || rc_state_closed((enum rc_state)st))
		return DB_OK;
	json_t *running = NULL;
	n = db_rc_running_now(c, x->cfg, x->rc_id, &running);
	if (n < 0)
		return n;
	struct db_feedback_new f = {
		.rc_id = x->rc_id,
		.author = x->author,
		.team = x->team,
		.verified = x->verified,
		.verdict = x->verdict,
		.severity = x->severity,
		.area = x->area,
		.comment = x->comment,
		.running = running,
		.created_by = x->created_by,
		.now = x->now,
		.given_at = x->given_at,
	};
	n = db_feedback_insert(c, &f, &x->id);
	json_decref(running);
	if (n < 0)
		return n;
	char id[24], rc_id[24];
	snprintf(id, sizeof id, "%lld", (long long)x->id);
	snprintf(rc_id, sizeof rc_id, "%lld", (long long)x->rc_id);
	json_t *after = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:b, s:s}", "rc_id",
				  rc_id, "author", x->author, "team", x->team, "verdict",
				  x->verdict, "severity", x->severity, "area", x->area, "comment",
				  x->comment, "verified", x->verified, "status", "open");
	n = db_audit_record(c, &x->who,
			    &(struct db_audit_change){.action = "feedback.posted",
						      .target_type = "feedback",
						      .target_id = id,
						      .after = after});
	json_decref(after);
	return n < 0 ? n : DB_OK;
}

/* The dashboard's form (application/x-www-form-urlencoded): the fields the
 * route takes, as strings, into r->json, checked against the route's spec
 * like a JSON body.  An empty field counts as absent (a form sends its
 * untouched inputs empty); other fields (csrf_token) are not ours. */
static bool form_body(struct http_request *r)
{
	if (r->json)
		return true;
	json_t *o = json_object();
	for (const struct param_spec *s = r->route->body_params; s && s->name; s++) {
		char *v = NULL;
		size_t vl = 0;
		int f = http_form_value(r->body ? r->body : "", r->body_len, s->name, &v, &vl);
		const char *why = f < 0 ? "a broken %-escape" : NULL;
		json_t *js = NULL;
		if (f > 0 && !why && strlen(v) != vl)
			why = "a NUL byte";
		if (f > 0 && !why && vl > 0 && !(js = json_stringn(v, vl)))
			why = "invalid UTF-8";
		free(v);
		if (why) {
			json_decref(o);
			char at[64] = "";
			http_json_pointer_push(at, sizeof at, s->name);
			http_reply_field_problem(r, PROBLEM_INVALID_FIELD, at,
						 "the form value has %s", why);
			return false;
		}
		if (js)
			json_object_set_new(o, s->name, js);
	}
	if (!http_body_check_reply(r, r->route->body_params, o, "")) {
		json_decref(o);
		return false;
	}
	r->json = o;
	return true;
}

void api_feedback_create(struct http_request *r)
{
	if (!form_body(r))
		return;
	const json_t *b = r->json;
	const char *author = json_string_value(json_object_get(b, "author"));
	const char *team = json_string_value(json_object_get(b, "team"));
	const char *verdict = json_string_value(json_object_get(b, "verdict"));
	const char *comment = json_string_value(json_object_get(b, "comment"));
	const char *who = r->who.subject;
	bool verified = r->who.team[0] != '\0';
	if (verified) {
		if (author && strcasecmp(author, who)) {
			http_reply_field_problem(r, PROBLEM_INVALID_FIELD, "/author",
						 "you are signed in as %s; feedback is recorded "
						 "under your own name (leave author out)",
						 who);
			return;
		}
		if (team && strcasecmp(team, r->who.team)) {
			http_reply_field_problem(r, PROBLEM_INVALID_FIELD, "/team",
						 "the configuration puts %s in team %s, not %s",
						 who, r->who.team, team);
			return;
		}
		author = who;
		team = r->who.team;
	} else if (!author) {
		if (!strchr(who, '@')) {
			http_reply_field_problem(r, PROBLEM_MISSING_FIELD, "/author",
						 "required (who is giving this feedback?)");
			return;
		}
		author = who;
	}
	if (verdict && strcmp(verdict, "approve") && (!comment || !*comment)) {
		http_reply_field_problem(r, PROBLEM_MISSING_FIELD, "/comment",
					 "required with verdict %s (what did you see?)", verdict);
		return;
	}
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	rc_settle(c, r->app->cfg);
	char now[40];
	clock_format_rfc3339(clock_now_us(), now, sizeof now);
	struct create_tx x = {0};
	x.cfg = r->app->cfg;
	x.rc_id = http_param_int(r, "id", 0);
	x.author = author;
	x.team = team;
	x.verdict = verdict;
	x.severity = json_string_value(json_object_get(b, "severity"));
	x.area = json_string_value(json_object_get(b, "area"));
	x.comment = comment;
	x.verified = verified;
	x.created_by = who[0] ? who : "anonymous";
	x.now = now;
	api_audit_who(r, &x.who);
	/* feedback entered later says when it was given; never in the future */
	x.given_at = json_string_value(json_object_get(b, "given_at"));
	int64_t given_us = 0;
	if (x.given_at && clock_parse_rfc3339(x.given_at, &given_us) && given_us > clock_now_us()) {
		http_reply_field_problem(r, PROBLEM_INVALID_FIELD, "/given_at",
					 "in the future (now is %s)", now);
		return;
	}
	if (db_transaction(c, create_tx, &x) < 0) {
		http_reply_db_failure(r, "could not store the feedback");
		return;
	}
	if (!x.found) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no release candidate %lld",
				   (long long)x.rc_id);
		return;
	}
	if (x.given_too_early) {
		http_reply_field_problem(r, PROBLEM_INVALID_FIELD, "/given_at",
					 "before release candidate %lld was cut",
					 (long long)x.rc_id);
		return;
	}
	if (!x.id) {
		if (x.successor[0])
			http_reply_problem(
				r, PROBLEM_CONFLICT,
				"release candidate %lld is %s: feedback is closed; give it "
				"on %s",
				(long long)x.rc_id, x.state, x.successor);
		else
			http_reply_problem(r, PROBLEM_CONFLICT,
					   "release candidate %lld is %s: feedback is closed",
					   (long long)x.rc_id, x.state);
		return;
	}
	reply_feedback(r, c, x.id, 201);
	if (r->reply.status == 201) {
		char loc[64];
		snprintf(loc, sizeof loc, "/api/v1/feedback/%lld", (long long)x.id);
		http_reply_header(r, "Location", loc);
	}
}

struct update_tx {
	int64_t id;
	enum feedback_status to;
	const char *resolution;
	int64_t fixed_in;
	const char *actor, *now;
	const struct config *cfg;
	const struct auth_identity *who;
	/* results */
	bool found, permitted, allowed, fixed_in_ok;
	enum feedback_status from;
	char repository[256];
	char created_by[256];
	struct db_audit_who audit;
};

static int update_tx(struct db_conn *c, void *arg)
{
	struct update_tx *x = arg;
	x->found = false;
	x->permitted = false;
	x->allowed = true;
	x->fixed_in_ok = true;
	struct db_feedback_row row;
	int n = db_feedback_lock(c, x->id, x->fixed_in, &row);
	if (n <= 0)
		return n;
	x->found = true;
	int st = rc_feedback_status_parse(row.status);
	x->from = st < 0 ? FEEDBACK_OPEN : (enum feedback_status)st;
	snprintf(x->repository, sizeof x->repository, "%s", row.repository);
	x->fixed_in_ok = row.fixed_in_ok;
	snprintf(x->created_by, sizeof x->created_by, "%s", row.created_by);
	x->permitted = rc_feedback_right(x->cfg, x->who, x->created_by) != FEEDBACK_RIGHT_NONE;
	if (!x->permitted)
		return DB_OK;
	if (!rc_feedback_status_allows(x->from, x->to)) {
		x->allowed = false;
		return DB_OK;
	}
	if (!x->fixed_in_ok)
		return DB_OK;
	n = db_feedback_set_status(c, x->id, rc_feedback_status_name(x->from),
				   rc_feedback_status_name(x->to), x->resolution, x->fixed_in,
				   x->actor, x->now);
	if (n < 0)
		return n;
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)x->id);
	json_t *before = json_pack("{s:s}", "status", rc_feedback_status_name(x->from));
	json_t *after = json_pack("{s:s, s:s?, s:o}", "status", rc_feedback_status_name(x->to),
				  "resolution", x->resolution, "fixed_in",
				  x->fixed_in ? json_integer(x->fixed_in) : json_null());
	n = db_audit_record(c, &x->audit,
			    &(struct db_audit_change){.action = "feedback.triaged",
						      .target_type = "feedback",
						      .target_id = id,
						      .before = before,
						      .after = after,
						      .reason = x->resolution});
	json_decref(before);
	json_decref(after);
	return n < 0 ? n : DB_OK;
}

void api_feedback_update(struct http_request *r)
{
	const json_t *b = r->json;
	struct update_tx x = {0};
	x.id = http_param_int(r, "id", 0);
	x.to = (enum feedback_status)rc_feedback_status_parse(
		json_string_value(json_object_get(b, "status")));
	x.resolution = json_string_value(json_object_get(b, "resolution"));
	const json_t *fi = json_object_get(b, "fixed_in");
	x.fixed_in = json_is_integer(fi) ? (int64_t)json_integer_value(fi) : 0;
	if ((x.resolution || x.fixed_in) && x.to != FEEDBACK_RESOLVED) {
		http_reply_field_problem(r, PROBLEM_INVALID_FIELD,
					 x.fixed_in ? "/fixed_in" : "/resolution",
					 "only with status resolved");
		return;
	}
	char now[40];
	clock_format_rfc3339(clock_now_us(), now, sizeof now);
	x.actor = r->who.subject[0] ? r->who.subject : "api";
	x.now = now;
	x.cfg = r->app->cfg;
	x.who = &r->who;
	api_audit_who(r, &x.audit);
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	if (db_transaction(c, update_tx, &x) < 0) {
		http_reply_db_failure(r, "could not change the feedback");
		return;
	}
	if (!x.found) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no feedback %lld", (long long)x.id);
		return;
	}
	if (!x.permitted) {
		static const char *const verbs[FEEDBACK__COUNT] = {
			[FEEDBACK_OPEN] = "reopen",
			[FEEDBACK_ACKNOWLEDGED] = "acknowledge",
			[FEEDBACK_RESOLVED] = "resolve",
		};
		char why[600];
		rc_feedback_refusal(r->app->cfg, x.created_by, verbs[x.to], why, sizeof why);
		http_reply_problem(r, PROBLEM_NOT_PERMITTED, "%s", why);
		return;
	}
	if (!x.allowed) {
		json_t *allowed = json_array();
		enum feedback_status next[3];
		size_t k = rc_feedback_status_allowed(x.from, next, 3);
		for (size_t i = 0; i < k; i++)
			json_array_append_new(allowed,
					      json_string(rc_feedback_status_name(next[i])));
		api_reply_illegal_transition(r, "status", rc_feedback_status_name(x.from),
					     rc_feedback_status_name(x.to), allowed);
		return;
	}
	if (!x.fixed_in_ok) {
		http_reply_field_problem(r, PROBLEM_INVALID_FIELD, "/fixed_in",
					 "no release candidate %lld in %s", (long long)x.fixed_in,
					 x.repository);
		return;
	}
	reply_feedback(r, c, x.id, 200);
}
