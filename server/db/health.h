/*
 * db/health.h — the readiness check (GET /readyz).
 */
#ifndef SHIPLOG_DB_HEALTH_H
#define SHIPLOG_DB_HEALTH_H

#include <stdbool.h>
#include <stddef.h>

#include "shiplog/db.h"

/*
 * Does the database answer a query on `c`, with a schema this binary can
 * work with (db_schema_compatible)?  false: db_last_error(c) says why when
 * a statement failed; otherwise a schema that does not fit says why in
 * `why` (left as it was if the query failed).
 */
bool db_ready(struct db_conn *c, char *why, size_t why_size);

#endif
