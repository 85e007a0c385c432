/*
 * db/feedback_requests.c — the statements of asking for feedback on a
 * release candidate (see db/feedback_requests.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/feedback_requests.h"
#include "db/release_candidates_internal.h"
#include "db/result.h"

int db_feedback_request_lock(struct db_conn *c, int64_t rc_id, struct db_feedback_request_rc *out)
{
	memset(out, 0, sizeof *out);
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, rc_id)};
	PGresult *res = NULL;
	int n = db_query(c, "SELECT rc.state FROM release_candidates rc WHERE rc.id = $1 FOR UPDATE",
			 1, p, &res);
	if (n > 0)
		snprintf(out->state, sizeof out->state, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (n <= 0)
		return n;
	/* a statement of its own, after the lock: in READ COMMITTED it sees the
	 * request of whoever held the lock before (a subquery of the locking
	 * statement would read the snapshot taken before waiting, and two
	 * requests at once would both pass the limit) */
	res = NULL;
	int m = db_query(c,
			 "SELECT coalesce((SELECT " RC_SQL_US("max(q.requested_at)")
			 " FROM feedback_requests q WHERE q.rc_id = $1::bigint), 0)",
			 1, p, &res);
	if (m > 0)
		out->last_us = db_get_i64(res, 0, 0);
	PQclear(res);
	return m < 0 ? m : n;
}

int db_feedback_request_add(struct db_conn *c, const struct db_feedback_request_new *f,
			    int64_t *id, int *notified)
{
	*id = 0;
	*notified = 0;
	json_t *teams = json_array();
	for (size_t i = 0; i < f->n_teams; i++)
		json_array_append_new(teams, json_string(f->teams[i]));
	char *teams_text = json_dumps(teams, JSON_COMPACT);
	char *data_text = json_dumps(f->data, JSON_COMPACT);
	json_decref(teams);
	struct rcs_idbuf b;
	const char *p[6] = {rcs_id(&b, f->rc_id), f->at, f->actor, teams_text, f->message,
			    data_text};
	PGresult *res = NULL;
	/* clang-format off */
	int n = db_query(c,
		"WITH i AS (SELECT nextval('feedback_requests_id_seq') AS id),"
		" n AS (SELECT i.id, notification_enqueue('feedback.requested',"
		"  'feedback.requested:' || i.id, NULL, 'release_candidate', $1::bigint::text,"
		"  notification_rc_data($1::bigint) || $6::jsonb"
		"   || jsonb_build_object('request_id', i.id), $2::timestamptz) AS sent FROM i)"
		" INSERT INTO feedback_requests (id, rc_id, requested_at, requested_by, teams,"
		"  message, notified) SELECT n.id, $1::bigint, $2::timestamptz, $3,"
		"  ARRAY(SELECT jsonb_array_elements_text($4::jsonb)), $5, n.sent FROM n"
		" RETURNING id, notified",
		6, p, &res);
	/* clang-format on */
	free(teams_text);
	free(data_text);
	if (n <= 0) {
		PQclear(res);
		return n < 0 ? n : DB_HARD_ERROR;
	}
	*id = db_get_i64(res, 0, 0);
	*notified = (int)db_get_i64(res, 0, 1);
	PQclear(res);
	json_t *ev = json_pack("{s:I, s:I, s:i, s:O?}", "rc_id", (json_int_t)f->rc_id, "request_id",
			       (json_int_t)*id, "notified", *notified, "teams",
			       json_object_get(f->data, "teams"));
	int m = db_event_record(c, "rc.feedback_requested", "release_candidate", p[0], f->actor,
				ev);
	json_decref(ev);
	return m < 0 ? m : 1;
}
