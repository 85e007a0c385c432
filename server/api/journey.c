/*
 * journey.c — the product's central answers:
 *   GET /api/v1/repos/{owner}/{name}/pulls/{number}/journey — a PR's road
 *     from opened to released, as steps in the order they happened with
 *     the time spent since the previous step; steps not reached yet follow
 *     as pending, so a client can draw the whole road.  The release part
 *     (in RC, feedback, released) is the release that shipped the change;
 *     the other RCs and releases containing it are listed in `also_in`;
 *   GET /api/v1/repos/{owner}/{name}/commits/{sha}/where — which
 *     environments currently contain a commit, which artifacts were built
 *     from it.
 *
 * "Contains" is a comparison on the default-branch sequence: a deployed
 * commit D contains C when both are on the default branch (not rewritten
 * away) and seq(C) <= seq(D).  Sequence numbers are compared at query time,
 * never stored elsewhere (late pushes may renumber them).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "db/result.h"
#include "db/sql_time.h"
#include "db/deployments.h"
#include "webhooks/gh_rc.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/db.h"
#include "shiplog/xalloc.h"

static json_t *cell_json(PGresult *res, int row, int col)
{
	if (!res || PQntuples(res) <= row || PQgetisnull(res, row, col))
		return NULL;
	return json_loads(PQgetvalue(res, row, col), JSON_DECODE_ANY, NULL);
}

/* Appends a step; `at` may be NULL (not reached). Borrows nothing. */
static void step_add(json_t *steps, const char *step, const char *title, const char *status,
		     const char *at, json_t *detail)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:o}", "step", step, "title", title, "status",
			      status, "at", at ? json_string(at) : json_null());
	json_object_set_new(o, "detail", detail ? detail : json_object());
	json_array_append_new(steps, o);
}

/* The current step, on the road (the order the steps were added in): the
 * first one not done, or the last one. */
