/*
 * auth.h — who is asking, and what they may do.
 *
 * API clients present bearer tokens: 256-bit random values shown once and
 * stored only as SHA-256.  Browsers carry a signed session cookie made from a
 * trusted SSO header or a token sign-in; state-changing requests made with a
 * cookie also carry an HMAC CSRF token bound to the session.
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
};

#define AUTH_TOKEN_PREFIX "shiplog_"
#define AUTH_TOKEN_RAW_LEN 32 /* 256 bits */
/* prefix + base64url(32 bytes) = 8 + 43 */
#define AUTH_TOKEN_TEXT_LEN 51

struct auth_identity {
	bool authenticated;
	unsigned scopes;    /* AUTH_SCOPE_* bits */
	char subject[256];  /* email or service name; "" when anonymous */
	char team[64];      /* from the config's team map; "" when none */
	int64_t token_id;   /* 0 when not a database token */
	char session_id[32]; /* base64url; "" without a session */
};

/* May `who` use a route requiring `need`?  admin implies everything; any
 * scope implies read. */
bool auth_allows(unsigned have, enum auth_scope need);

/* Scope name <-> bit. */
const char *auth_scope_name(enum auth_scope s);
unsigned auth_scope_parse(const char *name); /* 0 if unknown */

/* Generates a new token text (NUL-terminated, AUTH_TOKEN_TEXT_LEN chars). */
void auth_token_generate(char out[AUTH_TOKEN_TEXT_LEN + 1]);
/* SHA-256 of the token text: what the database stores. */
void auth_token_hash(const char *token, unsigned char out[32]);
/* Is this plausibly a token (prefix, length, alphabet)? */
bool auth_token_well_formed(const char *token);

/* ---- sessions ---- */

struct auth_session {
	char subject[256];
	unsigned scopes;
	int64_t expires_s;
	char id[32]; /* base64url of 16 random bytes */
};

/*
 * Cookie value: base64url(payload) "." base64url(HMAC-SHA256(secret, payload)).
 * auth_session_encode writes it into out (size ≥ 1024); false if too long.
 */
bool auth_session_encode(const struct auth_session *s, const char *secret, char *out,
			 size_t size);
/* Verifies signature and expiry against now_s; fills *s. */
bool auth_session_decode(const char *cookie, const char *secret, int64_t now_s,
			 struct auth_session *s);

/* CSRF token for a session: base64url(HMAC(secret, "csrf:" id)) (out ≥ 64). */
void auth_csrf_token(const char *secret, const char *session_id, char *out, size_t size);
bool auth_csrf_check(const char *secret, const char *session_id, const char *token);

#endif
