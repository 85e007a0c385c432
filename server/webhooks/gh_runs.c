/*
 * gh_runs.c — workflow_run and workflow_job: pipeline runs, their attempts
 * and their jobs.
 *
 * The merge rule (order independence) of runs, attempts and jobs is written
 * out in db/runs.h, beside the statements that apply it; this file maps
 * GitHub's payloads to its facts (domain/runs_merge.h).
 *
 * Domain events: "run.updated" {run_id, attempt, status, conclusion} when the
 * run, the attempt or a link changed; "job.updated" {run_id, attempt, job_id,
 * external_id, name, status, conclusion} when a job changed.
 */
#include <stdio.h>
#include <string.h>

#include "db/runs.h"
#include "domain/runs_merge.h"
#include "shiplog/hex.h"
#include "webhooks/github_events.h"

#define PROVIDER "github-actions"

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

static const char *lower_sha(const char *s, char *buf, size_t size)
{
	if (!s || strlen(s) >= size)
		return s;
	hex_lower_copy(buf, s, size - 1);
	return buf;
}

int gh_on_workflow_run(struct webhook_ctx *ctx)
{
	const json_t *wr = wj_get(ctx->payload, "workflow_run");
	if (!json_is_object(wr))
		return webhook_bad(ctx, "workflow_run: missing or not an object");
	char idbuf[32];
	const char *id = wj_int_text(wr, "id", idbuf, sizeof idbuf);
	if (!id)
		return webhook_bad(ctx, "workflow_run.id: missing or not an integer");
	int64_t attempt = 1;
	if (wj_get(wr, "run_attempt") && !json_is_null(wj_get(wr, "run_attempt")) &&
	    (!wj_int(wr, "run_attempt", &attempt) || attempt < 1 || attempt > 100000))
		return webhook_bad(ctx, "workflow_run.run_attempt: expected a positive integer");
	int rc = webhook_repo(ctx);
	if (rc < 0)
		return rc;

	const char *status = runs_status_normalise(wj_str(wr, "status"));
	bool completed = status && !strcmp(status, "completed");
	bool started = completed || (status && !strcmp(status, "in_progress"));
	char created[40], run_started[40], updated[40], wid[32], num[32], sha[48];
	const char *created_at = wj_time(wr, "created_at", created, sizeof created);
	const char *run_started_at = wj_time(wr, "run_started_at", run_started, sizeof run_started);
	const char *updated_at = wj_time(wr, "updated_at", updated, sizeof updated);

	struct run_fact f = {0};
	f.cfg = ctx->cfg;
	f.repo_id = ctx->repo_id;
	f.repo_name = ctx->repo_name;
	f.default_branch = ctx->default_branch;
	f.provider = PROVIDER;
	f.external_id = id;
	f.attempt = (int)attempt;
	f.run_level = true;
	/* every real example has name "" here: the workflow object names it */
	f.workflow_name = nonempty(wj_str(wr, "name"));
	if (!f.workflow_name)
		f.workflow_name = nonempty(wj_str(ctx->payload, "workflow.name"));
	f.workflow_path = nonempty(wj_str(wr, "path"));
	if (!f.workflow_path)
		f.workflow_path = nonempty(wj_str(ctx->payload, "workflow.path"));
	f.workflow_id = wj_int_text(wr, "workflow_id", wid, sizeof wid);
	if (!f.workflow_id)
		f.workflow_id = wj_int_text(ctx->payload, "workflow.id", wid, sizeof wid);
	f.event = nonempty(wj_str(wr, "event"));
	f.head_branch = nonempty(wj_str(wr, "head_branch"));
	f.head_sha = lower_sha(nonempty(wj_str(wr, "head_sha")), sha, sizeof sha);
	f.run_number = wj_int_text(wr, "run_number", num, sizeof num);
	f.html_url = nonempty(wj_str(wr, "html_url"));
	f.display_title = nonempty(wj_str(wr, "display_title"));
	f.created_at = created_at ? created_at : ctx->received_at;
	f.status = status;
	f.conclusion = completed ? nonempty(wj_str(wr, "conclusion")) : NULL;
	/* a re-run is queued when it is requested: run_started_at of that attempt */
	f.queued_at = attempt == 1 ? created_at : (run_started_at ? run_started_at : created_at);
	f.started_at = started ? run_started_at : NULL;
	f.completed_at = completed ? (updated_at ? updated_at : ctx->received_at) : NULL;
	f.event_time = updated_at;

	struct run_merge_state st;
	rc = db_runs_merge_run(ctx->db, &f, &st);
	if (rc < 0)
		return rc;
	const json_t *prs = wj_get(wr, "pull_requests");
	size_t i;
	const json_t *pr;
	json_array_foreach(prs, i, pr)
	{
		int64_t number;
		if (!wj_int(pr, "number", &number) || number < 1 || number > 2147483647)
			continue;
		rc = db_runs_link_pull_request(ctx->db, &st, number);
		if (rc < 0)
			return rc;
	}
	rc = db_runs_merge_finish(ctx->db, &st, ctx->actor);
	return rc < 0 ? rc : WH_OK;
}

