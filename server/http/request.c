/*
 * request.c — reading a request: parameters, headers, cookies, and who sent
 * it (bearer token, session cookie or trusted SSO header).
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/audit.h"
#include "db/sessions.h"
#include "db/tokens.h"
#include "domain/roles.h"
#include "http/internal.h"
#include "http/netaddr.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/crypto.h"
#include "shiplog/db.h"
#include "shiplog/http.h"
#include "shiplog/xalloc.h"

const char *http_param(const struct http_request *r, const char *name)
{
	for (size_t i = 0; i < r->n_path; i++)
		if (strcmp(r->path_names[i], name) == 0)
			return r->path_values[i];
	if (!r->connection)
		return NULL;
	return MHD_lookup_connection_value(r->connection, MHD_GET_ARGUMENT_KIND, name);
}

int64_t http_param_int(const struct http_request *r, const char *name, int64_t fallback)
{
	const char *v = http_param(r, name);
	if (!v || !*v)
		return fallback;
	return strtoll(v, NULL, 10);
}

const char *http_header(const struct http_request *r, const char *name)
{
	if (!r->connection)
		return NULL;
	return MHD_lookup_connection_value(r->connection, MHD_HEADER_KIND, name);
}

const char *http_cookie(const struct http_request *r, const char *name)
{
	if (!r->connection)
		return NULL;
	return MHD_lookup_connection_value(r->connection, MHD_COOKIE_KIND, name);
}

struct url_builder {
	char *buf;
	size_t len, cap;
	const char *skip;
};

static void ub_append(struct url_builder *b, const char *s)
{
	size_t n = strlen(s);
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->buf = xrealloc(b->buf, b->cap);
	}
	memcpy(b->buf + b->len, s, n + 1);
	b->len += n;
}

static enum MHD_Result ub_arg(void *cls, enum MHD_ValueKind kind, const char *key,
			      const char *value)
{
	(void)kind;
	struct url_builder *b = cls;
	if (strcmp(key, b->skip) == 0)
		return MHD_YES;
	char *k = http_url_encode(key);
	char *v = http_url_encode(value ? value : "");
	ub_append(b, strchr(b->buf, '?') ? "&" : "?");
	ub_append(b, k);
	ub_append(b, "=");
	ub_append(b, v);
	free(k);
	free(v);
	return MHD_YES;
}

char *http_request_url_with(const struct http_request *r, const char *name, const char *value)
{
	struct url_builder b = {NULL, 0, 0, name};
	ub_append(&b, r->path);
	if (r->connection)
		MHD_get_connection_values(r->connection, MHD_GET_ARGUMENT_KIND, ub_arg, &b);
	char *v = http_url_encode(value);
	ub_append(&b, strchr(b.buf, '?') ? "&" : "?");
	ub_append(&b, name);
	ub_append(&b, "=");
	ub_append(&b, v);
	free(v);
	return b.buf;
}

static void identity_set(struct http_request *r, const char *subject, unsigned scopes)
{
	r->who.authenticated = true;
	r->who.via = AUTH_VIA_TOKEN;
	r->who.scopes = scopes;
	roles_mark(scopes, "token", r->who.scope_from);
	snprintf(r->who.subject, sizeof r->who.subject, "%s", subject);
	const struct config_team *t = config_team_of(r->app->cfg, subject);
	snprintf(r->who.team, sizeof r->who.team, "%s", t ? t->name : "");
}

static void admin_identity_set(struct http_request *r, const char *subject)
{
	identity_set(r, subject, AUTH_SCOPE_ADMIN);
	roles_mark(AUTH_SCOPE_ADMIN, "admin-token", r->who.scope_from);
	r->who.via = AUTH_VIA_ADMIN_TOKEN;
}

/* Bearer token: the admin token from the environment, or a database token. */
bool http_authenticate_token(struct http_request *r, const char *token)
{
	if (!auth_token_well_formed(token)) {
		http_reply_problem(r, PROBLEM_UNAUTHORIZED, "Authorization: malformed bearer token");
		return false;
	}
	unsigned char hash[32];
	auth_token_hash(token, hash);
	if (r->app->have_admin_token && crypto_equal(hash, r->app->admin_token_hash, 32)) {
		admin_identity_set(r, "admin (SHIPLOG_ADMIN_TOKEN)");
		return true;
	}
	struct db_conn *c = http_db(r);
	if (!c)
		return false;
	struct db_token_auth t;
	int n = db_token_by_hash(c, hash, &t);
	if (n < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not check the token");
		http_reply_header(r, "Retry-After", "5");
		return false;
	}
	if (n == 0) {
		http_reply_problem(r, PROBLEM_UNAUTHORIZED, "Authorization: unknown or revoked token");
		http_reply_header(r, "WWW-Authenticate", "Bearer realm=\"shiplog\", error=\"invalid_token\"");
		return false;
	}
	identity_set(r, t.owner, t.scopes);
	r->who.token_id = t.id;
	/* last use, at most once a minute, so reads stay cheap */
	db_token_touch(c, t.id);
	return true;
}

