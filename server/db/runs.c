/*
 * db/runs.c — the statements of pipeline runs, attempts and jobs (see
 * db/runs.h).
 *
 * The merge: one upsert per row, following the merge rule written out in
 * webhooks/gh_runs.c, with its inputs from domain/runs_merge.c.
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
