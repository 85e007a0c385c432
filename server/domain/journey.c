/*
 * domain/journey.c — a pull request's journey from loaded facts (see
 * domain/journey.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/journey.h"
#include "shiplog/clock.h"
#include "shiplog/xalloc.h"

static const json_t *default_branch_of(const json_t *pr)
{
	return json_object_get(json_object_get(pr, "merge_commit"), "default_branch");
}

void journey_plan(const json_t *pr, struct journey_plan *out)
{
	memset(out, 0, sizeof *out);
	const char *state = json_string_value(json_object_get(pr, "state"));
	out->merged = json_is_true(json_object_get(pr, "merged"));
	out->closed_unmerged = state && !strcmp(state, "closed") && !out->merged;
	/* after the merge: where the merge commit sits on the default branch */
	const json_t *db = default_branch_of(pr);
	const json_t *seq = json_object_get(db, "seq");
	out->branch = json_string_value(json_object_get(db, "name"));
	out->on_default_branch = out->merged && json_is_integer(seq) &&
				 !json_is_true(json_object_get(db, "left")) && out->branch;
	if (out->on_default_branch)
		out->merge_seq = (int64_t)json_integer_value(seq);
	out->merge_sha =
		out->merged ? json_string_value(json_object_get(pr, "merge_commit_sha")) : NULL;
}

size_t journey_ci_run_ids(const json_t *pr, int64_t *ids, size_t max)
{
	size_t n = 0, i;
	const json_t *run;
	json_array_foreach(json_object_get(pr, "runs"), i, run) {
		/* main-branch runs of the merge commit are the main pipeline, not the PR's CI */
		const char *kind = json_string_value(json_object_get(run, "kind"));
		if (kind && !strcmp(kind, "main"))
			continue;
		if (n == max)
			break;
		ids[n++] = (int64_t)json_integer_value(json_object_get(run, "id"));
	}
	return n;
}

void journey_ci_attempts_free(struct journey_ci_attempt *a, size_t n)
{
	for (size_t i = 0; a && i < n; i++) {
		free(a[i].workflow);
		free(a[i].status);
		free(a[i].conclusion);
		free(a[i].at);
		free(a[i].url);
		free(a[i].sha);
	}
	free(a);
}

void journey_main_clear(struct journey_main *m)
{
	free(m->sha);
	free(m->completed_at);
	free(m->e2e_completed_at);
	json_decref(m->runs_json);
	json_decref(m->e2e_jobs);
	memset(m, 0, sizeof *m);
}

void journey_envs_free(struct journey_env *e, size_t n)
{
	for (size_t i = 0; e && i < n; i++) {
		free(e[i].name);
		free(e[i].tier);
		free(e[i].revision);
		free(e[i].sha);
		free(e[i].at);
	}
	free(e);
}

/* Appends a step; `at` may be NULL (not reached). Takes detail. */
static void step_add(json_t *steps, const char *step, const char *title, const char *status,
		     const char *at, json_t *detail)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:o}", "step", step, "title", title, "status",
			      status, "at", at ? json_string(at) : json_null());
	json_object_set_new(o, "detail", detail ? detail : json_object());
	json_array_append_new(steps, o);
}

const char *journey_current_step(const json_t *steps)
{
	size_t i;
	const json_t *s;
	json_array_foreach(steps, i, s) {
		const char *st = json_string_value(json_object_get(s, "status"));
		const char *name = json_string_value(json_object_get(s, "step"));
		/* a CI attempt that failed but was followed by another one does not
		 * hold the change up: the later attempt speaks for it */
		const json_t *next = json_array_get(steps, i + 1);
		bool superseded = name && !strcmp(name, "ci") && next &&
				  !strcmp(json_string_value(json_object_get(next, "step")), "ci");
		if (!superseded && st && strcmp(st, "done") != 0 && strcmp(st, "skipped") != 0)
			return name;
	}
	if (!json_array_size(steps))
		return NULL;
	return json_string_value(
		json_object_get(json_array_get(steps, json_array_size(steps) - 1), "step"));
}

