/*
 * gh_checks.c — check_suite and check_run: what CI systems other than
 * GitHub Actions report about a commit, stored against its head SHA.
 *
 * The merge rule (the same shape as for runs, gh_runs.c): an event replaces
 * the stored status/conclusion only if (status rank, event time, tiebreak)
 * is greater than the stored triple.  Event time: check_suite.updated_at;
 * for a check run (which has no updated_at) completed_at when completed,
 * else started_at.  The tiebreak is the SHA-256 of the event's state and
 * description, so two events with equal (rank, time) resolve the same way
 * whatever their order.  One upsert statement per row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/result.h"
#include "domain/tiebreak.h"
#include "webhooks/gh_misc.h"
#include "webhooks/github_events.h"

/* Records "<kind>" for the row when the upsert changed its state. */
static int record_if_changed(struct webhook_ctx *ctx, PGresult *res, const char *kind,
			     const char *entity_type, json_t *payload)
{
	int rc = DB_OK;
	if (db_get_bool(res, 0, 3)) {
		if (!PQgetisnull(res, 0, 1))
			json_object_set_new(payload, "status", json_string(PQgetvalue(res, 0, 1)));
		if (!PQgetisnull(res, 0, 2))
			json_object_set_new(payload, "conclusion",
					    json_string(PQgetvalue(res, 0, 2)));
		json_object_set_new(payload, "repository", json_string(ctx->repo_name));
		rc = db_event_record(ctx->db, kind, entity_type, PQgetvalue(res, 0, 0), ctx->actor,
				     payload);
	}
	json_decref(payload);
	return rc < 0 ? rc : WH_OK;
}

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

	char canon[1024], tiebreak[65], rank[8], repo[24];
	const char *parts[5] = {status, conclusion, head_sha, head_branch, app};
	tiebreak_canon(canon, sizeof canon, parts, 5);
	tiebreak_hash(canon, tiebreak);
	snprintf(rank, sizeof rank, "%d", webhook_status_rank(status));
	snprintf(repo, sizeof repo, "%lld", (long long)ctx->repo_id);
	const char *params[11] = {repo,	      github_id, head_sha,   head_branch, app,	     status,
				  conclusion, rank,	 updated_at, tiebreak,	  created_at};
	PGresult *res = NULL;
	int n = db_query(
		ctx->db,
		"WITH old AS (SELECT status, conclusion FROM check_suites "
		"             WHERE repository_id = $1 AND github_id = $2), "
		"up AS ("
		" INSERT INTO check_suites AS t (repository_id, github_id, head_sha, head_branch,"
		"  app_name, status, conclusion, status_rank, updated_at, tiebreak, created_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
		" ON CONFLICT (repository_id, github_id) DO UPDATE SET"
		"  status = CASE WHEN (EXCLUDED.status_rank, coalesce(EXCLUDED.updated_at, "
		"'-infinity'),"
		"   EXCLUDED.tiebreak) > (t.status_rank, coalesce(t.updated_at, '-infinity'), "
		"t.tiebreak)"
		"   THEN EXCLUDED.status ELSE t.status END,"
		"  conclusion = CASE WHEN (EXCLUDED.status_rank, coalesce(EXCLUDED.updated_at, "
		"   '-infinity'), EXCLUDED.tiebreak) > (t.status_rank, coalesce(t.updated_at, "
		"   '-infinity'), t.tiebreak) THEN EXCLUDED.conclusion ELSE t.conclusion END,"
		"  head_sha = CASE WHEN (EXCLUDED.status_rank, coalesce(EXCLUDED.updated_at, "
		"   '-infinity'), EXCLUDED.tiebreak) > (t.status_rank, coalesce(t.updated_at, "
		"   '-infinity'), t.tiebreak) THEN coalesce(EXCLUDED.head_sha, t.head_sha)"
		"   ELSE coalesce(t.head_sha, EXCLUDED.head_sha) END,"
		"  head_branch = CASE WHEN (EXCLUDED.status_rank, coalesce(EXCLUDED.updated_at, "
		"   '-infinity'), EXCLUDED.tiebreak) > (t.status_rank, coalesce(t.updated_at, "
		"   '-infinity'), t.tiebreak) THEN coalesce(EXCLUDED.head_branch, t.head_branch)"
		"   ELSE coalesce(t.head_branch, EXCLUDED.head_branch) END,"
		"  app_name = CASE WHEN (EXCLUDED.status_rank, coalesce(EXCLUDED.updated_at, "
		"   '-infinity'), EXCLUDED.tiebreak) > (t.status_rank, coalesce(t.updated_at, "
		"   '-infinity'), t.tiebreak) THEN coalesce(EXCLUDED.app_name, t.app_name)"
		"   ELSE coalesce(t.app_name, EXCLUDED.app_name) END,"
		"  created_at = coalesce(least(t.created_at, EXCLUDED.created_at), t.created_at,"
		"   EXCLUDED.created_at),"
		"  status_rank = greatest(t.status_rank, EXCLUDED.status_rank),"
		"  updated_at = CASE WHEN (EXCLUDED.status_rank, coalesce(EXCLUDED.updated_at, "
		"   '-infinity'), EXCLUDED.tiebreak) > (t.status_rank, coalesce(t.updated_at, "
		"   '-infinity'), t.tiebreak) THEN EXCLUDED.updated_at ELSE t.updated_at END,"
		"  tiebreak = CASE WHEN (EXCLUDED.status_rank, coalesce(EXCLUDED.updated_at, "
		"   '-infinity'), EXCLUDED.tiebreak) > (t.status_rank, coalesce(t.updated_at, "
		"   '-infinity'), t.tiebreak) THEN EXCLUDED.tiebreak ELSE t.tiebreak END"
		" RETURNING t.id, t.status, t.conclusion) "
		"SELECT up.id, up.status, up.conclusion,"
		" NOT EXISTS (SELECT 1 FROM old) OR EXISTS (SELECT 1 FROM old WHERE"
		"  (old.status, old.conclusion) IS DISTINCT FROM (up.status, up.conclusion)) "
		"FROM up",
		11, params, &res);
	if (n <= 0) {
		PQclear(res);
		return n < 0 ? n : DB_HARD_ERROR;
	}
	json_t *ev = json_pack("{s:s, s:s?, s:s?, s:s?}", "github_id", github_id, "head_sha",
			       head_sha, "head_branch", head_branch, "app", app);
	rc = record_if_changed(ctx, res, "check_suite.updated", "check_suite", ev);
	PQclear(res);
	return rc;
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

	char canon[1024], tiebreak[65], rank[8], repo[24];
	const char *parts[6] = {status, conclusion, started_at, completed_at, name, head_sha};
	tiebreak_canon(canon, sizeof canon, parts, 6);
	tiebreak_hash(canon, tiebreak);
	snprintf(rank, sizeof rank, "%d", rank_value);
	snprintf(repo, sizeof repo, "%lld", (long long)ctx->repo_id);
	const char *params[15] = {repo,		github_id,   suite_id,	 name,	   head_sha,
				  app,		status,	     conclusion, rank,	   started_at,
				  completed_at, progress_at, tiebreak,	 html_url, details_url};
	PGresult *res = NULL;
	int n = db_query(
		ctx->db,
		"WITH old AS (SELECT status, conclusion FROM check_runs "
		"             WHERE repository_id = $1 AND github_id = $2), "
		"up AS ("
		" INSERT INTO check_runs AS t (repository_id, github_id, check_suite_id, name,"
		"  head_sha, app_name, status, conclusion, status_rank, started_at, completed_at,"
		"  progress_at, tiebreak, html_url, details_url)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
		" ON CONFLICT (repository_id, github_id) DO UPDATE SET"
		"  status = CASE WHEN (EXCLUDED.status_rank, coalesce(EXCLUDED.progress_at, "
		"   '-infinity'), EXCLUDED.tiebreak) > (t.status_rank, coalesce(t.progress_at, "
		"   '-infinity'), t.tiebreak) THEN EXCLUDED.status ELSE t.status END,"
		"  conclusion = CASE WHEN (EXCLUDED.status_rank, coalesce(EXCLUDED.progress_at, "
		"   '-infinity'), EXCLUDED.tiebreak) > (t.status_rank, coalesce(t.progress_at, "
		"   '-infinity'), t.tiebreak) THEN EXCLUDED.conclusion ELSE t.conclusion END,"
		"  completed_at = CASE WHEN (EXCLUDED.status_rank, coalesce(EXCLUDED.progress_at, "
		"   '-infinity'), EXCLUDED.tiebreak) > (t.status_rank, coalesce(t.progress_at, "
		"   '-infinity'), t.tiebreak) THEN EXCLUDED.completed_at ELSE t.completed_at END,"
		"  name = CASE WHEN (EXCLUDED.status_rank, coalesce(EXCLUDED.progress_at, "
		"   '-infinity'), EXCLUDED.tiebreak) > (t.status_rank, coalesce(t.progress_at, "
		"   '-infinity'), t.tiebreak) THEN coalesce(EXCLUDED.name, t.name)"
		"   ELSE coalesce(t.name, EXCLUDED.name) END,"
		"  head_sha = CASE WHEN (EXCLUDED.status_rank, coalesce(EXCLUDED.progress_at, "
		"   '-infinity'), EXCLUDED.tiebreak) > (t.status_rank, coalesce(t.progress_at, "
		"   '-infinity'), t.tiebreak) THEN coalesce(EXCLUDED.head_sha, t.head_sha)"
		"   ELSE coalesce(t.head_sha, EXCLUDED.head_sha) END,"
		"  app_name = CASE WHEN (EXCLUDED.status_rank, coalesce(EXCLUDED.progress_at, "
		"   '-infinity'), EXCLUDED.tiebreak) > (t.status_rank, coalesce(t.progress_at, "
		"   '-infinity'), t.tiebreak) THEN coalesce(EXCLUDED.app_name, t.app_name)"
		"   ELSE coalesce(t.app_name, EXCLUDED.app_name) END,"
		"  html_url = CASE WHEN (EXCLUDED.status_rank, coalesce(EXCLUDED.progress_at, "
		"   '-infinity'), EXCLUDED.tiebreak) > (t.status_rank, coalesce(t.progress_at, "
		"   '-infinity'), t.tiebreak) THEN coalesce(EXCLUDED.html_url, t.html_url)"
		"   ELSE coalesce(t.html_url, EXCLUDED.html_url) END,"
		"  details_url = CASE WHEN (EXCLUDED.status_rank, coalesce(EXCLUDED.progress_at, "
		"   '-infinity'), EXCLUDED.tiebreak) > (t.status_rank, coalesce(t.progress_at, "
		"   '-infinity'), t.tiebreak) THEN coalesce(EXCLUDED.details_url, t.details_url)"
		"   ELSE coalesce(t.details_url, EXCLUDED.details_url) END,"
		"  check_suite_id = coalesce(t.check_suite_id, EXCLUDED.check_suite_id),"
		"  started_at = coalesce(least(t.started_at, EXCLUDED.started_at), t.started_at,"
		"   EXCLUDED.started_at),"
		"  status_rank = greatest(t.status_rank, EXCLUDED.status_rank),"
		"  progress_at = CASE WHEN (EXCLUDED.status_rank, coalesce(EXCLUDED.progress_at, "
		"   '-infinity'), EXCLUDED.tiebreak) > (t.status_rank, coalesce(t.progress_at, "
		"   '-infinity'), t.tiebreak) THEN EXCLUDED.progress_at ELSE t.progress_at END,"
		"  tiebreak = CASE WHEN (EXCLUDED.status_rank, coalesce(EXCLUDED.progress_at, "
		"   '-infinity'), EXCLUDED.tiebreak) > (t.status_rank, coalesce(t.progress_at, "
		"   '-infinity'), t.tiebreak) THEN EXCLUDED.tiebreak ELSE t.tiebreak END"
		" RETURNING t.id, t.status, t.conclusion) "
		"SELECT up.id, up.status, up.conclusion,"
		" NOT EXISTS (SELECT 1 FROM old) OR EXISTS (SELECT 1 FROM old WHERE"
		"  (old.status, old.conclusion) IS DISTINCT FROM (up.status, up.conclusion)) "
		"FROM up",
		15, params, &res);
	if (n <= 0) {
		PQclear(res);
		return n < 0 ? n : DB_HARD_ERROR;
	}
	json_t *ev = json_pack("{s:s, s:s?, s:s?, s:s?}", "github_id", github_id, "name", name,
			       "head_sha", head_sha, "app", app);
	rc = record_if_changed(ctx, res, "check_run.updated", "check_run", ev);
	PQclear(res);
	return rc;
}
