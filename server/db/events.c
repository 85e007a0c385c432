/*
 * events.c — domain events: one row per change, written in the same
 * transaction as the change, plus a NOTIFY that PostgreSQL delivers only if
 * that transaction commits.  Live views and the outbox build on this.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "shiplog/db.h"

int db_event_record(struct db_conn *c, const char *kind, const char *entity_type,
		    const char *entity_id, const char *actor, const json_t *payload)
{
	char *js = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
	const char *p[5] = {kind, entity_type, entity_id, actor ? actor : "system",
			    js ? js : "{}"};
	PGresult *res = NULL;
	int n = db_query(c,
			 "WITH e AS (INSERT INTO events (kind, entity_type, entity_id, actor, payload)"
			 " VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING id)"
			 " SELECT id, pg_notify('shiplog_events', id::text) FROM e",
			 5, p, &res);
	free(js);
	PQclear(res);
	return n < 0 ? n : DB_OK;
}