int gh_on_workflow_job(struct webhook_ctx *ctx)
{
	const json_t *wj = wj_get(ctx->payload, "workflow_job");
	if (!json_is_object(wj))
		return webhook_bad(ctx, "workflow_job: missing or not an object");
	char idbuf[32], runbuf[32];
	const char *id = wj_int_text(wj, "id", idbuf, sizeof idbuf);
	if (!id)
		return webhook_bad(ctx, "workflow_job.id: missing or not an integer");
	const char *run_id = wj_int_text(wj, "run_id", runbuf, sizeof runbuf);
	if (!run_id)
		return webhook_bad(ctx, "workflow_job.run_id: missing or not an integer");
	int64_t attempt = 1;
	if (wj_get(wj, "run_attempt") && !json_is_null(wj_get(wj, "run_attempt")) &&
	    (!wj_int(wj, "run_attempt", &attempt) || attempt < 1 || attempt > 100000))
		return webhook_bad(ctx, "workflow_job.run_attempt: expected a positive integer");
	int rc = webhook_repo(ctx);
	if (rc < 0)
		return rc;

	const char *status = runs_status_normalise(wj_str(wj, "status"));
	bool completed = status && !strcmp(status, "completed");
	bool started = completed || (status && !strcmp(status, "in_progress"));
	char created[40], started_buf[40], completed_buf[40], sha[48];
	const char *created_at = wj_time(wj, "created_at", created, sizeof created);
	const char *started_at = started ? wj_time(wj, "started_at", started_buf, sizeof started_buf)
					 : NULL;
	const char *completed_at =
		completed ? wj_time(wj, "completed_at", completed_buf, sizeof completed_buf) : NULL;

	/* the run as far as a job knows it: the run events complete it */
	struct run_fact f = {0};
	f.cfg = ctx->cfg;
	f.repo_id = ctx->repo_id;
	f.repo_name = ctx->repo_name;
	f.default_branch = ctx->default_branch;
	f.provider = PROVIDER;
	f.external_id = run_id;
	f.attempt = (int)attempt;
	f.run_level = false;
	f.workflow_name = nonempty(wj_str(wj, "workflow_name"));
	f.head_branch = nonempty(wj_str(wj, "head_branch"));
	f.head_sha = lower_sha(nonempty(wj_str(wj, "head_sha")), sha, sizeof sha);
	f.created_at = created_at ? created_at : ctx->received_at;

	struct run_merge_state st;
	rc = db_runs_merge_run(ctx->db, &f, &st);
	if (rc < 0)
		return rc;

	const char *name = nonempty(wj_str(wj, "name"));
	enum job_stage stage;
	bool required;
	config_classify_job(ctx->cfg, ctx->repo_name, name ? name : id, &stage, &required);
	json_t *labels = json_array();
	size_t i;
	const json_t *l;
	json_array_foreach(wj_get(wj, "labels"), i, l)
	{
		if (json_is_string(l))
			json_array_append_new(labels, json_string(json_string_value(l)));
	}
	json_t *steps = runs_steps_normalise(wj_get(wj, "steps"));

	struct job_fact j = {0};
	j.external_id = id;
	j.name = name ? name : id;
	j.stage = config_stage_name(stage);
	j.required = required;
	j.status = status;
	j.conclusion = completed ? nonempty(wj_str(wj, "conclusion")) : NULL;
	j.queued_at = created_at;
	j.started_at = started_at;
	j.completed_at = completed_at;
	j.event_time = completed ? completed_at : started ? started_at : created_at;
	j.runner_name = nonempty(wj_str(wj, "runner_name"));
	j.html_url = nonempty(wj_str(wj, "html_url"));
	j.labels = labels;
	j.steps = steps;
	rc = db_runs_merge_job(ctx->db, &st, &j, ctx->actor);
	json_decref(labels);
	json_decref(steps);
	if (rc < 0)
		return rc;
	rc = db_runs_merge_finish(ctx->db, &st, ctx->actor);
	return rc < 0 ? rc : WH_OK;
}