static const char *steps_current(const json_t *steps)
{
	size_t i;
	const json_t *s;
	json_array_foreach(steps, i, s)
	{
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

/* Puts the steps in the order they happened: those reached by time (the
 * road's order among equal times); one not reached (no time) stays right
 * after the step before it on the road.  Fills since_previous_seconds
 * (from the previous step that has a time). */
static void steps_in_time_order(json_t *steps)
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

/* done / failed / in_progress / pending for a run's latest state. */
static const char *run_step_status(const char *status, const char *conclusion)
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

/* Every attempt of the PR's runs, oldest first: the CI steps. */
static int add_ci_steps(struct db_conn *c, json_t *steps, const json_t *runs)
{
	char ids[4096] = "{";
	size_t o = 1;
	size_t i;
	json_t *run;
	json_array_foreach(runs, i, run)
	{
		/* main-branch runs of the merge commit are the main pipeline, not the PR's CI */
		const char *kind = json_string_value(json_object_get(run, "kind"));
		if (kind && !strcmp(kind, "main"))
			continue;
		int w = snprintf(ids + o, sizeof ids - o, "%s%lld", o > 1 ? "," : "",
				 (long long)json_integer_value(json_object_get(run, "id")));
		if (w < 0 || (size_t)w >= sizeof ids - o)
			break;
		o += (size_t)w;
	}
	snprintf(ids + o, sizeof ids - o, "}");
	const char *p[1] = {ids};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT r.id, a.attempt, coalesce(r.workflow_name, r.workflow_path, 'CI'), "
			 " a.status, a.conclusion, " SQL_TS("coalesce(a.completed_at, a.started_at, a.queued_at)")
			 ", coalesce(a.html_url, r.html_url), r.head_sha "
			 "FROM runs r JOIN run_attempts a ON a.run_id = r.id "
			 "WHERE r.id = ANY($1::bigint[]) "
			 "ORDER BY coalesce(a.started_at, a.queued_at, r.created_at), r.id, a.attempt",
			 1, p, &res);
	if (n < 0)
		return n;
	for (int k = 0; k < n; k++) {
		const char *status = db_get_text_or_null(res, k, 3);
		const char *concl = db_get_text_or_null(res, k, 4);
		char title[300];
		int attempt = (int)db_get_i64(res, k, 1);
		snprintf(title, sizeof title, attempt > 1 ? "%s (attempt %d)" : "%s", PQgetvalue(res, k, 2),
			 attempt);
		json_t *detail = json_pack("{s:I, s:i, s:o, s:o, s:o, s:o}", "run_id",
					   (json_int_t)db_get_i64(res, k, 0),
					   "attempt", attempt, "status",
					   status ? json_string(status) : json_null(), "conclusion",
					   concl ? json_string(concl) : json_null(), "url",
					   db_get_json_text(res, k, 6),
					   "sha",
					   db_get_json_text(res, k, 7));
		step_add(steps, "ci", title, run_step_status(status, concl),
			 db_get_text_or_null(res, k, 5), detail);
	}
	if (n == 0)
		step_add(steps, "ci", "CI on the pull request", "pending", NULL, NULL);
	PQclear(res);
	return DB_OK;
}

/*
 * The main pipeline: the runs on the default branch at the first commit of
 * the sequence at or after the merge commit that has runs (pushes to main
 * may batch several merges into one pipeline), and their e2e stage.
 */
static int add_main_steps(struct db_conn *c, json_t *steps, const char *repo_id,
			  const char *branch, const char *merge_seq)
{
	const char *p[3] = {repo_id, branch, merge_seq};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"WITH target AS (SELECT bs.seq, bs.sha FROM branch_sequence bs "
		"  WHERE bs.repository_id = $1 AND bs.branch = $2 AND bs.left_at IS NULL "
		/* The runs of a SHA come from runs_sha alone (the OFFSET 0 fences keep
		 * the repository and branch out of the index choice, which would read
		 * every run of the branch), probed entry by entry in seq order (the first
		 * usually answers) rather than hashing every run of the branch. */
		"  AND bs.seq >= $3::bigint AND EXISTS (SELECT 1 FROM (SELECT r0.repository_id,"
		"   r0.head_branch FROM runs r0 WHERE r0.head_sha = bs.sha OFFSET 0) r"
		"   WHERE r.repository_id = $1 AND r.head_branch = $2 OFFSET 0) "
		"  ORDER BY bs.seq LIMIT 1), "
		"mr AS (SELECT r.id, r.workflow_name, la.status, la.conclusion, la.completed_at, "
		"  la.started_at, la.attempt_id, coalesce(la.html_url, r.html_url) AS url "
		"  FROM target t JOIN LATERAL (SELECT r0.id, r0.workflow_name, r0.html_url,"
		"   r0.repository_id, r0.head_branch FROM runs r0 WHERE r0.head_sha = t.sha"
		"   OFFSET 0) r ON r.repository_id = $1 AND r.head_branch = $2 "
		"  JOIN LATERAL (SELECT a.id AS attempt_id, a.status, a.conclusion, a.completed_at, "
		"   a.started_at, a.html_url FROM run_attempts a WHERE a.run_id = r.id "
		"   ORDER BY a.attempt DESC LIMIT 1) la ON true) "
		"SELECT (SELECT sha FROM target), "
		" (SELECT count(*) FROM mr), "
		" (SELECT count(*) FROM mr WHERE status IS DISTINCT FROM 'completed'), "
		" (SELECT count(*) FROM mr WHERE conclusion IN ('failure', 'timed_out', "
		"   'startup_failure', 'action_required')), "
		" (SELECT " SQL_TS("max(completed_at)") " FROM mr), "
		" (SELECT coalesce(json_agg(json_build_object('run_id', id, 'workflow', "
		"   workflow_name, 'status', status, 'conclusion', conclusion, 'url', url) "
		"   ORDER BY id), '[]')::text FROM mr), "
		" (SELECT count(*) FROM jobs j JOIN mr ON j.attempt_id = mr.attempt_id "
		"   WHERE j.stage = 'e2e' AND j.required), "
		" (SELECT count(*) FROM jobs j JOIN mr ON j.attempt_id = mr.attempt_id "
		"   WHERE j.stage = 'e2e' AND j.required AND j.status IS DISTINCT FROM 'completed'), "
		" (SELECT count(*) FROM jobs j JOIN mr ON j.attempt_id = mr.attempt_id "
		"   WHERE j.stage = 'e2e' AND j.required AND j.status = 'completed' "
		"   AND j.conclusion NOT IN ('success', 'skipped', 'neutral')), "
		" (SELECT " SQL_TS("max(j.completed_at)") " FROM jobs j JOIN mr ON "
		"   j.attempt_id = mr.attempt_id WHERE j.stage = 'e2e'), "
		" (SELECT coalesce(json_agg(json_build_object('name', j.name, 'status', j.status, "
		"   'conclusion', j.conclusion, 'required', j.required) ORDER BY j.name), "
		"   '[]')::text FROM jobs j JOIN mr ON j.attempt_id = mr.attempt_id "
		"   WHERE j.stage = 'e2e')",
		3, p, &res);
	if (n < 0)
		return n;
	long runs = (long)db_get_i64(res, 0, 1), running = (long)db_get_i64(res, 0, 2),
	     failing = (long)db_get_i64(res, 0, 3);
	const char *main_status = runs == 0	? "pending"
				  : failing > 0 ? "failed"
				  : running > 0 ? "in_progress"
						: "done";
	json_t *main_runs = cell_json(res, 0, 5);
	json_t *detail = json_pack("{s:o, s:o}", "sha",
				   db_get_json_text(res, 0, 0),
				   "runs", main_runs ? main_runs : json_array());
	step_add(steps, "main_pipeline", "Main pipeline", main_status,
		 PQgetisnull(res, 0, 4) || running ? NULL : PQgetvalue(res, 0, 4), detail);
	long e2e = (long)db_get_i64(res, 0, 6), e2e_running = (long)db_get_i64(res, 0, 7),
	     e2e_failed = (long)db_get_i64(res, 0, 8);
	const char *e2e_status = runs == 0	   ? "pending"
				 : e2e_failed > 0  ? "failed"
				 : e2e_running > 0 ? "in_progress"
				 : e2e == 0	   ? (running ? "pending" : "skipped")
						   : "done";
	json_t *jobs = cell_json(res, 0, 10);
	step_add(steps, "e2e", "Smoke and end-to-end tests", e2e_status,
		 strcmp(e2e_status, "done") || PQgetisnull(res, 0, 9) ? NULL : PQgetvalue(res, 0, 9),
		 json_pack("{s:o}", "jobs", jobs ? jobs : json_array()));
	PQclear(res);
	return DB_OK;
}

