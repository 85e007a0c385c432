/*
 * runs.c — pipeline runs: the list (latest attempt each), one run with all
 * its attempts, jobs by stage, linked pull requests and commit, and the
 * report endpoint for CI systems other than GitHub Actions.
 *
 * Reports go through the same merge as GitHub's events
 * (db/runs.c; the rule is written out in db/runs.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "db/audit.h"
#include "db/runs.h"
#include "domain/runs_merge.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/db.h"
#include "shiplog/hex.h"

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
	struct db_runs_filter f = {.repo = repo,
				   .kind = http_param(r, "kind"),
				   .branch = http_param(r, "branch"),
				   .status = http_param(r, "status"),
				   .conclusion = http_param(r, "conclusion"),
				   .sha = http_param(r, "sha"),
				   .pr = pr,
				   .workflow = http_param(r, "workflow"),
				   .since = http_param(r, "since"),
				   .until = http_param(r, "until"),
				   .has_cursor = pg.has_cursor,
				   .before_time = pg.before_time,
				   .before_id = pg.before_id,
				   .limit = pg.limit};
	struct db_runs_page page;
	if (db_runs_list(c, &f, &page) < 0) {
		http_reply_db_failure(r, "could not list runs");
		return;
	}
	char *next = page.more ? api_cursor_make(page.next_id, page.next_time) : NULL;
	http_reply_list(r, page.items, next);
	free(next);
}

/* ---- GET /api/v1/runs/{id} ---- */

void api_runs_get(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	const char *id = http_param(r, "id");
	json_t *run;
	int rc = db_runs_get(c, http_param_int(r, "id", 0), &run);
	if (rc < 0) {
		http_reply_db_failure(r, "could not read the run");
		return;
	}
	if (rc == 0) {
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
	struct db_audit_who who;
};

static int report_tx(struct db_conn *c, void *arg)
{
	struct report_ctx *x = arg;
	const struct config *cfg = x->r->app->cfg;
	const struct config_repository *cr = config_find_repository(cfg, x->repo);
	struct db_runs_repository repo;
	int n = db_runs_report_repository(c, x->repo, cr ? cr->default_branch : NULL, &repo);
	if (n < 0)
		return n;
	x->f.cfg = cfg;
	x->f.repo_id = repo.id;
	x->f.repo_name = repo.full_name;
	x->f.default_branch = repo.default_branch;

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
		config_classify_job(cfg, repo.full_name, name, &stage, &required);
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
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)x->run_id);
	json_t *after = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s?, s:s, s:b, s:I}", "repository",
				  x->repo, "provider", x->f.provider, "external_id",
				  x->f.external_id, "attempt", x->f.attempt, "status", x->f.status,
				  "conclusion", x->f.conclusion, "sha", x->f.head_sha, "created",
				  x->created, "jobs",
				  (json_int_t)json_array_size(json_object_get(x->body, "jobs")));
	rc = db_audit_record(c, &x->who,
			     &(struct db_audit_change){.action = "run.reported",
						       .target_type = "run",
						       .target_id = id,
						       .after = after});
	json_decref(after);
	return rc < 0 ? rc : DB_OK;
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
	api_audit_who(r, &x.who);
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
		http_reply_db_failure(r, "could not store the run");
		return;
	}
	json_t *run;
	if (db_runs_get(c, x.run_id, &run) != 1) {
		http_reply_db_failure(r, "stored the run but could not read it");
		return;
	}
	char loc[64];
	snprintf(loc, sizeof loc, "/api/v1/runs/%lld", (long long)x.run_id);
	http_reply_header(r, "Location", loc);
	http_reply_json(r, x.created ? 201 : 200, run);
}
