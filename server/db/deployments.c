/*
 * db/deployments.c — the statements of deployments: one upsert per report,
 * the status history, the resolution of charts, digests and repositories,
 * GitHub's deployments, and the deployments as the API lists them (see
 * db/deployments.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/deployments.h"
#include "db/deployments_sql.h"
#include "db/result.h"
#include "db/sql_time.h"
#include "shiplog/log.h"

int db_deployments_record(struct db_conn *c, const struct deployment_fact *f, const char *actor,
			  int64_t *id_out, bool *created_out)
{
	struct deployment_write w;
	if (!deployment_write_plan(f, &w))
		return DB_HARD_ERROR;
	char env[24], repo[24], rank_text[4];
	snprintf(env, sizeof env, "%lld", (long long)f->environment_id);
	snprintf(repo, sizeof repo, "%lld", (long long)f->repository_id);
	snprintf(rank_text, sizeof rank_text, "%d", w.rank);
	char *digests = db_text_array_literal(f->artifact_digests, f->n_artifact_digests);
	const char *p[25] = {env,
			     f->source,
			     f->origin_key,
			     f->revision_key,
			     f->revision,
			     f->revision_kind,
			     f->ref,
			     f->commit_sha,
			     f->chart_version,
			     f->revision_digest,
			     f->object_kind,
			     f->object_namespace,
			     f->object_name,
			     f->repository_id ? repo : NULL,
			     digests,
			     f->status,
			     rank_text,
			     f->event_at,
			     w.tiebreak,
			     f->reason,
			     f->message,
			     f->url,
			     w.started_at,
			     w.finished_at,
			     actor};
	/* what was there (locked, so the comparison below sees the row this
	 * upsert changes) */
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT status, commit_sha FROM deployments WHERE environment_id = $1"
			 " AND source = $2 AND origin_key = $3 AND revision_key = $4 FOR UPDATE",
			 4, p, &res);
	if (n < 0) {
		free(digests);
		return n;
	}
	struct deployment_state before = {.exists = n > 0}, after = {.exists = true};
	if (before.exists) {
		snprintf(before.status, sizeof before.status, "%s", PQgetvalue(res, 0, 0));
		before.has_commit = !PQgetisnull(res, 0, 1);
	}
	PQclear(res);
	res = NULL;
	n = db_query(
		c,
		"INSERT INTO deployments AS t (environment_id, source, origin_key, revision_key,"
		" revision, revision_kind, ref, commit_sha, chart_version, revision_digest,"
		" object_kind, object_namespace, object_name, repository_id, artifact_digests,"
		" status, status_rank, status_at, tiebreak, reason, message, url, started_at,"
		" finished_at, last_event_at, created_by)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::text[],"
		" $16, $17, $18, $19, $20, $21, $22, least($23::timestamptz, $18::timestamptz),"
		" $24, greatest($23::timestamptz, $18::timestamptz), $25)"
		" ON CONFLICT (environment_id, source, origin_key, revision_key) DO UPDATE SET"
		"  status = CASE WHEN (EXCLUDED.status_rank, EXCLUDED.status_at, EXCLUDED.tiebreak)"
		"   > (t.status_rank, t.status_at, t.tiebreak) THEN EXCLUDED.status ELSE t.status END,"
		"  reason = CASE WHEN (EXCLUDED.status_rank, EXCLUDED.status_at, EXCLUDED.tiebreak)"
		"   > (t.status_rank, t.status_at, t.tiebreak) THEN EXCLUDED.reason ELSE t.reason END,"
		"  message = CASE WHEN (EXCLUDED.status_rank, EXCLUDED.status_at, EXCLUDED.tiebreak)"
		"   > (t.status_rank, t.status_at, t.tiebreak) THEN EXCLUDED.message"
		"   ELSE t.message END,"
		"  finished_at = CASE WHEN (EXCLUDED.status_rank, EXCLUDED.status_at,"
		"   EXCLUDED.tiebreak) > (t.status_rank, t.status_at, t.tiebreak)"
		"   THEN EXCLUDED.finished_at ELSE t.finished_at END,"
		"  url = CASE WHEN (EXCLUDED.status_rank, EXCLUDED.status_at, EXCLUDED.tiebreak)"
		"   > (t.status_rank, t.status_at, t.tiebreak) THEN coalesce(EXCLUDED.url, t.url)"
		"   ELSE coalesce(t.url, EXCLUDED.url) END,"
		"  status_rank = greatest(t.status_rank, EXCLUDED.status_rank),"
		"  status_at = CASE WHEN (EXCLUDED.status_rank, EXCLUDED.status_at, EXCLUDED.tiebreak)"
		"   > (t.status_rank, t.status_at, t.tiebreak) THEN EXCLUDED.status_at"
		"   ELSE t.status_at END,"
		"  tiebreak = CASE WHEN (EXCLUDED.status_rank, EXCLUDED.status_at, EXCLUDED.tiebreak)"
		"   > (t.status_rank, t.status_at, t.tiebreak) THEN EXCLUDED.tiebreak"
		"   ELSE t.tiebreak END,"
		"  ref = coalesce(t.ref, EXCLUDED.ref),"
		"  commit_sha = coalesce(t.commit_sha, EXCLUDED.commit_sha),"
		"  chart_version = coalesce(t.chart_version, EXCLUDED.chart_version),"
		"  revision_digest = coalesce(t.revision_digest, EXCLUDED.revision_digest),"
		"  object_kind = coalesce(t.object_kind, EXCLUDED.object_kind),"
		"  object_namespace = coalesce(t.object_namespace, EXCLUDED.object_namespace),"
		"  object_name = coalesce(t.object_name, EXCLUDED.object_name),"
		"  repository_id = coalesce(t.repository_id, EXCLUDED.repository_id),"
		"  artifact_digests = t.artifact_digests || ARRAY(SELECT x FROM"
		"   unnest(EXCLUDED.artifact_digests) x WHERE x <> ALL (t.artifact_digests)),"
		"  started_at = least(t.started_at, EXCLUDED.started_at),"
		"  last_event_at = greatest(t.last_event_at, EXCLUDED.last_event_at),"
		"  updated_at = now()"
		" RETURNING t.id, (xmax = 0), t.status, t.commit_sha",
		25, p, &res);
	free(digests);
	if (n <= 0) {
		PQclear(res);
		return n < 0 ? n : DB_HARD_ERROR;
	}
	char id[24];
	snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
	bool created = db_get_bool(res, 0, 1);
	snprintf(after.status, sizeof after.status, "%s", PQgetvalue(res, 0, 2));
	after.has_commit = !PQgetisnull(res, 0, 3);
	int rc = DB_OK;
	if (deployment_changed(&before, &after, created)) {
		json_t *ev = json_pack("{s:b, s:s, s:s, s:s, s:s?, s:s?, s:s?}", "created", created,
				       "source", f->source, "status", PQgetvalue(res, 0, 2),
				       "revision", f->revision, "commit",
				       db_get_text_or_null(res, 0, 3), "reason",
				       f->reason, "origin", f->origin_key);
		json_object_set_new(ev, "environment_id", json_integer(f->environment_id));
		rc = db_event_record(c, "deployment.updated", "deployment", id, actor, ev);
		json_decref(ev);
	}
	PQclear(res);
	if (rc < 0)
		return rc;
	if (id_out)
		*id_out = strtoll(id, NULL, 10);
	if (created_out)
		*created_out = created;
	const char *hp[5] = {id, f->status, f->event_at, f->reason ? f->reason : "", f->message};
	n = db_query(c,
		     "INSERT INTO deployment_statuses (deployment_id, status, event_at, reason, message)"
		     " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
		     5, hp, NULL);
	if (n < 0)
		return n;
	return db_deployments_resolve(c, actor);
}

