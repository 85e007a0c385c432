/*
 * events.c — domain events: one row per change, written in the same
 * transaction as the change, and a NOTIFY once that transaction has
 * committed (see db_transaction).  Live views and the outbox build on this.
 * Reading them, and the live-event hub's connection: db/events.h.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "db/event_kinds.h"
#include "db/events.h"
#include "db/result.h"
#include "db/sql_time.h"
#include "shiplog/db.h"
#include "shiplog/log.h"
#include "shiplog/xalloc.h"

int db_event_record(struct db_conn *c, const char *kind, const char *entity_type,
		    const char *entity_id, const char *actor, const json_t *payload)
{
	/* a kind the table does not list streams to admins only */
	if (!event_kind_known(kind))
		log_msg(LOG_ERROR, "event kind %s is not in server/db/event_kinds.c", kind);
	char *js = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
	const char *p[5] = {kind, entity_type, entity_id, actor ? actor : "system",
			    js ? js : "{}"};
	PGresult *res = NULL;
	int n = db_query(c,
			 "INSERT INTO events (kind, entity_type, entity_id, actor, payload)"
			 " VALUES ($1, $2, $3, $4, $5::jsonb)",
			 5, p, &res);
	free(js);
	PQclear(res);
	if (n < 0)
		return n;
	db_notify_on_commit(c);
	return DB_OK;
}

/* ---- reading events ---- */

#define EVENT_QUERY                                                                        \
	"SELECT id, kind, entity_type, entity_id, payload::text, "                         \
	SQL_TS("created_at") ", actor "                                                    \
	"FROM events WHERE id > $1 ORDER BY id LIMIT 1000" /* DB_EVENTS_PAGE */

/* The rows of EVENT_QUERY, as db_events_after gives them. */
static json_t *event_rows(const PGresult *res)
{
	json_t *rows = json_array();
	for (int i = 0; i < PQntuples(res); i++) {
		json_t *payload = json_loads(PQgetvalue(res, i, 4), 0, NULL);
		json_array_append_new(
			rows, json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:s}", "id",
					(json_int_t)db_get_i64(res, i, 0),
					"kind", PQgetvalue(res, i, 1), "entity_type",
					PQgetvalue(res, i, 2), "entity_id", PQgetvalue(res, i, 3),
					"payload", payload ? payload : json_object(), "at",
					PQgetvalue(res, i, 5), "actor", PQgetvalue(res, i, 6)));
	}
	return rows;
}

int db_events_after(struct db_conn *c, int64_t after, json_t **rows)
{
	char text[32];
	snprintf(text, sizeof text, "%lld", (long long)after);
	const char *p[1] = {text};
	PGresult *res = NULL;
	int n = db_query(c, EVENT_QUERY, 1, p, &res);
	if (n >= 0)
		*rows = event_rows(res);
	PQclear(res);
	return n;
}

int db_events_newest(struct db_conn *c, long long *max, long long *sum)
{
	PGresult *res = NULL;
	/* LIMIT: DB_EVENTS_NEWEST */
	int n = db_query(c,
			 "SELECT coalesce(max(id), 0)::text, coalesce(sum(id), 0)::text FROM"
			 " (SELECT id FROM events ORDER BY id DESC LIMIT 256) x",
			 0, NULL, &res);
	if (n == 1) {
		*max = db_get_i64(res, 0, 0);
		*sum = db_get_i64(res, 0, 1);
	}
	PQclear(res);
	return n;
}

/* ---- the listener ---- */

struct db_listener {
	PGconn *pg;
};

/* Runs a command on the listener's connection; did it succeed? */
static bool listener_command(struct db_listener *l, const char *sql)
{
	PGresult *res = PQexec(l->pg, sql);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	return ok;
}

struct db_listener *db_listener_open(const char *url)
{
	PGconn *pg = PQconnectdb(url);
	if (PQstatus(pg) != CONNECTION_OK) {
		PQfinish(pg);
		return NULL;
	}
	struct db_listener *l = xmalloc(sizeof *l);
	l->pg = pg;
	if (!listener_command(l, "LISTEN shiplog_events")) {
		db_listener_close(l);
		return NULL;
	}
	return l;
}

void db_listener_close(struct db_listener *l)
{
	if (!l)
		return;
	PQfinish(l->pg);
	free(l);
}

int db_listener_socket(const struct db_listener *l)
{
	return PQsocket(l->pg);
}

bool db_listener_consume(struct db_listener *l)
{
	return PQconsumeInput(l->pg) != 0;
}

bool db_listener_drain(struct db_listener *l)
{
	bool any = false;
	PGnotify *n;
	while ((n = PQnotifies(l->pg))) {
		any = true;
		PQfreemem(n);
	}
	return any;
}

bool db_listener_ok(const struct db_listener *l)
{
	return PQstatus(l->pg) == CONNECTION_OK;
}

int db_listener_notify(struct db_listener *l)
{
	return listener_command(l, "NOTIFY shiplog_events") ? DB_OK : DB_HARD_ERROR;
}

int db_listener_max_id(struct db_listener *l, int64_t *max)
{
	PGresult *res = PQexec(l->pg, "SELECT coalesce(max(id), 0) FROM events");
	bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (ok)
		*max = db_get_i64(res, 0, 0);
	PQclear(res);
	return ok ? 1 : DB_HARD_ERROR;
}

int db_listener_events_after(struct db_listener *l, int64_t after, json_t **rows)
{
	char text[32];
	snprintf(text, sizeof text, "%lld", (long long)after);
	const char *p[1] = {text};
	PGresult *res = PQexecParams(l->pg, EVENT_QUERY, 1, NULL, p, NULL, NULL, 0);
	int n = DB_HARD_ERROR;
	if (PQresultStatus(res) == PGRES_TUPLES_OK) {
		n = PQntuples(res);
		*rows = event_rows(res);
	}
	PQclear(res);
	return n;
}
