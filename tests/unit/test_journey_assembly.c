/*
 * test_journey_assembly.c — a pull request's journey assembled from loaded facts
 * (domain/journey.h), without a database: what is loaded for which pull
 * request, the steps of the road and their statuses, the order they
 * happened in, the current step, and the release part (given as
 * rc_journey_steps() makes it) with also_in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/journey.h"

/* ---- facts (owned as the db layer hands them out) ---- */

static char *dup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* A copy on the heap of a test's array of facts, to free as the db layer's. */
static void *on_heap(const void *p, size_t size)
{
	void *h = malloc(size + 1);
	assert_non_null(h);
	memcpy(h, p, size);
	return h;
}

static json_t *pr_open(void)
{
	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:b, s:s, s:s, s:[]}", "repository",
			 "acme/shop", "number", 7, "title", "Gift cards", "author", "ada", "state",
			 "open", "merged", 0, "url", "https://github.com/acme/shop/pull/7",
			 "opened_at", "2026-03-02T09:00:00Z", "runs");
}

/* Merged at 10:00; its merge commit at `seq` of main (seq < 0: not seen on
 * the default branch yet), `left` when rewritten away. */
static json_t *pr_merged(int seq, bool left)
{
	json_t *pr = pr_open();
	json_object_set_new(pr, "state", json_string("closed"));
	json_object_set_new(pr, "merged", json_true());
	json_object_set_new(pr, "merged_at", json_string("2026-03-02T10:00:00Z"));
	json_object_set_new(pr, "closed_at", json_string("2026-03-02T10:00:00Z"));
	json_object_set_new(pr, "merge_commit_sha",
			    json_string("2222222222222222222222222222222222222222"));
	json_object_set_new(pr, "merge_commit",
			    json_pack("{s:{s:s, s:o, s:b}}", "default_branch", "name", "main",
				      "seq", seq < 0 ? json_null() : json_integer(seq), "left",
				      left));
	return pr;
}

static json_t *pr_closed_unmerged(void)
{
	json_t *pr = pr_open();
	json_object_set_new(pr, "state", json_string("closed"));
	json_object_set_new(pr, "closed_at", json_string("2026-03-02T11:00:00Z"));
	return pr;
}

/* A release step as rc_journey_steps() makes it (at NULL: pending). */
static json_t *release_step(const char *step, const char *title, const char *at)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:{}}", "step", step, "title", title, "status",
			 at ? "done" : "pending", "at", at ? json_string(at) : json_null(),
			 "detail");
}

/* The release part: in RC, feedback, released at those times (NULL:
 * pending), and also_in with `also_rcs` later candidates. */
struct release_part {
	json_t *steps, *also_in;
};

static struct release_part release_part(const char *rc_at, const char *rc_version,
					const char *feedback_at, const char *released_at,
					const char *released_version, int also_rcs)
{
	struct release_part p = {json_array(), NULL};
	char title[100];
	snprintf(title, sizeof title, "In RC %s", rc_version ? rc_version : "");
	json_array_append_new(
		p.steps, release_step("in_rc", rc_at ? title : "In a release candidate", rc_at));
	json_array_append_new(p.steps, release_step("feedback", "Feedback", feedback_at));
	snprintf(title, sizeof title, "Released in %s", released_version ? released_version : "");
	json_array_append_new(
		p.steps, release_step("released", released_at ? title : "Released", released_at));
	json_t *rcs = json_array();
	for (int i = 0; i < also_rcs; i++)
		json_array_append_new(
			rcs, json_pack("{s:i, s:s}", "id", 90 + i, "version", "v2.1.0-rc.1"));
	p.also_in = json_pack("{s:o, s:[]}", "release_candidates", rcs, "releases");
	return p;
}

static void release_part_free(struct release_part *p)
{
	json_decref(p->steps);
	json_decref(p->also_in);
}

