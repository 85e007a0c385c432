/*
 * session.c — browser sessions: kept in the sessions table, named by a random
 * id in an HttpOnly SameSite=Strict cookie, made from a trusted SSO header or
 * by signing in with a token, and the CSRF token that goes with it.  What a
 * session may do is read on every request (request.c, session_lookup).
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "db/audit.h"
#include "db/sessions.h"
#include "db/tokens.h"
#include "http/internal.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/crypto.h"
#include "shiplog/db.h"

static json_t *scope_list(unsigned bits)
{
	json_t *a = json_array();
	for (unsigned b = 1; b <= AUTH_SCOPE_ALL; b <<= 1)
		if (bits & b)
			json_array_append_new(a, json_string(auth_scope_name((enum auth_scope)b)));
	return a;
}

/* The session cookie: only the random id; Secure when the base URL is https. */
static void set_cookie(struct http_request *r, const char *id, unsigned max_age)
{
	const char *base = r->app->cfg->base_url;
	bool secure = base && strncasecmp(base, "https:", 6) == 0;
	char cookie[256];
	snprintf(cookie, sizeof cookie,
		 "shiplog_session=%s; Path=/; Max-Age=%u; HttpOnly; SameSite=Strict%s", id, max_age,
		 secure ? "; Secure" : "");
	http_reply_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
}

/* What one sign-in or sign-out changes, in one transaction with its audit
 * row: the cookie's session ended (end_old), a new one started (issue). */
struct session_tx {
	struct db_audit_who who;
	bool end_old, issue;
	unsigned char old_hash[32];
	struct db_session_new s;
	bool ended; /* result: the cookie's session was live and is ended */
};

static int session_tx(struct db_conn *c, void *arg)
{
	struct session_tx *x = arg;
	json_t *before = NULL;
	x->ended = false;
	int n = x->end_old ? db_session_end(c, x->old_hash, &before) : 0;
	if (n < 0)
		return n;
	x->ended = n > 0;
	if (x->issue && (n = db_session_insert(c, &x->s)) < 0) {
		json_decref(before);
		return n;
	}
	json_t *after = NULL;
	if (x->issue) {
		char expires[40];
		clock_format_rfc3339(x->s.expires_s * 1000000, expires, sizeof expires);
		after = json_pack("{s:s, s:s, s:o, s:s}", "kind", x->s.kind, "subject",
				  x->s.subject, "token_id",
				  x->s.token_id ? json_integer(x->s.token_id) : json_null(),
				  "expires_at", expires);
	}
	/* a sign-out that found no live session changed nothing */
	if (x->issue || x->ended)
		n = db_audit_record(c, &x->who,
				    &(struct db_audit_change){
					    .action = x->issue ? "session.signed_in"
							       : "session.signed_out",
					    .target_type = "session",
					    .target_id = x->issue ? x->s.subject
								  : json_string_value(json_object_get(
									    before, "subject")),
					    .before = before,
					    .after = after});
	json_decref(before);
	json_decref(after);
	return n < 0 ? n : DB_OK;
}

/* The cookie's session to end, if the request carries one. */
static void session_tx_end_old(struct http_request *r, struct session_tx *x)
{
	const char *cookie = http_cookie(r, "shiplog_session");
	x->end_old = auth_session_well_formed(cookie);
	if (x->end_old)
		auth_session_hash(cookie, x->old_hash);
}

/*
 * Starts a session for the current identity (ending the one the request's
 * cookie names, when end_old): a row in the sessions table saying what made
 * it (the token, the admin token's hash, or SSO), its audit row, and a
 * cookie holding its id.  False with the answer composed if it cannot be
 * stored.
 */
