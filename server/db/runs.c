/*
 * db/runs.c — the statements of pipeline runs, attempts and jobs (see
 * db/runs.h).
 *
 * The merge: one upsert per row, following the merge rule written out in
 * db/runs.h, with its inputs from domain/runs_merge.c.
 * Concurrency: every event first upserts its run row (ON CONFLICT DO UPDATE
 * always locks the row), so the events of one run are serialised by that
 * lock until their transactions end; the attempt and job upserts are each
 * a single statement, and the run's mirror of its latest attempt is a copy
 * of the attempt row made after it, under the same lock.
 */
#include "db/runs.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/result.h"
#include "db/sql_time.h"

/* ---- the merge ---- */

/* The merge condition: does the incoming (EXCLUDED) state beat the stored one (t)? */
#define WINS(rank, time, tie)                                                                   \
	"((EXCLUDED." rank ", coalesce(EXCLUDED." time ", '-infinity'::timestamptz), "          \
	"EXCLUDED." tie " COLLATE \"C\") > (t." rank ", coalesce(t." time                       \
	", '-infinity'::timestamptz), t." tie " COLLATE \"C\"))"

#define RUN_WINS WINS("info_rank", "info_updated_at", "info_tiebreak")
#define ATTEMPT_WINS WINS("status_rank", "updated_at", "tiebreak")
#define JOB_WINS WINS("status_rank", "progress_at", "tiebreak")

/* Descriptive column: the winner's value, but never a known value replaced by NULL. */
#define DESCR(wins, col)                                                                        \
	col " = CASE WHEN " wins " THEN coalesce(EXCLUDED." col ", t." col ") "                 \
	    "ELSE coalesce(t." col ", EXCLUDED." col ") END"
/* State column: the winner's value. */
#define STATE(wins, col) col " = CASE WHEN " wins " THEN EXCLUDED." col " ELSE t." col " END"

int db_runs_merge_run(struct db_conn *c, const struct run_fact *f, struct run_merge_state *st)
{
	struct run_merge_key k;
	runs_run_key(f, &k);
	memset(st, 0, sizeof *st);
	st->attempt = k.attempt;
	char repo[24], attempt[16], info_rank[24];
	snprintf(repo, sizeof repo, "%lld", (long long)f->repo_id);
	snprintf(attempt, sizeof attempt, "%d", st->attempt);
	snprintf(info_rank, sizeof info_rank, "%lld", k.info_rank);
	const char *p[19] = {repo,
			     f->provider,
			     f->external_id,
			     f->workflow_name,
			     f->workflow_path,
			     f->workflow_id,
			     k.kind,
			     f->event,
			     f->head_branch,
			     f->head_sha,
			     f->run_number,
			     f->html_url,
			     f->display_title,
			     attempt,
			     info_rank,
			     k.event_time,
			     k.tiebreak,
			     f->created_at,
			     f->kind_given};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"INSERT INTO runs AS t (repository_id, provider, external_id, workflow_name,"
		" workflow_path, workflow_id, kind, event, head_branch, head_sha, run_number,"
		" html_url, display_title, latest_attempt, info_rank, info_updated_at,"
		" info_tiebreak, created_at, kind_given) "
		"VALUES ($1, $2, $3, $4, $5, $6::bigint, $7, $8, $9, $10, $11::bigint, $12, $13,"
		" $14::int, $15::int, $16::timestamptz, $17, coalesce($18::timestamptz, now()), $19) "
		"ON CONFLICT (repository_id, provider, external_id) DO UPDATE SET "
		DESCR(RUN_WINS, "workflow_name") ", " DESCR(RUN_WINS, "workflow_path") ", "
		DESCR(RUN_WINS, "workflow_id") ", " DESCR(RUN_WINS, "event") ", "
		DESCR(RUN_WINS, "head_branch") ", " DESCR(RUN_WINS, "head_sha") ", "
		DESCR(RUN_WINS, "run_number") ", " DESCR(RUN_WINS, "html_url") ", "
		DESCR(RUN_WINS, "display_title") ", " DESCR(RUN_WINS, "kind_given") ", "
		/* a run event's creation time beats a job's guess; else the earliest */
		"created_at = CASE WHEN EXCLUDED.info_rank > 0 AND t.info_rank = 0 THEN EXCLUDED.created_at"
		" WHEN (EXCLUDED.info_rank > 0) = (t.info_rank > 0)"
		" THEN least(t.created_at, EXCLUDED.created_at) ELSE t.created_at END, "
		"latest_attempt = greatest(t.latest_attempt, EXCLUDED.latest_attempt), "
		STATE(RUN_WINS, "info_updated_at") ", " STATE(RUN_WINS, "info_tiebreak") ", "
		STATE(RUN_WINS, "info_rank") " "
		/* changed: inserted (xmax = 0: then the comparison is not evaluated), or
		 * not what the statement's snapshot saw */
		"RETURNING t.id, (t.xmax = 0), t.xmax = 0 OR to_jsonb(t.*) IS DISTINCT FROM (SELECT to_jsonb(o)"
		" FROM runs o WHERE o.repository_id = $1 AND o.provider = $2 AND o.external_id = $3),"
		" t.kind, t.kind_given, t.workflow_path, t.workflow_name, t.head_branch, t.event",
		19, p, &res);
	if (n <= 0) {
		PQclear(res);
		return n < 0 ? n : DB_HARD_ERROR;
	}
	st->run_id = db_get_i64(res, 0, 0);
	st->run_created = db_get_bool(res, 0, 1);
	st->changed = db_get_bool(res, 0, 2);
