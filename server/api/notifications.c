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
#include "db/result.h"
#include "db/sql_time.h"
#include "shiplog/app.h"
#include "shiplog/config.h"
#include "shiplog/db.h"
#include "shiplog/notify.h"

/* One message (alias n) as JSON text; $1 is max_attempts. */
/* clang-format off */
#define NOTIFICATION_JSON                                                                        \
	"json_build_object('id', n.id, 'sink', n.sink, 'sink_type', n.sink_type, "              \
	"'kind', n.kind, 'status', n.status, "                                                  \
	"'attempt_count', n.attempts, "                                                         \
	"'attempts_left', CASE WHEN n.status IN ('sent', 'dead', 'superseded') THEN 0 "         \
	" ELSE greatest($1::int - (n.attempts - n.retry_base), 0) END, "                        \
	"'next_attempt_at', CASE WHEN n.status = 'pending' THEN " SQL_TS("n.next_attempt_at")      \
	" END, "                                                                                \
	"'lease_until', CASE WHEN n.status = 'in_flight' THEN " SQL_TS("n.lease_until") " END, "    \
	"'claimed_by', n.claimed_by, "                                                          \
	"'last_error', n.last_error, 'last_status_code', n.last_status_code, "                  \
	"'event_id', n.event_id, "                                                              \
	"'entity', CASE WHEN n.entity_type IS NULL THEN NULL ELSE "                             \
	" json_build_object('type', n.entity_type, 'id', n.entity_id) END, "                    \
	"'data', n.data, "                                                                      \
	"'occurred_at', " SQL_TS("n.occurred_at") ", 'created_at', " SQL_TS("n.created_at") ", "       \
	"'sent_at', " SQL_TS("n.sent_at") ", "                                                      \
	"'attempts', (SELECT coalesce(json_agg(json_build_object('attempt', a.attempt, "        \
	"  'started_at', " SQL_TS("a.started_at") ", 'duration_ms', a.duration_ms, "               \
	"  'status_code', a.status_code, 'error', a.error, 'replica', a.replica, "              \
	"  'sent', a.detail) ORDER BY a.id), '[]'::json) "                                      \
	"  FROM notification_attempts a WHERE a.notification_id = n.id))::text"
/* clang-format on */

static json_t *json_cell(PGresult *res, int row, int col)
{
	json_t *j = json_loads(PQgetvalue(res, row, col), 0, NULL);
	return j ? j : json_null();
}

void api_notifications_list(struct http_request *r)
{
	struct api_page pg;
	if (!api_page_parse(r, &pg))
		return;
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	char max[16], before[24], limit[16];
	snprintf(max, sizeof max, "%u", r->app->cfg->notifications.max_attempts);
	snprintf(before, sizeof before, "%lld",
		 pg.has_cursor ? (long long)pg.before_id : INT64_MAX);
	snprintf(limit, sizeof limit, "%d", pg.limit + 1);
	const char *p[6] = {
		max,  http_param(r, "status"), http_param(r, "sink"), http_param(r, "kind"), before,
		limit};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT n.id, " NOTIFICATION_JSON " FROM notifications n "
		"WHERE ($2::text IS NULL OR n.status = $2) AND ($3::text IS NULL OR n.sink = $3) "
		"AND ($4::text IS NULL OR n.kind = $4) AND n.id < $5::bigint "
		"ORDER BY n.id DESC LIMIT $6::int",
		6, p, &res);
	if (n < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not list notifications");
		return;
	}
	json_t *items = json_array();
	int shown = n > pg.limit ? pg.limit : n;
	for (int i = 0; i < shown; i++)
		json_array_append_new(items, json_cell(res, i, 1));
	char *next =
		n > pg.limit
			? api_cursor_make(db_get_i64(res, shown - 1, 0), NULL)
			: NULL;
	PQclear(res);
	http_reply_list(r, items, next);
	free(next);
}

void api_notifications_retry(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	const char *id = http_param(r, "id");
	char max[16];
	snprintf(max, sizeof max, "%u", r->app->cfg->notifications.max_attempts);
	const char *p[2] = {max, id};
	PGresult *res = NULL;
	/* dead, or pending after a failure (or not tried yet): due now, with a
	 * fresh budget of max_attempts.  The answer is the message as this
	 * statement left it: the sender may claim it the moment it commits. */
	int n = db_query(c,
			 "UPDATE notifications n SET status = 'pending', next_attempt_at = now(),"
			 " retry_base = attempts, updated_at = now()"
			 " WHERE n.id = $2::bigint AND n.status IN ('dead', 'pending')"
			 " RETURNING n.id, " NOTIFICATION_JSON,
			 2, p, &res);
	if (n < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not retry the notification");
		return;
	}
	if (n == 0) {
		PQclear(res);
		res = NULL;
		const char *ip[1] = {id};
		n = db_query(c, "SELECT status FROM notifications WHERE id = $1::bigint", 1, ip,
			     &res);
		if (n < 0) {
			http_reply_problem(r, PROBLEM_DB_UNAVAILABLE,
					   "could not read the notification");
		} else if (n == 0) {
			http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no notification %s", id);
		} else {
			const char *st = PQgetvalue(res, 0, 0);
			http_reply_problem(
				r, PROBLEM_CONFLICT,
				"id: notification %s is %s; only a dead or failed message "
				"can be retried",
				id, !strcmp(st, "in_flight") ? "being sent right now" : st);
		}
		PQclear(res);
		return;
	}
	notify_wake();
	json_t *o = json_cell(res, 0, 1);
	PQclear(res);
	http_reply_json(r, 200, o);
}
