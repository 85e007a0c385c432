/*
 * db/health.c — the readiness check (see db/health.h).
 */
#include "db/health.h"

bool db_ready(struct db_conn *c, char *why, size_t why_size)
{
	return db_exec(c, "SELECT 1") >= 0 && db_schema_compatible(c, why, why_size);
}