#define MERGED(col) (db_get_text_or_null(res, 0, col))
	const char *want = runs_merged_kind(f, MERGED(4), MERGED(5), MERGED(6), MERGED(7), MERGED(8));
#undef MERGED
	char run_id[24];
	snprintf(run_id, sizeof run_id, "%lld", (long long)st->run_id);
	if (strcmp(want, PQgetvalue(res, 0, 3)) != 0) {
		const char *kp[2] = {run_id, want};
		n = db_query(c, "UPDATE runs SET kind = $2 WHERE id = $1::bigint", 2, kp, NULL);
		if (n < 0) {
			PQclear(res);
			return n;
		}
		st->changed = true;
	}
	PQclear(res);

	char rank_text[8];
	snprintf(rank_text, sizeof rank_text, "%d", k.rank);
	const char *ap[11] = {run_id,
			      attempt,
			      k.status,
			      k.conclusion,
			      rank_text,
			      k.event_time,
			      k.tiebreak,
			      k.queued_at,
			      k.started_at,
			      k.completed_at,
			      k.html_url};
	n = db_query(c,
		     "INSERT INTO run_attempts AS t (run_id, attempt, status, conclusion, status_rank,"
		     " updated_at, tiebreak, queued_at, started_at, completed_at, html_url) "
		     "VALUES ($1::bigint, $2::int, $3, $4, $5::int, $6::timestamptz, $7,"
		     " $8::timestamptz, $9::timestamptz, $10::timestamptz, $11) "
		     "ON CONFLICT (run_id, attempt) DO UPDATE SET "
		     STATE(ATTEMPT_WINS, "status") ", " STATE(ATTEMPT_WINS, "conclusion") ", "
		     STATE(ATTEMPT_WINS, "completed_at") ", " DESCR(ATTEMPT_WINS, "html_url") ", "
		     "queued_at = least(t.queued_at, EXCLUDED.queued_at), "
		     "started_at = least(t.started_at, EXCLUDED.started_at), "
		     STATE(ATTEMPT_WINS, "updated_at") ", " STATE(ATTEMPT_WINS, "tiebreak") ", "
		     STATE(ATTEMPT_WINS, "status_rank") " "
		     "RETURNING t.id, t.xmax = 0 OR to_jsonb(t.*) IS DISTINCT FROM (SELECT to_jsonb(o)"
		     " FROM run_attempts o WHERE o.run_id = $1::bigint AND o.attempt = $2::int)",
		     11, ap, &res);
	if (n <= 0) {
		PQclear(res);
		return n < 0 ? n : DB_HARD_ERROR;
	}
	st->attempt_id = db_get_i64(res, 0, 0);
	if (db_get_bool(res, 0, 1))
		st->changed = true;
	PQclear(res);
	return DB_OK;
}

int db_runs_link_pull_request(struct db_conn *c, struct run_merge_state *st, int64_t number)
{
	char run_id[24], num[24];
	snprintf(run_id, sizeof run_id, "%lld", (long long)st->run_id);
	snprintf(num, sizeof num, "%lld", (long long)number);
	const char *p[2] = {run_id, num};
	int n = db_query(c,
			 "INSERT INTO run_pull_requests (run_id, pr_number) VALUES ($1::bigint, $2::int) "
			 "ON CONFLICT DO NOTHING",
			 2, p, NULL);
	if (n < 0)
		return n;
	if (n > 0)
		st->changed = true;
	return DB_OK;
}

