/*
 * db/checks.c — the statements of check suites and check runs (see
 * db/checks.h): one upsert per row, applying the merge rule written out at
 * the top of webhooks/gh_checks.c.
 */
#include "db/checks.h"

#include <stdio.h>

#include "db/result.h"

/* Records "<kind>" for the row when the upsert changed its state. */
static int record_if_changed(struct db_conn *c, PGresult *res, const char *kind,
			     const char *entity_type, const char *repository, const char *actor,
			     json_t *payload)
{
	if (!db_get_bool(res, 0, 3))
		return DB_OK;
	if (!PQgetisnull(res, 0, 1))
		json_object_set_new(payload, "status", db_get_json_text(res, 0, 1));
	if (!PQgetisnull(res, 0, 2))
		json_object_set_new(payload, "conclusion", db_get_json_text(res, 0, 2));
	json_object_set_new(payload, "repository", json_string(repository));
	int rc = db_event_record(c, kind, entity_type, PQgetvalue(res, 0, 0), actor, payload);
	return rc < 0 ? rc : DB_OK;
}

int db_checks_merge_suite(struct db_conn *c, const struct db_check_suite *s,
			  const char *repository, const char *actor, json_t *event)
{
	char rank[8], repo[24];
	snprintf(rank, sizeof rank, "%d", s->rank);
	snprintf(repo, sizeof repo, "%lld", (long long)s->repository_id);
	const char *params[11] = {repo,		 s->github_id, s->head_sha,   s->head_branch,
				  s->app,	 s->status,    s->conclusion, rank,
				  s->updated_at, s->tiebreak,  s->created_at};
	PGresult *res = NULL;
	int n = db_query(
		c,
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
	int rc = record_if_changed(c, res, "check_suite.updated", "check_suite", repository, actor,
				   event);
	PQclear(res);
	return rc;
}

int db_checks_merge_run(struct db_conn *c, const struct db_check_run *r, const char *repository,
			const char *actor, json_t *event)
{
	char rank[8], repo[24];
	snprintf(rank, sizeof rank, "%d", r->rank);
	snprintf(repo, sizeof repo, "%lld", (long long)r->repository_id);
	const char *params[15] = {repo,	       r->github_id,  r->check_suite_id, r->name,
				  r->head_sha, r->app,	      r->status,	 r->conclusion,
				  rank,	       r->started_at, r->completed_at,	 r->progress_at,
				  r->tiebreak, r->html_url,   r->details_url};
	PGresult *res = NULL;
	int n = db_query(
		c,
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
	int rc = record_if_changed(c, res, "check_run.updated", "check_run", repository, actor,
				   event);
	PQclear(res);
	return rc;
}