static struct journey_ci_attempt ci_attempt(int64_t run, int attempt, const char *status,
					    const char *conclusion, const char *at)
{
	return (struct journey_ci_attempt){
		.run_id = run,
		.attempt = attempt,
		.workflow = dup("run tests"),
		.status = dup(status),
		.conclusion = dup(conclusion),
		.at = dup(at),
		.url = dup("https://github.com/acme/shop/actions/runs/1"),
		.sha = NULL};
}

static struct journey_env env(const char *name, const char *tier, const char *at)
{
	return (struct journey_env){
		.name = dup(name),
		.tier = dup(tier),
		.reached = at != NULL,
		.deployment_id = at ? 31 : 0,
		.revision = dup(at ? "main@sha1:2222222" : NULL),
		.sha = dup(at ? "2222222222222222222222222222222222222222" : NULL),
		.at = dup(at)};
}

/* ---- reading the answer ---- */

static const json_t *steps_of(const json_t *out)
{
	return json_object_get(out, "steps");
}

/* The step names in the answer's order, joined with ','. */
static const char *names(const json_t *out)
{
	static char buf[1024];
	size_t o = 0, i;
	const json_t *s;
	buf[0] = '\0';
	json_array_foreach(steps_of(out), i, s)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? "," : "",
				      json_string_value(json_object_get(s, "step")));
	return buf;
}

static const json_t *step(const json_t *out, const char *name)
{
	size_t i;
	const json_t *s;
	json_array_foreach(steps_of(out), i, s)
		if (!strcmp(json_string_value(json_object_get(s, "step")), name))
			return s;
	fail_msg("no step %s in %s", name, names(out));
	return NULL;
}