/* The rank of a stored step's status, for the step merge. */
#define STEP_RANK(v)                                                                            \
	"CASE " v "->>'status' WHEN 'completed' THEN 3 WHEN 'in_progress' THEN 2"                \
	" WHEN 'waiting' THEN 2 WHEN 'queued' THEN 1 ELSE 0 END"

int db_runs_merge_job(struct db_conn *c, struct run_merge_state *st, const struct job_fact *j,
		      const char *actor)
{
	struct job_merge_key k;
	runs_job_key(j, &k);
	char attempt_id[24], rank[8];
	snprintf(attempt_id, sizeof attempt_id, "%lld", (long long)st->attempt_id);
	snprintf(rank, sizeof rank, "%d", k.rank);
	char *labels = j->labels ? json_dumps(j->labels, JSON_COMPACT) : NULL;
	char *steps = j->steps ? json_dumps(j->steps, JSON_COMPACT) : NULL;
	const char *p[17] = {attempt_id,
			     j->external_id,
			     j->name,
			     k.stage,
			     j->required ? "true" : "false",
			     j->status,
			     j->conclusion,
			     rank,
			     j->event_time,
			     k.tiebreak,
			     j->queued_at,
			     j->started_at,
			     j->completed_at,
			     j->runner_name,
			     labels,
			     steps,
			     j->html_url};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"INSERT INTO jobs AS t (attempt_id, external_id, name, stage, required, status,"
		" conclusion, status_rank, progress_at, tiebreak, queued_at, started_at,"
		" completed_at, runner_name, labels, steps, html_url) "
		"VALUES ($1::bigint, $2, $3, $4, $5::boolean, $6, $7, $8::int, $9::timestamptz, $10,"
		" $11::timestamptz, $12::timestamptz, $13::timestamptz, $14,"
		" coalesce($15::jsonb, '[]'::jsonb), coalesce($16::jsonb, '[]'::jsonb), $17) "
		"ON CONFLICT (attempt_id, external_id) DO UPDATE SET "
		STATE(JOB_WINS, "name") ", " STATE(JOB_WINS, "stage") ", "
		STATE(JOB_WINS, "required") ", " STATE(JOB_WINS, "status") ", "
		STATE(JOB_WINS, "conclusion") ", " STATE(JOB_WINS, "completed_at") ", "
		DESCR(JOB_WINS, "runner_name") ", " DESCR(JOB_WINS, "html_url") ", "
		"queued_at = least(t.queued_at, EXCLUDED.queued_at), "
		"started_at = least(t.started_at, EXCLUDED.started_at), "
		"labels = CASE WHEN (" JOB_WINS " AND EXCLUDED.labels <> '[]'::jsonb)"
		" OR t.labels = '[]'::jsonb THEN EXCLUDED.labels ELSE t.labels END, "
		/* steps: the union by step number, each step the furthest along
		 * (rank, completed, started, then its text) — the same whatever
		 * the order the snapshots came in */
		"steps = (SELECT coalesce(jsonb_agg(x.v ORDER BY x.v->'number' NULLS LAST,"
		" x.v::text COLLATE \"C\"), '[]'::jsonb) FROM (SELECT DISTINCT ON"
		" (coalesce(e.v->'number', e.v->'name')) e.v FROM"
		" jsonb_array_elements(t.steps || EXCLUDED.steps) AS e(v)"
		" ORDER BY coalesce(e.v->'number', e.v->'name'), " STEP_RANK("e.v") " DESC,"
		" e.v->>'completed_at' DESC NULLS LAST, e.v->>'started_at' DESC NULLS LAST,"
		" e.v::text COLLATE \"C\" DESC) x), "
		STATE(JOB_WINS, "progress_at") ", " STATE(JOB_WINS, "tiebreak") ", "
		STATE(JOB_WINS, "status_rank") " "
		"RETURNING t.id, t.status, t.conclusion, t.name, t.xmax = 0 OR to_jsonb(t.*) IS DISTINCT FROM"
		" (SELECT to_jsonb(o) FROM jobs o WHERE o.attempt_id = $1::bigint AND o.external_id = $2)",
		17, p, &res);
	free(labels);
	free(steps);
	if (n <= 0) {
		PQclear(res);
		return n < 0 ? n : DB_HARD_ERROR;
	}
	int rc = DB_OK;
	if (db_get_bool(res, 0, 4)) {
		json_t *ev = json_pack("{s:I, s:i, s:I, s:s, s:s, s:o, s:o}", "run_id",
				       (json_int_t)st->run_id, "attempt", st->attempt, "job_id",
				       (json_int_t)db_get_i64(res, 0, 0),
				       "external_id", j->external_id, "name", PQgetvalue(res, 0, 3),
				       "status",
				       db_get_json_text(res, 0, 1),
				       "conclusion",
				       db_get_json_text(res, 0, 2));
		rc = db_event_record(c, "job.updated", "job", PQgetvalue(res, 0, 0), actor, ev);
		json_decref(ev);
	}
	PQclear(res);
	return rc < 0 ? rc : DB_OK;
}

