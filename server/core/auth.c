/*
 * auth.c — token generation/hashing, scope rules, session ids and CSRF
 * tokens (see auth.h).  All MACs are HMAC-SHA256 from libcrypto.
 */
#include "shiplog/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shiplog/crypto.h"
#include "shiplog/xalloc.h"

bool auth_allows(unsigned have, enum auth_scope need)
{
	if (need == AUTH_SCOPE_NONE)
		return true;
	if (have & AUTH_SCOPE_ADMIN)
		return true;
	if (need == AUTH_SCOPE_READ)
		return have != 0;
	return (have & (unsigned)need) != 0;
}

static const struct {
	enum auth_scope scope;
	const char *name;
} scope_names[] = {
	{AUTH_SCOPE_READ, "read"},
	{AUTH_SCOPE_CI, "ci"},
	{AUTH_SCOPE_FEEDBACK, "feedback"},
	{AUTH_SCOPE_ADMIN, "admin"},
	{AUTH_SCOPE_RELEASE, "release"},
};

const char *auth_scope_name(enum auth_scope s)
{
	if (s == AUTH_SCOPE_CI_OR_RELEASE)
		return "ci or release";
	if (s == AUTH_SCOPE_FEEDBACK_OR_RELEASE)
		return "feedback or release";
	for (size_t i = 0; i < sizeof scope_names / sizeof scope_names[0]; i++)
		if (scope_names[i].scope == s)
			return scope_names[i].name;
	return "none";
}

unsigned auth_scope_parse(const char *name)
{
	for (size_t i = 0; i < sizeof scope_names / sizeof scope_names[0]; i++)
		if (strcmp(scope_names[i].name, name) == 0)
			return (unsigned)scope_names[i].scope;
	return 0;
}

void auth_token_generate(char out[AUTH_TOKEN_TEXT_LEN + 1])
{
	unsigned char raw[AUTH_TOKEN_RAW_LEN];
	crypto_random(raw, sizeof raw);
	memcpy(out, AUTH_TOKEN_PREFIX, sizeof AUTH_TOKEN_PREFIX - 1);
	crypto_b64url_encode(raw, sizeof raw, out + sizeof AUTH_TOKEN_PREFIX - 1);
}

void auth_token_hash(const char *token, unsigned char out[32])
{
	crypto_sha256(token, strlen(token), out);
}

bool auth_token_well_formed(const char *token)
{
	/* Operators may choose their own admin token (SHIPLOG_ADMIN_TOKEN), so any
	 * printable value of a sane length is accepted; generated tokens carry
	 * the prefix. */
	size_t n = strlen(token);
	if (n < 16 || n > 512)
		return false;
	for (size_t i = 0; i < n; i++)
		if (token[i] <= ' ' || token[i] > '~')
			return false;
	return true;
}

void auth_session_generate(char out[AUTH_SESSION_ID_LEN + 1])
{
	unsigned char raw[AUTH_SESSION_RAW_LEN];
	crypto_random(raw, sizeof raw);
	crypto_b64url_encode(raw, sizeof raw, out);
}

bool auth_session_well_formed(const char *id)
{
	if (!id || strlen(id) != AUTH_SESSION_ID_LEN)
		return false;
	for (const char *c = id; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
			return false;
	return true;
}

void auth_session_hash(const char *id, unsigned char out[32])
{
	crypto_sha256(id, strlen(id), out);
}

void auth_csrf_token(const char *secret, const char *session_id, char *out, size_t size)
{
	size_t il = strlen(session_id);
	char *msg = xmalloc(il + 6);
	memcpy(msg, "csrf:", 5);
	memcpy(msg + 5, session_id, il + 1);
	unsigned char mac[64];
	size_t ml = crypto_hmac(CRYPTO_SHA256, secret, strlen(secret), msg, il + 5, mac);
	free(msg);
	char enc[128];
	crypto_b64url_encode(mac, ml, enc);
	snprintf(out, size, "%s", enc);
}

bool auth_csrf_check(const char *secret, const char *session_id, const char *token)
{
	if (!token || !session_id || !*session_id)
		return false;
	char want[128];
	auth_csrf_token(secret, session_id, want, sizeof want);
	size_t wl = strlen(want);
	return strlen(token) == wl && crypto_equal(token, want, wl);
}