int db_deployments_resolve(struct db_conn *c, const char *actor)
{
	PGresult *res = NULL;
	/* a chart version or digest names an artifact that is now known: the
	 * artifact gives the commit and the repository */
	int n = db_query(
		c,
		"WITH cand AS (SELECT DISTINCT ON (d.id) d.id AS did, a.id AS aid, a.commit_sha,"
		"  a.repository_id"
		" FROM deployments d JOIN artifacts a"
		"  ON (d.chart_version IS NOT NULL AND a.kind = 'chart' AND a.version = d.chart_version)"
		"  OR (d.revision_digest IS NOT NULL AND a.digest = d.revision_digest)"
		" WHERE d.resolved_artifact_id IS NULL"
		"  AND (d.chart_version IS NOT NULL OR d.revision_digest IS NOT NULL)"
		" ORDER BY d.id, (a.digest IS NOT DISTINCT FROM d.revision_digest) DESC,"
		"  (a.name IS NOT DISTINCT FROM d.object_name) DESC, a.id DESC) "
		"UPDATE deployments d SET resolved_artifact_id = cand.aid,"
		" commit_sha = coalesce(d.commit_sha, cand.commit_sha),"
		" repository_id = coalesce(d.repository_id, cand.repository_id), updated_at = now()"
		" FROM cand WHERE d.id = cand.did"
		" RETURNING d.id, d.resolved_artifact_id, d.commit_sha, d.status, d.environment_id",
		0, NULL, &res);
	if (n < 0)
		return n;
	int rc = DB_OK;
	for (int i = 0; i < n && rc >= 0; i++) {
		json_t *ev = json_pack("{s:b, s:s, s:I, s:s?}", "created", 0, "status",
				       PQgetvalue(res, i, 3), "artifact_id",
				       (json_int_t)db_get_i64(res, i, 1), "commit",
				       db_get_text_or_null(res, i, 2));
		json_object_set_new(ev, "environment_id",
				    json_integer(db_get_i64(res, i, 4)));
		json_object_set_new(ev, "resolved", json_string("artifact"));
		rc = db_event_record(c, "deployment.updated", "deployment", PQgetvalue(res, i, 0),
				     actor, ev);
		json_decref(ev);
	}
	PQclear(res);
	if (rc < 0)
		return rc;
	/* the repository of a deployed commit, from the default-branch sequence */
	n = db_query(c,
		     "UPDATE deployments d SET repository_id = x.rid FROM ("
		     " SELECT DISTINCT ON (d2.id) d2.id, bs.repository_id AS rid FROM deployments d2"
		     " JOIN branch_sequence bs ON bs.sha = d2.commit_sha AND bs.left_at IS NULL"
		     " JOIN repositories r ON r.id = bs.repository_id AND r.default_branch = bs.branch"
		     " WHERE d2.repository_id IS NULL AND d2.commit_sha IS NOT NULL"
		     " ORDER BY d2.id, bs.repository_id) x"
		     " WHERE d.id = x.id",
		     0, NULL, NULL);
	return n < 0 ? n : DB_OK;
}

