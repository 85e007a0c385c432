/*
 * db/notifications.c — the statements of notifications (see
 * db/notifications.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/notifications.h"
#include "db/result.h"
#include "db/sql_time.h"
#include "shiplog/notify_kinds.h"

/* A release candidate's id as a parameter. */
struct id_text {
	char s[24];
};

static const char *id_text(struct id_text *t, int64_t id)
{
	snprintf(t->s, sizeof t->s, "%lld", (long long)id);
	return t->s;
}

int db_rc_status_facts(struct db_conn *c, int64_t rc_id, struct db_rc_status_facts *out)
{
	struct id_text t;
	const char *p[1] = {id_text(&t, rc_id)};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT rp.full_name, rc.version, coalesce(rc.commit_sha, ''), rc.state,"
		" (SELECT s.reason FROM rc_state_changes s WHERE s.rc_id = rc.id"
		"   AND s.to_state = 'rejected' ORDER BY s.id DESC LIMIT 1)"
		" FROM release_candidates rc JOIN repositories rp ON rp.id = rc.repository_id"
		" WHERE rc.id = $1::bigint",
		1, p, &res);
	if (n > 0) {
		snprintf(out->repository, sizeof out->repository, "%s", PQgetvalue(res, 0, 0));
		snprintf(out->version, sizeof out->version, "%s", PQgetvalue(res, 0, 1));
		snprintf(out->commit, sizeof out->commit, "%s", PQgetvalue(res, 0, 2));
		snprintf(out->state, sizeof out->state, "%s", PQgetvalue(res, 0, 3));
		snprintf(out->reject_reason, sizeof out->reject_reason, "%s",
			 PQgetvalue(res, 0, 4));
	}
	PQclear(res);
	return n;
}

/* pg_try_advisory_xact_lock key: one replica evaluates at a time. */
#define NOTIFY_WATCH_LOCK "7305681502235790"

int db_rc_watch_lock(struct db_conn *c, bool *locked)
{
	PGresult *res = NULL;
	int n = db_query(c, "SELECT pg_try_advisory_xact_lock(" NOTIFY_WATCH_LOCK ")", 0, NULL,
			 &res);
	*locked = n == 1 && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return n;
}

int db_rc_watch_candidates(struct db_conn *c, int64_t *ids, int max)
{
	PGresult *res = NULL;
	/* LIMIT: DB_RC_WATCH_MAX */
	int n = db_query(c,
			 "SELECT rc.id FROM release_candidates rc"
			 " LEFT JOIN notification_rc_watch w ON w.rc_id = rc.id"
			 " WHERE rc.state IN ('draft', 'testing', 'approved')"
			 "  OR (w.rc_id IS NOT NULL AND w.rc_state IS DISTINCT FROM rc.state)"
			 " ORDER BY rc.id DESC LIMIT 200",
			 0, NULL, &res);
	if (n > max)
		n = max;
	for (int i = 0; i < n; i++)
		ids[i] = strtoll(PQgetvalue(res, i, 0), NULL, 10);
	PQclear(res);
	return n;
}

static const char *cell(PGresult *res, int col)
{
	return PQgetisnull(res, 0, col) ? "" : PQgetvalue(res, 0, col);
}

int db_rc_watch_row(struct db_conn *c, int64_t rc_id, struct db_rc_watch *out)
{
	struct id_text t;
	const char *p[1] = {id_text(&t, rc_id)};
	int n = db_query(c,
			 "INSERT INTO notification_rc_watch (rc_id) VALUES ($1::bigint)"
			 " ON CONFLICT (rc_id) DO NOTHING",
			 1, p, NULL);
	if (n < 0)
		return n;
	PGresult *res = NULL;
	n = db_query(c,
		     "SELECT rc_state, commit_sha, verdict, gh_state, gh_description, ready_count,"
		     " status_count FROM notification_rc_watch WHERE rc_id = $1::bigint FOR UPDATE",
		     1, p, &res);
	if (n > 0) {
		snprintf(out->rc_state, sizeof out->rc_state, "%s", cell(res, 0));
		snprintf(out->commit, sizeof out->commit, "%s", cell(res, 1));
		snprintf(out->verdict, sizeof out->verdict, "%s", cell(res, 2));
		snprintf(out->gh_state, sizeof out->gh_state, "%s", cell(res, 3));
		snprintf(out->gh_description, sizeof out->gh_description, "%s", cell(res, 4));
		out->ready_count = atoi(cell(res, 5));
		out->status_count = atoi(cell(res, 6));
	}
	PQclear(res);
	return n;
}

