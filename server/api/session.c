/*
 * session.c — browser sessions: a signed HttpOnly SameSite=Strict cookie,
 * made from a trusted SSO header or by signing in with a token, and the
 * CSRF token that goes with it.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "http/form.h"
#include "http/internal.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/crypto.h"

static json_t *scope_list(unsigned bits)
{
	json_t *a = json_array();
	for (unsigned b = 1; b <= AUTH_SCOPE_ADMIN; b <<= 1)
		if (bits & b)
			json_array_append_new(a, json_string(auth_scope_name((enum auth_scope)b)));
	return a;
}

/* Issues a new session cookie for the current identity. */
static void session_issue(struct http_request *r)
{
	struct auth_session s = {0};
	unsigned char raw[16];
	crypto_random(raw, sizeof raw);
	crypto_b64url_encode(raw, sizeof raw, s.id);
	snprintf(s.subject, sizeof s.subject, "%s", r->who.subject);
	s.scopes = r->who.scopes;
	s.expires_s = clock_now_s() + r->app->cfg->session_ttl;
	char value[1024], cookie[1200];
	if (!auth_session_encode(&s, r->app->session_secret, value, sizeof value))
		return;
	const char *base = r->app->cfg->base_url;
	bool secure = base && strncasecmp(base, "https:", 6) == 0;
	snprintf(cookie, sizeof cookie,
		 "shiplog_session=%s; Path=/; Max-Age=%u; HttpOnly; SameSite=Strict%s", value,
		 r->app->cfg->session_ttl, secure ? "; Secure" : "");
	http_reply_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	snprintf(r->who.session_id, sizeof r->who.session_id, "%s", s.id);
}

static json_t *session_json(struct http_request *r)
{
	json_t *o = json_pack("{s:b}", "authenticated", r->who.authenticated);
	if (r->who.authenticated) {
		json_object_set_new(o, "subject", json_string(r->who.subject));
		json_object_set_new(o, "team", r->who.team[0] ? json_string(r->who.team) : json_null());
		json_object_set_new(o, "scopes", scope_list(r->who.scopes));
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
	/* an SSO identity without a cookie yet gets one, so later form posts
	 * can carry a CSRF token bound to it */
	if (r->who.authenticated && r->via_session && !r->who.session_id[0])
		session_issue(r);
	http_reply_json(r, 200, session_json(r));
}

void api_session_create(struct http_request *r)
{
	char *token = NULL;
	size_t tl = 0;
	if (r->json) {
		const char *t = json_string_value(json_object_get(r->json, "token"));
		token = t ? strdup(t) : NULL;
	} else if (http_form_value(r->body ? r->body : "", r->body_len, "token", &token, &tl) <= 0 ||
		   strlen(token) != tl) {
		free(token);
		token = NULL;
	}
	if (!token) {
		http_reply_field_problem(r, PROBLEM_MISSING_FIELD, "/token", "required");
		return;
	}
	/* sign-in is a bearer check, then a cookie */
	r->who = (struct auth_identity){0};
	r->via_session = false;
	bool ok = http_authenticate_token(r, token);
	free(token);
	if (!ok)
		return;
	session_issue(r);
	http_reply_json(r, 200, session_json(r));
}

void api_session_delete(struct http_request *r)
{
	http_reply_header(r, MHD_HTTP_HEADER_SET_COOKIE,
			  "shiplog_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
	http_reply_bytes(r, 204, NULL, "", 0);
}
