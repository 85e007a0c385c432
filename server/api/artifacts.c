/*
 * artifacts.c — published build outputs.  Immutable: kind + name + version
 * has one digest forever.  Posting the same artifact again is a no-op
 * (200); the same kind+name+version with another digest is refused (409).
 * A new chart (or a digest) resolves the deployments that were waiting for
 * it: a HelmRelease reports its chart version, often before CI has said
 * which commit that version was built from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "domain/deployments.h"
#include "domain/deployments_sql.h"
#include "shiplog/app.h"
#include "shiplog/db.h"
#include "shiplog/hex.h"

#define SQL_ARTIFACT_JSON                                                                       \
	"json_build_object('id', a.id, 'kind', a.kind, 'name', a.name, 'version', a.version,"    \
	" 'digest', a.digest, 'uri', a.uri, 'size', a.size,"                                     \
	" 'repository', (SELECT rp.full_name FROM repositories rp WHERE rp.id = a.repository_id)," \
	" 'commit', a.commit_sha,"                                                               \
	" 'run_id', CASE WHEN a.run_external_id ~ '^[0-9]{1,15}$'"                               \
	"  THEN to_json(a.run_external_id::bigint) ELSE to_json(a.run_external_id) END,"         \
	" 'labels', a.labels, 'source', a.source, 'created_by', a.created_by,"                  \
	" 'created_at', " SQL_TS("a.created_at") ")"

void api_artifacts_list(struct http_request *r)
{
	struct api_page pg;
	if (!api_page_parse(r, &pg))
		return;
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	char before[24], limit[16];
	snprintf(before, sizeof before, "%lld", pg.has_cursor ? (long long)pg.before_id : INT64_MAX);
	snprintf(limit, sizeof limit, "%d", pg.limit + 1);
	const char *p[8] = {http_param(r, "kind"),   http_param(r, "name"),
			    http_param(r, "version"), http_param(r, "digest"),
			    http_param(r, "commit"), http_param(r, "repo"),
			    before,		      limit};
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
	if (n < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not list artifacts");
		return;
	}
	api_reply_page(r, res, n, &pg, 0, 1, -1);
}

/* One artifact with its commit, the run that built it, and the
 * environments it has been deployed to (current or not). */
static void reply_artifact(struct http_request *r, struct db_conn *c, const char *id,
			   unsigned status)
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
	if (n < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not read the artifact");
		return;
	}
	if (n == 0) {
		PQclear(res);
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no artifact %s", id);
		return;
	}
	json_t *o = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	if (!o) {
		PQclear(res);
		http_reply_problem(r, PROBLEM_INTERNAL, "could not render the artifact");
		return;
	}
	static const char *const extra[] = {"commit_detail", "run", "environments"};
	for (int i = 0; i < 3; i++) {
		json_t *v = PQgetisnull(res, 0, i + 1) ? NULL
						       : json_loads(PQgetvalue(res, 0, i + 1), 0, NULL);
		json_object_set_new(o, extra[i], v ? v : json_null());
	}
	PQclear(res);
	http_reply_json(r, status, o);
}

void api_artifacts_get(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	deployments_settle(c);
	reply_artifact(r, c, http_param(r, "id"), 200);
}

struct create_tx {
	json_t *body;
	const char *actor;
	char commit[41];
	unsigned outcome; /* 201 created, 200 already there, 409 other digest */
	char id[24];
	char stored_digest[80];
};

