/*
 * db/rcs.c — the statements that cut, merge and move release candidates
 * and ship releases (see db/rcs.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/rcs.h"
#include "db/rcs_internal.h"
#include "db/result.h"

int db_rc_repository_ensure(struct db_conn *c, const char *full_name, int64_t *id)
{
	const char *p[1] = {full_name};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"INSERT INTO repositories (full_name) VALUES ($1)"
		" ON CONFLICT (lower(full_name)) DO UPDATE SET full_name = repositories.full_name"
		" RETURNING id",
		1, p, &res);
	if (n > 0)
		*id = db_get_i64(res, 0, 0);
	PQclear(res);
	return n;
}
