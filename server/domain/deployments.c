/*
 * deployments.c — one upsert per report, the status history, and the
 * resolution of charts, digests and repositories (see deployments.h).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/result.h"
#include "db/sql_time.h"
#include "domain/deployments.h"
#include "domain/flux_revision.h"
#include "domain/tiebreak.h"
#include "shiplog/hex.h"
#include "shiplog/log.h"

bool deployment_fact_revision(struct deployment_fact *f, const char *text,
			      struct flux_revision *buf)
{
	if (!text || !*text)
		return false;
	f->revision = text;
	switch (flux_revision_parse(text, buf)) {
	case FLUX_REV_GIT:
		f->revision_kind = "git";
		f->commit_sha = buf->sha;
		break;
	case FLUX_REV_DIGEST:
		f->revision_kind = "digest";
		f->revision_digest = buf->digest;
		if (buf->version[0])
			f->chart_version = buf->version;
		break;
	case FLUX_REV_CHART:
		f->revision_kind = "chart";
		f->chart_version = buf->version;
		break;
	case FLUX_REV_INVALID:
		f->revision_kind = "other";
		f->revision_key = text;
		return true;
	}
	f->ref = buf->ref[0] ? buf->ref : NULL;
	f->revision_key = flux_revision_key(buf);
	return true;
}

int deployments_record(struct db_conn *c, const struct deployment_fact *f, const char *actor,
		       int64_t *id_out, bool *created_out)
{
	int rank = deployment_status_rank(f->status);
	if (rank == 0 || !f->event_at || !f->revision_key)
		return DB_HARD_ERROR;
	char canon[1200], tiebreak[65];
	snprintf(canon, sizeof canon, "%s|%.500s|%.600s", f->status, f->reason ? f->reason : "",
		 f->message ? f->message : "");
	tiebreak_hash(canon, tiebreak);
	char env[24], repo[24], rank_text[4];
	snprintf(env, sizeof env, "%lld", (long long)f->environment_id);
	snprintf(repo, sizeof repo, "%lld", (long long)f->repository_id);
	snprintf(rank_text, sizeof rank_text, "%d", rank);
	char *digests = db_text_array_literal(f->artifact_digests, f->n_artifact_digests);
	const char *finished = f->finished_at ? f->finished_at : rank == 3 ? f->event_at : NULL;
	const char *started = f->started_at ? f->started_at : f->event_at;
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
			     tiebreak,
			     f->reason,
			     f->message,
			     f->url,
			     started,
			     finished,
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
	bool existed = n > 0;
	char old_status[32] = "";
	bool old_commit_null = true;
	if (existed) {
		snprintf(old_status, sizeof old_status, "%s", PQgetvalue(res, 0, 0));
		old_commit_null = PQgetisnull(res, 0, 1);
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
	bool changed = created || !existed || strcmp(PQgetvalue(res, 0, 2), old_status) != 0 ||
		       PQgetisnull(res, 0, 3) != old_commit_null;
	int rc = DB_OK;
	if (changed) {
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
	return deployments_resolve(c, actor);
}

int deployments_resolve(struct db_conn *c, const char *actor)
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

/* GitHub deployment states as deployment statuses. */
static const char *github_state_status(const char *state)
{
	static const char *const same[] = {"queued", "in_progress", "success", "failure",
					   "error", "inactive", NULL};
	if (strcmp(state, "pending") == 0)
		return "queued";
	for (const char *const *s = same; *s; s++)
		if (strcmp(state, *s) == 0)
			return *s;
	return NULL;
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
		const char *status = github_state_status(PQgetvalue(res, i, 2));
		const char *sha = db_get_text_or_null(res, i, 6);
		if (status && hex_is_lower_sha(sha)) {
			char origin[80];
			snprintf(origin, sizeof origin, "github:%s:%s", PQgetvalue(res, i, 9),
				 PQgetvalue(res, i, 8));
			struct deployment_fact f = {0};
			f.environment_id = db_get_i64(res, i, 10);
			f.source = "github";
			f.origin_key = origin;
			f.revision = sha;
			f.revision_kind = "git";
			f.revision_key = sha;
			f.commit_sha = sha;
			f.ref = db_get_text_or_null(res, i, 7);
			f.repository_id = db_get_i64(res, i, 9);
			f.status = status;
			f.event_at = PQgetvalue(res, i, 3);
			f.message = db_get_text_or_null(res, i, 4);
			f.url = db_get_text_or_null(res, i, 5);
			f.reason = kind[0] == 'd' ? "deployment" : PQgetvalue(res, i, 2);
			rc = deployments_record(c, &f, "github:deployment", NULL, NULL);
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
	return deployments_resolve(c, "shiplog");
}

int deployments_settle(struct db_conn *c)
{
	int rc = db_transaction(c, settle_tx, NULL);
	if (rc < 0)
		log_msg(LOG_WARN, "could not settle deployments: %s", db_last_error(c));
	return rc;
}

int deployments_repository_id(struct db_conn *c, const char *full_name, int64_t *id)
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
