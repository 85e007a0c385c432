/*
 * release_candidates.c — /api/v1/release-candidates: list, cut, one RC,
 * state changes, readiness, changes and release notes.
 *
 * Every read first folds the GitHub facts not applied yet (rc_settle), so
 * an RC made by a tag or a pre-release is there whichever replica stored
 * the delivery.  The rules live in server/domain/rc*.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "db/audit.h"
#include "db/release_candidates.h"
#include "domain/rc.h"
#include "shiplog/app.h"
#include "shiplog/auth.h"
#include "shiplog/clock.h"
#include "shiplog/hex.h"
#include "shiplog/xalloc.h"
#include "webhooks/gh_rc.h"

void api_reply_illegal_transition(struct http_request *r, const char *field, const char *from,
				  const char *to, json_t *allowed)
{
	char detail[600], list[300] = "", pointer[64] = "";
	size_t i;
	json_t *v;
	json_array_foreach(allowed, i, v) {
		size_t len = strlen(list);
		snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "",
			 json_string_value(v));
	}
	snprintf(detail, sizeof detail, "%s: %s → %s is not allowed; from %s: %s", field, from, to,
		 from, list[0] ? list : "no change is allowed");
	http_json_pointer_push(pointer, sizeof pointer, field);
	json_t *members = json_pack("{s:s, s:s, s:o, s:[{s:s, s:s}]}", "current", from, "requested",
				    to, "allowed", allowed, "errors", "pointer", pointer, "detail",
				    detail + strlen(field) + 2);
	http_reply_problem_members(r, PROBLEM_ILLEGAL_TRANSITION, detail, members);
}

static int64_t path_id(const struct http_request *r)
{
	return http_param_int(r, "id", 0);
}

void api_rc_list(struct http_request *r)
{
	struct api_page pg;
	if (!api_page_parse(r, &pg))
		return;
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	rc_settle(c, r->app->cfg);
	json_t *items = NULL;
	int64_t last_id = 0;
	int n = db_rcs_page(c, http_param(r, "repo"), http_param(r, "state"),
			    http_param(r, "target"), pg.has_cursor ? pg.before_id : INT64_MAX,
			    pg.limit, &items, &last_id);
	if (n < 0) {
		http_reply_db_failure(r, "could not list release candidates");
		return;
	}
	char *next = n > pg.limit ? api_cursor_make(last_id, NULL) : NULL;
	http_reply_list(r, items, next);
	free(next);
}

static void reply_rc(struct http_request *r, struct db_conn *c, int64_t id, unsigned status)
{
	json_t *o = NULL;
	int n = db_rc_json(c, id, &o);
	if (n < 0) {
		http_reply_db_failure(r,
				   "could not read the release candidate");
		return;
	}
	if (!o) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no release candidate %lld",
				   (long long)id);
		return;
	}
	http_reply_json(r, status, o);
}

void api_rc_get(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	rc_settle(c, r->app->cfg);
	reply_rc(r, c, path_id(r), 200);
}

/* A version is a tag name: no spaces, no control characters, no "..". */
static bool version_ok(const char *v)
{
	if (!*v || strstr(v, "..") || v[0] == '-' || v[0] == '.')
		return false;
	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._+-/", *p))
			return false;
	return true;
}

struct create_tx {
	const struct config *cfg;
	struct rc_cut cut;
	const char *repository;
	int64_t rc_id;
	enum rc_cut_outcome outcome;
	char why[300];
	struct db_audit_who who;
};

static int create_tx(struct db_conn *c, void *arg)
{
	struct create_tx *x = arg;
	int n = db_rc_repository_ensure(c, x->repository, &x->cut.repository_id);
	if (n <= 0)
		return n < 0 ? n : DB_HARD_ERROR;
	/* a tag or pre-release of this version may be waiting to be folded in */
	n = rc_sync(c, x->cfg, x->cut.repository_id, "github");
	if (n < 0)
		return n;
	n = db_rc_cut(c, x->cfg, &x->cut, &x->rc_id, &x->outcome, x->why, sizeof x->why);
	if (n < 0 || x->outcome == RC_CUT_CONFLICT)
		return n;
	/* a cut merged into the RC of its version (a tag made it) is recorded too */
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)x->rc_id);
	json_t *after = json_pack("{s:s, s:s, s:s?, s:I, s:s?, s:b}", "repository", x->repository,
				  "version", x->cut.version, "commit", x->cut.commit, "artifacts",
				  (json_int_t)x->cut.n_digests, "notes", x->cut.notes, "merged",
				  x->outcome != RC_CUT_CREATED);
	n = db_audit_record(c, &x->who,
			    &(struct db_audit_change){.action = "rc.created",
						      .target_type = "release_candidate",
						      .target_id = id,
						      .after = after});
	json_decref(after);
	return n;
}

