/*
 * db/tokens.c — the statements of API tokens (see db/tokens.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/result.h"
#include "db/sql_time.h"
#include "db/tokens.h"

#define TOKEN_COLUMNS                                                                  \
	"id, name, owner, scopes, created_by, "                                        \
	SQL_TS("created_at") ", " SQL_TS("last_used_at") ", " SQL_TS("revoked_at")

/* Text or NULL, as JSON. */
static json_t *text_or_null(const PGresult *res, int i, int col)
{
	return PQgetisnull(res, i, col) ? json_null() : json_string(PQgetvalue(res, i, col));
}

/* One row of TOKEN_COLUMNS. */
static json_t *token_row(const PGresult *res, int i)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:s, s:s}", "id",
			      (json_int_t)db_get_i64(res, i, 0), "name",
			      PQgetvalue(res, i, 1), "owner", PQgetvalue(res, i, 2), "scopes",
			      (json_int_t)db_get_i64(res, i, 3), "created_by",
			      PQgetvalue(res, i, 4), "created_at", PQgetvalue(res, i, 5));
	json_object_set_new(o, "last_used_at", text_or_null(res, i, 6));
	json_object_set_new(o, "revoked_at", text_or_null(res, i, 7));
	return o;
}

int db_token_insert(struct db_conn *c, const struct db_token_new *t, json_t **row)
{
	char scopes[16];
	snprintf(scopes, sizeof scopes, "%u", t->scopes);
	const char *p[5] = {t->name, t->owner, scopes, (const char *)t->hash, t->created_by};
	int lengths[5] = {0, 0, 0, 32, 0}, formats[5] = {0, 0, 0, 1, 0};
	PGresult *res = NULL;
	int n = db_query_bin(c,
			     "INSERT INTO api_tokens (name, owner, scopes, token_hash, created_by) "
			     "VALUES ($1, $2, $3, $4, $5) RETURNING " TOKEN_COLUMNS,
			     5, p, lengths, formats, &res);
	if (n >= 0)
		*row = token_row(res, 0);
	PQclear(res);
	return n;
}

int db_tokens_page(struct db_conn *c, int64_t before_id, int limit, json_t **rows)
{
	char before[32], lim[16];
	snprintf(before, sizeof before, "%lld", (long long)before_id);
	snprintf(lim, sizeof lim, "%d", limit);
	const char *p[2] = {before, lim};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " TOKEN_COLUMNS " FROM api_tokens WHERE id < $1 "
			 "ORDER BY id DESC LIMIT $2",
			 2, p, &res);
	if (n >= 0) {
		*rows = json_array();
		for (int i = 0; i < n; i++)
			json_array_append_new(*rows, token_row(res, i));
	}
	PQclear(res);
	return n;
}

int db_token_get_locked(struct db_conn *c, int64_t id, json_t **row)
{
	char text[32];
	snprintf(text, sizeof text, "%lld", (long long)id);
	const char *p[1] = {text};
	PGresult *res = NULL;
	int n = db_query(c, "SELECT " TOKEN_COLUMNS " FROM api_tokens WHERE id = $1 FOR UPDATE", 1,
			 p, &res);
	if (n > 0)
		*row = token_row(res, 0);
	PQclear(res);
	return n;
}

int db_token_revoke(struct db_conn *c, int64_t id)
{
	char text[32];
	snprintf(text, sizeof text, "%lld", (long long)id);
	const char *p[1] = {text};
	int n = db_query(c,
			 "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) "
			 "WHERE id = $1",
			 1, p, NULL);
	if (n <= 0)
		return n;
	/* its browser sessions end with it (a session also checks its token on
	 * every request; this makes the end visible in the sessions table) */
	int e = db_query(c,
			 "UPDATE sessions SET revoked_at = now() "
			 "WHERE token_id = $1 AND revoked_at IS NULL",
			 1, p, NULL);
	return e < 0 ? e : n;
}

int db_token_bootstrap_lock(struct db_conn *c, bool *have_admin)
{
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT pg_advisory_xact_lock(7305681502235702), "
		"(SELECT count(*) FROM api_tokens WHERE scopes & 8 = 8 AND revoked_at IS NULL)",
		0, NULL, &res);
	if (n >= 0)
		*have_admin = db_get_i64(res, 0, 1) > 0;
	PQclear(res);
	return n;
}

int db_token_by_hash(struct db_conn *c, const unsigned char hash[32], struct db_token_auth *out)
{
	const char *p[1] = {(const char *)hash};
	int lengths[1] = {32}, formats[1] = {1};
	PGresult *res = NULL;
	int n = db_query_bin(c,
			     "SELECT id, owner, scopes FROM api_tokens "
			     "WHERE token_hash = $1 AND revoked_at IS NULL",
			     1, p, lengths, formats, &res);
	if (n > 0) {
		out->id = db_get_i64(res, 0, 0);
		snprintf(out->owner, sizeof out->owner, "%s", PQgetvalue(res, 0, 1));
		out->scopes = (unsigned)strtoul(PQgetvalue(res, 0, 2), NULL, 10);
	}
	PQclear(res);
	return n;
}

int db_token_touch(struct db_conn *c, int64_t id)
{
	char text[32];
	snprintf(text, sizeof text, "%lld", (long long)id);
	const char *p[1] = {text};
	return db_query(c,
			"UPDATE api_tokens SET last_used_at = now() WHERE id = $1 AND "
			"(last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
			1, p, NULL);
}
