/*
 * failure.c — what kind of failure a statement had, for the answer its
 * request gets: the one mapping of database errors (include/shiplog/db.h,
 * used by http_reply_db_failure in server/http/reply.c).
 *
 * SQLSTATE classes (PostgreSQL's errcodes): 08 connection exception, 53
 * insufficient resources, 57P0x shutdown and "cannot connect now", 57014 a
 * statement timeout, 55P03 a lock timeout, 25006 a read-only transaction (a
 * standby after a failover), 40001/40P01 serialization failure and deadlock
 * (retried by db_transaction; one that surfaces outlasted the retries), 58
 * an I/O error of the server: all "try again later".  23505 unique, 23P01
 * exclusion, 23503 foreign key: a conflict with what is stored.  23502 not
 * null, 23514 check: a value the table refuses.  Anything else is a bug.
 */
#include <stdio.h>
#include <string.h>

#include "db/failure.h"

static _Thread_local struct db_failure last;

const struct db_failure *db_failure_last(void)
{
	return &last;
}

void db_failure_clear(void)
{
	memset(&last, 0, sizeof last);
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

enum db_failure_kind db_failure_classify(const char *sqlstate, bool connection_lost)
{
	/* no SQLSTATE: libpq's own failure (no server answer at all) */
	if (connection_lost || !sqlstate || !sqlstate[0])
		return DB_FAILURE_UNAVAILABLE;
	if (strlen(sqlstate) != 5)
		return DB_FAILURE_BUG;
	static const char *const unavailable[] = {"08", "53", "57P0", "57014", "55P03",
						  "25006", "40001", "40P01", "58"};
	for (size_t i = 0; i < sizeof unavailable / sizeof unavailable[0]; i++)
		if (starts(sqlstate, unavailable[i]))
			return DB_FAILURE_UNAVAILABLE;
	if (!strcmp(sqlstate, "23505") || !strcmp(sqlstate, "23P01") || !strcmp(sqlstate, "23503"))
		return DB_FAILURE_CONFLICT;
	if (!strcmp(sqlstate, "23502") || !strcmp(sqlstate, "23514"))
		return DB_FAILURE_INVALID;
	return DB_FAILURE_BUG;
}

bool db_failure_key_columns(const char *detail, char *out, size_t size)
{
	if (!size)
		return false;
	out[0] = '\0';
	if (!detail || !starts(detail, "Key ("))
		return false;
	const char *start = detail + 5, *end = strstr(start, ")=(");
	if (!end || end == start || (size_t)(end - start) >= size)
		return false;
	memcpy(out, start, (size_t)(end - start));
	out[end - start] = '\0';
	return true;
}

void db_failure_note(const char *where, const PGresult *res, bool connection_lost)
{
	db_failure_clear();
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	last.kind = db_failure_classify(state, connection_lost);
	snprintf(last.sqlstate, sizeof last.sqlstate, "%s", state ? state : "");
	snprintf(last.statement, sizeof last.statement, "%s", where ? where : "");
	if (!res || (last.kind != DB_FAILURE_CONFLICT && last.kind != DB_FAILURE_INVALID))
		return;
	const char *column = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
	const char *constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
	snprintf(last.constraint, sizeof last.constraint, "%s", constraint ? constraint : "");
	/* not null: the column; unique, exclusion, foreign key: the key's
	 * columns from the detail; check: only the constraint is known */
	if (column && column[0])
		snprintf(last.column, sizeof last.column, "%s", column);
	else
		db_failure_key_columns(PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL),
				       last.column, sizeof last.column);
}
