/*
 * db/tokens.h — the statements of API tokens (table api_tokens) and browser
 * sessions (table sessions).  Only hashes are stored: a token's and a
 * session id's SHA-256 (32 bytes), never the secret itself.
 *
 * Contract of every function here: it runs on a connection the caller
 * holds; it returns what db_query returns — the number of rows found or
 * changed (>= 0), or a negative enum db_status when the statement failed
 * (logged with its SQLSTATE; the caller decides what to answer).  A json_t
 * handed out through an out-parameter belongs to the caller (json_decref);
 * it is set only on success.  Strings copied into structs are truncated to
 * their buffers.
 */
#ifndef SHIPLOG_DB_TOKENS_H
#define SHIPLOG_DB_TOKENS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "shiplog/db.h"

/* ---- API tokens ---- */

struct db_token_new {
	const char *name, *owner, *created_by;
	unsigned scopes; /* enum auth_scope bits */
	unsigned char hash[32];
};

/*
 * Stores a new token.  *row: the token as GET /api/v1/tokens lists it:
 * {id, name, owner, scopes, created_by, created_at, last_used_at,
 * revoked_at}, with "scopes" the integer of scope bits (the API names them)
 * and the times RFC 3339 UTC text or null.
 */
int db_token_insert(struct db_conn *c, const struct db_token_new *t, json_t **row);

/* Tokens with id < before_id, newest first, at most `limit`: *rows an array
 * of objects as db_token_insert's. */
int db_tokens_page(struct db_conn *c, int64_t before_id, int limit, json_t **rows);

/* Revokes token `id` (once: a revoked token keeps its first revoked_at) and
 * ends its browser sessions.  0: no such token.  Two statements: call it in
 * a transaction. */
int db_token_revoke(struct db_conn *c, int64_t id);

/* In a transaction: takes the transaction lock that serialises creating the
 * first admin token, and tells whether a live admin token exists. */
int db_token_bootstrap_lock(struct db_conn *c, bool *have_admin);

/* A live (not revoked) token, found by its hash. */
struct db_token_auth {
	int64_t id;
	char owner[256];
	unsigned scopes;
};

/* 1 and *out filled, or 0: no live token has that hash. */
int db_token_by_hash(struct db_conn *c, const unsigned char hash[32], struct db_token_auth *out);

/* Notes the token's use now; at most once a minute (reads stay cheap). */
int db_token_touch(struct db_conn *c, int64_t id);

/* ---- browser sessions ---- */

struct db_session_new {
	unsigned char id_hash[32];
	const char *kind; /* "token", "admin-token" or "sso" */
	const char *subject;
	int64_t token_id;		       /* kind "token": its token; else 0 (stored NULL) */
	const unsigned char *admin_token_hash; /* kind "admin-token": 32 bytes; else NULL */
	int64_t expires_s;		       /* Unix seconds */
};

int db_session_insert(struct db_conn *c, const struct db_session_new *s);

/* Ends (revokes) the live session with that id hash, if any. */
int db_session_end(struct db_conn *c, const unsigned char id_hash[32]);

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