struct timed_step {
	json_t *step;
	bool has_at;
	int64_t at_us; /* its time; not reached: the time of the step before it */
	size_t road;   /* its place on the road */
};

static int timed_step_cmp(const void *a, const void *b)
{
	const struct timed_step *x = a, *y = b;
	if (x->at_us != y->at_us)
		return x->at_us < y->at_us ? -1 : 1;
	return x->road < y->road ? -1 : x->road > y->road;
}

void journey_order(json_t *steps)
{
	size_t n = json_array_size(steps), i;
	struct timed_step *t = xcalloc(n + 1, sizeof *t);
	int64_t before = INT64_MIN;
	for (i = 0; i < n; i++) {
		t[i].step = json_incref(json_array_get(steps, i));
		const char *at = json_string_value(json_object_get(t[i].step, "at"));
		t[i].has_at = at && clock_parse_rfc3339(at, &t[i].at_us);
		if (t[i].has_at)
			before = t[i].at_us;
		else
			t[i].at_us = before;
		t[i].road = i;
	}
	qsort(t, n, sizeof *t, timed_step_cmp);
	json_array_clear(steps);
	bool have_prev = false;
	int64_t prev = 0;
	for (i = 0; i < n; i++) {
		json_t *since = json_null();
		if (t[i].has_at) {
			if (have_prev)
				since = json_integer((t[i].at_us - prev) / 1000000);
			prev = t[i].at_us;
			have_prev = true;
		}
		json_object_set_new(t[i].step, "since_previous_seconds", since);
		json_array_append_new(steps, t[i].step);
	}
	free(t);
}

const char *journey_run_step_status(const char *status, const char *conclusion)
{
	if (!status || strcmp(status, "completed") != 0)
		return status ? "in_progress" : "pending";
	if (!conclusion)
		return "done";
	if (!strcmp(conclusion, "success") || !strcmp(conclusion, "neutral") ||
	    !strcmp(conclusion, "skipped"))
		return "done";
	if (!strcmp(conclusion, "cancelled") || !strcmp(conclusion, "stale"))
		return "skipped";
	return "failed";
}

static json_t *text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* Every attempt of the PR's runs, oldest first: the CI steps. */
static void add_ci_steps(json_t *steps, const struct journey_ci_attempt *ci, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		const struct journey_ci_attempt *a = &ci[k];
		char title[300];
		snprintf(title, sizeof title, a->attempt > 1 ? "%s (attempt %d)" : "%s",
			 a->workflow, a->attempt);
		json_t *detail =
			json_pack("{s:I, s:i, s:o, s:o, s:o, s:o}", "run_id", (json_int_t)a->run_id,
				  "attempt", a->attempt, "status", text_or_null(a->status),
				  "conclusion", text_or_null(a->conclusion), "url",
				  text_or_null(a->url), "sha", text_or_null(a->sha));
		step_add(steps, "ci", title, journey_run_step_status(a->status, a->conclusion),
			 a->at, detail);
	}
	if (n == 0)
		step_add(steps, "ci", "CI on the pull request", "pending", NULL, NULL);
}

static void add_merged_step(json_t *steps, const json_t *pr, const struct journey_plan *plan)
{
	if (plan->merged)
		step_add(steps, "merged", "Merged", "done",
			 json_string_value(json_object_get(pr, "merged_at")),
			 json_pack("{s:O}", "merge_commit_sha",
				   json_object_get(pr, "merge_commit_sha")));
	else if (plan->closed_unmerged)
		step_add(steps, "merged", "Closed without merging", "failed",
			 json_string_value(json_object_get(pr, "closed_at")), NULL);
	else
		step_add(steps, "merged", "Merged", "pending", NULL, NULL);
}

static json_t *array_or_empty(json_t *a)
{
	return a ? json_incref(a) : json_array();
}