void api_rc_create(struct http_request *r)
{
	const json_t *b = r->json;
	const char *version = json_string_value(json_object_get(b, "version"));
	if (!version || !version_ok(version)) {
		http_reply_field_problem(
			r, PROBLEM_INVALID_FIELD, "/version",
			"expected a tag name such as v0.38.0-rc.1 (letters, digits, "
			"'.', '_', '+', '-', '/')");
		return;
	}
	char commit[41];
	const char *given = json_string_value(json_object_get(b, "commit"));
	hex_lower_copy(commit, given, HEX_SHA_LEN);
	const json_t *arts = json_object_get(b, "artifacts");
	size_t na = json_array_size(arts);
	const char **digests = xcalloc(na + 1, sizeof *digests);
	for (size_t i = 0; i < na; i++)
		digests[i] = json_string_value(json_array_get(arts, i));
	char now[40];
	clock_format_rfc3339(clock_now_us(), now, sizeof now);
	struct create_tx x = {0};
	x.cfg = r->app->cfg;
	x.repository = json_string_value(json_object_get(b, "repository"));
	x.cut.version = version;
	x.cut.commit = commit;
	x.cut.source = RC_SOURCE_API;
	x.cut.digests = digests;
	x.cut.n_digests = na;
	x.cut.notes = json_string_value(json_object_get(b, "notes"));
	x.cut.at = now;
	x.cut.actor = r->who.subject[0] ? r->who.subject : "api";
	api_audit_who(r, &x.who);
	struct db_conn *c = http_db(r);
	if (!c) {
		free((void *)digests);
		return;
	}
	int n = db_transaction(c, create_tx, &x);
	free((void *)digests);
	if (n < 0) {
		http_reply_db_failure(r,
				   "could not store the release candidate");
		return;
	}
	if (x.outcome == RC_CUT_CONFLICT) {
		http_reply_problem(r, PROBLEM_CONFLICT, "%s", x.why);
		return;
	}
	reply_rc(r, c, x.rc_id, x.outcome == RC_CUT_CREATED ? 201 : 200);
	if (r->reply.status == 201) {
		char loc[64];
		snprintf(loc, sizeof loc, "/api/v1/release-candidates/%lld", (long long)x.rc_id);
		http_reply_header(r, "Location", loc);
	}
}

struct update_tx {
	const struct config *cfg;
	struct rc_move m;
	struct rc_move_result out;
	struct db_audit_who who;
};

static int update_tx(struct db_conn *c, void *arg)
{
	struct update_tx *x = arg;
	int n = db_rc_move(c, x->cfg, &x->m, &x->out);
	if (n < 0 || x->out.outcome != RC_MOVE_DONE)
		return n;
	/* the move's audit row: an override is its own action, with its reason
	 * and the gates it went past */
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)x->m.rc_id);
	json_t *before = json_pack("{s:s}", "state", rc_state_name(x->out.from));
	json_t *after = json_pack("{s:s}", "state", rc_state_name(x->m.to));
	if (x->out.overridden)
		json_object_set_new(after, "override",
				    json_pack("{s:O?, s:s}", "gates", x->out.gates, "reason",
					      x->m.override_reason));
	n = db_audit_record(c, &x->who,
			    &(struct db_audit_change){
				    .action = x->out.overridden ? "rc.overridden" : "rc.changed",
				    .target_type = "release_candidate",
				    .target_id = id,
				    .before = before,
				    .after = after,
				    .reason = x->out.overridden ? x->m.override_reason
								: x->m.why.reason});
	json_decref(before);
	json_decref(after);
	return n;
}

static const char *member(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "?";
}

/* 409 not-ready: each gate not passed, with its reason. */
static void reply_not_ready(struct http_request *r, const struct update_tx *x)
{
	char detail[1500];
	int len = snprintf(detail, sizeof detail,
			   "state: release candidate %lld is not ready to be %s (override it with "
			   "override_reason and the release scope): ",
			   (long long)x->m.rc_id, rc_state_name(x->m.to));
	size_t i;
	const json_t *g;
	json_array_foreach(x->out.gates, i, g) {
		if (len < 0 || (size_t)len >= sizeof detail)
			break;
		len += snprintf(detail + len, sizeof detail - (size_t)len, "%s%s %s (%s)",
				i ? "; " : "", member(g, "name"), member(g, "status"),
				member(g, "reason"));
	}
	http_reply_problem_members(r, PROBLEM_NOT_READY, detail,
				   json_pack("{s:O}", "gates", x->out.gates));
}

