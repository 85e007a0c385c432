/*
 * db/releases.c — the statements that read shipped releases (see
 * db/releases.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/release_candidates_internal.h"
#include "db/releases.h"
#include "db/result.h"

/* clang-format off */
#define SQL_RELEASE_JSON                                                                      \
	"json_build_object('id', sr.id, 'repository', rp.full_name, 'version', sr.version,"   \
	" 'tag', sr.tag_name, 'commit', coalesce(sr.commit_sha, rc.commit_sha),"              \
	" 'url', sr.html_url, 'source', sr.source, 'released_by', sr.released_by,"            \
	" 'released_at', " SQL_TS("sr.released_at") ","                                       \
	" 'release_candidate', CASE WHEN rc.id IS NULL THEN NULL ELSE json_build_object("     \
	"  'id', rc.id, 'version', rc.version) END)::text,"                                   \
	" to_char(sr.released_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
/* clang-format on */

int db_releases_page(struct db_conn *c, const char *repo, const char *before_time,
		     int64_t before_id, int limit, json_t **items, json_t **days,
		     struct db_page_end *last)
{
	char before[24], lim[16];
	snprintf(before, sizeof before, "%lld", (long long)before_id);
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *p[4] = {repo, before_time, before, lim};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT " SQL_RELEASE_JSON ", sr.id,"
		" " SQL_TS_US("sr.released_at")
		" FROM shipped_releases sr JOIN repositories rp ON rp.id = sr.repository_id"
		" LEFT JOIN release_candidates rc ON rc.id = sr.rc_id"
		" WHERE ($1::text IS NULL OR lower(rp.full_name) = lower($1))"
		" AND ($2::timestamptz IS NULL OR (sr.released_at, sr.id) < ($2::timestamptz, $3))"
		" AND ($2::timestamptz IS NOT NULL OR sr.id < $3)"
		" ORDER BY sr.released_at DESC, sr.id DESC LIMIT $4",
		4, p, &res);
	if (n < 0)
		return n;
	*items = json_array();
	*days = json_array();
	int shown = n > limit ? limit : n;
	for (int i = 0; i < shown; i++) {
		json_array_append_new(*items, db_get_json_or_null(res, i, 0));
		json_array_append_new(*days, json_string(PQgetvalue(res, i, 1)));
	}
	if (n > limit) {
		last->id = db_get_i64(res, shown - 1, 2);
		snprintf(last->time, sizeof last->time, "%s", PQgetvalue(res, shown - 1, 3));
	}
	PQclear(res);
	return n;
}

int db_release_get(struct db_conn *c, const char *id, json_t **out, char *day, size_t day_size)
{
	*out = NULL;
	const char *p[1] = {id};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT " SQL_RELEASE_JSON
		" FROM shipped_releases sr JOIN repositories rp ON rp.id = sr.repository_id"
		" LEFT JOIN release_candidates rc ON rc.id = sr.rc_id WHERE sr.id = $1",
		1, p, &res);
	if (n > 0) {
		*out = db_get_json_or_null(res, 0, 0);
		snprintf(day, day_size, "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return n;
}

int db_releases_past(struct db_conn *c, int64_t repo_id, json_t **items, json_t **days)
{
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, repo_id)};
	PGresult *res = NULL;
	/* clang-format off */
	int n = db_query(
		c,
		"SELECT json_build_object('id', sr.id, 'version', sr.version, 'tag', sr.tag_name,"
		" 'released_at', " SQL_TS("sr.released_at") ","
		" 'release_candidate', CASE WHEN rc.id IS NULL THEN NULL ELSE"
		"  json_build_object('id', rc.id, 'version', rc.version) END)::text,"
		" to_char(sr.released_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), sr.version"
		" FROM shipped_releases sr LEFT JOIN release_candidates rc ON rc.id = sr.rc_id"
		" WHERE sr.repository_id = $1 ORDER BY sr.released_at DESC, sr.id DESC LIMIT 20",
		1, p, &res);
	/* clang-format on */
	if (n < 0)
		return n;
	*items = json_array();
	*days = json_array();
	for (int i = 0; i < n; i++) {
		json_array_append_new(*items, db_get_json_or_null(res, i, 0));
		json_array_append_new(*days, json_string(PQgetvalue(res, i, 1)));
	}
	PQclear(res);
	return n;
}

