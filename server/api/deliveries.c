/*
 * deliveries.c — the audit trail of inbound webhooks, and replay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "db/result.h"
#include "db/sql_time.h"
#include "shiplog/app.h"
#include "shiplog/crypto.h"
#include "shiplog/db.h"
#include "shiplog/xalloc.h"
#include "webhooks/github_events.h"
#include "webhooks/webhook.h"

#define DELIVERY_COLUMNS                                                                        \
	"id, source, event, action, delivery_id, hook_id, repository, "                         \
	SQL_TS_US("received_at") ", "                                                           \
	"body_size, encode(body_sha256, 'hex'), signature, status, error, "                     \
	SQL_TS_US("processed_at") ", "                                                          \
	"replay_of, body IS NOT NULL"

static json_t *delivery_json(PGresult *res, int i)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:I, s:s, s:s, s:s, s:o, s:o}",
			      "id", (json_int_t)db_get_i64(res, i, 0),
			      "source", PQgetvalue(res, i, 1), "event", PQgetvalue(res, i, 2),
			      "action", PQgetvalue(res, i, 3), "delivery_id", PQgetvalue(res, i, 4),
			      "hook_id", db_get_json_text(res, i, 5), "repository",
			      db_get_json_text(res, i, 6), "received_at", PQgetvalue(res, i, 7),
			      "body_size", (json_int_t)db_get_i64(res, i, 8),
			      "body_sha256", PQgetvalue(res, i, 9), "signature",
			      PQgetvalue(res, i, 10), "status", PQgetvalue(res, i, 11), "error",
			      db_get_json_text(res, i, 12), "processed_at", db_get_json_text(res, i, 13));
	json_object_set_new(o, "replay_of",
			    db_get_json_int(res, i, 14));
	json_object_set_new(o, "body_stored", json_boolean(db_get_bool(res, i, 15)));
	return o;
}

void api_deliveries_list(struct http_request *r)
{
	struct api_page pg;
	if (!api_page_parse(r, &pg))
		return;
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	char before[24], limit[16];
	snprintf(before, sizeof before, "%lld", pg.has_cursor ? (long long)pg.before_id : INT64_MAX);
	snprintf(limit, sizeof limit, "%d", pg.limit + 1);
	const char *p[5] = {http_param(r, "source"), http_param(r, "event"), http_param(r, "status"),
			    before, limit};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " DELIVERY_COLUMNS " FROM deliveries "
			 "WHERE ($1::text IS NULL OR source = $1) AND ($2::text IS NULL OR event = $2) "
			 "AND ($3::text IS NULL OR status = $3) AND id < $4 "
			 "ORDER BY id DESC LIMIT $5",
			 5, p, &res);
	if (n < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not list deliveries");
		return;
	}
	json_t *items = json_array();
	int shown = n > pg.limit ? pg.limit : n;
	for (int i = 0; i < shown; i++)
		json_array_append_new(items, delivery_json(res, i));
	char *next = n > pg.limit
			     ? api_cursor_make(db_get_i64(res, shown - 1, 0), NULL)
			     : NULL;
	PQclear(res);
	http_reply_list(r, items, next);
	free(next);
}

/* A stored body as JSON: text when it is valid UTF-8 without NULs, base64url otherwise. */
static void body_fields(json_t *o, const unsigned char *body, size_t len)
{
	json_t *s = memchr(body, 0, len) ? NULL : json_stringn((const char *)body, len);
	if (s) {
		json_object_set_new(o, "body", s);
		json_object_set_new(o, "body_encoding", json_string("utf-8"));
		return;
	}
	char *enc = xmalloc(4 * len / 3 + 8);
	crypto_b64url_encode(body, len, enc);
	json_object_set_new(o, "body", json_string(enc));
	json_object_set_new(o, "body_encoding", json_string("base64url"));
	free(enc);
}

void api_deliveries_get(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	const char *p[1] = {http_param(r, "id")};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " DELIVERY_COLUMNS ", headers::text, body FROM deliveries WHERE id = $1",
			 1, p, &res);
	if (n < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not read the delivery");
		return;
	}
	if (n == 0) {
		PQclear(res);
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no delivery %s", p[0]);
		return;
	}
	json_t *o = delivery_json(res, 0);
	json_t *headers = json_loads(PQgetvalue(res, 0, 16), 0, NULL);
	json_object_set_new(o, "headers", headers ? headers : json_object());
	if (!PQgetisnull(res, 0, 17)) {
		size_t len = 0;
		unsigned char *body =
			PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 17), &len);
		if (body)
			body_fields(o, body, len);
		PQfreemem(body);
	} else {
		json_object_set_new(o, "body", json_null());
	}
	PQclear(res);
	/* every attempt with the same delivery id, oldest first */
	const char *ap[2] = {json_string_value(json_object_get(o, "source")),
			     json_string_value(json_object_get(o, "delivery_id"))};
	n = db_query(c,
		     "SELECT id, status, " SQL_TS_US("received_at") ", error FROM deliveries "
		     "WHERE source = $1 AND delivery_id = $2 ORDER BY id",
		     2, ap, &res);
	json_t *attempts = json_array();
	for (int i = 0; n > 0 && i < n; i++)
		json_array_append_new(
			attempts, json_pack("{s:I, s:s, s:s, s:o}", "id",
					    (json_int_t)db_get_i64(res, i, 0),
					    "status", PQgetvalue(res, i, 1), "received_at",
					    PQgetvalue(res, i, 2), "error", db_get_json_text(res, i, 3)));
	PQclear(res);
	json_object_set_new(o, "attempts", attempts);
	http_reply_json(r, 200, o);
}

void api_deliveries_replay(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	int64_t id = http_param_int(r, "id", 0);
	struct webhook_result res;
	bool found, has_body;
	webhook_replay(c, r->app->cfg, id, r->who.subject, &res, &found, &has_body);
	if (res.outcome == WEBHOOK_DB_ERROR && res.error[0]) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not replay: %s", res.error);
		return;
	}
	if (!found) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no delivery %lld", (long long)id);
		return;
	}
	if (!has_body) {
		http_reply_problem(r, PROBLEM_CONFLICT,
				   "delivery %lld has no stored body (rejected, a duplicate, or pruned "
				   "by retention); replay the attempt that stored it",
				   (long long)id);
		return;
	}
	webhook_reply(r, &res);
}
