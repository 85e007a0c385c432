/*
 * db/result.h — typed reads of one cell of a PGresult (text format).
 *
 * Every getter borrows: the text stays owned by the result and lives until
 * PQclear().  Row and column must exist (as for PQgetvalue); a SQL NULL
 * reads as the zero value unless the getter says otherwise.
 */
#ifndef SHIPLOG_DB_RESULT_H
#define SHIPLOG_DB_RESULT_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* A bigint/integer cell; NULL (and text that is no number) reads as 0. */
static inline int64_t db_get_i64(const PGresult *res, int row, int col)
{
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

/* A boolean cell: true for 't'; NULL reads as false. */
static inline bool db_get_bool(const PGresult *res, int row, int col)
{
	return PQgetvalue(res, row, col)[0] == 't';
}

/* A text cell, or NULL for SQL NULL. */
static inline const char *db_get_text_or_null(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* A text cell as a new JSON string, or JSON null for SQL NULL. */
static inline json_t *db_get_json_text(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? json_null() : json_string(PQgetvalue(res, row, col));
}

/* An integer cell as a new JSON integer, or JSON null for SQL NULL. */
static inline json_t *db_get_json_int(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? json_null()
					  : json_integer((json_int_t)db_get_i64(res, row, col));
}

/* A json/jsonb cell (or text holding JSON) parsed: a new reference, or NULL
 * for SQL NULL and for text that is no JSON. */
static inline json_t *db_get_json(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	return json_loads(PQgetvalue(res, row, col), JSON_DECODE_ANY, NULL);
}

/* The same, but SQL NULL and text that is no JSON read as JSON null
 * (json_null()), never NULL. */
static inline json_t *db_get_json_or_null(const PGresult *res, int row, int col)
{
	json_t *v = PQgetisnull(res, row, col)
			    ? NULL
			    : json_loads(PQgetvalue(res, row, col), JSON_DECODE_ANY, NULL);
	return v ? v : json_null();
}

#endif