void api_rc_update(struct http_request *r)
{
	const char *override = json_string_value(json_object_get(r->json, "override_reason"));
	if (override) {
		const char *why = rc_override_reason_problem(override);
		if (why) {
			http_reply_field_problem(r, PROBLEM_INVALID_FIELD, "/override_reason", "%s",
						 why);
			return;
		}
		if (!auth_allows(r->who.scopes, AUTH_SCOPE_RELEASE)) {
			http_reply_problem(
				r, PROBLEM_NOT_PERMITTED,
				"override_reason: overriding readiness needs the release "
				"scope (a release manager's role or token, or admin)");
			return;
		}
	}
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	rc_settle(c, r->app->cfg);
	char now[40];
	int64_t now_us = clock_now_us();
	clock_format_rfc3339(now_us, now, sizeof now);
	const char *expected = json_string_value(json_object_get(r->json, "expected_state"));
	struct update_tx x = {0};
	x.cfg = r->app->cfg;
	x.m.rc_id = path_id(r);
	x.m.to =
		(enum rc_state)rc_state_parse(json_string_value(json_object_get(r->json, "state")));
	x.m.expected = expected ? rc_state_parse(expected) : -1;
	x.m.override_reason = override;
	x.m.why.reason = json_string_value(json_object_get(r->json, "reason"));
	x.m.why.source = "api";
	x.m.why.actor = r->who.subject[0] ? r->who.subject : "api";
	x.m.why.at = now;
	x.m.now_us = now_us;
	api_audit_who(r, &x.who);
	if (db_transaction(c, update_tx, &x) < 0) {
		json_decref(x.out.gates);
		http_reply_db_failure(r, "could not change the release candidate");
		return;
	}
	const char *from = rc_state_name(x.out.from), *to = rc_state_name(x.m.to);
	switch (x.out.outcome) {
	case RC_MOVE_NOT_FOUND:
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no release candidate %lld",
				   (long long)x.m.rc_id);
		break;
	case RC_MOVE_STATE_CHANGED: {
		char detail[200];
		snprintf(
			detail, sizeof detail,
			"expected_state: release candidate %lld is %s now, not %s; nothing changed",
			(long long)x.m.rc_id, from, expected);
		http_reply_problem_members(
			r, PROBLEM_STATE_CHANGED, detail,
			json_pack("{s:s, s:s}", "state", from, "expected_state", expected));
		break;
	}
	case RC_MOVE_ILLEGAL: {
		json_t *allowed = json_array();
		enum rc_state next[4];
		size_t k = rc_state_allowed(x.out.from, next, 4);
		for (size_t i = 0; i < k; i++)
			json_array_append_new(allowed, json_string(rc_state_name(next[i])));
		api_reply_illegal_transition(r, "state", from, to, allowed);
		break;
	}
	case RC_MOVE_NOT_READY:
		reply_not_ready(r, &x);
		break;
	case RC_MOVE_DONE:
		reply_rc(r, c, x.m.rc_id, 200);
		break;
	}
	json_decref(x.out.gates);
}

void api_rc_readiness(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	rc_settle(c, r->app->cfg);
	json_t *o = NULL;
	int64_t id = path_id(r);
	int n = db_rc_readiness(c, r->app->cfg, id, clock_now_us(), &o);
	if (n < 0) {
		http_reply_db_failure(r, "could not evaluate the readiness");
		return;
	}
	if (!o) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no release candidate %lld",
				   (long long)id);
		return;
	}
	http_reply_json(r, 200, o);
}

/* The changes answer, or a reply already made (NULL). */
static json_t *changes_or_reply(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return NULL;
	rc_settle(c, r->app->cfg);
	json_t *o = NULL;
	int64_t id = path_id(r);
	int n = db_rc_changes(c, id, &o);
	if (n < 0) {
		http_reply_db_failure(r, "could not list the changes");
		return NULL;
	}
	if (!o)
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no release candidate %lld",
				   (long long)id);
	return o;
}

void api_rc_changes(struct http_request *r)
{
	json_t *o = changes_or_reply(r);
	if (o)
		http_reply_json(r, 200, o);
}

void api_rc_notes(struct http_request *r)
{
	json_t *o = changes_or_reply(r);
	if (!o)
		return;
	const char *version = json_string_value(
		json_object_get(json_object_get(o, "release_candidate"), "version"));
	const char *since = json_string_value(
		json_object_get(json_object_get(o, "previous_release"), "version"));
	char *md = rc_notes_markdown(version, since, json_object_get(o, "groups"));
	http_reply_bytes(r, 200, "text/markdown; charset=utf-8", md, strlen(md));
	free(md);
	json_decref(o);
}
