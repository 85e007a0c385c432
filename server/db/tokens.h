/*
 * db/tokens.h — the statements of API tokens (table api_tokens; browser
 * sessions made from them: db/sessions.h).  Only a token's SHA-256 (32
 * bytes) is stored, never the token itself.
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

/* Token `id` as db_token_insert's row, locked for a change (in a
 * transaction): 1 and *row, or 0 when there is none. */
int db_token_get_locked(struct db_conn *c, int64_t id, json_t **row);

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

#endif
