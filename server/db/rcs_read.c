/*
 * db/rcs_read.c — the statements that read release candidates (see
 * db/rcs.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/rcs.h"
#include "db/rcs_internal.h"
#include "db/result.h"
#include "domain/rc.h"
#include "shiplog/xalloc.h"

const char *rcs_id(struct rcs_idbuf *b, int64_t v)
{
	snprintf(b->s, sizeof b->s, "%lld", (long long)v);
	return b->s;
}

int rcs_page_rows(const PGresult *res, int n, int limit, int col, json_t *items)
{
	int shown = n > limit ? limit : n;
	for (int i = 0; i < shown; i++) {
		json_t *o = PQgetisnull(res, i, col)
				    ? NULL
				    : json_loads(PQgetvalue(res, i, col), JSON_DECODE_ANY, NULL);
		if (o)
			json_array_append_new(items, o);
	}
	return shown;
}

int db_rcs_page(struct db_conn *c, const char *repo, const char *state, const char *target,
		int64_t before_id, int limit, json_t **items, int64_t *last_id)
{
	char before[24], lim[16];
	snprintf(before, sizeof before, "%lld", (long long)before_id);
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *p[5] = {repo, state, target, before, lim};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT " RC_SQL_JSON "::text, rc.id"
		" FROM release_candidates rc JOIN repositories rp ON rp.id = rc.repository_id"
		" WHERE ($1::text IS NULL OR lower(rp.full_name) = lower($1))"
		" AND ($2::text IS NULL OR rc.state = $2)"
		" AND ($3::text IS NULL OR rc.target = $3)"
		" AND rc.id < $4 ORDER BY rc.id DESC LIMIT $5",
		5, p, &res);
	if (n < 0)
		return n;
	*items = json_array();
	int shown = rcs_page_rows(res, n, limit, 0, *items);
	if (n > limit)
		*last_id = db_get_i64(res, shown - 1, 1);
	PQclear(res);
	return n;
}

int db_rc_exists(struct db_conn *c, int64_t rc_id)
{
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, rc_id)};
	return db_query(c, "SELECT 1 FROM release_candidates WHERE id = $1", 1, p, NULL);
}

int db_rc_newest_open(struct db_conn *c, int64_t repo_id, int64_t *rc_id)
{
	*rc_id = 0;
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, repo_id)};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT id, version FROM release_candidates WHERE repository_id = $1"
			 " AND state IN ('draft', 'testing', 'approved') ORDER BY id",
			 1, p, &res);
	if (n < 0)
		return n;
	const char **versions = xcalloc((size_t)n + 1, sizeof *versions);
	for (int i = 0; i < n; i++)
		versions[i] = PQgetvalue(res, i, 1);
	int pick = rc_version_highest(versions, (size_t)n, NULL);
	free((void *)versions);
	if (pick >= 0)
		*rc_id = db_get_i64(res, pick, 0);
	PQclear(res);
	return n;
}
