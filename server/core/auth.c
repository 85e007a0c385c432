/*
 * auth.c — token generation/hashing, scope rules, signed session cookies and
 * CSRF tokens (see auth.h).  All MACs are HMAC-SHA256 from libcrypto.
 */
#include "shiplog/auth.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shiplog/crypto.h"

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
};

const char *auth_scope_name(enum auth_scope s)
{
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

static void session_mac(const char *secret, const char *payload, size_t len, char *out)
{
	unsigned char mac[64];
	size_t n = crypto_hmac(CRYPTO_SHA256, secret, strlen(secret), payload, len, mac);
	crypto_b64url_encode(mac, n, out);
}

bool auth_session_encode(const struct auth_session *s, const char *secret, char *out, size_t size)
{
	json_t *o = json_pack("{s:s, s:i, s:I, s:s}", "sub", s->subject, "scp", (int)s->scopes,
			      "exp", (json_int_t)s->expires_s, "sid", s->id);
	if (!o)
		return false;
	char *js = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!js)
		return false;
	size_t jl = strlen(js);
	char *enc = malloc(4 * (jl + 2) / 3 + 4);
	if (!enc)
		abort();
	size_t el = crypto_b64url_encode((const unsigned char *)js, jl, enc);
	free(js);
	char mac[128];
	session_mac(secret, enc, el, mac);
	int n = snprintf(out, size, "%s.%s", enc, mac);
	free(enc);
	return n > 0 && (size_t)n < size;
}

bool auth_session_decode(const char *cookie, const char *secret, int64_t now_s,
			 struct auth_session *s)
{
	if (!cookie || !secret || !*secret)
		return false;
	const char *dot = strchr(cookie, '.');
	size_t plen = dot ? (size_t)(dot - cookie) : 0;
	if (!dot || plen == 0 || plen > 2048)
		return false;
	char want[128];
	session_mac(secret, cookie, plen, want);
	size_t wl = strlen(want);
	if (strlen(dot + 1) != wl || !crypto_equal(dot + 1, want, wl))
		return false;
	unsigned char *raw = malloc(plen);
	if (!raw)
		abort();
	long rl = crypto_b64url_decode(cookie, plen, raw);
	bool ok = false;
	json_t *o = rl > 0 ? json_loadb((const char *)raw, (size_t)rl, 0, NULL) : NULL;
	free(raw);
	const char *sub = NULL, *sid = NULL;
	int scp = 0;
	json_int_t exp = 0;
	if (o && json_unpack(o, "{s:s, s:i, s:I, s:s}", "sub", &sub, "scp", &scp, "exp", &exp,
			     "sid", &sid) == 0 &&
	    exp > now_s && strlen(sub) < sizeof s->subject && strlen(sid) < sizeof s->id) {
		snprintf(s->subject, sizeof s->subject, "%s", sub);
		snprintf(s->id, sizeof s->id, "%s", sid);
		s->scopes = (unsigned)scp;
		s->expires_s = exp;
		ok = true;
	}
	json_decref(o);
	return ok;
}

void auth_csrf_token(const char *secret, const char *session_id, char *out, size_t size)
{
	size_t il = strlen(session_id);
	char *msg = malloc(il + 6);
	if (!msg)
		abort();
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