static const char *field(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static const char *status_of(const json_t *out, const char *name)
{
	return field(step(out, name), "status");
}

static json_int_t since(const json_t *out, const char *name)
{
	const json_t *v = json_object_get(step(out, name), "since_previous_seconds");
	return json_is_null(v) ? -1 : json_integer_value(v);
}

/* ---- the plan ---- */

static void the_plan_follows_the_pull_request(void **state)
{
	(void)state;
	struct journey_plan p;
	json_t *pr = pr_open();
	journey_plan(pr, &p);
	assert_false(p.merged);
	assert_false(p.closed_unmerged);
	assert_false(p.on_default_branch);
	assert_null(p.merge_sha);
	json_decref(pr);

	pr = pr_merged(12, false);
	journey_plan(pr, &p);
	assert_true(p.merged && p.on_default_branch && !p.closed_unmerged);
	assert_string_equal(p.branch, "main");
	assert_int_equal(p.merge_seq, 12);
	assert_string_equal(p.merge_sha, "2222222222222222222222222222222222222222");
	json_decref(pr);

	/* merged, but its commit not seen on main yet, or rewritten away */
	pr = pr_merged(-1, false);
	journey_plan(pr, &p);
	assert_true(p.merged && !p.on_default_branch);
	assert_non_null(p.merge_sha);
	json_decref(pr);
	pr = pr_merged(12, true);
	journey_plan(pr, &p);
	assert_true(p.merged && !p.on_default_branch);
	json_decref(pr);

	pr = pr_closed_unmerged();
	journey_plan(pr, &p);
	assert_true(p.closed_unmerged && !p.merged && !p.on_default_branch);
	assert_null(p.merge_sha);
	json_decref(pr);
}

static void ci_runs_are_the_pull_requests_not_the_main_pipelines(void **state)
{
	(void)state;
	json_t *pr = pr_open();
	json_object_set_new(pr, "runs",
			    json_pack("[{s:i, s:s}, {s:i, s:s}, {s:i}, {s:i, s:s}]", "id", 5,
				      "kind", "pull_request", "id", 6, "kind", "main", "id", 7,
				      "id", 8, "kind", "push"));
	int64_t ids[4];
	assert_int_equal(journey_ci_run_ids(pr, ids, 4), 3);
	assert_int_equal(ids[0], 5);
	assert_int_equal(ids[1], 7);
	assert_int_equal(ids[2], 8);
	assert_int_equal(journey_ci_run_ids(pr, ids, 2), 2);
	json_decref(pr);
}

/* ---- statuses ---- */

static void a_runs_state_is_a_step_status(void **state)
{
	(void)state;
	assert_string_equal(journey_run_step_status(NULL, NULL), "pending");
	assert_string_equal(journey_run_step_status("queued", NULL), "in_progress");
	assert_string_equal(journey_run_step_status("in_progress", NULL), "in_progress");
	assert_string_equal(journey_run_step_status("completed", NULL), "done");
	assert_string_equal(journey_run_step_status("completed", "success"), "done");
	assert_string_equal(journey_run_step_status("completed", "neutral"), "done");
	assert_string_equal(journey_run_step_status("completed", "skipped"), "done");
	assert_string_equal(journey_run_step_status("completed", "cancelled"), "skipped");
	assert_string_equal(journey_run_step_status("completed", "stale"), "skipped");
	assert_string_equal(journey_run_step_status("completed", "failure"), "failed");
	assert_string_equal(journey_run_step_status("completed", "timed_out"), "failed");
}

static json_t *road(const char *const *steps_and_statuses)
{
	json_t *a = json_array();
	for (size_t i = 0; steps_and_statuses[i]; i += 2)
		json_array_append_new(a, json_pack("{s:s, s:s}", "step", steps_and_statuses[i],
						   "status", steps_and_statuses[i + 1]));
	return a;
}

static void the_current_step_is_the_first_not_done(void **state)
{
	(void)state;
	json_t *r = road((const char *const[]){"opened", "done", "ci", "done", "merged", "pending",
					       "e2e", "pending", NULL});
	assert_string_equal(journey_current_step(r), "merged");
	json_decref(r);
	/* skipped does not hold the change up either */
	r = road((const char *const[]){"opened", "done", "e2e", "skipped", "deployed:staging",
				       "in_progress", NULL});
	assert_string_equal(journey_current_step(r), "deployed:staging");
	json_decref(r);
	/* a failed CI attempt followed by another: the later one speaks */
	r = road((const char *const[]){"opened", "done", "ci", "failed", "ci", "done", "merged",
				       "pending", NULL});
	assert_string_equal(journey_current_step(r), "merged");
	json_decref(r);
	/* ... but the last attempt failing holds it */
	r = road((const char *const[]){"opened", "done", "ci", "done", "ci", "failed", "merged",
				       "pending", NULL});
	assert_string_equal(journey_current_step(r), "ci");
	json_decref(r);
	/* everything done: the last step */
	r = road((const char *const[]){"opened", "done", "released", "done", NULL});
	assert_string_equal(journey_current_step(r), "released");
	json_decref(r);
	r = json_array();
	assert_null(journey_current_step(r));
	json_decref(r);
}

/* ---- order ---- */

static json_t *timed(const char *name, const char *at)
{
	return json_pack("{s:s, s:o}", "step", name, "at", at ? json_string(at) : json_null());
}

static void steps_are_put_in_the_order_they_happened(void **state)
{
	(void)state;
	json_t *steps = json_array();
	json_array_append_new(steps, timed("opened", "2026-03-02T09:00:00Z"));
	json_array_append_new(steps, timed("merged", "2026-03-02T10:00:00Z"));
	json_array_append_new(steps, timed("main_pipeline", "2026-03-02T10:31:00Z"));
	json_array_append_new(steps, timed("e2e", "2026-03-02T10:30:00Z"));
	json_array_append_new(steps, timed("deployed:staging", NULL));
	json_array_append_new(steps, timed("in_rc", "2026-03-02T10:00:00Z"));
	json_array_append_new(steps, timed("feedback", NULL));
	journey_order(steps);
	json_t *out = json_pack("{s:o}", "steps", steps);
	/* by time; equal times keep the road's order; a step not reached stays
	 * right after the step before it on the road */
	assert_string_equal(names(out),
			    "opened,merged,in_rc,feedback,e2e,deployed:staging,main_pipeline");
	assert_int_equal(since(out, "opened"), -1);
	assert_int_equal(since(out, "merged"), 3600);
	assert_int_equal(since(out, "in_rc"), 0);
	assert_int_equal(since(out, "feedback"), -1);
	assert_int_equal(since(out, "e2e"), 30 * 60);
	assert_int_equal(since(out, "main_pipeline"), 60);
	assert_int_equal(since(out, "deployed:staging"), -1);
	json_decref(out);

	/* unreached steps before any time stay first, in road order */
	steps = json_array();
	json_array_append_new(steps, timed("a", NULL));
	json_array_append_new(steps, timed("b", NULL));
	json_array_append_new(steps, timed("c", "2026-01-01T00:00:00Z"));
	journey_order(steps);
	out = json_pack("{s:o}", "steps", steps);
	assert_string_equal(names(out), "a,b,c");
	assert_int_equal(since(out, "c"), -1);
	json_decref(out);
}

/* ---- the whole journey ---- */

/* The facts of one journey, owned as the db layer hands them out, and the
 * answer assembled from them. */
struct trip {
	json_t *pr;
	struct journey_ci_attempt ci[4];
	size_t n_ci;
	struct journey_main main;
	bool has_main;
	struct journey_env envs[4];
	size_t n_envs;
	struct release_part rel; /* none for a PR closed without merging */
	json_t *out;
};

static const json_t *assemble(struct trip *t)
{
	struct journey_facts f = {.pr = t->pr,
				  .ci = t->ci,
				  .n_ci = t->n_ci,
				  .main = t->has_main ? &t->main : NULL,
				  .envs = t->envs,
				  .n_envs = t->n_envs,
				  .release_steps = t->rel.steps,
				  .also_in = t->rel.also_in};
	t->out = journey_assemble(&f);
	return t->out;
}

static void trip_free(struct trip *t)
{
	json_decref(t->out);
	release_part_free(&t->rel);
	journey_ci_attempts_free(on_heap(t->ci, t->n_ci * sizeof t->ci[0]), t->n_ci);
	journey_envs_free(on_heap(t->envs, t->n_envs * sizeof t->envs[0]), t->n_envs);
	journey_main_clear(&t->main);
	json_decref(t->pr);
}

static struct release_part nothing_released(void)
{
	return release_part(NULL, NULL, NULL, NULL, NULL, 0);
}

static void an_open_pull_request_has_the_whole_road_ahead(void **state)
{
	(void)state;
	struct trip t = {.pr = pr_open(),
			 .envs = {env("staging", "staging", NULL)},
			 .n_envs = 1,
			 .rel = nothing_released()};
	const json_t *out = assemble(&t);
	assert_string_equal(names(out), "opened,ci,merged,main_pipeline,e2e,deployed:staging,"
					"in_rc,feedback,released");
	assert_string_equal(field(step(out, "ci"), "title"), "CI on the pull request");
	assert_string_equal(status_of(out, "ci"), "pending");
	assert_string_equal(status_of(out, "merged"), "pending");
	assert_string_equal(status_of(out, "main_pipeline"), "pending");
	assert_string_equal(status_of(out, "deployed:staging"), "pending");
	assert_string_equal(status_of(out, "in_rc"), "pending");
	assert_string_equal(field(out, "current_step"), "ci");
	const json_t *opened = step(out, "opened");
	assert_string_equal(field(opened, "at"), "2026-03-02T09:00:00Z");
	assert_string_equal(field(json_object_get(opened, "detail"), "author"), "ada");
	const json_t *summary = json_object_get(out, "pull_request");
	assert_string_equal(field(summary, "repository"), "acme/shop");
	assert_int_equal(json_integer_value(json_object_get(summary, "number")), 7);
	assert_true(json_is_false(json_object_get(summary, "merged")));
	trip_free(&t);
}

static void a_pull_request_closed_without_merging_ends_there(void **state)
{
	(void)state;
	struct trip t = {.pr = pr_closed_unmerged(),
			 .ci = {ci_attempt(5, 1, "completed", "success", "2026-03-02T09:10:00Z")},
			 .n_ci = 1};
	const json_t *out = assemble(&t);
	assert_string_equal(names(out), "opened,ci,merged");
	const json_t *m = step(out, "merged");
	assert_string_equal(field(m, "title"), "Closed without merging");
	assert_string_equal(field(m, "status"), "failed");
	assert_string_equal(field(m, "at"), "2026-03-02T11:00:00Z");
	assert_string_equal(field(out, "current_step"), "merged");
	const json_t *also = json_object_get(out, "also_in");
	assert_int_equal(json_array_size(json_object_get(also, "release_candidates")), 0);
	assert_int_equal(json_array_size(json_object_get(also, "releases")), 0);
	trip_free(&t);
}

static void ci_attempts_are_steps_and_a_rerun_speaks_for_the_change(void **state)
{
	(void)state;
	struct trip t = {.pr = pr_open(),
			 .ci = {ci_attempt(5, 1, "completed", "failure", "2026-03-02T09:06:00Z"),
				ci_attempt(5, 2, "completed", "success", "2026-03-02T09:11:00Z")},
			 .n_ci = 2,
			 .rel = nothing_released()};
	const json_t *out = assemble(&t);
	const json_t *steps = steps_of(out);
	const json_t *first = json_array_get(steps, 1), *second = json_array_get(steps, 2);
	assert_string_equal(field(first, "title"), "run tests");
	assert_string_equal(field(first, "status"), "failed");
	assert_string_equal(field(second, "title"), "run tests (attempt 2)");
	assert_string_equal(field(second, "status"), "done");
	assert_int_equal(json_integer_value(json_object_get(second, "since_previous_seconds")),
			 5 * 60);
	const json_t *d = json_object_get(second, "detail");
	assert_int_equal(json_integer_value(json_object_get(d, "run_id")), 5);
	assert_int_equal(json_integer_value(json_object_get(d, "attempt")), 2);
	assert_string_equal(field(d, "conclusion"), "success");
	assert_true(json_is_null(json_object_get(d, "sha")));
	assert_string_equal(field(out, "current_step"), "merged");
	trip_free(&t);
}

/* The main pipeline of a merged change with `runs` runs, `running` of them
 * not completed and `failing` failed, and e2e jobs likewise. */
static struct journey_main main_of(long runs, long running, long failing, long e2e,
				   long e2e_running, long e2e_failed)
{
	return (struct journey_main){.sha = dup("2222222222222222222222222222222222222222"),
				     .runs = runs,
				     .running = running,
				     .failing = failing,
				     .completed_at = dup(runs ? "2026-03-02T10:31:00Z" : NULL),
				     .e2e = e2e,
				     .e2e_running = e2e_running,
				     .e2e_failed = e2e_failed,
				     .e2e_completed_at = dup("2026-03-02T10:30:00Z")};
}

/* A PR merged at 10:00 whose CI passed at 09:11, with this main pipeline. */
static struct trip merged_trip(struct journey_main m, struct release_part rel)
{
	return (struct trip){
		.pr = pr_merged(12, false),
		.ci = {ci_attempt(5, 1, "completed", "success", "2026-03-02T09:11:00Z")},
		.n_ci = 1,
		.main = m,
		.has_main = true,
		.rel = rel};
}

/* The main pipeline's and e2e's statuses, and their times. */
static void main_statuses(struct journey_main m, const char *main_status, const char *e2e_status,
			  bool main_at, bool e2e_at)
{
	struct trip t = merged_trip(m, nothing_released());
	const json_t *out = assemble(&t);
	assert_string_equal(status_of(out, "main_pipeline"), main_status);
	assert_string_equal(status_of(out, "e2e"), e2e_status);
	assert_int_equal(json_is_string(json_object_get(step(out, "main_pipeline"), "at")),
			 main_at);
	assert_int_equal(json_is_string(json_object_get(step(out, "e2e"), "at")), e2e_at);
	trip_free(&t);
}

static void the_main_pipeline_and_e2e_follow_their_runs_and_jobs(void **state)
{
	(void)state;
	/* no run yet at or after the merge commit */
	main_statuses(main_of(0, 0, 0, 0, 0, 0), "pending", "pending", false, false);
	main_statuses(main_of(2, 0, 0, 1, 0, 0), "done", "done", true, true);
	/* a run still going: no end time yet; e2e without jobs waits for it */
	main_statuses(main_of(2, 1, 0, 0, 0, 0), "in_progress", "pending", false, false);
	/* all done and no required e2e job: skipped */
	main_statuses(main_of(2, 0, 0, 0, 0, 0), "done", "skipped", true, false);
	main_statuses(main_of(2, 0, 1, 1, 0, 1), "failed", "failed", true, false);
	main_statuses(main_of(2, 1, 1, 1, 1, 0), "failed", "in_progress", false, false);
}

static void a_merged_change_is_deployed_then_in_an_rc_never_released(void **state)
{
	(void)state;
	/* cut on the 3rd, feedback, never released */
	struct trip t = merged_trip(main_of(1, 0, 0, 1, 0, 0),
				    release_part("2026-03-03T09:00:00Z", "v2.0.0-rc.1",
						 "2026-03-03T15:00:00Z", NULL, NULL, 0));
	t.main.runs_json = json_pack("[{s:i}]", "run_id", 6);
	t.envs[0] = env("dev", "development", "2026-03-02T10:40:00Z");
	t.envs[1] = env("staging", "staging", "2026-03-03T16:00:00Z");
	t.n_envs = 2;
	const json_t *out = assemble(&t);
	/* in time order: the e2e stage ends before the pipeline, staging had it
	 * after the RC's feedback; released, not reached, stays right after
	 * feedback, the step before it on the road */
	assert_string_equal(names(out), "opened,ci,merged,e2e,main_pipeline,deployed:dev,in_rc,"
					"feedback,released,deployed:staging");
	const json_t *staging = step(out, "deployed:staging");
	assert_string_equal(field(staging, "title"), "Deployed to staging");
	assert_string_equal(field(staging, "status"), "done");
	const json_t *d = json_object_get(staging, "detail");
	assert_string_equal(field(d, "environment"), "staging");
	assert_string_equal(field(d, "tier"), "staging");
	assert_int_equal(json_integer_value(json_object_get(d, "deployment_id")), 31);
	assert_string_equal(field(d, "revision"), "main@sha1:2222222");
	const json_t *runs =
		json_object_get(json_object_get(step(out, "main_pipeline"), "detail"), "runs");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(runs, 0), "run_id")), 6);
	assert_string_equal(field(step(out, "merged"), "title"), "Merged");
	assert_string_equal(
		field(json_object_get(step(out, "merged"), "detail"), "merge_commit_sha"),
		"2222222222222222222222222222222222222222");
	assert_string_equal(field(step(out, "in_rc"), "title"), "In RC v2.0.0-rc.1");
	assert_string_equal(status_of(out, "released"), "pending");
	/* everything before is done: it waits to be released */
	assert_string_equal(field(out, "current_step"), "released");
	assert_int_equal(since(out, "feedback"), 6 * 3600);
	trip_free(&t);
}