/* One step per environment: the first successful deployment of a commit
 * at or after the merge commit on the default branch. */
static int add_deploy_steps(struct db_conn *c, json_t *steps, const char *repo_id,
			    const char *branch, const char *merge_seq)
{
	const char *p[3] = {repo_id, branch, merge_seq};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT e.name, e.tier, " SQL_TS("first.at") ", first.id, first.revision, first.sha "
		"FROM environments e "
		"LEFT JOIN LATERAL (SELECT d.id, d.revision, bs.sha, "
		"  coalesce(d.finished_at, d.last_event_at) AS at FROM deployments d "
		"  JOIN branch_sequence bs ON bs.repository_id = $1 AND bs.branch = $2 "
		"   AND bs.sha = d.commit_sha AND bs.left_at IS NULL AND bs.seq >= $3::bigint "
		"  WHERE d.environment_id = e.id AND d.status = 'success' "
		"  ORDER BY coalesce(d.finished_at, d.last_event_at), d.id LIMIT 1) first ON true "
		/* production is "released" (later steps); a development environment
		 * that never reported a deployment is a developer's machine */
		"WHERE e.deleted_at IS NULL AND e.tier <> 'production' AND (e.tier <> 'development' "
		" OR EXISTS (SELECT 1 FROM deployments dd WHERE dd.environment_id = e.id)) "
		"ORDER BY e.sort_order, e.name",
		3, p, &res);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		char step[300], title[300];
		snprintf(step, sizeof step, "deployed:%s", PQgetvalue(res, i, 0));
		snprintf(title, sizeof title, "Deployed to %s", PQgetvalue(res, i, 0));
		bool reached = !PQgetisnull(res, i, 3);
		json_t *detail = json_pack("{s:s, s:s}", "environment", PQgetvalue(res, i, 0), "tier",
					   PQgetvalue(res, i, 1));
		if (reached) {
			json_object_set_new(detail, "deployment_id",
					    json_integer(db_get_i64(res, i, 3)));
			json_object_set_new(detail, "revision", json_string(PQgetvalue(res, i, 4)));
			json_object_set_new(detail, "sha", json_string(PQgetvalue(res, i, 5)));
		}
		step_add(steps, step, title, reached ? "done" : "pending",
			 reached ? PQgetvalue(res, i, 2) : NULL, detail);
	}
	PQclear(res);
	return DB_OK;
}