void http_count_failed_sign_in(struct http_request *r)
{
	/* the request's connection, or one of our own: never an answer of its
	 * own (the 401 stands); a database that is away loses the count */
	struct db_conn *c = r->db ? r->db : db_acquire(r->app->db);
	if (!c)
		return;
	db_audit_failed_sign_in(c, r->client_addr, clock_now_us());
	if (c != r->db)
		db_release(c);
}

static bool proxy_trusted(const struct http_request *r)
{
	const struct config *cfg = r->app->cfg;
	return netaddr_in_list(r->remote_addr, strlen(r->remote_addr), cfg->trusted_proxies,
			       cfg->n_trusted_proxies);
}

/* The SSO header of a trusted proxy, when it names someone. */
static const char *sso_subject(const struct http_request *r)
{
	const char *sso = r->app->cfg->sso_header;
	if (!sso || !proxy_trusted(r))
		return NULL;
	const char *email = http_header(r, sso);
	if (email && *email && strlen(email) < sizeof r->who.subject && strchr(email, '@'))
		return email;
	return NULL;
}

/* The SSO groups header of a trusted proxy (comma-separated), or NULL. */
static const char *sso_groups(const struct http_request *r)
{
	const char *h = r->app->cfg->sso_groups_header;
	return h && proxy_trusted(r) ? http_header(r, h) : NULL;
}

/* A person behind SSO: read and give feedback, plus what the roles of their
 * team and groups grant (domain/roles.h), from the configuration as it is
 * now; ci and admin stay with tokens. */
static void sso_identity_set(struct http_request *r, const char *subject)
{
	identity_set(r, subject, 0);
	r->who.scopes = roles_sso_scopes(r->app->cfg, r->who.team, sso_groups(r),
					 r->who.scope_from);
	r->who.via = AUTH_VIA_SSO;
}

/*
 * The session named by the cookie, as it stands now: 1 and r->who filled,
 * 0 when there is no such live session (unknown, expired, signed out, its
 * token revoked, the admin token changed, SSO turned off), -1 with a 503
 * composed when the database cannot say.  What a session may do is read
 * here, on every request, from what made it.
 */
static int session_lookup(struct http_request *r, const char *cookie)
{
	if (!auth_session_well_formed(cookie))
		return 0;
	unsigned char hash[32];
	auth_session_hash(cookie, hash);
	struct db_conn *c = http_db(r);
	if (!c)
		return -1;
	/* by the service's clock (SHIPLOG_NOW pins it) */
	struct db_session se;
	int n = db_session_lookup(c, hash,
				  r->app->have_admin_token ? r->app->admin_token_hash : NULL,
				  clock_now_s(), &se);
	if (n < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not check the session");
		http_reply_header(r, "Retry-After", "5");
		return -1;
	}
	if (n == 0)
		return 0;
	bool live = false;
	if (!strcmp(se.kind, "token")) {
		identity_set(r, se.subject, se.scopes);
		r->who.token_id = se.token_id;
		live = true;
	} else if (!strcmp(se.kind, "admin-token")) {
		/* made from SHIPLOG_ADMIN_TOKEN as it is now, not as it was */
		live = se.admin_match;
		if (live)
			admin_identity_set(r, se.subject);
	} else if (!strcmp(se.kind, "sso")) {
		/* SSO turned off, or the proxy now says someone else: not this session */
		const char *now_sso = sso_subject(r);
		live = r->app->cfg->sso_header && (!now_sso || !strcmp(now_sso, se.subject));
		if (live)
			sso_identity_set(r, se.subject);
	}
	if (!live)
		return 0;
	snprintf(r->who.session_id, sizeof r->who.session_id, "%s", cookie);
	r->via_session = true;
	if (se.stale) /* last seen, at most once a minute, so reads stay cheap */
		db_session_touch(c, hash);
	return 1;
}

bool http_authenticate(struct http_request *r)
{
	const char *authz = http_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	if (authz) {
		if (strncasecmp(authz, "Bearer ", 7) != 0) {
			http_reply_problem(r, PROBLEM_UNAUTHORIZED,
					   "Authorization: expected \"Bearer <token>\"");
			return false;
		}
		const char *t = authz + 7;
		while (*t == ' ')
			t++;
		return http_authenticate_token(r, t);
	}
	const char *cookie = http_cookie(r, "shiplog_session");
	if (cookie) {
		int s = session_lookup(r, cookie);
		if (s < 0)
			return false;
		if (s > 0)
			return true;
	}
	const char *email = sso_subject(r);
	if (email) {
		sso_identity_set(r, email);
		r->via_session = true; /* a browser: CSRF applies */
	}
	return true; /* anonymous; the scope check decides */
}