static void a_change_in_no_rc_yet_waits_for_one(void **state)
{
	(void)state;
	struct trip t = merged_trip(main_of(1, 0, 0, 1, 0, 0), nothing_released());
	t.envs[0] = env("staging", "staging", "2026-03-02T10:45:00Z");
	t.n_envs = 1;
	const json_t *out = assemble(&t);
	/* on staging, in no release candidate yet: the release steps wait, last */
	assert_string_equal(names(out), "opened,ci,merged,e2e,main_pipeline,deployed:staging,in_rc,"
					"feedback,released");
	assert_string_equal(field(step(out, "in_rc"), "title"), "In a release candidate");
	assert_string_equal(status_of(out, "in_rc"), "pending");
	assert_true(json_is_null(json_object_get(step(out, "in_rc"), "at")));
	assert_true(json_is_null(json_object_get(step(out, "released"), "since_previous_seconds")));
	assert_string_equal(field(out, "current_step"), "in_rc");
	trip_free(&t);
}

static void the_release_that_shipped_it_and_also_in(void **state)
{
	(void)state;
	struct trip t = merged_trip(main_of(1, 0, 0, 1, 0, 0),
				    release_part("2026-04-02T09:00:00Z", "v2.0.0-rc.1",
						 "2026-04-02T15:00:00Z", "2026-04-04T10:00:00Z",
						 "v2.0.0", 1));
	const json_t *out = assemble(&t);
	assert_string_equal(names(out),
			    "opened,ci,merged,e2e,main_pipeline,in_rc,feedback,released");
	const json_t *released = step(out, "released");
	assert_string_equal(field(released, "title"), "Released in v2.0.0");
	assert_string_equal(field(released, "status"), "done");
	assert_int_equal(since(out, "released"), 43 * 3600);
	assert_string_equal(field(out, "current_step"), "released");
	/* the later candidate that merely contains it: also_in, as given */
	const json_t *also = json_object_get(out, "also_in");
	assert_true(json_equal(also, t.rel.also_in));
	assert_ptr_not_equal(also, t.rel.also_in);
	assert_int_equal(json_array_size(json_object_get(also, "release_candidates")), 1);
	trip_free(&t);
}