int db_rc_watch_enqueue_ready(struct db_conn *c, int64_t rc_id, int ready_count)
{
	struct id_text t;
	char count[16];
	snprintf(count, sizeof count, "%d", ready_count);
	const char *p[2] = {id_text(&t, rc_id), count};
	return db_query(c,
			"SELECT notification_enqueue('rc.ready', 'rc.ready:' || $1 || ':' || $2,"
			" NULL, 'release_candidate', $1, notification_rc_data($1::bigint), now())",
			2, p, NULL);
}

int db_rc_watch_enqueue_status(struct db_conn *c, int64_t rc_id, int status_count,
			       const json_t *data)
{
	struct id_text t;
	char count[16];
	snprintf(count, sizeof count, "%d", status_count);
	char *js = json_dumps(data, JSON_COMPACT);
	const char *p[3] = {id_text(&t, rc_id), count, js};
	int n = db_query(
		c,
		"INSERT INTO notifications (sink, sink_type, kind, dedupe_key, entity_type,"
		" entity_id, data) VALUES ('" GITHUB_STATUS_SINK "', 'github_status',"
		" 'github_status', 'github_status:' || $1 || ':' || $2, "
		"'release_candidate',"
		" $1, $3::jsonb) ON CONFLICT (sink, dedupe_key) DO NOTHING",
		3, p, NULL);
	free(js);
	return n;
}

int db_rc_watch_update(struct db_conn *c, int64_t rc_id, const struct db_rc_watch *now, bool posted)
{
	struct id_text t;
	char ready[16], status[16];
	snprintf(ready, sizeof ready, "%d", now->ready_count);
	snprintf(status, sizeof status, "%d", now->status_count);
	const char *p[9] = {id_text(&t, rc_id),
			    now->rc_state,
			    now->commit[0] ? now->commit : NULL,
			    now->verdict[0] ? now->verdict : NULL,
			    posted ? "true" : "false",
			    now->gh_state,
			    now->gh_description,
			    ready,
			    status};
	return db_query(
		c,
		"UPDATE notification_rc_watch SET rc_state = $2, commit_sha = $3, verdict = $4,"
		" gh_state = CASE WHEN $5::boolean THEN $6 ELSE gh_state END,"
		" gh_description = CASE WHEN $5::boolean THEN $7 ELSE gh_description END,"
		" ready_count = $8::int, status_count = $9::int, updated_at = now()"
		" WHERE rc_id = $1::bigint",
		9, p, NULL);
}

/* ---- the outbox ---- */

int db_notification_sinks_keep(struct db_conn *c, const char *const *names, size_t n)
{
	char *all = db_text_array_literal(names, n);
	const char *dp[1] = {all};
	int rows = db_query(c, "DELETE FROM notification_sinks WHERE NOT (name = ANY ($1::text[]))",
			    1, dp, NULL);
	free(all);
	return rows;
}

int db_notification_sink_put(struct db_conn *c, const char *name, const char *type,
			     const char *const *events, size_t n_events)
{
	char *array = db_text_array_literal(events, n_events);
	const char *p[3] = {name, type, array};
	int n = db_query(c,
			 "INSERT INTO notification_sinks (name, type, events)"
			 " VALUES ($1, $2, $3::text[])"
			 " ON CONFLICT (name) DO UPDATE SET type = EXCLUDED.type,"
			 "  events = EXCLUDED.events, updated_at = now()"
			 " WHERE (notification_sinks.type, notification_sinks.events)"
			 "  IS DISTINCT FROM (EXCLUDED.type, EXCLUDED.events)",
			 3, p, NULL);
	free(array);
	return n;
}

