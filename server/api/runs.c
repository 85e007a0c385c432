/*
 * runs.c — pipeline runs: the list (latest attempt each), one run with all
 * its attempts, jobs by stage, linked pull requests and commit, and the
 * report endpoint for CI systems other than GitHub Actions.
 *
 * Reports go through the same merge as GitHub's events
 * (db/runs.c; the rule is at the top of webhooks/gh_runs.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "db/result.h"
#include "db/runs.h"
#include "db/sql_time.h"
#include "domain/runs_merge.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/db.h"
#include "shiplog/hex.h"

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

/* The filters of the runs list ($1..$13, see api_runs_list).  The repository is
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

/* ---- GET /api/v1/runs ---- */

void api_runs_list(struct http_request *r)
{
	struct api_page pg;
	if (!api_page_parse(r, &pg))
		return;
	if (pg.has_cursor && !pg.before_time[0]) {
		http_reply_field_problem(r, PROBLEM_INVALID_PARAMETER, "cursor",
					 "not a cursor of this list; use the next link of a page");
		return;
	}
	const char *repo = http_param(r, "repo");
	const char *pr = http_param(r, "pr");
	if (pr && !repo) {
		http_reply_field_problem(r, PROBLEM_INVALID_PARAMETER, "pr",
					 "needs repo (pull request numbers are per repository)");
		return;
	}
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	char before_id[24], limit[16];
	snprintf(before_id, sizeof before_id, "%lld", (long long)pg.before_id);
	snprintf(limit, sizeof limit, "%d", pg.limit + 1);
	const char *p[13] = {repo,
			     http_param(r, "kind"),
			     http_param(r, "branch"),
			     http_param(r, "status"),
			     http_param(r, "conclusion"),
			     http_param(r, "sha"),
			     pr,
			     http_param(r, "workflow"),
			     http_param(r, "since"),
			     http_param(r, "until"),
			     pg.has_cursor ? pg.before_time : NULL,
			     pg.has_cursor ? before_id : NULL,
			     limit};
	PGresult *res = NULL;
	int n = db_query(c, pr ? RUNS_LIST_BY_PR_SQL : RUNS_LIST_SQL, 13, p, &res);
	if (n < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not list runs");
		return;
	}
	json_t *items = json_array();
	int shown = n > pg.limit ? pg.limit : n;
	for (int i = 0; i < shown; i++)
		json_array_append_new(items, run_json(res, i));
	char *next = n > pg.limit ? api_cursor_make(db_get_i64(res, shown - 1, 0),
						    PQgetvalue(res, shown - 1, 20))
				  : NULL;
	PQclear(res);
	http_reply_list(r, items, next);
	free(next);
}

/* ---- GET /api/v1/runs/{id} ---- */

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

/* 0 found (*out set), 1 no such run, < 0 database error. */
static int run_detail(struct db_conn *c, const char *id, json_t **out)
{
	*out = NULL;
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
		return n < 0 ? n : 1;
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
	return 0;
fail:
	PQclear(res);
	json_decref(run);
	json_decref(commit);
	return n < 0 ? n : DB_HARD_ERROR;
}

void api_runs_get(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	const char *id = http_param(r, "id");
	json_t *run;
	int rc = run_detail(c, id, &run);
	if (rc < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not read the run");
		return;
	}
	if (rc == 1) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no run %s", id);
		return;
	}
	http_reply_json(r, 200, run);
}

/* ---- POST /api/v1/runs ---- */

static const char *const job_statuses[] = {"queued", "in_progress", "waiting", "completed", NULL};
static const char *const job_conclusions[] = {"success",   "failure",         "cancelled",
					      "skipped",   "timed_out",       "action_required",
					      "neutral",   "stale",           NULL};
static const char *const job_stages[] = {"lint", "unit", "integration", "build",
					 "publish", "e2e", "other", NULL};

/* One item of jobs[] (checked here: the route's spec only says "object"). */
static const struct param_spec job_item_spec[] = {
	{"name", PARAM_BODY, PARAM_STRING, true, 1, 255, NULL, "Job name", 0},
	{"status", PARAM_BODY, PARAM_ENUM, true, 0, 0, job_statuses, "Status", 0},
	{"conclusion", PARAM_BODY, PARAM_ENUM, false, 0, 0, job_conclusions,
	 "Conclusion (with status completed)", 0},
	{"started_at", PARAM_BODY, PARAM_TIME, false, 0, 0, NULL, "Started at", 0},
	{"completed_at", PARAM_BODY, PARAM_TIME, false, 0, 0, NULL,
	 "Completed at (not before started_at)", 0},
	{"url", PARAM_BODY, PARAM_STRING, false, 1, 2048, NULL, "Link to the job", 0},
	{"runner", PARAM_BODY, PARAM_STRING, false, 1, 255, NULL, "Runner name", 0},
	{"stage", PARAM_BODY, PARAM_ENUM, false, 0, 0, job_stages,
	 "Stage (default: from the config)", 0},
	{"required", PARAM_BODY, PARAM_BOOL, false, 0, 0, NULL,
	 "Must succeed for the run to be green (default: from the config)", 0},
	{0},
};