/* The main pipeline and its e2e stage. */
static void add_main_steps(json_t *steps, const struct journey_main *m)
{
	const char *main_status = m->runs == 0	   ? "pending"
				  : m->failing > 0 ? "failed"
				  : m->running > 0 ? "in_progress"
						   : "done";
	json_t *detail = json_pack("{s:o, s:o}", "sha", text_or_null(m->sha), "runs",
				   array_or_empty(m->runs_json));
	step_add(steps, "main_pipeline", "Main pipeline", main_status,
		 !m->completed_at || m->running ? NULL : m->completed_at, detail);
	const char *e2e_status = m->runs == 0	      ? "pending"
				 : m->e2e_failed > 0  ? "failed"
				 : m->e2e_running > 0 ? "in_progress"
				 : m->e2e == 0	      ? (m->running ? "pending" : "skipped")
						      : "done";
	step_add(steps, "e2e", "Smoke and end-to-end tests", e2e_status,
		 strcmp(e2e_status, "done") || !m->e2e_completed_at ? NULL : m->e2e_completed_at,
		 json_pack("{s:o}", "jobs", array_or_empty(m->e2e_jobs)));
}

/* One step per environment. */
static void add_deploy_steps(json_t *steps, const struct journey_env *envs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct journey_env *e = &envs[i];
		char step[300], title[300];
		snprintf(step, sizeof step, "deployed:%s", e->name);
		snprintf(title, sizeof title, "Deployed to %s", e->name);
		json_t *detail = json_pack("{s:s, s:s}", "environment", e->name, "tier", e->tier);
		if (e->reached) {
			json_object_set_new(detail, "deployment_id",
					    json_integer((json_int_t)e->deployment_id));
			json_object_set_new(detail, "revision", json_string(e->revision));
			json_object_set_new(detail, "sha", json_string(e->sha));
		}
		step_add(steps, step, title, e->reached ? "done" : "pending",
			 e->reached ? e->at : NULL, detail);
	}
}

json_t *journey_assemble(const struct journey_facts *f)
{
	const json_t *pr = f->pr;
	struct journey_plan plan;
	journey_plan(pr, &plan);
	json_t *steps = json_array();
	step_add(steps, "opened", "Pull request opened", "done",
		 json_string_value(json_object_get(pr, "opened_at")),
		 json_pack("{s:O, s:O}", "author", json_object_get(pr, "author"), "url",
			   json_object_get(pr, "url")));
	add_ci_steps(steps, f->ci, f->n_ci);
	add_merged_step(steps, pr, &plan);
	if (plan.on_default_branch && f->main) {
		add_main_steps(steps, f->main);
		add_deploy_steps(steps, f->envs, f->n_envs);
	} else if (!plan.closed_unmerged) {
		/* merged but its commit not seen on the default branch yet, or still open */
		step_add(steps, "main_pipeline", "Main pipeline", "pending", NULL, NULL);
		step_add(steps, "e2e", "Smoke and end-to-end tests", "pending", NULL, NULL);
		add_deploy_steps(steps, f->envs, f->n_envs);
	}
	/* in RC n, feedback, released in vX — of the release that shipped it;
	 * the other RCs and releases that contain it: also_in */
	json_t *also_in = json_pack("{s:[], s:[]}", "release_candidates", "releases");
	if (!plan.closed_unmerged) {
		size_t i;
		const json_t *s;
		json_array_foreach(f->release_steps, i, s)
			json_array_append_new(steps, json_deep_copy(s));
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)(uintptr_t)f->also_in, key, v)
			json_object_set_new(also_in, key, json_deep_copy(v));
	}
	const char *current = journey_current_step(steps);
	char current_name[300];
	snprintf(current_name, sizeof current_name, "%s", current ? current : "opened");
	journey_order(steps);
	json_t *summary = json_pack(
		"{s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "repository",
		json_object_get(pr, "repository"), "number", json_object_get(pr, "number"), "title",
		json_object_get(pr, "title"), "author", json_object_get(pr, "author"), "state",
		json_object_get(pr, "state"), "merged", json_object_get(pr, "merged"), "url",
		json_object_get(pr, "url"));
	return json_pack("{s:o, s:o, s:s, s:o}", "pull_request", summary, "steps", steps,
			 "current_step", current_name, "also_in", also_in);
}