int db_notifications_claim(struct db_conn *c, const char *token, double lease_seconds,
			   const char *replica, int max, struct db_notification_claimed *out)
{
	char lease[32], limit[16];
	snprintf(lease, sizeof lease, "%.3f", lease_seconds);
	snprintf(limit, sizeof limit, "%d", max);
	const char *p[4] = {lease, token, replica, limit};
	PGresult *res = NULL;
	/* One statement, so one short transaction.  The inner selects use the
	 * partial indexes; the outer condition is checked again on the locked
	 * row, so a message another replica claimed meanwhile is passed over. */
	int n = db_query(
		c,
		"WITH due AS (SELECT id FROM notifications WHERE id IN ("
		"  (SELECT id FROM notifications"
		"   WHERE status = 'pending' AND next_attempt_at <= now()"
		"   ORDER BY next_attempt_at, id LIMIT $4::int)"
		"  UNION ALL"
		"  (SELECT id FROM notifications WHERE status = 'in_flight' AND lease_until < now()"
		"   ORDER BY lease_until LIMIT $4::int))"
		" AND ((status = 'pending' AND next_attempt_at <= now())"
		"  OR (status = 'in_flight' AND lease_until < now()))"
		" ORDER BY id LIMIT $4::int FOR UPDATE SKIP LOCKED) "
		"UPDATE notifications n SET status = 'in_flight', attempts = n.attempts + 1,"
		" lease_until = now() + make_interval(secs => $1::float8),"
		" claim_token = $2 || '-' || n.id, claimed_by = $3, updated_at = now(),"
		" last_error = CASE WHEN n.status = 'in_flight' THEN 'lease expired: '"
		"  || coalesce(n.claimed_by, 'a sender') || ' stopped before recording the result'"
		"  ELSE n.last_error END "
		"FROM due WHERE n.id = due.id "
		"RETURNING n.id, n.sink, n.sink_type, n.kind, n.data::text, n.attempts, "
		"n.retry_base,"
		" " SQL_TS("n.occurred_at") ","
		" n.claim_token",
		4, p, &res);
	if (n > max)
		n = max;
	for (int i = 0; i < n; i++) {
		struct db_notification_claimed *m = &out[i];
		memset(m, 0, sizeof *m);
		m->id = db_get_i64(res, i, 0);
		snprintf(m->sink, sizeof m->sink, "%s", PQgetvalue(res, i, 1));
		snprintf(m->sink_type, sizeof m->sink_type, "%s", PQgetvalue(res, i, 2));
		snprintf(m->kind, sizeof m->kind, "%s", PQgetvalue(res, i, 3));
		m->data = json_loads(PQgetvalue(res, i, 4), 0, NULL);
		if (!m->data)
			m->data = json_object();
		m->attempts = (int)db_get_i64(res, i, 5);
		m->retry_base = (int)db_get_i64(res, i, 6);
		snprintf(m->occurred_at, sizeof m->occurred_at, "%s", PQgetvalue(res, i, 7));
		snprintf(m->claim_token, sizeof m->claim_token, "%s", PQgetvalue(res, i, 8));
	}
	PQclear(res);
	return n;
}

int db_notification_finish(struct db_conn *c, const struct db_notification_outcome *o,
			   char *status, size_t size)
{
	char id[24], delay[32], max[16], code[16];
	snprintf(id, sizeof id, "%lld", (long long)o->id);
	snprintf(delay, sizeof delay, "%.3f", o->retry_in);
	snprintf(max, sizeof max, "%u", o->max_attempts);
	snprintf(code, sizeof code, "%ld", o->status_code);
	const char *p[9] = {id,
			    o->claim_token,
			    o->sent ? "true" : "false",
			    o->permanent ? "true" : "false",
			    max,
			    delay,
			    o->error,
			    o->status_code ? code : NULL,
			    o->superseded ? "true" : "false"};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"UPDATE notifications SET"
		" status = CASE WHEN $9::boolean THEN 'superseded' WHEN $3::boolean THEN 'sent'"
		"  WHEN $4::boolean OR attempts - retry_base >= $5::int THEN 'dead' ELSE "
		"'pending' END,"
		/* a superseded message is done too: retention prunes it by sent_at */
		" sent_at = CASE WHEN $3::boolean OR $9::boolean THEN now() END,"
		" next_attempt_at = CASE WHEN $3::boolean OR $9::boolean THEN next_attempt_at"
		"  ELSE now() + make_interval(secs => $6::float8) END,"
		" lease_until = NULL, claim_token = NULL,"
		" last_error = CASE WHEN $3::boolean THEN NULL ELSE $7 END,"
		" last_status_code = $8::int, updated_at = now()"
		" WHERE id = $1::bigint AND claim_token = $2 RETURNING status",
		9, p, &res);
	if (n >= 0)
		snprintf(status, size, "%s", n > 0 ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	return n;
}