static void a_merge_not_on_the_default_branch_yet_has_no_pipeline_facts(void **state)
{
	(void)state;
	struct trip t = {.pr = pr_merged(-1, false),
			 .ci = {ci_attempt(5, 1, "completed", "success", "2026-03-02T09:11:00Z")},
			 .n_ci = 1,
			 .envs = {env("staging", "staging", NULL)},
			 .n_envs = 1,
			 .rel = nothing_released()};
	const json_t *out = assemble(&t);
	assert_string_equal(names(out), "opened,ci,merged,main_pipeline,e2e,deployed:staging,"
					"in_rc,feedback,released");
	assert_string_equal(status_of(out, "merged"), "done");
	assert_string_equal(status_of(out, "main_pipeline"), "pending");
	assert_string_equal(status_of(out, "e2e"), "pending");
	assert_string_equal(field(out, "current_step"), "main_pipeline");
	trip_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_plan_follows_the_pull_request),
		cmocka_unit_test(ci_runs_are_the_pull_requests_not_the_main_pipelines),
		cmocka_unit_test(a_runs_state_is_a_step_status),
		cmocka_unit_test(the_current_step_is_the_first_not_done),
		cmocka_unit_test(steps_are_put_in_the_order_they_happened),
		cmocka_unit_test(an_open_pull_request_has_the_whole_road_ahead),
		cmocka_unit_test(a_pull_request_closed_without_merging_ends_there),
		cmocka_unit_test(ci_attempts_are_steps_and_a_rerun_speaks_for_the_change),
		cmocka_unit_test(the_main_pipeline_and_e2e_follow_their_runs_and_jobs),
		cmocka_unit_test(a_merged_change_is_deployed_then_in_an_rc_never_released),
		cmocka_unit_test(a_change_in_no_rc_yet_waits_for_one),
		cmocka_unit_test(the_release_that_shipped_it_and_also_in),
		cmocka_unit_test(a_merge_not_on_the_default_branch_yet_has_no_pipeline_facts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