static int apply_github(struct db_conn *c)
{
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT 's', s.id, s.state,"
		"  " SQL_TS_US("coalesce(s.created_at, gd.created_at, now())") ","
		"  s.description, coalesce(s.log_url, s.target_url), lower(gd.sha), gd.ref,"
		"  gd.github_id, gd.repository_id, e.id"
		" FROM github_deployment_statuses s"
		" JOIN github_deployments gd ON gd.repository_id = s.repository_id"
		"  AND gd.github_id = s.deployment_github_id"
		" JOIN environments e ON e.deleted_at IS NULL"
		"  AND lower(e.name) = lower(coalesce(nullif(s.environment, ''), gd.environment))"
		" WHERE NOT EXISTS (SELECT 1 FROM deployment_github_applied x"
		"  WHERE x.kind = 's' AND x.row_id = s.id) "
		"UNION ALL "
		"SELECT 'd', gd.id, 'queued',"
		"  " SQL_TS_US("coalesce(gd.created_at, now())") ","
		"  gd.description, NULL, lower(gd.sha), gd.ref, gd.github_id, gd.repository_id, e.id"
		" FROM github_deployments gd"
		" JOIN environments e ON e.deleted_at IS NULL AND lower(e.name) = lower(gd.environment)"
		" WHERE NOT EXISTS (SELECT 1 FROM deployment_github_applied x"
		"  WHERE x.kind = 'd' AND x.row_id = gd.id) "
		"ORDER BY 1, 2 LIMIT 500",
		0, NULL, &res);
	if (n <= 0) {
		PQclear(res);
		return n;
	}
	int rc = DB_OK;
	for (int i = 0; i < n && rc >= 0; i++) {
		const char *kind = PQgetvalue(res, i, 0), *row = PQgetvalue(res, i, 1);
		struct github_deployment_row g = {
			.kind = kind[0],
			.state = PQgetvalue(res, i, 2),
			.event_at = PQgetvalue(res, i, 3),
			.description = db_get_text_or_null(res, i, 4),
			.url = db_get_text_or_null(res, i, 5),
			.sha = db_get_text_or_null(res, i, 6),
			.ref = db_get_text_or_null(res, i, 7),
			.github_id = db_get_i64(res, i, 8),
			.repository_id = db_get_i64(res, i, 9),
			.environment_id = db_get_i64(res, i, 10),
		};
		char origin[80];
		struct deployment_fact f;
		if (deployment_fact_from_github(&g, origin, sizeof origin, &f)) {
			rc = db_deployments_record(c, &f, "github:deployment", NULL, NULL);
			if (rc < 0)
				break;
		}
		const char *ap[2] = {kind, row};
		int m = db_query(c,
				 "INSERT INTO deployment_github_applied (kind, row_id) VALUES ($1, $2)"
				 " ON CONFLICT DO NOTHING",
				 2, ap, NULL);
		if (m < 0)
			rc = m;
	}
	PQclear(res);
	return rc < 0 ? rc : DB_OK;
}

