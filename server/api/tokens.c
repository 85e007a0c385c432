/*
 * tokens.c — API tokens: create (shown once), list, revoke.
 * Only the SHA-256 of a token is stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "shiplog/app.h"
#include "shiplog/crypto.h"
#include "shiplog/db.h"
#include "shiplog/log.h"

static json_t *scopes_json(unsigned bits)
{
	json_t *a = json_array();
	static const enum auth_scope all[] = {AUTH_SCOPE_READ, AUTH_SCOPE_CI, AUTH_SCOPE_FEEDBACK,
					      AUTH_SCOPE_ADMIN};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (bits & (unsigned)all[i])
			json_array_append_new(a, json_string(auth_scope_name(all[i])));
	return a;
}

static json_t *token_row_json(PGresult *res, int i)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:o, s:s, s:s}", "id",
			      (json_int_t)strtoll(PQgetvalue(res, i, 0), NULL, 10), "name",
			      PQgetvalue(res, i, 1), "owner", PQgetvalue(res, i, 2), "scopes",
			      scopes_json((unsigned)atoi(PQgetvalue(res, i, 3))), "created_by",
			      PQgetvalue(res, i, 4), "created_at", PQgetvalue(res, i, 5));
	json_object_set_new(o, "last_used_at", PQgetisnull(res, i, 6)
						       ? json_null()
						       : json_string(PQgetvalue(res, i, 6)));
	json_object_set_new(o, "revoked_at", PQgetisnull(res, i, 7)
						     ? json_null()
						     : json_string(PQgetvalue(res, i, 7)));
	return o;
}

#define TOKEN_COLUMNS                                                                          \
	"id, name, owner, scopes, created_by, "                                                \
	"to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "            \
	"to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "          \
	"to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

struct create_ctx {
	const char *name, *owner, *actor;
	unsigned scopes;
	unsigned char hash[32];
	PGresult *res;
};

static int create_tx(struct db_conn *c, void *arg)
{
	struct create_ctx *x = arg;
	char scopes[8];
	snprintf(scopes, sizeof scopes, "%u", x->scopes);
	const char *p[5] = {x->name, x->owner, scopes, (const char *)x->hash, x->actor};
	int lengths[5] = {0, 0, 0, 32, 0}, formats[5] = {0, 0, 0, 1, 0};
	int n = db_query_bin(c,
			     "INSERT INTO api_tokens (name, owner, scopes, token_hash, created_by) "
			     "VALUES ($1, $2, $3, $4, $5) RETURNING " TOKEN_COLUMNS,
			     5, p, lengths, formats, &x->res);
	if (n < 0)
		return n;
	json_t *payload = json_pack("{s:s, s:s, s:i}", "name", x->name, "owner", x->owner,
				    "scopes", (int)x->scopes);
	int e = db_event_record(c, "token.created", "token", PQgetvalue(x->res, 0, 0), x->actor,
				payload);
	json_decref(payload);
	return e;
}

void api_tokens_create(struct http_request *r)
{
	struct create_ctx x = {0};
	x.name = json_string_value(json_object_get(r->json, "name"));
	x.owner = json_string_value(json_object_get(r->json, "owner"));
	x.actor = r->who.subject;
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(r->json, "scopes"), i, s)
		x.scopes |= auth_scope_parse(json_string_value(s));
	if (!x.scopes) {
		http_reply_field_problem(r, PROBLEM_INVALID_FIELD, "/scopes",
					 "give at least one scope");
		return;
	}
	char token[AUTH_TOKEN_TEXT_LEN + 1];
	auth_token_generate(token);
	auth_token_hash(token, x.hash);
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	int n = db_transaction(c, create_tx, &x);
	if (n < 0) {
		PQclear(x.res);
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not store the token");
		return;
	}
	json_t *o = token_row_json(x.res, 0);
	PQclear(x.res);
	json_object_set_new(o, "token", json_string(token));
	char loc[64];
	snprintf(loc, sizeof loc, "/api/v1/tokens/%lld",
		 (long long)json_integer_value(json_object_get(o, "id")));
	http_reply_header(r, "Location", loc);
	http_reply_json(r, 201, o);
}

void api_tokens_list(struct http_request *r)
{
	struct api_page pg;
	if (!api_page_parse(r, &pg))
		return;
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	char before[32], limit[16];
	snprintf(before, sizeof before, "%lld", pg.has_cursor ? (long long)pg.before_id : INT64_MAX);
	snprintf(limit, sizeof limit, "%d", pg.limit + 1);
	const char *p[2] = {before, limit};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " TOKEN_COLUMNS " FROM api_tokens WHERE id < $1 "
			 "ORDER BY id DESC LIMIT $2",
			 2, p, &res);
	if (n < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not list tokens");
		return;
	}
	json_t *items = json_array();
	int shown = n > pg.limit ? pg.limit : n;
	for (int i = 0; i < shown; i++)
		json_array_append_new(items, token_row_json(res, i));
	char *next = n > pg.limit
			     ? api_cursor_make(strtoll(PQgetvalue(res, shown - 1, 0), NULL, 10), NULL)
			     : NULL;
	PQclear(res);
	http_reply_list(r, items, next);
	free(next);
}

struct revoke_ctx {
	const char *id, *actor;
	int found;
};

static int revoke_tx(struct db_conn *c, void *arg)
{
	struct revoke_ctx *x = arg;
	const char *p[1] = {x->id};
	int n = db_query(c,
			 "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) "
			 "WHERE id = $1",
			 1, p, NULL);
	if (n <= 0)
		return n;
	x->found = 1;
	/* its browser sessions end with it (a session also checks its token on
	 * every request; this makes the end visible in the sessions table) */
	n = db_query(c,
		     "UPDATE sessions SET revoked_at = now() "
		     "WHERE token_id = $1 AND revoked_at IS NULL",
		     1, p, NULL);
	if (n < 0)
		return n;
	return db_event_record(c, "token.revoked", "token", x->id, x->actor, NULL);
}

