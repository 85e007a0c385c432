/*
 * db/failure.h — how the pool records a failure for db_failure_last()
 * (include/shiplog/db.h); only server/db/pool.c calls it.
 */
#ifndef SHIPLOG_DB_FAILURE_H
#define SHIPLOG_DB_FAILURE_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "shiplog/db.h"

/* Records this thread's failure: a statement's error result (res may be
 * NULL when none came back) or, with res NULL and connection_lost, no
 * connection at all.  `where` names the statement. */
void db_failure_note(const char *where, const PGresult *res, bool connection_lost);

#endif