int db_runs_merge_finish(struct db_conn *c, struct run_merge_state *st, const char *actor)
{
	char run_id[24], attempt[16];
	snprintf(run_id, sizeof run_id, "%lld", (long long)st->run_id);
	snprintf(attempt, sizeof attempt, "%d", st->attempt);
	const char *p[1] = {run_id};
	/* the run mirrors its highest attempt (a pure copy: right whatever the order) */
	int n = db_query(c,
			 "UPDATE runs r SET status = a.status, conclusion = a.conclusion,"
			 " queued_at = a.queued_at, started_at = a.started_at,"
			 " completed_at = a.completed_at "
			 "FROM run_attempts a WHERE r.id = $1::bigint AND a.run_id = r.id"
			 " AND a.attempt = r.latest_attempt AND (r.status, r.conclusion, r.queued_at,"
			 " r.started_at, r.completed_at) IS DISTINCT FROM (a.status, a.conclusion,"
			 " a.queued_at, a.started_at, a.completed_at)",
			 1, p, NULL);
	if (n < 0)
		return n;
	if (n > 0)
		st->changed = true;
	if (!st->changed)
		return DB_OK;
	PGresult *res = NULL;
	const char *ap[2] = {run_id, attempt};
	n = db_query(c,
		     "SELECT status, conclusion FROM run_attempts WHERE run_id = $1::bigint"
		     " AND attempt = $2::int",
		     2, ap, &res);
	if (n < 0) {
		PQclear(res);
		return n;
	}
	json_t *ev = json_pack("{s:I, s:i, s:o, s:o}", "run_id", (json_int_t)st->run_id, "attempt",
			       st->attempt, "status",
			       n > 0 ? db_get_json_text(res, 0, 0) : json_null(), "conclusion",
			       n > 0 ? db_get_json_text(res, 0, 1) : json_null());
	PQclear(res);
	int rc = db_event_record(c, "run.updated", "run", run_id, actor, ev);
	json_decref(ev);
	return rc < 0 ? rc : DB_OK;
}

/* ---- reading runs ---- */

#define DURATION(start, end)                                                                    \
	"CASE WHEN " start " IS NOT NULL AND " end " IS NOT NULL THEN greatest(0::bigint,"      \
	" floor(extract(epoch FROM " end " - " start "))::bigint) END"

/* Columns of a run row (FROM runs r JOIN repositories rp), in run_json order. */
#define RUN_COLUMNS                                                                             \
	"r.id, rp.full_name, r.provider, r.external_id, r.workflow_name, r.workflow_path,"      \
	" r.kind, r.event, r.head_branch, r.head_sha, r.run_number, r.html_url,"                \
	" r.latest_attempt, r.status, r.conclusion, " SQL_TS("r.queued_at") ", " SQL_TS("r.started_at") \
	", " SQL_TS("r.completed_at") ", " DURATION("r.started_at", "r.completed_at") ", "      \
	SQL_TS("r.created_at") ", " SQL_TS_US("r.created_at") ", r.display_title, r.workflow_id"
#define RUN_NCOLS 23