static int settle_tx(struct db_conn *c, void *arg)
{
	(void)arg;
	PGresult *res = NULL;
	int n = db_query(c, "SELECT pg_try_advisory_xact_lock(7305681502235703)", 0, NULL, &res);
	if (n <= 0) {
		PQclear(res);
		return n < 0 ? n : DB_OK;
	}
	bool locked = db_get_bool(res, 0, 0);
	PQclear(res);
	if (!locked)
		return DB_OK;
	int rc = apply_github(c);
	if (rc < 0)
		return rc;
	return db_deployments_resolve(c, "shiplog");
}

int db_deployments_settle(struct db_conn *c)
{
	int rc = db_transaction(c, settle_tx, NULL);
	if (rc < 0)
		log_msg(LOG_WARN, "could not settle deployments: %s", db_last_error(c));
	return rc;
}

int db_deployments_repository_id(struct db_conn *c, const char *full_name, int64_t *id)
{
	const char *p[1] = {full_name};
	PGresult *res = NULL;
	int n = db_query(c,
			 "INSERT INTO repositories (full_name) VALUES ($1)"
			 " ON CONFLICT (lower(full_name)) DO UPDATE SET full_name = repositories.full_name"
			 " RETURNING id",
			 1, p, &res);
	if (n > 0)
		*id = db_get_i64(res, 0, 0);
	PQclear(res);
	return n < 0 ? n : n == 0 ? DB_HARD_ERROR : DB_OK;
}

int db_github_deployment_upsert(struct db_conn *c, const struct db_github_deployment *d,
				char row_id[24], bool *inserted)
{
	char repo[24];
	snprintf(repo, sizeof repo, "%lld", (long long)d->repository_id);
	const char *params[11] = {repo,		  d->github_id,	 d->environment, d->sha,
				  d->ref,	  d->task,	 d->creator,	 d->created_at,
				  d->description, d->updated_at, d->tiebreak};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"INSERT INTO github_deployments AS t (repository_id, github_id, environment, sha,"
		" ref, task, creator, created_at, description, updated_at, tiebreak)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
		" ON CONFLICT (repository_id, github_id) DO UPDATE SET"
		"  environment = CASE WHEN (coalesce(EXCLUDED.updated_at, '-infinity'),"
		"   EXCLUDED.tiebreak) > (coalesce(t.updated_at, '-infinity'), t.tiebreak)"
		"   THEN coalesce(EXCLUDED.environment, t.environment)"
		"   ELSE coalesce(t.environment, EXCLUDED.environment) END,"
		"  sha = CASE WHEN (coalesce(EXCLUDED.updated_at, '-infinity'),"
		"   EXCLUDED.tiebreak) > (coalesce(t.updated_at, '-infinity'), t.tiebreak)"
		"   THEN coalesce(EXCLUDED.sha, t.sha) ELSE coalesce(t.sha, EXCLUDED.sha) END,"
		"  ref = CASE WHEN (coalesce(EXCLUDED.updated_at, '-infinity'),"
		"   EXCLUDED.tiebreak) > (coalesce(t.updated_at, '-infinity'), t.tiebreak)"
		"   THEN coalesce(EXCLUDED.ref, t.ref) ELSE coalesce(t.ref, EXCLUDED.ref) END,"
		"  task = CASE WHEN (coalesce(EXCLUDED.updated_at, '-infinity'),"
		"   EXCLUDED.tiebreak) > (coalesce(t.updated_at, '-infinity'), t.tiebreak)"
		"   THEN coalesce(EXCLUDED.task, t.task) ELSE coalesce(t.task, EXCLUDED.task) END,"
		"  description = CASE WHEN (coalesce(EXCLUDED.updated_at, '-infinity'),"
		"   EXCLUDED.tiebreak) > (coalesce(t.updated_at, '-infinity'), t.tiebreak)"
		"   THEN coalesce(EXCLUDED.description, t.description)"
		"   ELSE coalesce(t.description, EXCLUDED.description) END,"
		"  creator = coalesce(t.creator, EXCLUDED.creator),"
		"  created_at = coalesce(least(t.created_at, EXCLUDED.created_at), t.created_at,"
		"   EXCLUDED.created_at),"
		"  updated_at = CASE WHEN (coalesce(EXCLUDED.updated_at, '-infinity'),"
		"   EXCLUDED.tiebreak) > (coalesce(t.updated_at, '-infinity'), t.tiebreak)"
		"   THEN EXCLUDED.updated_at ELSE t.updated_at END,"
		"  tiebreak = CASE WHEN (coalesce(EXCLUDED.updated_at, '-infinity'),"
		"   EXCLUDED.tiebreak) > (coalesce(t.updated_at, '-infinity'), t.tiebreak)"
		"   THEN EXCLUDED.tiebreak ELSE t.tiebreak END"
		" RETURNING t.id, (xmax = 0), t.environment, t.sha, t.ref",
		11, params, &res);
	if (n <= 0) {
		PQclear(res);
		return n < 0 ? n : DB_HARD_ERROR;
	}
	snprintf(row_id, 24, "%s", PQgetvalue(res, 0, 0));
	*inserted = db_get_bool(res, 0, 1);
	PQclear(res);
	return n;
}

