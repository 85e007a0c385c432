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

#include "db/deployments.h"
#include "domain/tiebreak.h"
#include "webhooks/gh_misc.h"
#include "webhooks/github_events.h"

/* Upserts payload.deployment; *inserted tells whether it is new. */
static int upsert_deployment(struct webhook_ctx *ctx, const char *github_id, char row_id[24],
			     bool *inserted)
{
	const json_t *p = ctx->payload;
	const char *environment = wj_str(p, "deployment.environment");
	const char *sha = wj_str(p, "deployment.sha");
	const char *ref = wj_str(p, "deployment.ref");
	const char *task = wj_str(p, "deployment.task");
	const char *creator = wj_str(p, "deployment.creator.login");
	const char *description = wj_str(p, "deployment.description");
	char created[40], updated[40], canon[2048], tiebreak[65];
	const char *created_at = wj_time(p, "deployment.created_at", created, sizeof created);
	const char *updated_at = wj_time(p, "deployment.updated_at", updated, sizeof updated);
	const char *parts[5] = {environment, sha, ref, task, description};
	tiebreak_canon(canon, sizeof canon, parts, 5);
	tiebreak_hash(canon, tiebreak);
	struct db_github_deployment d = {.repository_id = ctx->repo_id,
					 .github_id = github_id,
					 .environment = environment,
					 .sha = sha,
					 .ref = ref,
					 .task = task,
					 .creator = creator,
					 .created_at = created_at,
					 .description = description,
					 .updated_at = updated_at,
					 .tiebreak = tiebreak};
	int n = db_github_deployment_upsert(ctx->db, &d, row_id, inserted);
	if (n < 0)
		return n;
	int rc = DB_OK;
	if (*inserted) {
		json_t *ev = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?}", "repository",
				       ctx->repo_name, "github_id", github_id, "environment",
				       environment, "sha", sha, "ref", ref, "task", task);
		rc = db_event_record(ctx->db, "github_deployment.created", "github_deployment",
				     row_id, ctx->actor, ev);
		json_decref(ev);
	}
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
	return upsert_deployment(ctx, github_id, row, &inserted);
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
	if ((rc = upsert_deployment(ctx, deployment_id, row, &inserted)) < 0)
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
	char created[40];
	const char *created_at =
		wj_time(p, "deployment_status.created_at", created, sizeof created);
	struct db_github_deployment_status st = {.repository_id = ctx->repo_id,
						 .github_id = status_id,
						 .deployment_github_id = deployment_id,
						 .state = state,
						 .environment = environment,
						 .target_url = target_url,
						 .description = description,
						 .created_at = created_at,
						 .log_url = log_url};
	bool new_status = false;
	int n = db_github_deployment_status_insert(ctx->db, &st, &new_status);
	if (n < 0)
		return n;
	if (new_status) {
		json_t *ev =
			json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?}", "repository",
				  ctx->repo_name, "github_id", status_id, "deployment_github_id",
				  deployment_id, "state", state, "environment", environment, "sha",
				  wj_str(p, "deployment.sha"), "target_url", target_url);
		rc = db_event_record(ctx->db, "github_deployment.status", "github_deployment", row,
				     ctx->actor, ev);
		json_decref(ev);
	}
	return rc < 0 ? rc : WH_OK;
}