static json_t *run_json(const PGresult *res, int i)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", db_get_json_int(res, i, 0));
	json_object_set_new(o, "repository", db_get_json_text(res, i, 1));
	json_object_set_new(o, "provider", db_get_json_text(res, i, 2));
	json_object_set_new(o, "external_id", db_get_json_text(res, i, 3));
	json_object_set_new(o, "workflow",
			    json_pack("{s:o, s:o, s:o}", "name", db_get_json_text(res, i, 4), "path",
				      db_get_json_text(res, i, 5), "id", db_get_json_int(res, i, 22)));
	json_object_set_new(o, "kind", db_get_json_text(res, i, 6));
	json_object_set_new(o, "event", db_get_json_text(res, i, 7));
	json_object_set_new(o, "branch", db_get_json_text(res, i, 8));
	json_object_set_new(o, "sha", db_get_json_text(res, i, 9));
	json_object_set_new(o, "run_number", db_get_json_int(res, i, 10));
	json_object_set_new(o, "url", db_get_json_text(res, i, 11));
	json_object_set_new(o, "display_title", db_get_json_text(res, i, 21));
	json_object_set_new(o, "attempt", db_get_json_int(res, i, 12));
	json_object_set_new(o, "status", db_get_json_text(res, i, 13));
	json_object_set_new(o, "conclusion", db_get_json_text(res, i, 14));
	json_object_set_new(o, "queued_at", db_get_json_text(res, i, 15));
	json_object_set_new(o, "started_at", db_get_json_text(res, i, 16));
	json_object_set_new(o, "completed_at", db_get_json_text(res, i, 17));
	json_object_set_new(o, "duration_seconds", db_get_json_int(res, i, 18));
	json_object_set_new(o, "created_at", db_get_json_text(res, i, 19));
	return o;
}

/* The filters of the runs list ($1..$13, see db_runs_list).  The repository is
 * also matched by id, and a SHA prefix also bounds head_sha by a range, so that
 * indexes serve them (runs_repo, runs_branch, runs_sha): SHAs are hex, and every
 * hex string starting with $6 lies in [$6, $6 || 'g'). */
#define RUNS_LIST_WHERE                                                                         \
	"($1::text IS NULL OR lower(rp.full_name) = lower($1))"                                 \
	/* the same repository by id, known before the scan: runs_repo and runs_branch */      \
	" AND ($1::text IS NULL OR r.repository_id = (SELECT rq.id FROM repositories rq"         \
	"      WHERE lower(rq.full_name) = lower($1)))"                                          \
	" AND ($2::text IS NULL OR r.kind = $2)"                                                 \
	" AND ($3::text IS NULL OR r.head_branch = $3)"                                          \
	" AND ($4::text IS NULL OR r.status = $4)"                                               \
	" AND ($5::text IS NULL OR r.conclusion = $5)"                                           \
	" AND ($6::text IS NULL OR (length($6) = 40 AND r.head_sha = lower($6))"                 \
	"      OR (length($6) < 40 AND starts_with(r.head_sha, lower($6))"                       \
	"          AND r.head_sha >= lower($6) AND r.head_sha < lower($6) || 'g'))"              \
	" AND ($7::int IS NULL"                                                                  \
	"      OR EXISTS (SELECT 1 FROM run_pull_requests l WHERE l.run_id = r.id"               \
	"                 AND l.pr_number = $7::int)"                                            \
	"      OR EXISTS (SELECT 1 FROM pull_requests pq WHERE pq.repository_id = r.repository_id" \
	"                 AND pq.number = $7::int AND (r.head_sha = pq.head_sha"                 \
	"                 OR (r.head_branch = pq.head_ref AND r.head_branch <> rp.default_branch)" \
	"                 OR EXISTS (SELECT 1 FROM pull_request_shas s"                          \
	"                            WHERE s.pull_request_id = pq.id AND s.sha = r.head_sha))))" \
	" AND ($8::text IS NULL OR r.workflow_name = $8 OR r.workflow_path = $8)"                \
	" AND ($9::timestamptz IS NULL OR r.created_at >= $9::timestamptz)"                      \
	" AND ($10::timestamptz IS NULL OR r.created_at < $10::timestamptz)"                     \
	" AND ($11::timestamptz IS NULL OR (r.created_at, r.id) < ($11::timestamptz, $12::bigint)) " \
	"ORDER BY r.created_at DESC, r.id DESC LIMIT $13::int"

static const char RUNS_LIST_SQL[] = "SELECT " RUN_COLUMNS
				    " FROM runs r JOIN repositories rp ON rp.id = r.repository_id "
				    "WHERE " RUNS_LIST_WHERE;

/* With pr (and so repo): the same filters over the runs that can be the PR's — its
 * links, and the runs of its repository at its head SHA, its head branch or one of
 * its earlier head SHAs (a superset of what the filter keeps) — found through
 * indexes instead of walking the repository's whole history. */
