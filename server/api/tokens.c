/*
 * tokens.c — API tokens: create (shown once), list, revoke.
 * Only the SHA-256 of a token is stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "db/audit.h"
#include "db/tokens.h"
#include "shiplog/app.h"
#include "shiplog/crypto.h"
#include "shiplog/db.h"
#include "shiplog/log.h"

static json_t *scopes_json(unsigned bits)
{
	json_t *a = json_array();
	static const enum auth_scope all[] = {AUTH_SCOPE_READ, AUTH_SCOPE_CI, AUTH_SCOPE_FEEDBACK,
					      AUTH_SCOPE_ADMIN, AUTH_SCOPE_RELEASE};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (bits & (unsigned)all[i])
			json_array_append_new(a, json_string(auth_scope_name(all[i])));
	return a;
}

/* A row of db/tokens.h with its scopes named. */
static json_t *token_json(json_t *row)
{
	unsigned bits = (unsigned)json_integer_value(json_object_get(row, "scopes"));
	json_object_set_new(row, "scopes", scopes_json(bits));
	return row;
}

struct create_ctx {
	struct db_token_new t;
	json_t *row;
	const struct db_audit_who *who; /* NULL: shiplogd's first admin token */
};

/* A token row as the audit trail keeps it: named scopes, no use times
 * (never its value or hash: the row has neither). */
static json_t *token_audit_json(const json_t *row)
{
	json_t *o = json_deep_copy(row);
	json_object_del(o, "last_used_at");
	return token_json(o);
}

static int create_tx(struct db_conn *c, void *arg)
{
	struct create_ctx *x = arg;
	json_decref(x->row); /* a retried transaction's */
	x->row = NULL;
	int n = db_token_insert(c, &x->t, &x->row);
	if (n < 0)
		return n;
	char id[32];
	snprintf(id, sizeof id, "%lld",
		 (long long)json_integer_value(json_object_get(x->row, "id")));
	json_t *payload = json_pack("{s:s, s:s, s:i}", "name", x->t.name, "owner", x->t.owner,
				    "scopes", (int)x->t.scopes);
	int e = db_event_record(c, "token.created", "token", id, x->t.created_by, payload);
	json_decref(payload);
	if (e < 0 || !x->who)
		return e;
	json_t *after = token_audit_json(x->row);
	e = db_audit_record(c, x->who,
			    &(struct db_audit_change){.action = "token.created",
						      .target_type = "token",
						      .target_id = id,
						      .after = after});
	json_decref(after);
	return e;
}

void api_tokens_create(struct http_request *r)
{
	struct create_ctx x = {0};
	x.t.name = json_string_value(json_object_get(r->json, "name"));
	x.t.owner = json_string_value(json_object_get(r->json, "owner"));
	x.t.created_by = r->who.subject;
	struct db_audit_who who;
	api_audit_who(r, &who);
	x.who = &who;
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(r->json, "scopes"), i, s)
		x.t.scopes |= auth_scope_parse(json_string_value(s));
	if (!x.t.scopes) {
		http_reply_field_problem(r, PROBLEM_INVALID_FIELD, "/scopes",
					 "give at least one scope");
		return;
	}
	char token[AUTH_TOKEN_TEXT_LEN + 1];
	auth_token_generate(token);
	auth_token_hash(token, x.t.hash);
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	int n = db_transaction(c, create_tx, &x);
	if (n < 0) {
		json_decref(x.row);
		http_reply_db_failure(r, "could not store the token");
		return;
	}
	json_t *o = token_json(x.row);
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
	json_t *rows = NULL;
	int n = db_tokens_page(c, pg.has_cursor ? pg.before_id : INT64_MAX, pg.limit + 1, &rows);
	if (n < 0) {
		http_reply_db_failure(r, "could not list tokens");
		return;
	}
	json_t *items = json_array();
	int shown = n > pg.limit ? pg.limit : n;
	int64_t last = 0;
	for (int i = 0; i < shown; i++) {
		json_t *o = json_array_get(rows, (size_t)i);
		last = json_integer_value(json_object_get(o, "id"));
		json_array_append(items, token_json(o));
	}
	char *next = n > pg.limit ? api_cursor_make(last, NULL) : NULL;
	json_decref(rows);
	http_reply_list(r, items, next);
	free(next);
}

struct revoke_ctx {
	int64_t id;
	const char *id_text, *actor;
	int found;
	struct db_audit_who who;
};

static int revoke_tx(struct db_conn *c, void *arg)
{
	struct revoke_ctx *x = arg;
	json_t *before = NULL, *after = NULL;
	x->found = 0;
	int n = db_token_get_locked(c, x->id, &before);
	if (n > 0)
		n = db_token_revoke(c, x->id);
	if (n > 0)
		n = db_token_get_locked(c, x->id, &after);
	if (n > 0) {
		x->found = 1;
		n = db_event_record(c, "token.revoked", "token", x->id_text, x->actor, NULL);
	}
	if (n >= 0 && x->found) {
		json_t *b = token_audit_json(before), *a = token_audit_json(after);
		n = db_audit_record(c, &x->who,
				    &(struct db_audit_change){.action = "token.revoked",
							      .target_type = "token",
							      .target_id = x->id_text,
							      .before = b,
							      .after = a});
		json_decref(b);
		json_decref(a);
	}
	json_decref(before);
	json_decref(after);
	return n;
}

void api_tokens_delete(struct http_request *r)
{
	struct revoke_ctx x = {http_param_int(r, "id", 0), http_param(r, "id"), r->who.subject, 0,
			       {0}};
	api_audit_who(r, &x.who);
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	if (db_transaction(c, revoke_tx, &x) < 0) {
		http_reply_db_failure(r, "could not revoke the token");
		return;
	}
	if (!x.found) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no token %s", x.id_text);
		return;
	}
	http_reply_bytes(r, 204, NULL, "", 0);
}

static int bootstrap_tx(struct db_conn *c, void *arg)
{
	bool have = false;
	int n = db_token_bootstrap_lock(c, &have);
	if (n < 0)
		return n;
	if (have)
		return 0;
	n = create_tx(c, arg);
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
	struct create_ctx x = {{"first admin token", "admin", "shiplogd", AUTH_SCOPE_ADMIN, {0}},
			       NULL, NULL};
	auth_token_hash(token, x.t.hash);
	int n = db_transaction(c, bootstrap_tx, &x);
	json_decref(x.row);
	db_release(c);
	if (n == 1) {
		printf("\nshiplog: created the first admin token. It is shown only this once:\n"
		       "\n    %s\n\nKeep it safe (or set SHIPLOG_ADMIN_TOKEN instead).\n\n",
		       token);
		fflush(stdout);
	}
	return n >= 0;
}