void api_journey_get(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	if (deployments_settle(c) < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not bring deployments up to date");
		return;
	}
	json_t *pr = repos_pull_json(r, c);
	if (!pr)
		return;
	json_t *steps = json_array();
	step_add(steps, "opened", "Pull request opened", "done",
		 json_string_value(json_object_get(pr, "opened_at")),
		 json_pack("{s:O, s:O}", "author", json_object_get(pr, "author"), "url",
			   json_object_get(pr, "url")));
	int rc = add_ci_steps(c, steps, json_object_get(pr, "runs"));
	bool merged = json_is_true(json_object_get(pr, "merged"));
	const char *state = json_string_value(json_object_get(pr, "state"));
	if (rc >= 0) {
		if (merged)
			step_add(steps, "merged", "Merged", "done",
				 json_string_value(json_object_get(pr, "merged_at")),
				 json_pack("{s:O}", "merge_commit_sha",
					   json_object_get(pr, "merge_commit_sha")));
		else if (state && !strcmp(state, "closed"))
			step_add(steps, "merged", "Closed without merging", "failed",
				 json_string_value(json_object_get(pr, "closed_at")), NULL);
		else
			step_add(steps, "merged", "Merged", "pending", NULL, NULL);
	}
	/* after the merge: where the merge commit sits on the default branch */
	const json_t *seq = json_object_get(
		json_object_get(json_object_get(pr, "merge_commit"), "default_branch"), "seq");
	const json_t *left = json_object_get(
		json_object_get(json_object_get(pr, "merge_commit"), "default_branch"), "left");
	const char *branch = json_string_value(json_object_get(
		json_object_get(json_object_get(pr, "merge_commit"), "default_branch"), "name"));
	char repo_id[24] = "0", merge_seq[24];
	{
		PGresult *res = NULL;
		const char *rp[1] = {json_string_value(json_object_get(pr, "repository"))};
		if (db_query(c, "SELECT id FROM repositories WHERE lower(full_name) = lower($1)", 1, rp,
			     &res) > 0)
			snprintf(repo_id, sizeof repo_id, "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	if (rc >= 0 && merged && json_is_integer(seq) && !json_is_true(left) && branch) {
		snprintf(merge_seq, sizeof merge_seq, "%lld", (long long)json_integer_value(seq));
		rc = add_main_steps(c, steps, repo_id, branch, merge_seq);
		if (rc >= 0)
			rc = add_deploy_steps(c, steps, repo_id, branch, merge_seq);
	} else if (rc >= 0 && !(state && !strcmp(state, "closed") && !merged)) {
		/* merged but its commit not seen on the default branch yet, or still open */
		step_add(steps, "main_pipeline", "Main pipeline", "pending", NULL, NULL);
		step_add(steps, "e2e", "Smoke and end-to-end tests", "pending", NULL, NULL);
		rc = add_deploy_steps(c, steps, "0", "", "0");
	}
	/* in RC n, feedback, released in vX — of the release that shipped it;
	 * the other RCs and releases that contain it: also_in
	 * (server/domain/rc_store.h) */
	json_t *also_in = json_pack("{s:[], s:[]}", "release_candidates", "releases");
	if (rc >= 0 && !(state && !strcmp(state, "closed") && !merged)) {
		rc_settle(c, r->app->cfg);
		rc = rc_journey_steps(c, strtoll(repo_id, NULL, 10),
				      merged ? json_string_value(json_object_get(pr, "merge_commit_sha"))
					     : NULL,
				      steps, also_in);
	}
	if (rc < 0) {
		json_decref(steps);
		json_decref(also_in);
		json_decref(pr);
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not read the journey");
		return;
	}
	const char *current = steps_current(steps);
	char current_name[300];
	snprintf(current_name, sizeof current_name, "%s", current ? current : "opened");
	steps_in_time_order(steps);
	json_t *summary = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "repository",
				    json_object_get(pr, "repository"), "number",
				    json_object_get(pr, "number"), "title",
				    json_object_get(pr, "title"), "author",
				    json_object_get(pr, "author"), "state", json_object_get(pr, "state"),
				    "merged", json_object_get(pr, "merged"), "url",
				    json_object_get(pr, "url"));
	json_t *out = json_pack("{s:o, s:o, s:s, s:o}", "pull_request", summary, "steps", steps,
				"current_step", current_name, "also_in", also_in);
	json_decref(pr);
	http_reply_json(r, 200, out);
}

