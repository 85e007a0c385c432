/*
 * db/environments.c — the statements of environments (see
 * db/environments.h).
 */
#include <stdlib.h>

#include "db/environments.h"

int db_environment_by_flux(struct db_conn *c, const char *kind, const char *ns, const char *name,
			   int64_t *id)
{
	const char *p[3] = {kind, ns, name};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT id FROM environments WHERE deleted_at IS NULL"
			 " AND flux @> jsonb_build_array(jsonb_build_object('kind', $1::text,"
			 "  'namespace', $2::text, 'name', $3::text))"
			 " ORDER BY sort_order, id LIMIT 1",
			 3, p, &res);
	if (n > 0)
		*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return n;
}
