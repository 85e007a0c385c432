/*
 * db/release_candidates_compare.c — the statements behind comparing two
 * release candidates and "who has not tried it yet" (see
 * db/release_candidates_compare.h; the PRs are in
 * db/release_candidates_changes.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/release_candidates_compare.h"
#include "db/release_candidates_internal.h"
#include "db/result.h"

int db_rc_repository_of(struct db_conn *c, int64_t rc_id, char *repo, size_t size)
{
	repo[0] = '\0';
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, rc_id)};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT rp.full_name FROM release_candidates rc"
			 " JOIN repositories rp ON rp.id = rc.repository_id WHERE rc.id = $1",
			 1, p, &res);
	if (n > 0)
		snprintf(repo, size, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return n;
}

/* Runs `sql` (a literal: one row of RC $1, n JSON columns) into out[0..n):
 * 1, or 0 when there is no such RC. */
static int rc_row_json(struct db_conn *c, const char *sql, int64_t rc_id, json_t **out, int n)
{
	for (int i = 0; i < n; i++)
		out[i] = NULL;
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, rc_id)};
	PGresult *res = NULL;
	int rows = db_query(c, sql, 1, p, &res);
	for (int i = 0; rows > 0 && i < n; i++)
		out[i] = db_get_json_or_null(res, 0, i);
	PQclear(res);
	return rows;
}

int db_rc_compare_side(struct db_conn *c, int64_t rc_id, json_t **summary, json_t **artifacts,
		       json_t **feedback)
{
	json_t *v[3];
	int n = rc_row_json(c,
			    "SELECT " RC_SQL_JSON "::text, (" RC_SQL_ARTIFACTS ")::text,"
			    " (SELECT coalesce(json_agg(" RC_SQL_FEEDBACK_JSON " ORDER BY f.id),"
			    "  '[]'::json) FROM feedback f JOIN release_candidates frc"
			    "  ON frc.id = f.rc_id WHERE f.rc_id = rc.id)::text"
			    " FROM release_candidates rc JOIN repositories rp"
			    " ON rp.id = rc.repository_id WHERE rc.id = $1",
			    rc_id, v, 3);
	if (n > 0 && !json_is_array(v[1])) {
		json_decref(v[1]); /* SQL NULL: no digest names a known artifact */
		v[1] = json_array();
	}
	*summary = v[0];
	*artifacts = v[1];
	*feedback = v[2];
	return n;
}

int db_rc_untried_facts(struct db_conn *c, int64_t rc_id, json_t **summary, json_t **seen,
			json_t **given)
{
	json_t *v[3];
	/* clang-format off */
	int n = rc_row_json(c,
		"SELECT " RC_SQL_JSON "::text,"
		" (SELECT coalesce(json_agg(json_build_object('author', s.author,"
		"  'version', s.version, 'given_at', " SQL_TS("s.at") ") ORDER BY s.at DESC,"
		"  s.id DESC), '[]'::json) FROM (SELECT DISTINCT ON (lower(f.author))"
		"  f.author, f.id, o.version, coalesce(f.given_at, f.created_at) AS at"
		"  FROM release_candidates o JOIN feedback f ON f.rc_id = o.id"
		"  WHERE o.repository_id = rc.repository_id AND o.id <> rc.id"
		"  AND f.author IS NOT NULL"
		"  ORDER BY lower(f.author), coalesce(f.given_at, f.created_at) DESC, f.id DESC) s)::text,"
		" (SELECT coalesce(json_agg(json_build_object('author', f.author,"
		"  'verdict', f.verdict, 'given_at', " SQL_TS("coalesce(f.given_at, f.created_at)") ")"
		"  ORDER BY f.id), '[]'::json) FROM feedback f WHERE f.rc_id = rc.id)::text"
		" FROM release_candidates rc JOIN repositories rp ON rp.id = rc.repository_id"
		" WHERE rc.id = $1",
		rc_id, v, 3);
	/* clang-format on */
	*summary = v[0];
	*seen = v[1];
	*given = v[2];
	return n;
}