int db_train_repository(struct db_conn *c, const char *repo, const char *first_configured,
			int64_t *id, char *name, size_t name_size)
{
	*id = 0;
	name[0] = '\0';
	const char *p[2] = {repo, first_configured};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT rp.id, rp.full_name FROM repositories rp"
		" WHERE CASE WHEN $1::text IS NOT NULL"
		"  THEN lower(rp.full_name) = lower($1) ELSE true END"
		" ORDER BY (SELECT max(x) FROM (SELECT max(rc.cut_at) AS x"
		" FROM release_candidates rc"
		"  WHERE rc.repository_id = rp.id UNION ALL SELECT max(sr.released_at)"
		"  FROM shipped_releases sr WHERE sr.repository_id = rp.id) t) DESC NULLS LAST,"
		" lower(rp.full_name) = lower($2) DESC NULLS LAST, rp.id LIMIT 1",
		2, p, &res);
	if (n > 0) {
		*id = db_get_i64(res, 0, 0);
		snprintf(name, name_size, "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return n;
}

int db_release_github_upsert(struct db_conn *c, const struct db_github_release *r,
			     struct db_github_release_stored *out)
{
	memset(out, 0, sizeof *out);
	struct rcs_idbuf b;
	const char *params[16] = {rcs_id(&b, r->repository_id),
				  r->github_id,
				  r->tag,
				  r->name,
				  r->body,
				  r->draft,
				  r->prerelease,
				  r->target,
				  r->author,
				  r->html_url,
				  r->created_at,
				  r->published_at,
				  r->deleted ? "true" : "false",
				  r->action,
				  r->event_at,
				  r->tiebreak};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"INSERT INTO releases AS t (repository_id, github_id, tag_name, name, body, draft,"
		" prerelease, target_commitish, author, html_url, created_at, published_at,"
		" deleted_at, last_action, updated_at, event_at, tiebreak)"
		" VALUES ($1, $2, $3, $4, $5, coalesce($6::boolean, false),"
		"  coalesce($7::boolean, false), $8, $9, $10, $11, $12,"
		"  CASE WHEN $13::boolean THEN $15::timestamptz END, $14, now(), $15, $16)"
		" ON CONFLICT (repository_id, github_id) DO UPDATE SET"
		"  tag_name = CASE WHEN (EXCLUDED.event_at, EXCLUDED.tiebreak) >"
		"   (coalesce(t.event_at, '-infinity'), t.tiebreak) THEN EXCLUDED.tag_name"
		"   ELSE t.tag_name END,"
		"  name = CASE WHEN (EXCLUDED.event_at, EXCLUDED.tiebreak) >"
		"   (coalesce(t.event_at, '-infinity'), t.tiebreak) THEN coalesce(EXCLUDED.name,"
		" t.name)"
		"   ELSE coalesce(t.name, EXCLUDED.name) END,"
		"  body = CASE WHEN (EXCLUDED.event_at, EXCLUDED.tiebreak) >"
		"   (coalesce(t.event_at, '-infinity'), t.tiebreak) THEN coalesce(EXCLUDED.body,"
		" t.body)"
		"   ELSE coalesce(t.body, EXCLUDED.body) END,"
		"  draft = CASE WHEN (EXCLUDED.event_at, EXCLUDED.tiebreak) >"
		"   (coalesce(t.event_at, '-infinity'), t.tiebreak) AND $6::boolean IS NOT NULL"
		"   THEN $6::boolean ELSE t.draft END,"
		"  prerelease = CASE WHEN (EXCLUDED.event_at, EXCLUDED.tiebreak) >"
		"   (coalesce(t.event_at, '-infinity'), t.tiebreak) AND $7::boolean IS NOT NULL"
		"   THEN $7::boolean ELSE t.prerelease END,"
		"  target_commitish = CASE WHEN (EXCLUDED.event_at, EXCLUDED.tiebreak) >"
		"   (coalesce(t.event_at, '-infinity'), t.tiebreak)"
		"   THEN coalesce(EXCLUDED.target_commitish, t.target_commitish)"
		"   ELSE coalesce(t.target_commitish, EXCLUDED.target_commitish) END,"
		"  author = coalesce(t.author, EXCLUDED.author),"
		"  html_url = CASE WHEN (EXCLUDED.event_at, EXCLUDED.tiebreak) >"
		"   (coalesce(t.event_at, '-infinity'), t.tiebreak)"
		"   THEN coalesce(EXCLUDED.html_url, t.html_url)"
		"   ELSE coalesce(t.html_url, EXCLUDED.html_url) END,"
		"  created_at = coalesce(least(t.created_at, EXCLUDED.created_at), t.created_at,"
		"   EXCLUDED.created_at),"
		"  published_at = CASE WHEN (EXCLUDED.event_at, EXCLUDED.tiebreak) >"
		"   (coalesce(t.event_at, '-infinity'), t.tiebreak)"
		"   THEN coalesce(EXCLUDED.published_at, t.published_at)"
		"   ELSE coalesce(t.published_at, EXCLUDED.published_at) END,"
		"  deleted_at = coalesce(least(t.deleted_at, EXCLUDED.deleted_at), t.deleted_at,"
		"   EXCLUDED.deleted_at),"
		"  last_action = CASE WHEN (EXCLUDED.event_at, EXCLUDED.tiebreak) >"
		"   (coalesce(t.event_at, '-infinity'), t.tiebreak) THEN EXCLUDED.last_action"
		"   ELSE t.last_action END,"
		"  updated_at = now(),"
		"  event_at = greatest(t.event_at, EXCLUDED.event_at),"
		"  tiebreak = CASE WHEN (EXCLUDED.event_at, EXCLUDED.tiebreak) >"
		"   (coalesce(t.event_at, '-infinity'), t.tiebreak) THEN EXCLUDED.tiebreak"
		"   ELSE t.tiebreak END"
		" RETURNING t.id, t.prerelease, t.draft, t.deleted_at IS NOT NULL",
		16, params, &res);
	if (n > 0) {
		snprintf(out->id, sizeof out->id, "%s", PQgetvalue(res, 0, 0));
		out->deleted = db_get_bool(res, 0, 3);
	}
	PQclear(res);
	return n;
}
