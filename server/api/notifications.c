/*
 * notifications.c — the outbox of outbound notifications (admin): what was
 * (or will be) sent where, every attempt, the last error; and a retry.
 * Reading or retrying records no domain event: notifications are never
 * about notifications.  See shiplog/notify.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "db/audit.h"
#include "db/notifications.h"
#include "shiplog/app.h"
#include "shiplog/config.h"
#include "shiplog/notify.h"

void api_notifications_list(struct http_request *r)
{
	struct api_page pg;
	if (!api_page_parse(r, &pg))
		return;
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	json_t *items = NULL;
	int n = db_notifications_list(c, r->app->cfg->notifications.max_attempts,
				      http_param(r, "status"), http_param(r, "sink"),
				      http_param(r, "kind"), pg.has_cursor ? pg.before_id : INT64_MAX,
				      pg.limit + 1, &items);
	if (n < 0) {
		http_reply_db_failure(r, "could not list notifications");
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

struct retry_tx {
	int64_t id;
	const char *id_text;
	unsigned max;
	struct db_audit_who who;
	json_t *message; /* result: the message retried */
};

/* The retry and its audit row, in one transaction. */
static int retry_tx(struct db_conn *c, void *arg)
{
	struct retry_tx *x = arg;
	json_decref(x->message); /* a retried transaction's */
	x->message = NULL;
	char st[16] = "";
	int n = db_notification_status(c, x->id, st, sizeof st);
	if (n > 0)
		n = db_notification_retry(c, x->max, x->id, &x->message);
	if (n <= 0)
		return n;
	json_t *before = json_pack("{s:s}", "status", st);
	json_t *after = json_pack("{s:O?, s:O?}", "status", json_object_get(x->message, "status"),
				  "attempts_left", json_object_get(x->message, "attempts_left"));
	n = db_audit_record(c, &x->who,
			    &(struct db_audit_change){.action = "notification.retried",
						      .target_type = "notification",
						      .target_id = x->id_text,
						      .before = before,
						      .after = after});
	json_decref(before);
	json_decref(after);
	return n < 0 ? n : 1;
}

void api_notifications_retry(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	const char *id = http_param(r, "id");
	int64_t nid = http_param_int(r, "id", 0);
	struct retry_tx x = {.id = nid, .id_text = id, .max = r->app->cfg->notifications.max_attempts};
	api_audit_who(r, &x.who);
	int n = db_transaction(c, retry_tx, &x);
	json_t *o = x.message;
	if (n < 0) {
		json_decref(o);
		http_reply_db_failure(r, "could not retry the notification");
		return;
	}
	if (n == 0) {
		char st[16];
		n = db_notification_status(c, nid, st, sizeof st);
		if (n < 0) {
			http_reply_db_failure(r,
					   "could not read the notification");
		} else if (n == 0) {
			http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no notification %s", id);
		} else {
			http_reply_problem(
				r, PROBLEM_CONFLICT,
				"id: notification %s is %s; only a dead or failed message "
				"can be retried",
				id, !strcmp(st, "in_flight") ? "being sent right now" : st);
		}
		return;
	}
	notify_wake();
	http_reply_json(r, 200, o);
}
