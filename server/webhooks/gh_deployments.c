/*
 * gh_deployments.c — deployment and deployment_status: GitHub deployments
 * and their statuses, stored now (github_deployments,
 * github_deployment_statuses) for the environments views to show.
 *
 * A deployment_status carries its deployment, so the deployment is upserted
 * from either event: a lost deployment delivery loses nothing.  The
 * deployment's description kept is the one with the greatest (updated_at,
 * tiebreak); statuses are immutable facts (one row per status id).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/result.h"
#include "domain/tiebreak.h"
#include "webhooks/gh_misc.h"
#include "webhooks/github_events.h"

/* Upserts payload.deployment; *inserted tells whether it is new. */
static int upsert_deployment(struct webhook_ctx *ctx, const char *github_id, char *row_id,
			     size_t row_id_size, bool *inserted)
{
	const json_t *p = ctx->payload;
	const char *environment = wj_str(p, "deployment.environment");
	const char *sha = wj_str(p, "deployment.sha");
	const char *ref = wj_str(p, "deployment.ref");
	const char *task = wj_str(p, "deployment.task");
	const char *creator = wj_str(p, "deployment.creator.login");
	const char *description = wj_str(p, "deployment.description");
	char created[40], updated[40], repo[24], canon[2048], tiebreak[65];
	const char *created_at = wj_time(p, "deployment.created_at", created, sizeof created);
	const char *updated_at = wj_time(p, "deployment.updated_at", updated, sizeof updated);
	const char *parts[5] = {environment, sha, ref, task, description};
	tiebreak_canon(canon, sizeof canon, parts, 5);
	tiebreak_hash(canon, tiebreak);
	snprintf(repo, sizeof repo, "%lld", (long long)ctx->repo_id);
	const char *params[11] = {repo,	   github_id,  environment, sha,	ref,	 task,
				  creator, created_at, description, updated_at, tiebreak};
	PGresult *res = NULL;
	int n = db_query(
		ctx->db,
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
	snprintf(row_id, row_id_size, "%s", PQgetvalue(res, 0, 0));
	*inserted = db_get_bool(res, 0, 1);
	int rc = DB_OK;
	if (*inserted) {
		json_t *ev = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?}", "repository",
				       ctx->repo_name, "github_id", github_id, "environment",
				       environment, "sha", sha, "ref", ref, "task", task);
		rc = db_event_record(ctx->db, "github_deployment.created", "github_deployment",
				     row_id, ctx->actor, ev);
		json_decref(ev);
	}
	PQclear(res);
	return rc < 0 ? rc : WH_OK;
}

int gh_on_deployment(struct webhook_ctx *ctx)
{
	if (!json_is_object(wj_get(ctx->payload, "deployment")))
		return webhook_bad(ctx, "deployment: missing or not an object");
	char gid[32];
	const char *github_id = wj_int_text(ctx->payload, "deployment.id", gid, sizeof gid);
	if (!github_id)
		return webhook_bad(ctx, "deployment.id: missing or not an integer");
	int rc = webhook_repo(ctx);
	if (rc < 0)
		return rc;
	char row[24];
	bool inserted;
	return upsert_deployment(ctx, github_id, row, sizeof row, &inserted);
}

int gh_on_deployment_status(struct webhook_ctx *ctx)
{
	const json_t *p = ctx->payload;
	if (!json_is_object(wj_get(p, "deployment_status")))
		return webhook_bad(ctx, "deployment_status: missing or not an object");
	char sid[32], did[32];
	const char *status_id = wj_int_text(p, "deployment_status.id", sid, sizeof sid);
	if (!status_id)
		return webhook_bad(ctx, "deployment_status.id: missing or not an integer");
	const char *state = wj_str(p, "deployment_status.state");
	if (!state || !*state)
		return webhook_bad(ctx, "deployment_status.state: missing or empty");
	const char *deployment_id = wj_int_text(p, "deployment.id", did, sizeof did);
	if (!deployment_id)
		return webhook_bad(ctx, "deployment.id: missing or not an integer");
	int rc = webhook_repo(ctx);
	if (rc < 0)
		return rc;
	char row[24];
	bool inserted;
	if ((rc = upsert_deployment(ctx, deployment_id, row, sizeof row, &inserted)) < 0)
		return rc;

	const char *environment = wj_str(p, "deployment_status.environment");
	if (!environment || !*environment)
		environment = wj_str(p, "deployment.environment");
	const char *target_url = wj_str(p, "deployment_status.target_url");
	if (target_url && !*target_url)
		target_url = NULL;
	const char *log_url = wj_str(p, "deployment_status.log_url");
	if (log_url && !*log_url)
		log_url = NULL;
	const char *description = wj_str(p, "deployment_status.description");
	char created[40], repo[24];
	const char *created_at =
		wj_time(p, "deployment_status.created_at", created, sizeof created);
	snprintf(repo, sizeof repo, "%lld", (long long)ctx->repo_id);
	const char *params[9] = {repo,	     status_id,	  deployment_id, state,	 environment,
				 target_url, description, created_at,	 log_url};
	PGresult *res = NULL;
	int n = db_query(ctx->db,
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
	if (db_get_bool(res, 0, 1)) {
		json_t *ev =
			json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?}", "repository",
				  ctx->repo_name, "github_id", status_id, "deployment_github_id",
				  deployment_id, "state", state, "environment", environment, "sha",
				  wj_str(p, "deployment.sha"), "target_url", target_url);
		rc = db_event_record(ctx->db, "github_deployment.status", "github_deployment", row,
				     ctx->actor, ev);
		json_decref(ev);
	}
	PQclear(res);
	return rc < 0 ? rc : WH_OK;
}
