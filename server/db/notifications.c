/*
 * db/notifications.c — the statements of notifications (see
 * db/notifications.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/notifications.h"
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