static const char RUNS_LIST_BY_PR_SQL[] =
	"SELECT " RUN_COLUMNS " FROM runs r JOIN repositories rp ON rp.id = r.repository_id "
	"WHERE r.id IN (SELECT l.run_id FROM run_pull_requests l WHERE l.pr_number = $7::int"
	" UNION ALL SELECT r2.id FROM pull_requests pq JOIN runs r2"
	"  ON r2.repository_id = pq.repository_id AND r2.head_sha = pq.head_sha"
	"  WHERE pq.number = $7::int AND pq.repository_id IN"
	"  (SELECT id FROM repositories WHERE lower(full_name) = lower($1))"
	" UNION ALL SELECT r2.id FROM pull_requests pq JOIN runs r2"
	"  ON r2.repository_id = pq.repository_id AND r2.head_branch = pq.head_ref"
	"  WHERE pq.number = $7::int AND pq.repository_id IN"
	"  (SELECT id FROM repositories WHERE lower(full_name) = lower($1))"
	" UNION ALL SELECT r2.id FROM pull_requests pq"
	"  JOIN pull_request_shas s ON s.pull_request_id = pq.id"
	"  JOIN runs r2 ON r2.repository_id = pq.repository_id AND r2.head_sha = s.sha"
	"  WHERE pq.number = $7::int AND pq.repository_id IN"
	"  (SELECT id FROM repositories WHERE lower(full_name) = lower($1))) "
	"AND " RUNS_LIST_WHERE;

int db_runs_list(struct db_conn *c, const struct db_runs_filter *f, struct db_runs_page *page)
{
	memset(page, 0, sizeof *page);
	char before_id[24], limit[16];
	snprintf(before_id, sizeof before_id, "%lld", (long long)f->before_id);
	snprintf(limit, sizeof limit, "%d", f->limit + 1);
	const char *p[13] = {f->repo,
			     f->kind,
			     f->branch,
			     f->status,
			     f->conclusion,
			     f->sha,
			     f->pr,
			     f->workflow,
			     f->since,
			     f->until,
			     f->has_cursor ? f->before_time : NULL,
			     f->has_cursor ? before_id : NULL,
			     limit};
	PGresult *res = NULL;
	int n = db_query(c, f->pr ? RUNS_LIST_BY_PR_SQL : RUNS_LIST_SQL, 13, p, &res);
	if (n < 0) {
		PQclear(res);
		return n;
	}
	page->items = json_array();
	int shown = n > f->limit ? f->limit : n;
	for (int i = 0; i < shown; i++)
		json_array_append_new(page->items, run_json(res, i));
	if (n > f->limit) {
		page->more = true;
		page->next_id = db_get_i64(res, shown - 1, 0);
		snprintf(page->next_time, sizeof page->next_time, "%s",
			 PQgetvalue(res, shown - 1, 20));
	}
	PQclear(res);
	return n;
}

static const char *const stage_order[] = {"lint", "unit", "integration", "build",
					  "publish", "e2e", "other"};

static json_t *job_json(const PGresult *res, int i)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", db_get_json_int(res, i, 1));
	json_object_set_new(o, "external_id", db_get_json_text(res, i, 2));
	json_object_set_new(o, "name", db_get_json_text(res, i, 3));
	json_object_set_new(o, "stage", db_get_json_text(res, i, 4));
	json_object_set_new(o, "required", json_boolean(db_get_bool(res, i, 5)));
	json_object_set_new(o, "status", db_get_json_text(res, i, 6));
	json_object_set_new(o, "conclusion", db_get_json_text(res, i, 7));
	json_object_set_new(o, "queued_at", db_get_json_text(res, i, 8));
	json_object_set_new(o, "started_at", db_get_json_text(res, i, 9));
	json_object_set_new(o, "completed_at", db_get_json_text(res, i, 10));
	json_object_set_new(o, "duration_seconds", db_get_json_int(res, i, 11));
	json_object_set_new(o, "runner", db_get_json_text(res, i, 12));
	json_t *labels = json_loads(PQgetvalue(res, i, 13), 0, NULL);
	json_object_set_new(o, "labels", labels ? labels : json_array());
	json_object_set_new(o, "url", db_get_json_text(res, i, 15));
	json_t *steps = json_loads(PQgetvalue(res, i, 14), 0, NULL);
	json_object_set_new(o, "steps", steps ? steps : json_array());
	return o;
}