static bool session_issue(struct http_request *r, bool end_old)
{
	static const char *const kinds[] = {
		[AUTH_VIA_TOKEN] = "token",
		[AUTH_VIA_ADMIN_TOKEN] = "admin-token",
		[AUTH_VIA_SSO] = "sso",
	};
	if (r->who.via == AUTH_VIA_NONE)
		return false;
	char id[AUTH_SESSION_ID_LEN + 1];
	auth_session_generate(id);
	bool admin = r->who.via == AUTH_VIA_ADMIN_TOKEN;
	struct session_tx x = {.issue = true};
	api_audit_who(r, &x.who);
	if (end_old)
		session_tx_end_old(r, &x);
	x.s = (struct db_session_new){
		.kind = kinds[r->who.via],
		.subject = r->who.subject,
		.token_id = r->who.via == AUTH_VIA_TOKEN ? r->who.token_id : 0,
		.admin_token_hash = admin ? r->app->admin_token_hash : NULL,
		/* by the service's clock, which SHIPLOG_NOW pins */
		.expires_s = clock_now_s() + r->app->cfg->session_ttl,
	};
	auth_session_hash(id, x.s.id_hash);
	struct db_conn *c = http_db(r);
	if (!c)
		return false; /* http_db answered 503 */
	if (db_transaction(c, session_tx, &x) < 0) {
		http_reply_db_failure(r, "could not start the session");
		return false;
	}
	set_cookie(r, id, r->app->cfg->session_ttl);
	snprintf(r->who.session_id, sizeof r->who.session_id, "%s", id);
	return true;
}

static json_t *session_json(struct http_request *r)
{
	json_t *o = json_pack("{s:b}", "authenticated", r->who.authenticated);
	if (r->who.authenticated) {
		json_object_set_new(o, "subject", json_string(r->who.subject));
		json_object_set_new(o, "team", r->who.team[0] ? json_string(r->who.team) : json_null());
		json_object_set_new(o, "scopes", scope_list(r->who.scopes));
		json_t *from = json_object();
		for (unsigned i = 0; i < AUTH_N_SCOPES; i++)
			if ((r->who.scopes >> i) & 1u)
				json_object_set_new(
					from, auth_scope_name((enum auth_scope)(1u << i)),
					json_string(r->who.scope_from[i]));
		json_object_set_new(o, "scope_sources", from);
	}
	if (r->who.session_id[0]) {
		char csrf[96];
		auth_csrf_token(r->app->session_secret, r->who.session_id, csrf, sizeof csrf);
		json_object_set_new(o, "csrf_token", json_string(csrf));
	}
	json_object_set_new(o, "public_read", json_boolean(r->app->cfg->public_read));
	return o;
}

void api_session_get(struct http_request *r)
{
	/* an SSO identity without a cookie yet gets one, so later writes can
	 * carry a CSRF token bound to it */
	if (r->who.via == AUTH_VIA_SSO && !r->who.session_id[0] && !session_issue(r, false))
		return;
	http_reply_json(r, 200, session_json(r));
}

void api_session_create(struct http_request *r)
{
	const char *token = json_string_value(json_object_get(r->json, "token"));
	if (!token) {
		http_reply_field_problem(r, PROBLEM_MISSING_FIELD, "/token", "required");
		return;
	}
	/* sign-in is a bearer check, then a session; a successful one ends the
	 * session this browser had (a refused one leaves it alone) */
	r->who = (struct auth_identity){0};
	r->via_session = false;
	if (!http_authenticate_token(r, token) || !session_issue(r, true))
		return;
	http_reply_json(r, 200, session_json(r));
}

void api_session_delete(struct http_request *r)
{
	/* signing out ends the session on the server: a copy of the cookie is
	 * worth nothing afterwards */
	struct session_tx x = {0};
	api_audit_who(r, &x.who);
	session_tx_end_old(r, &x);
	if (x.end_old) {
		struct db_conn *c = http_db(r);
		if (!c)
			return;
		if (db_transaction(c, session_tx, &x) < 0) {
			http_reply_db_failure(r, "could not end the session");
			return;
		}
	}
	http_reply_header(r, MHD_HTTP_HEADER_SET_COOKIE,
			  "shiplog_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
	http_reply_bytes(r, 204, NULL, "", 0);
}
