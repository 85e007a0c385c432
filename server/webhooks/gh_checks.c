/*
 * gh_checks.c — check_suite and check_run: what CI systems other than
 * GitHub Actions report about a commit, stored against its head SHA.
 *
 * The merge rule (the same shape as for runs, db/runs.h): an event replaces
 * the stored status/conclusion only if (status rank, event time, tiebreak)
 * is greater than the stored triple.  Event time: check_suite.updated_at;
 * for a check run (which has no updated_at) completed_at when completed,
 * else started_at.  The tiebreak is the SHA-256 of the event's state and
 * description, so two events with equal (rank, time) resolve the same way
 * whatever their order.  One upsert statement per row (db/checks.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/checks.h"
#include "domain/tiebreak.h"
#include "webhooks/gh_misc.h"
#include "webhooks/github_events.h"

int gh_on_check_suite(struct webhook_ctx *ctx)
{
	const json_t *p = ctx->payload;
	if (!json_is_object(wj_get(p, "check_suite")))
		return webhook_bad(ctx, "check_suite: missing or not an object");
	char gid[32];
	const char *github_id = wj_int_text(p, "check_suite.id", gid, sizeof gid);
	if (!github_id)
		return webhook_bad(ctx, "check_suite.id: missing or not an integer");
	const char *status = wj_str(p, "check_suite.status");
	const char *conclusion = wj_str(p, "check_suite.conclusion");
	const char *head_sha = wj_str(p, "check_suite.head_sha");
	const char *head_branch = wj_str(p, "check_suite.head_branch");
	const char *app = wj_str(p, "check_suite.app.slug");
	if (!app)
		app = wj_str(p, "check_suite.app.name");
	char updated[40], created[40];
	const char *updated_at = wj_time(p, "check_suite.updated_at", updated, sizeof updated);
	const char *created_at = wj_time(p, "check_suite.created_at", created, sizeof created);
	int rc = webhook_repo(ctx);
	if (rc < 0)
		return rc;

	char canon[1024], tiebreak[65];
	const char *parts[5] = {status, conclusion, head_sha, head_branch, app};
	tiebreak_canon(canon, sizeof canon, parts, 5);
	tiebreak_hash(canon, tiebreak);
	struct db_check_suite s = {.repository_id = ctx->repo_id,
				   .github_id = github_id,
				   .head_sha = head_sha,
				   .head_branch = head_branch,
				   .app = app,
				   .status = status,
				   .conclusion = conclusion,
				   .rank = webhook_status_rank(status),
				   .updated_at = updated_at,
				   .tiebreak = tiebreak,
				   .created_at = created_at};
	json_t *ev = json_pack("{s:s, s:s?, s:s?, s:s?}", "github_id", github_id, "head_sha",
			       head_sha, "head_branch", head_branch, "app", app);
	rc = db_checks_merge_suite(ctx->db, &s, ctx->repo_name, ctx->actor, ev);
	json_decref(ev);
	return rc < 0 ? rc : WH_OK;
}

int gh_on_check_run(struct webhook_ctx *ctx)
{
	const json_t *p = ctx->payload;
	if (!json_is_object(wj_get(p, "check_run")))
		return webhook_bad(ctx, "check_run: missing or not an object");
	char gid[32], sid[32];
	const char *github_id = wj_int_text(p, "check_run.id", gid, sizeof gid);
	if (!github_id)
		return webhook_bad(ctx, "check_run.id: missing or not an integer");
	const char *suite_id = wj_int_text(p, "check_run.check_suite.id", sid, sizeof sid);
	const char *name = wj_str(p, "check_run.name");
	const char *status = wj_str(p, "check_run.status");
	const char *conclusion = wj_str(p, "check_run.conclusion");
	const char *head_sha = wj_str(p, "check_run.head_sha");
	const char *app = wj_str(p, "check_run.app.slug");
	if (!app)
		app = wj_str(p, "check_run.app.name");
	const char *html_url = wj_str(p, "check_run.html_url");
	const char *details_url = wj_str(p, "check_run.details_url");
	char started[40], completed[40];
	const char *started_at = wj_time(p, "check_run.started_at", started, sizeof started);
	const char *completed_at =
		wj_time(p, "check_run.completed_at", completed, sizeof completed);
	int rank_value = webhook_status_rank(status);
	/* the time of this state: completed_at when completed, else started_at */
	const char *progress_at = rank_value == 3 && completed_at ? completed_at : started_at;
	if (rank_value != 3)
		completed_at = NULL; /* only a completed event says when it completed */
	int rc = webhook_repo(ctx);
	if (rc < 0)
		return rc;

	char canon[1024], tiebreak[65];
	const char *parts[6] = {status, conclusion, started_at, completed_at, name, head_sha};
	tiebreak_canon(canon, sizeof canon, parts, 6);
	tiebreak_hash(canon, tiebreak);
	struct db_check_run cr = {.repository_id = ctx->repo_id,
				  .github_id = github_id,
				  .check_suite_id = suite_id,
				  .name = name,
				  .head_sha = head_sha,
				  .app = app,
				  .status = status,
				  .conclusion = conclusion,
				  .rank = rank_value,
				  .started_at = started_at,
				  .completed_at = completed_at,
				  .progress_at = progress_at,
				  .tiebreak = tiebreak,
				  .html_url = html_url,
				  .details_url = details_url};
	json_t *ev = json_pack("{s:s, s:s?, s:s?, s:s?}", "github_id", github_id, "name", name,
			       "head_sha", head_sha, "app", app);
	rc = db_checks_merge_run(ctx->db, &cr, ctx->repo_name, ctx->actor, ev);
	json_decref(ev);
	return rc < 0 ? rc : WH_OK;
}
