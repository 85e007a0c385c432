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

int db_rc_compare_side(struct db_conn *c, int64_t rc_id, json_t **summary, json_t **artifacts,
		       json_t **feedback)
{
	*summary = *artifacts = *feedback = NULL;
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, rc_id)};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " RC_SQL_JSON "::text, (" RC_SQL_ARTIFACTS ")::text,"
			 " (SELECT coalesce(json_agg(" RC_SQL_FEEDBACK_JSON " ORDER BY f.id),"
			 "  '[]'::json) FROM feedback f JOIN release_candidates frc"
			 "  ON frc.id = f.rc_id WHERE f.rc_id = rc.id)::text"
			 " FROM release_candidates rc JOIN repositories rp ON rp.id = rc.repository_id"
			 " WHERE rc.id = $1",
			 1, p, &res);
	if (n <= 0) {
		PQclear(res);
		return n;
	}
	*summary = db_get_json_or_null(res, 0, 0);
	*artifacts = db_get_json_or_null(res, 0, 1);
	*feedback = db_get_json_or_null(res, 0, 2);
	PQclear(res);
	if (!json_is_array(*artifacts)) {
		json_decref(*artifacts);
		*artifacts = json_array();
	}
	return 1;
}

int db_rc_untried_facts(struct db_conn *c, int64_t rc_id, json_t **summary, json_t **seen,
			json_t **given)
{
	*summary = *seen = *given = NULL;
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, rc_id)};
	PGresult *res = NULL;
	/* clang-format off */
	int n = db_query(c,
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
		1, p, &res);
	/* clang-format on */
	if (n <= 0) {
		PQclear(res);
		return n;
	}
	*summary = db_get_json_or_null(res, 0, 0);
	*seen = db_get_json_or_null(res, 0, 1);
	*given = db_get_json_or_null(res, 0, 2);
	PQclear(res);
	return 1;
}
