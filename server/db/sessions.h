/*
 * db/sessions.h — the statements of browser sessions (table sessions): made
 * by signing in with a token, the admin token or through SSO, read on every
 * request with the token's current scopes, ended by signing out or by
 * revoking the token (db/tokens.h).  Only a session id's SHA-256 (32 bytes)
 * is stored, never the id itself.
 *
 * Contract of every function here: it runs on a connection the caller
 * holds; it returns what db_query returns — the number of rows found or
 * changed (>= 0), or a negative enum db_status when the statement failed
 * (logged with its SQLSTATE; the caller decides what to answer).  Strings
 * copied into structs are truncated to their buffers.
 */
#ifndef SHIPLOG_DB_SESSIONS_H
#define SHIPLOG_DB_SESSIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "shiplog/db.h"

struct db_session_new {
	unsigned char id_hash[32];
	const char *kind; /* "token", "admin-token" or "sso" */
	const char *subject;
	int64_t token_id;		       /* kind "token": its token; else 0 (stored NULL) */
	const unsigned char *admin_token_hash; /* kind "admin-token": 32 bytes; else NULL */
	int64_t expires_s;		       /* Unix seconds */
};

int db_session_insert(struct db_conn *c, const struct db_session_new *s);

/* Ends (revokes) the live session with that id hash, if any: 1 and, when
 * ended is not NULL, *ended {kind, subject, token_id, created_at,
 * expires_at} (never its id or hash), or 0. */
int db_session_end(struct db_conn *c, const unsigned char id_hash[32], json_t **ended);

/* A session as it stands now. */
struct db_session {
	char kind[16]; /* "token", "admin-token" or "sso" */
	char subject[256];
	unsigned scopes;  /* kind "token": its token's scopes now; else 0 */
	int64_t token_id; /* kind "token": its token; else 0 */
	bool admin_match; /* kind "admin-token": made from the admin token hash given */
	bool stale;	  /* last seen over a minute ago (db_session_touch it) */
};

/*
 * The live session with that id hash: not revoked, not expired at `now_s`
 * (Unix seconds, the service's clock), and, when made from a token, that
 * token not revoked.  admin_token_hash: the admin token's hash now (32
 * bytes; NULL without one), for out->admin_match.  1 and *out filled, or 0.
 */
int db_session_lookup(struct db_conn *c, const unsigned char id_hash[32],
		      const unsigned char *admin_token_hash, int64_t now_s, struct db_session *out);

/* Notes that the session was seen now. */
int db_session_touch(struct db_conn *c, const unsigned char id_hash[32]);

#endif