static const char *body_str(const json_t *body, const char *key)
{
	const json_t *v = json_object_get(body, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* An RFC 3339 body time normalised to UTC seconds (validated already). */
static const char *body_time(const json_t *body, const char *key, char *buf, size_t size)
{
	const char *s = body_str(body, key);
	int64_t us;
	if (!s || !clock_parse_rfc3339(s, &us))
		return NULL;
	clock_format_rfc3339(us, buf, size);
	return buf;
}

/* A run or job cannot complete before it started: false after a 400 naming
 * `at`/completed_at (the times were validated already). */
static bool check_started_before_completed(struct http_request *r, const json_t *o,
					   const char *at)
{
	const char *started = body_str(o, "started_at"), *completed = body_str(o, "completed_at");
	int64_t s_us, c_us;
	if (!started || !completed || !clock_parse_rfc3339(started, &s_us) ||
	    !clock_parse_rfc3339(completed, &c_us) || c_us >= s_us)
		return true;
	char ptr[80];
	snprintf(ptr, sizeof ptr, "%s", at);
	http_json_pointer_push(ptr, sizeof ptr, "completed_at");
	http_reply_field_problem(r, PROBLEM_INVALID_FIELD, ptr, "before started_at (%s)", started);
	return false;
}

static void now_us_text(char *buf, size_t size)
{
	int64_t us = clock_now_us();
	time_t s = (time_t)(us / 1000000);
	struct tm tm;
	gmtime_r(&s, &tm);
	char base[32];
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%06ldZ", base, (long)(us % 1000000));
}

struct report_ctx {
	struct http_request *r;
	const json_t *body;
	struct run_fact f;
	const char *repo;
	const char *event_time;
	int64_t run_id;
	bool created;
};

static int report_tx(struct db_conn *c, void *arg)
{
	struct report_ctx *x = arg;
	const struct config *cfg = x->r->app->cfg;
	const struct config_repository *cr = config_find_repository(cfg, x->repo);
	const char *rp[2] = {x->repo, cr ? cr->default_branch : NULL};
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
	char repo_name[256], default_branch[256];
	snprintf(repo_name, sizeof repo_name, "%s", PQgetvalue(res, 0, 1));
	snprintf(default_branch, sizeof default_branch, "%s", PQgetvalue(res, 0, 2));
	x->f.cfg = cfg;
	x->f.repo_id = db_get_i64(res, 0, 0);
	x->f.repo_name = repo_name;
	x->f.default_branch = default_branch;
	PQclear(res);

	struct run_merge_state st;
	int rc = db_runs_merge_run(c, &x->f, &st);
	if (rc < 0)
		return rc;
	const char *actor = x->r->who.subject[0] ? x->r->who.subject : "api";
	size_t i;
	const json_t *item;
	json_array_foreach(json_object_get(x->body, "jobs"), i, item)
	{
		char started[40], completed[40];
		const char *name = body_str(item, "name");
		const char *status = body_str(item, "status");
		bool done = !strcmp(status, "completed");
		enum job_stage stage;
		bool required;
		config_classify_job(cfg, repo_name, name, &stage, &required);
		const char *given_stage = body_str(item, "stage");
		int req = json_is_boolean(json_object_get(item, "required"))
				  ? json_is_true(json_object_get(item, "required"))
				  : -1;
		struct job_fact j = {0};
		j.external_id = name;
		j.name = name;
		j.stage = given_stage ? given_stage : config_stage_name(stage);
		j.required = req >= 0 ? req == 1 : required;
		j.status = status;
		j.conclusion = done ? body_str(item, "conclusion") : NULL;
		j.started_at = body_time(item, "started_at", started, sizeof started);
		j.completed_at = body_time(item, "completed_at", completed, sizeof completed);
		if (done && !j.completed_at)
			j.completed_at = x->event_time;
		j.event_time = x->event_time;
		j.runner_name = body_str(item, "runner");
		j.html_url = body_str(item, "url");
		rc = db_runs_merge_job(c, &st, &j, actor);
		if (rc < 0)
			return rc;
	}
	rc = db_runs_merge_finish(c, &st, actor);
	if (rc < 0)
		return rc;
	x->run_id = st.run_id;
	x->created = st.run_created;
	return DB_OK;
}

/* Checks jobs[] item by item; replies 400 naming jobs[i].field and
 * returns false on the first problem. */
static bool check_jobs(struct http_request *r, const json_t *jobs)
{
	size_t i;
	const json_t *item;
	json_array_foreach(jobs, i, item)
	{
		char at[64];
		snprintf(at, sizeof at, "/jobs/%zu", i);
		if (!http_body_check_reply(r, job_item_spec, item, at) ||
		    !check_started_before_completed(r, item, at))
			return false;
		const char *status = body_str(item, "status");
		const json_t *conclusion = json_object_get(item, "conclusion");
		if (conclusion && !json_is_null(conclusion) && strcmp(status, "completed")) {
			http_json_pointer_push(at, sizeof at, "conclusion");
			http_reply_field_problem(r, PROBLEM_INVALID_FIELD, at,
						 "only with status completed");
			return false;
		}
		const char *name = body_str(item, "name");
		for (size_t k = 0; k < i; k++) {
			if (!strcmp(body_str(json_array_get(jobs, k), "name"), name)) {
				http_json_pointer_push(at, sizeof at, "name");
				http_reply_field_problem(r, PROBLEM_INVALID_FIELD, at,
							 "the same name as jobs[%zu]", k);
				return false;
			}
		}
	}
	return true;
}

void api_runs_report(struct http_request *r)
{
	const json_t *body = r->json;
	const char *status = body_str(body, "status");
	const json_t *conclusion = json_object_get(body, "conclusion");
	if (conclusion && !json_is_null(conclusion) && strcmp(status, "completed")) {
		http_reply_field_problem(r, PROBLEM_INVALID_FIELD, "/conclusion",
					 "only with status completed");
		return;
	}
	if (!check_started_before_completed(r, body, "") ||
	    !check_jobs(r, json_object_get(body, "jobs")))
		return;

	struct report_ctx x = {0};
	x.r = r;
	x.body = body;
	x.repo = body_str(body, "repository");
	char now[48], queued[40], started[40], completed[40], updated[40], sha[48];
	const char *updated_at = body_time(body, "updated_at", updated, sizeof updated);
	if (!updated_at) {
		now_us_text(now, sizeof now);
		updated_at = now;
	}
	x.event_time = updated_at;
	int64_t attempt = 1;
	if (json_is_integer(json_object_get(body, "attempt")))
		attempt = json_integer_value(json_object_get(body, "attempt"));
	const char *s = body_str(body, "sha");
	hex_lower_copy(sha, s, sizeof sha - 1);
	char num[32];
	const json_t *run_number = json_object_get(body, "run_number");
	if (json_is_integer(run_number))
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(run_number));

	bool done = !strcmp(status, "completed");
	struct run_fact *f = &x.f;
	f->provider = body_str(body, "provider");
	f->external_id = body_str(body, "external_id");
	f->attempt = (int)attempt;
	f->run_level = true;
	f->workflow_name = body_str(body, "workflow");
	f->workflow_path = body_str(body, "workflow_path");
	f->kind_given = body_str(body, "kind");
	f->event = body_str(body, "event");
	f->head_branch = body_str(body, "branch");
	f->head_sha = sha;
	f->run_number = json_is_integer(run_number) ? num : NULL;
	f->html_url = body_str(body, "url");
	f->status = status;
	f->conclusion = done ? body_str(body, "conclusion") : NULL;
	f->queued_at = body_time(body, "queued_at", queued, sizeof queued);
	f->started_at = body_time(body, "started_at", started, sizeof started);
	f->completed_at = body_time(body, "completed_at", completed, sizeof completed);
	if (done && !f->completed_at)
		f->completed_at = updated_at;
	f->event_time = updated_at;
	f->created_at = f->queued_at ? f->queued_at : f->started_at ? f->started_at : updated_at;

	struct db_conn *c = http_db(r);
	if (!c)
		return;
	if (db_transaction(c, report_tx, &x) < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not store the run");
		return;
	}
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)x.run_id);
	json_t *run;
	if (run_detail(c, id, &run) != 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "stored the run but could not read it");
		return;
	}
	char loc[64];
	snprintf(loc, sizeof loc, "/api/v1/runs/%s", id);
	http_reply_header(r, "Location", loc);
	http_reply_json(r, x.created ? 201 : 200, run);
}
