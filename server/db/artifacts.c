/*
 * db/artifacts.c — the statements of artifacts (see db/artifacts.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "db/artifacts.h"
#include "db/result.h"
#include "db/sql_time.h"

#define SQL_ARTIFACT_JSON                                                                       \
	"json_build_object('id', a.id, 'kind', a.kind, 'name', a.name, 'version', a.version,"    \
	" 'digest', a.digest, 'uri', a.uri, 'size', a.size,"                                     \
	" 'repository', (SELECT rp.full_name FROM repositories rp WHERE rp.id = a.repository_id)," \
	" 'commit', a.commit_sha,"                                                               \
	" 'run_id', CASE WHEN a.run_external_id ~ '^[0-9]{1,15}$'"                               \
	"  THEN to_json(a.run_external_id::bigint) ELSE to_json(a.run_external_id) END,"         \
	" 'labels', a.labels, 'source', a.source, 'created_by', a.created_by,"                  \
	" 'created_at', " SQL_TS("a.created_at") ")"

/* The API's statement stores the CI run's id and source 'api'; GitHub's
 * has no run id and source 'github'. */
static int insert(struct db_conn *c, const struct db_artifact *a, const char *actor, char id[24],
		  bool api)
{
	char repo[24];
	snprintf(repo, sizeof repo, "%lld", (long long)a->repository_id);
	const char *p[11] = {a->kind,
			     a->name,
			     a->version,
			     a->digest,
			     a->uri,
			     a->size,
			     a->repository_id ? repo : NULL,
			     a->commit};
	int np = 8;
	if (api)
		p[np++] = a->run_external_id;
	p[np++] = a->labels ? a->labels : "{}";
	p[np++] = actor;
	PGresult *res = NULL;
	int n = db_query(c,
			 api ? "INSERT INTO artifacts (kind, name, version, digest, uri, size, repository_id,"
			       " commit_sha, run_external_id, labels, source, created_by)"
			       " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, 'api', $11)"
			       " ON CONFLICT (kind, name, version) DO NOTHING RETURNING id"
			     : "INSERT INTO artifacts (kind, name, version, digest, uri, size, repository_id,"
			       " commit_sha, labels, source, created_by)"
			       " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, 'github', $10)"
			       " ON CONFLICT (kind, name, version) DO NOTHING"
			       " RETURNING id",
			 np, p, &res);
	if (n > 0)
		snprintf(id, 24, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return n;
}

int db_artifact_insert_api(struct db_conn *c, const struct db_artifact *a, const char *actor,
			   char id[24])
{
	return insert(c, a, actor, id, true);
}

int db_artifact_insert_github(struct db_conn *c, const struct db_artifact *a, const char *actor,
			      char id[24])
{
	return insert(c, a, actor, id, false);
}

int db_artifact_lock(struct db_conn *c, const char *kind, const char *name, const char *version,
		     struct db_artifact_stored *out)
{
	const char *p[3] = {kind, name, version};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT id, digest FROM artifacts WHERE kind = $1 AND name = $2 AND version = $3"
			 " FOR UPDATE",
			 3, p, &res);
	if (n > 0) {
		snprintf(out->id, sizeof out->id, "%s", PQgetvalue(res, 0, 0));
		out->has_digest = !PQgetisnull(res, 0, 1);
		snprintf(out->digest, sizeof out->digest, "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return n;
}

int db_artifact_fill(struct db_conn *c, const char *id, const struct db_artifact *a)
{
	char repo[24];
	snprintf(repo, sizeof repo, "%lld", (long long)a->repository_id);
	const char *up[7] = {id,	a->digest, a->uri, a->size, a->repository_id ? repo : NULL,
			     a->commit, a->run_external_id};
	return db_query(c,
			"UPDATE artifacts SET digest = coalesce(digest, $2), uri = coalesce(uri, $3),"
			" size = coalesce(size, $4::bigint), repository_id = coalesce(repository_id, $5::bigint),"
			" commit_sha = coalesce(commit_sha, $6),"
			" run_external_id = coalesce(run_external_id, $7)"
			" WHERE id = $1 AND (digest IS NULL OR (uri IS NULL AND $3::text IS NOT NULL)"
			"  OR (size IS NULL AND $4::bigint IS NOT NULL)"
			"  OR (repository_id IS NULL AND $5::bigint IS NOT NULL)"
			"  OR (commit_sha IS NULL AND $6::text IS NOT NULL)"
			"  OR (run_external_id IS NULL AND $7::text IS NOT NULL))",
			7, up, NULL);
}

int db_artifact_learn_digest(struct db_conn *c, const char *id, const char *digest)
{
	const char *up[2] = {id, digest};
	return db_query(c, "UPDATE artifacts SET digest = $2 WHERE id = $1 AND digest IS NULL",
			2, up, NULL);
}

int db_artifacts_page(struct db_conn *c, const struct db_artifacts_filter *f,
		      const struct db_page_query *q, struct db_page *page)
{
	char before[24], limit[16];
	db_page_query_text(q, before, limit);
	const char *p[8] = {f->kind,	      f->name,	     f->version, f->digest,
			    f->commit_prefix, f->repository, before,	 limit};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " SQL_ARTIFACT_JSON "::text, a.id FROM artifacts a"
			 " WHERE ($1::text IS NULL OR a.kind = $1)"
			 " AND ($2::text IS NULL OR a.name = $2)"
			 " AND ($3::text IS NULL OR a.version = $3)"
			 " AND ($4::text IS NULL OR a.digest = $4)"
			 " AND ($5::text IS NULL OR a.commit_sha LIKE lower($5) || '%')"
			 " AND ($6::text IS NULL OR a.repository_id = (SELECT id FROM repositories"
			 "  WHERE lower(full_name) = lower($6)))"
			 " AND a.id < $7 ORDER BY a.id DESC LIMIT $8",
			 8, p, &res);
	if (n >= 0)
		db_page_fill(page, res, n, q->limit, 0, 1, -1);
	PQclear(res);
	return n;
}

int db_artifact_get(struct db_conn *c, const char *id, json_t **out)
{
	const char *p[1] = {id};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT " SQL_ARTIFACT_JSON "::text,"
		" (SELECT json_build_object('sha', cm.sha, 'message', cm.message,"
		"  'author', coalesce(cm.author_login, cm.author_name), 'committed_at', "
		SQL_TS("cm.committed_at") ", 'url', cm.html_url)"
		"  FROM commits cm WHERE cm.repository_id = a.repository_id AND cm.sha = a.commit_sha"
		"  LIMIT 1)::text,"
		" (SELECT json_build_object('id', ru.id, 'provider', ru.provider, 'external_id',"
		"  ru.external_id, 'workflow', ru.workflow_name, 'kind', ru.kind, 'status', ru.status,"
		"  'conclusion', ru.conclusion, 'url', ru.html_url)"
		"  FROM runs ru WHERE ru.id = a.run_id OR (ru.repository_id = a.repository_id"
		"  AND ru.external_id = a.run_external_id)"
		"  ORDER BY (ru.id = a.run_id) DESC, (ru.provider = 'github-actions') DESC LIMIT 1)::text,"
		" (SELECT coalesce(json_agg(json_build_object('environment', x.name, 'deployment', x.id,"
		"  'status', x.status, 'started_at', " SQL_TS("x.started_at") ","
		"  'last_event_at', " SQL_TS("x.last_event_at") ", 'current', x.current)"
		"  ORDER BY x.sort_order, x.name), '[]'::json) FROM ("
		"  SELECT DISTINCT ON (e.id) e.name, e.sort_order, d.id, d.status, d.started_at,"
		"   d.last_event_at, coalesce(d.id = (SELECT d0.id FROM deployments d0"
		"    WHERE d0.environment_id = e.id AND d0.status NOT IN ('queued', 'inactive')"
		"    ORDER BY d0.last_event_at DESC, d0.id DESC LIMIT 1), false) AS current"
		"  FROM deployments d JOIN environments e ON e.id = d.environment_id"
		"  WHERE e.deleted_at IS NULL AND (d.resolved_artifact_id = a.id"
		"   OR (a.digest IS NOT NULL AND d.artifact_digests @> ARRAY[a.digest]))"
		"  ORDER BY e.id, d.last_event_at DESC, d.id DESC) x)::text"
		" FROM artifacts a WHERE a.id = $1",
		1, p, &res);
	if (n > 0) {
		json_t *o = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
		static const char *const extra[] = {"commit_detail", "run", "environments"};
		for (int i = 0; o && i < 3; i++) {
			json_t *v = PQgetisnull(res, 0, i + 1)
					    ? NULL
					    : json_loads(PQgetvalue(res, 0, i + 1), 0, NULL);
			json_object_set_new(o, extra[i], v ? v : json_null());
		}
		*out = o;
	}
	PQclear(res);
	return n;
}
