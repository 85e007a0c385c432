/*
 * deliveries.c — the audit trail of inbound webhooks, and replay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "db/audit.h"
#include "db/deliveries.h"
#include "shiplog/app.h"
#include "shiplog/crypto.h"
#include "shiplog/db.h"
#include "shiplog/xalloc.h"
#include "webhooks/github_events.h"
#include "webhooks/webhook.h"

void api_deliveries_list(struct http_request *r)
{
	struct api_page pg;
	if (!api_page_parse(r, &pg))
		return;
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	json_t *items = NULL;
	struct db_deliveries_filter f = {.source = http_param(r, "source"),
					 .event = http_param(r, "event"),
					 .status = http_param(r, "status"),
					 .repository = http_param(r, "repository")};
	int n = db_deliveries_list(c, &f, pg.has_cursor ? pg.before_id : INT64_MAX, pg.limit + 1,
				   &items);
	if (n < 0) {
		http_reply_db_failure(r, "could not list deliveries");
		return;
	}
	char *next = NULL;
	if (n > pg.limit) {
		json_array_remove(items, (size_t)pg.limit);
		next = api_cursor_make(
			json_integer_value(json_object_get(json_array_get(items, pg.limit - 1), "id")),
			NULL);
	}
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
	json_t *o = NULL;
	struct db_delivery_body body;
	int n = db_delivery_get(c, http_param_int(r, "id", 0), &o, &body);
	if (n < 0) {
		http_reply_db_failure(r, "could not read the delivery");
		return;
	}
	if (n == 0) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no delivery %s", http_param(r, "id"));
		return;
	}
	if (!body.stored)
		json_object_set_new(o, "body", json_null());
	else if (body.data)
		body_fields(o, body.data, body.len);
	free(body.data);
	/* every attempt with the same delivery id, oldest first */
	json_t *attempts = NULL;
	if (db_delivery_attempts(c, json_string_value(json_object_get(o, "source")),
				 json_string_value(json_object_get(o, "delivery_id")), &attempts) < 0)
		attempts = json_array();
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
	struct db_audit_who who;
	api_audit_who(r, &who);
	webhook_replay(c, r->app->cfg, id, &who, &res, &found, &has_body);
	if (res.outcome == WEBHOOK_DB_ERROR && res.error[0]) {
		http_reply_db_failure(r, "could not replay: %s", res.error);
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
