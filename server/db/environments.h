/*
 * db/environments.h — the statements of environments (table environments).
 *
 * Contract: every function runs on a connection the caller holds and
 * returns what db_query returns — rows found or changed (>= 0), or a
 * negative enum db_status (logged with its SQLSTATE).  Nothing is handed
 * over to free.
 */
#ifndef SHIPLOG_DB_ENVIRONMENTS_H
#define SHIPLOG_DB_ENVIRONMENTS_H

#include <stdint.h>

#include "shiplog/db.h"

/* The first live environment (by sort_order, then id) that lists the Flux
 * object kind/namespace/name among its `flux` objects: 1 and *id, or 0. */
int db_environment_by_flux(struct db_conn *c, const char *kind, const char *ns, const char *name,
			   int64_t *id);

#endif