/* Appends a job to its attempt's stage group (stages kept in pipeline order). */
static void add_job(json_t *stages, const char *stage, json_t *job)
{
	size_t i;
	json_t *g;
	json_array_foreach(stages, i, g)
	{
		if (!strcmp(json_string_value(json_object_get(g, "stage")), stage)) {
			json_array_append_new(json_object_get(g, "jobs"), job);
			return;
		}
	}
	/* queries return jobs in stage order, so a new stage goes last */
	json_array_append_new(stages, json_pack("{s:s, s:[o]}", "stage", stage, "jobs", job));
}

int db_runs_get(struct db_conn *c, int64_t run_id, json_t **out)
{
	*out = NULL;
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)run_id);
	const char *p[1] = {id};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " RUN_COLUMNS ", cm.sha IS NOT NULL, cm.message, cm.author_name,"
			 " cm.author_email, cm.author_login, " SQL_TS("cm.committed_at") ", cm.html_url "
			 "FROM runs r JOIN repositories rp ON rp.id = r.repository_id "
			 "LEFT JOIN commits cm ON cm.repository_id = r.repository_id"
			 " AND cm.sha = r.head_sha "
			 "WHERE r.id = $1::bigint",
			 1, p, &res);
	if (n <= 0) {
		PQclear(res);
		return n;
	}
	json_t *run = run_json(res, 0);
	json_t *commit = json_null();
	if (!PQgetisnull(res, 0, 9)) {
		bool known = db_get_bool(res, 0, RUN_NCOLS);
		commit = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "sha",
				   db_get_json_text(res, 0, 9), "message",
				   known ? db_get_json_text(res, 0, RUN_NCOLS + 1) : json_null(), "author",
				   known ? db_get_json_text(res, 0, RUN_NCOLS + 2) : json_null(),
				   "author_email",
				   known ? db_get_json_text(res, 0, RUN_NCOLS + 3) : json_null(),
				   "author_login",
				   known ? db_get_json_text(res, 0, RUN_NCOLS + 4) : json_null(),
				   "committed_at",
				   known ? db_get_json_text(res, 0, RUN_NCOLS + 5) : json_null(), "url",
				   known ? db_get_json_text(res, 0, RUN_NCOLS + 6) : json_null());
	}
	PQclear(res);

	n = db_query(c,
		     "SELECT a.id, a.attempt, a.status, a.conclusion, " SQL_TS("a.queued_at") ", "
		     SQL_TS("a.started_at") ", " SQL_TS("a.completed_at") ", "
		     DURATION("a.started_at", "a.completed_at") ", a.html_url "
		     "FROM run_attempts a WHERE a.run_id = $1::bigint ORDER BY a.attempt",
		     1, p, &res);
	if (n < 0)
		goto fail;
	json_t *attempts = json_array();
	json_object_set_new(run, "attempts", attempts);
	for (int i = 0; i < n; i++) {
		json_t *a = json_object();
		json_object_set_new(a, "attempt", db_get_json_int(res, i, 1));
		json_object_set_new(a, "status", db_get_json_text(res, i, 2));
		json_object_set_new(a, "conclusion", db_get_json_text(res, i, 3));
		json_object_set_new(a, "queued_at", db_get_json_text(res, i, 4));
		json_object_set_new(a, "started_at", db_get_json_text(res, i, 5));
		json_object_set_new(a, "completed_at", db_get_json_text(res, i, 6));
		json_object_set_new(a, "duration_seconds", db_get_json_int(res, i, 7));
		json_object_set_new(a, "url", db_get_json_text(res, i, 8));
		json_object_set_new(a, "stages", json_array());
		json_object_set_new(a, "_id", db_get_json_int(res, i, 0));
		json_array_append_new(attempts, a);
	}
	PQclear(res);

	n = db_query(c,
		     "SELECT j.attempt_id, j.id, j.external_id, j.name, j.stage, j.required, j.status,"
		     " j.conclusion, " SQL_TS("j.queued_at") ", " SQL_TS("j.started_at") ", "
		     SQL_TS("j.completed_at") ", " DURATION("j.started_at", "j.completed_at") ","
		     " j.runner_name, j.labels::text, j.steps::text, j.html_url "
		     "FROM jobs j JOIN run_attempts a ON a.id = j.attempt_id "
		     "WHERE a.run_id = $1::bigint "
		     "ORDER BY a.attempt, array_position(ARRAY['lint', 'unit', 'integration', 'build',"
		     " 'publish', 'e2e', 'other'], j.stage), j.name COLLATE \"C\","
		     " j.external_id COLLATE \"C\", j.id",
		     1, p, &res);
	if (n < 0)
		goto fail;
	size_t ai = 0;
	for (int i = 0; i < n; i++) {
		json_int_t attempt_id = db_get_i64(res, i, 0);
		json_t *a = NULL;
		for (; ai < json_array_size(attempts); ai++) {
			a = json_array_get(attempts, ai);
			if (json_integer_value(json_object_get(a, "_id")) == attempt_id)
				break;
			a = NULL;
		}
		if (!a) /* cannot happen: both ordered by attempt */
			break;
		const char *stage = PQgetvalue(res, i, 4);
		bool known = false;
		for (size_t s = 0; s < sizeof stage_order / sizeof stage_order[0]; s++)
			known = known || !strcmp(stage_order[s], stage);
		add_job(json_object_get(a, "stages"), known ? stage : "other", job_json(res, i));
	}
	PQclear(res);
	size_t k;
	json_t *a;
	json_array_foreach(attempts, k, a)
	{
		json_object_del(a, "_id");
	}

	/* explicit links, plus PRs whose head SHAs or branch match the run's */
	n = db_query(c,
		     "WITH r AS (SELECT ru.id, ru.repository_id, ru.head_sha, ru.head_branch,"
		     "   rp.default_branch FROM runs ru JOIN repositories rp ON rp.id = ru.repository_id"
		     "   WHERE ru.id = $1::bigint),"
		     /* one UNION branch per way of matching, each an index lookup */
		     " linked AS (SELECT l.pr_number AS number FROM run_pull_requests l"
		     "   WHERE l.run_id = $1::bigint"
		     "   UNION SELECT pq.number FROM pull_requests pq, r"
		     "   WHERE pq.repository_id = r.repository_id AND pq.head_sha = r.head_sha"
		     "   UNION SELECT pq.number FROM pull_requests pq, r"
		     "   WHERE pq.repository_id = r.repository_id AND pq.head_ref = r.head_branch"
		     "   AND r.head_branch <> r.default_branch"
		     "   UNION SELECT pq.number FROM pull_request_shas s, pull_requests pq, r"
		     "   WHERE s.sha = r.head_sha AND pq.id = s.pull_request_id"
		     "   AND pq.repository_id = r.repository_id) "
		     "SELECT linked.number, pq.title, pq.state, pq.html_url, pq.merged "
		     "FROM linked CROSS JOIN r LEFT JOIN pull_requests pq"
		     " ON pq.repository_id = r.repository_id AND pq.number = linked.number "
		     "ORDER BY linked.number",
		     1, p, &res);
	if (n < 0)
		goto fail;
	json_t *prs = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(
			prs, json_pack("{s:o, s:o, s:o, s:o, s:o}", "number", db_get_json_int(res, i, 0),
				       "title", db_get_json_text(res, i, 1), "state",
				       db_get_json_text(res, i, 2), "url", db_get_json_text(res, i, 3),
				       "merged",
				       PQgetisnull(res, i, 4)
					       ? json_null()
					       : json_boolean(db_get_bool(res, i, 4))));
	PQclear(res);
	json_object_set_new(run, "pull_requests", prs);
	json_object_set_new(run, "commit", commit);
	*out = run;
	return 1;
fail:
	PQclear(res);
	json_decref(run);
	json_decref(commit);
	return n < 0 ? n : DB_HARD_ERROR;
}

/* ---- POST /api/v1/runs ---- */

int db_runs_report_repository(struct db_conn *c, const char *full_name,
			      const char *default_branch, struct db_runs_repository *out)
{
	const char *rp[2] = {full_name, default_branch};
	PGresult *res = NULL;
	int n = db_query(c,
			 "INSERT INTO repositories (full_name, default_branch) VALUES ($1,"
			 " coalesce($2, 'main')) ON CONFLICT (lower(full_name)) DO UPDATE SET"
			 " default_branch = coalesce($2, repositories.default_branch) "
			 "RETURNING id, full_name, default_branch",
			 2, rp, &res);
	if (n <= 0) {
		PQclear(res);
		return n < 0 ? n : DB_HARD_ERROR;
	}
	out->id = db_get_i64(res, 0, 0);
	snprintf(out->full_name, sizeof out->full_name, "%s", PQgetvalue(res, 0, 1));
	snprintf(out->default_branch, sizeof out->default_branch, "%s", PQgetvalue(res, 0, 2));
	PQclear(res);
	return DB_OK;
}
