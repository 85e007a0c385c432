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

/* Ends the session the request's cookie names, if any (sign-out, a new sign-in). */
static bool session_end(struct http_request *r)
{
	const char *cookie = http_cookie(r, "shiplog_session");
	if (!auth_session_well_formed(cookie))
		return true;
	struct db_conn *c = http_db(r);
	if (!c)
		return false; /* http_db answered 503 */
	unsigned char hash[32];
	auth_session_hash(cookie, hash);
	if (db_session_end(c, hash) >= 0)
		return true;
	http_reply_db_failure(r, "could not end the session");
	return false;
}

/*
 * Starts a session for the current identity: a row in the sessions table
 * saying what made it (the token, the admin token's hash, or SSO), and a
 * cookie holding its id.  False with a 503 composed if it cannot be stored.
 */
static bool session_issue(struct http_request *r)
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
	struct db_session_new s = {
		.kind = kinds[r->who.via],
		.subject = r->who.subject,
		.token_id = r->who.via == AUTH_VIA_TOKEN ? r->who.token_id : 0,
		.admin_token_hash = admin ? r->app->admin_token_hash : NULL,
		/* by the service's clock, which SHIPLOG_NOW pins */
		.expires_s = clock_now_s() + r->app->cfg->session_ttl,
	};
	auth_session_hash(id, s.id_hash);
	struct db_conn *c = http_db(r);
	if (!c || db_session_insert(c, &s) < 0) {
		if (c) {
			http_reply_db_failure(r, "could not start the session");
		}
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
	if (r->who.via == AUTH_VIA_SSO && !r->who.session_id[0] && !session_issue(r))
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
	if (!http_authenticate_token(r, token) || !session_end(r) || !session_issue(r))
		return;
	http_reply_json(r, 200, session_json(r));
}

void api_session_delete(struct http_request *r)
{
	/* signing out ends the session on the server: a copy of the cookie is
	 * worth nothing afterwards */
	if (!session_end(r))
		return;
	http_reply_header(r, MHD_HTTP_HEADER_SET_COOKIE,
			  "shiplog_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
	http_reply_bytes(r, 204, NULL, "", 0);
}