static int create_tx(struct db_conn *c, void *arg)
{
	struct create_tx *x = arg;
	json_t *b = x->body;
	x->outcome = 0;
	int64_t repo_id = 0;
	const char *repository = json_string_value(json_object_get(b, "repository"));
	int n;
	if (repository && (n = deployments_repository_id(c, repository, &repo_id)) < 0)
		return n;
	char repo[24], size[24], run[24];
	snprintf(repo, sizeof repo, "%lld", (long long)repo_id);
	const json_t *sz = json_object_get(b, "size");
	snprintf(size, sizeof size, "%lld", (long long)json_integer_value(sz));
	const json_t *rn = json_object_get(b, "run_id");
	snprintf(run, sizeof run, "%lld", (long long)json_integer_value(rn));
	const json_t *labels = json_object_get(b, "labels");
	char *labels_text = json_is_object(labels) ? json_dumps(labels, JSON_COMPACT) : NULL;
	const char *p[11] = {json_string_value(json_object_get(b, "kind")),
			     json_string_value(json_object_get(b, "name")),
			     json_string_value(json_object_get(b, "version")),
			     json_string_value(json_object_get(b, "digest")),
			     json_string_value(json_object_get(b, "uri")),
			     json_is_integer(sz) ? size : NULL,
			     repo_id ? repo : NULL,
			     x->commit[0] ? x->commit : NULL,
			     json_is_integer(rn) ? run : NULL,
			     labels_text ? labels_text : "{}",
			     x->actor};
	PGresult *res = NULL;
	n = db_query(c,
		     "INSERT INTO artifacts (kind, name, version, digest, uri, size, repository_id,"
		     " commit_sha, run_external_id, labels, source, created_by)"
		     " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, 'api', $11)"
		     " ON CONFLICT (kind, name, version) DO NOTHING RETURNING id",
		     11, p, &res);
	free(labels_text);
	if (n < 0)
		return n;
	if (n > 0) {
		x->outcome = 201;
		snprintf(x->id, sizeof x->id, "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
		json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?}", "kind", p[0], "name", p[1],
				       "version", p[2], "digest", p[3], "commit", p[7], "repository",
				       repository);
		int rc = db_event_record(c, "artifact.created", "artifact", x->id, x->actor, ev);
		json_decref(ev);
		if (rc < 0)
			return rc;
		/* deployments that named this chart version or digest before it existed */
		return deployments_resolve(c, x->actor);
	}
	PQclear(res);
	res = NULL;
	n = db_query(c,
		     "SELECT id, digest FROM artifacts WHERE kind = $1 AND name = $2 AND version = $3"
		     " FOR UPDATE",
		     3, p, &res);
	if (n <= 0) {
		PQclear(res);
		return n < 0 ? n : DB_SOFT_ERROR; /* gone meanwhile: try again */
	}
	snprintf(x->id, sizeof x->id, "%s", PQgetvalue(res, 0, 0));
	bool had_digest = !PQgetisnull(res, 0, 1);
	snprintf(x->stored_digest, sizeof x->stored_digest, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	if (had_digest && strcmp(x->stored_digest, p[3]) != 0) {
		x->outcome = 409;
		return DB_OK;
	}
	x->outcome = 200;
	/* the same artifact: learn what was not known (never overwrite) */
	const char *up[7] = {x->id, p[3], p[4], p[5], p[6], p[7], p[8]};
	n = db_query(c,
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
	if (n < 0)
		return n;
	if (n > 0) {
		json_t *ev = json_pack("{s:s, s:s?}", "digest", p[3], "commit", p[7]);
		int rc = db_event_record(c, "artifact.updated", "artifact", x->id, x->actor, ev);
		json_decref(ev);
		if (rc < 0)
			return rc;
		return deployments_resolve(c, x->actor);
	}
	return DB_OK;
}

void api_artifacts_create(struct http_request *r)
{
	struct create_tx x = {0};
	x.body = r->json;
	x.actor = r->who.subject;
	const char *commit = json_string_value(json_object_get(r->json, "commit"));
	hex_lower_copy(x.commit, commit, HEX_SHA_LEN);
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	if (db_transaction(c, create_tx, &x) < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not store the artifact");
		return;
	}
	if (x.outcome == 409) {
		http_reply_problem(r, PROBLEM_IMMUTABLE,
				   "digest: %s %s %s is already published with digest %s; published "
				   "artifacts are immutable (publish a new version)",
				   json_string_value(json_object_get(r->json, "kind")),
				   json_string_value(json_object_get(r->json, "name")),
				   json_string_value(json_object_get(r->json, "version")),
				   x.stored_digest);
		return;
	}
	reply_artifact(r, c, x.id, x.outcome);
	if (r->reply.status == 201) {
		char loc[64];
		snprintf(loc, sizeof loc, "/api/v1/artifacts/%s", x.id);
		http_reply_header(r, "Location", loc);
	}
}