int db_github_deployment_status_insert(struct db_conn *c,
				       const struct db_github_deployment_status *s,
				       bool *inserted)
{
	char repo[24];
	snprintf(repo, sizeof repo, "%lld", (long long)s->repository_id);
	const char *params[9] = {repo,		s->github_id,	  s->deployment_github_id,
				 s->state,	s->environment,	  s->target_url,
				 s->description, s->created_at,	  s->log_url};
	PGresult *res = NULL;
	int n = db_query(c,
			 "INSERT INTO github_deployment_statuses AS t (repository_id, github_id,"
			 " deployment_github_id, state, environment, target_url, description,"
			 " created_at, log_url)"
			 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
			 " ON CONFLICT (repository_id, github_id) DO UPDATE SET"
			 "  environment = coalesce(t.environment, EXCLUDED.environment),"
			 "  target_url = coalesce(t.target_url, EXCLUDED.target_url),"
			 "  description = coalesce(t.description, EXCLUDED.description),"
			 "  created_at = coalesce(t.created_at, EXCLUDED.created_at),"
			 "  log_url = coalesce(t.log_url, EXCLUDED.log_url)"
			 " RETURNING t.id, (xmax = 0)",
			 9, params, &res);
	if (n <= 0) {
		PQclear(res);
		return n < 0 ? n : DB_HARD_ERROR;
	}
	*inserted = db_get_bool(res, 0, 1);
	PQclear(res);
	return n;
}

int db_deployments_page(struct db_conn *c, const struct db_deployments_filter *f,
			const struct db_page_query *q, struct db_page *page)
{
	char before[24], limit[16];
	db_page_query_text(q, before, limit);
	const char *p[8] = {f->environment, f->status, f->commit_prefix, f->repository,
			    q->before_time,  before,	limit,		  f->source};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " SQL_DEPLOYMENT_JSON "::text, d.id, " SQL_TS_US("d.started_at")
			 " FROM deployments d JOIN environments e ON e.id = d.environment_id"
			 " WHERE ($1::text IS NULL OR lower(e.name) = lower($1))"
			 " AND ($2::text IS NULL OR d.status = $2)"
			 " AND ($3::text IS NULL OR d.commit_sha LIKE lower($3) || '%')"
			 " AND ($4::text IS NULL OR d.repository_id = (SELECT id FROM repositories"
			 "  WHERE lower(full_name) = lower($4)))"
			 " AND ($8::text IS NULL OR d.source = $8)"
			 " AND (d.started_at, d.id) < ($5::timestamptz, $6::bigint)"
			 " ORDER BY d.started_at DESC, d.id DESC LIMIT $7",
			 8, p, &res);
	if (n >= 0)
		db_page_fill(page, res, n, q->limit, 0, 1, 2);
	PQclear(res);
	return n;
}

int db_deployment_get(struct db_conn *c, const char *id, json_t **out)
{
	const char *p[1] = {id};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " SQL_DEPLOYMENT_JSON "::text,"
			 " (SELECT coalesce(json_agg(json_build_object('status', s.status,"
			 "  'at', " SQL_TS("s.event_at") ", 'reason', nullif(s.reason, ''),"
			 "  'message', s.message) ORDER BY s.event_at, s.id), '[]'::json)"
			 "  FROM deployment_statuses s WHERE s.deployment_id = d.id)::text"
			 " FROM deployments d JOIN environments e ON e.id = d.environment_id"
			 " WHERE d.id = $1",
			 1, p, &res);
	if (n > 0) {
		json_t *o = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
		json_t *h = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
		if (o)
			json_object_set_new(o, "history", h ? h : json_array());
		else
			json_decref(h);
		*out = o;
	}
	PQclear(res);
	return n;
}
