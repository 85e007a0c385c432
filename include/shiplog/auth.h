/*
 * auth.h — who is asking, and what they may do.
 *
 * API clients present bearer tokens: 256-bit random values shown once and
 * stored only as SHA-256.  Browsers carry a session cookie made from a trusted
 * SSO header or a token sign-in: a random 256-bit id whose SHA-256 keys a row
 * of the sessions table, read on every request (what made the session decides
 * what it may do now).  State-changing requests made with a cookie also carry
 * an HMAC CSRF token bound to the session id.
 */
#ifndef SHIPLOG_AUTH_H
#define SHIPLOG_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum auth_scope {
	AUTH_SCOPE_NONE = 0, /* route: public */
	AUTH_SCOPE_READ = 1 << 0,
	AUTH_SCOPE_CI = 1 << 1,
	AUTH_SCOPE_FEEDBACK = 1 << 2,
	AUTH_SCOPE_ADMIN = 1 << 3,
	AUTH_SCOPE_RELEASE = 1 << 4, /* run releases: RCs, any feedback's status */
	/* a route either may use: writing release candidates */
	AUTH_SCOPE_CI_OR_RELEASE = AUTH_SCOPE_CI | AUTH_SCOPE_RELEASE,
	/* changing a feedback's status: its author's people, or a release manager */
	AUTH_SCOPE_FEEDBACK_OR_RELEASE = AUTH_SCOPE_FEEDBACK | AUTH_SCOPE_RELEASE,
};

/* The single scopes, lowest bit first; AUTH_SCOPE_ALL is their union. */
#define AUTH_N_SCOPES 5
#define AUTH_SCOPE_ALL ((1u << AUTH_N_SCOPES) - 1)

#define AUTH_TOKEN_PREFIX "shiplog_"
#define AUTH_TOKEN_RAW_LEN 32 /* 256 bits */
/* prefix + base64url(32 bytes) = 8 + 43 */
#define AUTH_TOKEN_TEXT_LEN 51

/* What authenticated a request (or made the session it carries). */
enum auth_via {
	AUTH_VIA_NONE = 0,
	AUTH_VIA_TOKEN,       /* a database token (token_id) */
	AUTH_VIA_ADMIN_TOKEN, /* SHIPLOG_ADMIN_TOKEN */
	AUTH_VIA_SSO,         /* the SSO header of a trusted proxy */
};

/* base64url of AUTH_SESSION_RAW_LEN random bytes */
#define AUTH_SESSION_RAW_LEN 32
#define AUTH_SESSION_ID_LEN 43

/* Where a scope came from: "default", "token", "admin-token",
 * "role:team:<team>" or "role:group:<group>" (GET /api/v1/session). */
#define AUTH_SCOPE_FROM_LEN 224

struct auth_identity {
	bool authenticated;
	enum auth_via via;
	unsigned scopes;    /* AUTH_SCOPE_* bits */
	/* why each scope: [i] for bit 1 << i, "" when not held */
	char scope_from[AUTH_N_SCOPES][AUTH_SCOPE_FROM_LEN];
	char subject[256];  /* email or service name; "" when anonymous */
	char team[64];      /* from the config's team map; "" when none */
	int64_t token_id;   /* 0 when not a database token */
	char session_id[AUTH_SESSION_ID_LEN + 1]; /* the cookie's id; "" without a session */
};

/* May `who` use a route requiring `need`?  admin implies everything; any
 * scope implies read; a `need` of several bits (AUTH_SCOPE_CI_OR_RELEASE)
 * is met by any one of them. */
bool auth_allows(unsigned have, enum auth_scope need);

/* Scope name <-> bit ("ci or release" for AUTH_SCOPE_CI_OR_RELEASE, which
 * does not parse: tokens and roles name single scopes). */
const char *auth_scope_name(enum auth_scope s);
unsigned auth_scope_parse(const char *name); /* 0 if unknown */

/* Generates a new token text (NUL-terminated, AUTH_TOKEN_TEXT_LEN chars). */
void auth_token_generate(char out[AUTH_TOKEN_TEXT_LEN + 1]);
/* SHA-256 of the token text: what the database stores. */
void auth_token_hash(const char *token, unsigned char out[32]);
/* Is this plausibly a token (prefix, length, alphabet)? */
bool auth_token_well_formed(const char *token);

/* ---- sessions ---- */

/* A new session id (the cookie value, NUL-terminated). */
void auth_session_generate(char out[AUTH_SESSION_ID_LEN + 1]);
/* Is this plausibly a session id (length, base64url alphabet)? */
bool auth_session_well_formed(const char *id);
/* SHA-256 of the session id: the sessions table's key. */
void auth_session_hash(const char *id, unsigned char out[32]);

/* CSRF token for a session: base64url(HMAC(secret, "csrf:" id)) (out ≥ 64). */
void auth_csrf_token(const char *secret, const char *session_id, char *out, size_t size);
bool auth_csrf_check(const char *secret, const char *session_id, const char *token);

#endif