void api_commit_where(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	if (deployments_settle(c) < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not bring deployments up to date");
		return;
	}
	char full[256];
	snprintf(full, sizeof full, "%s/%s", http_param(r, "owner"), http_param(r, "name"));
	const char *prefix = http_param(r, "sha");
	const char *p[2] = {full, prefix};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"WITH repo AS (SELECT id, full_name, default_branch FROM repositories "
		"  WHERE lower(full_name) = lower($1)), "
		/* each branch bounded by the prefix's range, so that an index finds it: SHAs
		 * are hex, and every hex string starting with $2 lies in [$2, $2 || 'g') */
		"cand AS (SELECT DISTINCT sha FROM ("
		"  SELECT c.sha FROM commits c, repo WHERE c.repository_id = repo.id "
		"   AND c.sha >= lower($2) AND c.sha < lower($2) || 'g' "
		"  UNION SELECT bs.sha FROM branch_sequence bs, repo WHERE bs.repository_id = repo.id "
		"   AND bs.sha >= lower($2) AND bs.sha < lower($2) || 'g' "
		"  UNION SELECT r.head_sha FROM runs r, repo WHERE r.repository_id = repo.id "
		"   AND r.head_sha >= lower($2) AND r.head_sha < lower($2) || 'g' "
		"  UNION SELECT a.commit_sha FROM artifacts a, repo WHERE a.repository_id = repo.id "
		"   AND a.commit_sha >= lower($2) AND a.commit_sha < lower($2) || 'g' "
		"  UNION SELECT d.commit_sha FROM deployments d, repo WHERE d.repository_id = repo.id"
		"   AND d.commit_sha >= lower($2) AND d.commit_sha < lower($2) || 'g'"
		" ) s WHERE sha LIKE lower($2) || '%' LIMIT 2) "
		"SELECT (SELECT id FROM repo), (SELECT full_name FROM repo), "
		" (SELECT default_branch FROM repo), (SELECT count(*) FROM cand), (SELECT min(sha) FROM cand)",
		2, p, &res);
	if (n < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not look the commit up");
		return;
	}
	if (PQgetisnull(res, 0, 0)) {
		PQclear(res);
		http_reply_problem(r, PROBLEM_NOT_FOUND, "repository: shiplog has not heard of %s", full);
		return;
	}
	char repo_id[24], repo_name[256], branch[256], sha[48];
	snprintf(repo_id, sizeof repo_id, "%s", PQgetvalue(res, 0, 0));
	snprintf(repo_name, sizeof repo_name, "%s", PQgetvalue(res, 0, 1));
	snprintf(branch, sizeof branch, "%s", PQgetvalue(res, 0, 2));
	long matches = (long)db_get_i64(res, 0, 3);
	snprintf(sha, sizeof sha, "%s", matches ? PQgetvalue(res, 0, 4) : "");
	PQclear(res);
	if (matches > 1) {
		http_reply_field_problem(r, PROBLEM_INVALID_PARAMETER, "sha",
					 "%s is ambiguous in %s; give more digits", prefix, repo_name);
		return;
	}
	if (matches == 0) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "sha: %s has no commit %s", repo_name, prefix);
		return;
	}
	char now[40];
	clock_format_rfc3339(clock_now_us(), now, sizeof now);
	const char *q[4] = {repo_id, branch, sha, now};
	n = db_query(
		c,
		"WITH pos AS (SELECT bs.seq, bs.left_at, bs.pushed_at FROM branch_sequence bs "
		"  WHERE bs.repository_id = $1 AND bs.branch = $2 AND bs.sha = $3 "
		"  ORDER BY bs.left_at IS NULL DESC, bs.seq DESC LIMIT 1) "
		"SELECT json_build_object("
		" 'repository', (SELECT full_name FROM repositories WHERE id = $1), "
		" 'sha', $3::text, "
		" 'commit', (SELECT json_build_object('message', c.message, 'author', "
		"   coalesce(c.author_login, c.author_name), 'committed_at', " SQL_TS("c.committed_at")
		"   , 'url', c.html_url) FROM commits c WHERE c.repository_id = $1 AND c.sha = $3), "
		" 'default_branch', (SELECT json_build_object('name', $2::text, 'seq', pos.seq, "
		"   'left', pos.left_at IS NOT NULL, 'pushed_at', " SQL_TS("pos.pushed_at") ") FROM pos), "
		" 'environments', (SELECT coalesce(json_agg(json_build_object("
		"   'name', e.name, 'tier', e.tier, "
		"   'contains', coalesce(d.id IS NOT NULL AND (d.commit_sha = $3 OR ("
		"     (SELECT seq FROM pos WHERE left_at IS NULL) IS NOT NULL AND EXISTS ("
		"     SELECT 1 FROM branch_sequence ds WHERE ds.repository_id = $1 AND "
		"      ds.branch = $2 AND ds.sha = d.commit_sha AND ds.left_at IS NULL AND "
		"      ds.seq >= (SELECT seq FROM pos WHERE left_at IS NULL)))), false), "
		"   'current_deployment', CASE WHEN d.id IS NULL THEN NULL ELSE json_build_object("
		"     'id', d.id, 'revision', d.revision, 'commit', d.commit_sha, 'status', d.status, "
		"     'at', " SQL_TS("coalesce(d.finished_at, d.last_event_at)") ") END) "
		"   ORDER BY e.sort_order, e.name), '[]') FROM environments e "
		"   LEFT JOIN LATERAL (SELECT d0.* FROM deployments d0 WHERE d0.environment_id = e.id "
		"    AND d0.status NOT IN ('queued', 'inactive') "
		"    ORDER BY d0.last_event_at DESC, d0.id DESC LIMIT 1) d ON true "
		"   WHERE e.deleted_at IS NULL), "
		" 'artifacts', (SELECT coalesce(json_agg(json_build_object('id', a.id, 'kind', a.kind, "
		"   'name', a.name, 'version', a.version, 'digest', a.digest, 'uri', a.uri) "
		"   ORDER BY a.created_at, a.id), '[]') FROM artifacts a WHERE a.commit_sha = $3 "
		"   AND (a.repository_id IS NULL OR a.repository_id = $1)), "
		" 'pull_requests', (SELECT coalesce(json_agg(DISTINCT jsonb_build_object('number', "
		"   p.number, 'title', p.title, 'state', p.state, 'merged', p.merged)), '[]') "
		"   FROM pull_requests p WHERE p.repository_id = $1 AND (p.merge_commit_sha = $3 "
		"   OR EXISTS (SELECT 1 FROM pull_request_shas s WHERE s.pull_request_id = p.id "
		"   AND s.sha = $3)) "
		/* the candidates by index first (merge commit, head SHAs), not every PR */
		"   AND p.id IN (SELECT p2.id FROM pull_requests p2 WHERE p2.merge_commit_sha = $3 "
		"   UNION SELECT s2.pull_request_id FROM pull_request_shas s2 WHERE s2.sha = $3)), "
		" 'as_of', $4::text)::text",
		4, q, &res);
	if (n <= 0) {
		PQclear(res);
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not work out where the commit is");
		return;
	}
	json_t *out = cell_json(res, 0, 0);
	PQclear(res);
	if (!out) {
		http_reply_problem(r, PROBLEM_INTERNAL, "could not build the answer");
		return;
	}
	/* the release candidates and releases containing it */
	rc_settle(c, r->app->cfg);
	json_t *rcs = json_array(), *releases = json_array();
	if (rc_containing_commit(c, strtoll(repo_id, NULL, 10), sha, rcs, releases) < 0) {
		json_decref(rcs);
		json_decref(releases);
		json_decref(out);
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not find the releases of the commit");
		return;
	}
	json_object_set_new(out, "release_candidates", rcs);
	json_object_set_new(out, "releases", releases);
	http_reply_json(r, 200, out);
}