void api_tokens_delete(struct http_request *r)
{
	struct revoke_ctx x = {http_param(r, "id"), r->who.subject, 0};
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	if (db_transaction(c, revoke_tx, &x) < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not revoke the token");
		return;
	}
	if (!x.found) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no token %s", x.id);
		return;
	}
	http_reply_bytes(r, 204, NULL, "", 0);
}

static int bootstrap_tx(struct db_conn *c, void *arg)
{
	struct create_ctx *x = arg;
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT pg_advisory_xact_lock(7305681502235702), "
			 "(SELECT count(*) FROM api_tokens WHERE scopes & 8 = 8 AND revoked_at IS NULL)",
			 0, NULL, &res);
	if (n < 0)
		return n;
	bool have = atoi(PQgetvalue(res, 0, 1)) > 0;
	PQclear(res);
	if (have)
		return 0;
	n = create_tx(c, x);
	return n < 0 ? n : 1;
}

bool api_tokens_bootstrap(struct app *app)
{
	if (app->have_admin_token)
		return true;
	struct db_conn *c = db_acquire(app->db);
	if (!c)
		return false;
	char token[AUTH_TOKEN_TEXT_LEN + 1];
	auth_token_generate(token);
	struct create_ctx x = {"first admin token", "admin", "shiplogd", AUTH_SCOPE_ADMIN, {0},
			       NULL};
	auth_token_hash(token, x.hash);
	int n = db_transaction(c, bootstrap_tx, &x);
	PQclear(x.res);
	db_release(c);
	if (n == 1) {
		printf("\nshiplog: created the first admin token. It is shown only this once:\n"
		       "\n    %s\n\nKeep it safe (or set SHIPLOG_ADMIN_TOKEN instead).\n\n",
		       token);
		fflush(stdout);
	}
	return n >= 0;
}