int db_notification_attempt_add(struct db_conn *c, const struct db_notification_attempt *a)
{
	char id[24], attempt[16], duration[24], code[16];
	snprintf(id, sizeof id, "%lld", (long long)a->notification_id);
	snprintf(attempt, sizeof attempt, "%d", a->attempt);
	snprintf(duration, sizeof duration, "%lld", (long long)a->duration_ms);
	snprintf(code, sizeof code, "%ld", a->status_code);
	char *detail = a->detail ? json_dumps(a->detail, JSON_COMPACT) : NULL;
	const char *p[8] = {id,	      attempt,	    a->started_at,
			    duration, a->status_code ? code : NULL, a->error,
			    a->replica, detail};
	int n = db_query(
		c,
		"INSERT INTO notification_attempts (notification_id, attempt, started_at,"
		" duration_ms, status_code, error, replica, detail)"
		" VALUES ($1::bigint, $2::int, coalesce($3::timestamptz, now()), $4::int, $5::int,"
		"  $6, $7, $8::jsonb)",
		8, p, NULL);
	free(detail);
	return n;
}

int db_notification_put_back(struct db_conn *c, int64_t id, const char *claim_token)
{
	struct id_text t;
	const char *p[2] = {id_text(&t, id), claim_token};
	return db_query(c,
			"UPDATE notifications SET status = 'pending', attempts = attempts - 1,"
			" lease_until = NULL, claim_token = NULL, next_attempt_at = now(),"
			" updated_at = now() WHERE id = $1::bigint AND claim_token = $2",
			2, p, NULL);
}

int db_github_status_posted_put(struct db_conn *c, const struct db_github_status *s,
				int64_t notification_id)
{
	struct id_text t;
	const char *p[7] = {s->repository, s->commit,	   s->context,
			    s->state,	   s->description, s->target_url,
			    id_text(&t, notification_id)};
	return db_query(c,
			"INSERT INTO github_status_posted (repository, commit_sha, context, state,"
			" description, target_url, notification_id)"
			" VALUES ($1, $2, $3, $4, $5, $6, $7::bigint)"
			" ON CONFLICT (repository, commit_sha, context) DO UPDATE SET"
			" state = excluded.state, description = excluded.description,"
			" target_url = excluded.target_url,"
			" notification_id = excluded.notification_id, posted_at = now()",
			7, p, NULL);
}

int db_github_status_posted_find(struct db_conn *c, const struct db_github_status *s,
				 char *notification_id, size_t size)
{
	const char *p[6] = {s->repository, s->commit,	   s->context,
			    s->state,	   s->description, s->target_url};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT notification_id FROM github_status_posted WHERE repository = $1"
			 " AND commit_sha = $2 AND context = $3 AND state = $4 AND description = $5"
			 " AND target_url = $6",
			 6, p, &res);
	if (n > 0)
		snprintf(notification_id, size, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return n;
}

/* ---- the admin API ---- */

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

/* A cell of JSON text as a new value (null when unreadable). */
static json_t *json_cell(PGresult *res, int row, int col)
{
	json_t *j = json_loads(PQgetvalue(res, row, col), 0, NULL);
	return j ? j : json_null();
}

int db_notifications_list(struct db_conn *c, unsigned max_attempts, const char *status,
			  const char *sink, const char *kind, int64_t before_id, int limit,
			  json_t **rows)
{
	char max[16], before[24], lim[16];
	snprintf(max, sizeof max, "%u", max_attempts);
	snprintf(before, sizeof before, "%lld", (long long)before_id);
	snprintf(lim, sizeof lim, "%d", limit);
	const char *p[6] = {max, status, sink, kind, before, lim};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT n.id, " NOTIFICATION_JSON " FROM notifications n "
		"WHERE ($2::text IS NULL OR n.status = $2) AND ($3::text IS NULL OR n.sink = $3) "
		"AND ($4::text IS NULL OR n.kind = $4) AND n.id < $5::bigint "
		"ORDER BY n.id DESC LIMIT $6::int",
		6, p, &res);
	if (n >= 0) {
		*rows = json_array();
		for (int i = 0; i < n; i++)
			json_array_append_new(*rows, json_cell(res, i, 1));
	}
	PQclear(res);
	return n;
}

int db_notification_retry(struct db_conn *c, unsigned max_attempts, int64_t id,
			  json_t **message)
{
	struct id_text t;
	char max[16];
	snprintf(max, sizeof max, "%u", max_attempts);
	const char *p[2] = {max, id_text(&t, id)};
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
	if (n > 0)
		*message = json_cell(res, 0, 1);
	PQclear(res);
	return n;
}

int db_notification_status(struct db_conn *c, int64_t id, char *status, size_t size)
{
	struct id_text t;
	const char *p[1] = {id_text(&t, id)};
	PGresult *res = NULL;
	int n = db_query(c, "SELECT status FROM notifications WHERE id = $1::bigint", 1, p, &res);
	if (n > 0)
		snprintf(status, size, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return n;
}
