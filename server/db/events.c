/*
 * events.c — domain events: one row per change, written in the same
 * transaction as the change, and a NOTIFY once that transaction has
 * committed (see db_transaction).  Live views and the outbox build on this.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "db/event_kinds.h"
#include "shiplog/db.h"
#include "shiplog/log.h"

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
