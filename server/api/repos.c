/*
 * repos.c — repositories, pull requests, commits and branch health.
 *
 * Each answer is built by a few queries that return JSON text assembled in
 * SQL (json_build_object / json_agg), so a PR's runs or a commit's check
 * runs never cost one query per item.
 *
 * Branch health (GET .../branches/{branch}/health): per workflow (runs on
 * that branch grouped by workflow path, else name), the latest run whose
 * latest attempt COMPLETED with a verdict: success is green; failure,
 * timed_out and startup_failure are red.  cancelled, skipped, neutral,
 * stale and action_required carry no verdict (a cancelled run is usually
 * superseded by a newer push) and are passed over.  The branch is red if
 * any workflow is red, green if every workflow with a verdict is green,
 * unknown when none has one.  When red: the workflow that turned red first
 * gives red_since (the created_at of its first failing run after its last
 * green run), that first failing run, the last green run, and the suspect
 * commits: the branch's sequence entries after the last green run's head
 * SHA up to and including the first failing run's head SHA (only the
 * failing commit when there was never a green run, or when the green commit
 * is not before it).  Pushes recorded with a gap or a rewrite are listed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "db/result.h"
#include "db/sql_time.h"
#include "shiplog/db.h"
#include "shiplog/hex.h"

/* The latest attempt of run r (alias la). */
#define LATEST_ATTEMPT                                                                           \
	" LEFT JOIN LATERAL (SELECT a.attempt, a.status, a.conclusion, a.html_url, "            \
	"  a.completed_at FROM run_attempts a WHERE a.run_id = r.id "                           \
	"  ORDER BY a.attempt DESC LIMIT 1) la ON true "

/* A run (alias r) with its latest attempt (alias la), as json_build_object arguments. */
#define RUN_FIELDS                                                                               \
	"'id', r.id, 'workflow', r.workflow_name, 'workflow_path', r.workflow_path, "           \
	"'kind', r.kind, 'event', r.event, 'head_branch', r.head_branch, "                      \
	"'head_sha', r.head_sha, 'run_number', r.run_number, "                                  \
	"'attempt', coalesce(la.attempt, r.latest_attempt), "                                   \
	"'status', coalesce(la.status, r.status), "                                             \
	"'conclusion', coalesce(la.conclusion, r.conclusion), "                                 \
	"'url', coalesce(la.html_url, r.html_url), "                                            \
	"'created_at', " SQL_TS("r.created_at") ", "                                                \
	"'completed_at', " SQL_TS("coalesce(la.completed_at, r.completed_at)")

struct repo_ref {
	int64_t id;
	char id_text[24];
	char full_name[256];
	char default_branch[256];
};

/* Finds {owner}/{name}; on failure it has replied (404 or 503). */
static bool repo_lookup(struct http_request *r, struct db_conn *c, struct repo_ref *out)
{
	char full[256];
	snprintf(full, sizeof full, "%s/%s", http_param(r, "owner"), http_param(r, "name"));
	const char *p[1] = {full};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT id, full_name, default_branch FROM repositories "
			 "WHERE lower(full_name) = lower($1)",
			 1, p, &res);
	if (n < 0) {
		PQclear(res);
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not read the repository");
		return false;
	}
	if (n == 0) {
		PQclear(res);
		http_reply_problem(r, PROBLEM_NOT_FOUND, "repository: %s is unknown to shiplog", full);
		return false;
	}
	out->id = db_get_i64(res, 0, 0);
	snprintf(out->id_text, sizeof out->id_text, "%lld", (long long)out->id);
	snprintf(out->full_name, sizeof out->full_name, "%s", PQgetvalue(res, 0, 1));
	snprintf(out->default_branch, sizeof out->default_branch, "%s", PQgetvalue(res, 0, 2));
	PQclear(res);
	return true;
}

/* Column 0 of row 0 parsed as JSON (new reference), or NULL. */
static json_t *json_cell(PGresult *res, int row, int col)
{
	if (!res || PQntuples(res) <= row || PQgetisnull(res, row, col))
		return NULL;
	return json_loads(PQgetvalue(res, row, col), JSON_DECODE_ANY, NULL);
}

static json_t *json_cell_or(PGresult *res, int row, int col, json_t *fallback)
{
	json_t *j = json_cell(res, row, col);
	if (j) {
		json_decref(fallback);
		return j;
	}
	return fallback;
}

/* ---- GET /api/v1/repos ---- */

void api_repos_list(struct http_request *r)
{
	struct api_page pg;
	if (!api_page_parse(r, &pg))
		return;
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	char before[24], limit[16];
	snprintf(before, sizeof before, "%lld", pg.has_cursor ? (long long)pg.before_id : INT64_MAX);
	snprintf(limit, sizeof limit, "%d", pg.limit + 1);
	const char *p[2] = {before, limit};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT id, json_build_object('id', id, 'full_name', full_name, "
			 " 'default_branch', default_branch, 'url', html_url, 'github_id', github_id, "
			 " 'created_at', " SQL_TS("created_at") ", 'updated_at', " SQL_TS("updated_at") ")::text "
			 "FROM repositories WHERE id < $1 ORDER BY id DESC LIMIT $2",
			 2, p, &res);
	if (n < 0) {
		PQclear(res);
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not list repositories");
		return;
	}
	api_reply_page(r, res, n, &pg, 1, 0, -1);
}

/* ---- GET /api/v1/repos/{owner}/{name}/pulls/{number} ---- */

json_t *repos_pull_json(struct http_request *r, struct db_conn *c)
{
	struct repo_ref repo;
	if (!repo_lookup(r, c, &repo))
		return NULL;
	const char *number = http_param(r, "number");
	const char *p[3] = {repo.id_text, number, repo.default_branch};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT p.id, p.head_ref, p.base_ref, " SQL_TS("p.closed_at") ", "
		" json_build_object('repository', rp.full_name, 'number', p.number, "
		" 'title', p.title, 'author', p.author, 'state', p.state, 'draft', p.draft, "
		" 'merged', p.merged, 'labels', p.labels, 'head_ref', p.head_ref, "
		" 'head_sha', p.head_sha, 'base_ref', p.base_ref, "
		" 'merge_commit_sha', p.merge_commit_sha, 'url', p.html_url, "
		" 'opened_at', " SQL_TS("p.opened_at") ", 'closed_at', " SQL_TS("p.closed_at") ", "
		" 'merged_at', " SQL_TS("p.merged_at") ", 'updated_at', " SQL_TS("p.updated_at") ", "
		" 'head_shas', (SELECT coalesce(json_agg(json_build_object('sha', s.sha, "
		"   'seen_at', " SQL_TS("s.seen_at") ") ORDER BY s.seen_at, s.sha), '[]') "
		"   FROM pull_request_shas s WHERE s.pull_request_id = p.id), "
		" 'merge_commit', CASE WHEN p.merged AND p.merge_commit_sha IS NOT NULL THEN "
		"   json_build_object('sha', p.merge_commit_sha, 'default_branch', "
		"    (SELECT json_build_object('name', bs.branch, 'seq', bs.seq, "
		"      'left', bs.left_at IS NOT NULL, 'pushed_at', " SQL_TS("bs.pushed_at") ") "
		"     FROM branch_sequence bs WHERE bs.repository_id = p.repository_id "
		"      AND bs.branch = $3 AND bs.sha = p.merge_commit_sha "
		"     ORDER BY bs.left_at IS NULL DESC, bs.seq DESC LIMIT 1)) END)::text "
		"FROM pull_requests p JOIN repositories rp ON rp.id = p.repository_id "
		"WHERE p.repository_id = $1 AND p.number = $2",
		3, p, &res);
	if (n < 0) {
		PQclear(res);
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not read the pull request");
		return NULL;
	}
	if (n == 0) {
		PQclear(res);
		http_reply_problem(r, PROBLEM_NOT_FOUND, "number: %s has no pull request #%s",
				   repo.full_name, number);
		return NULL;
	}
	json_t *pr = json_cell(res, 0, 4);
	char pr_id[24], closed[40];
	snprintf(pr_id, sizeof pr_id, "%s", PQgetvalue(res, 0, 0));
	snprintf(closed, sizeof closed, "%s", PQgetvalue(res, 0, 3));
	char *head_ref = PQgetisnull(res, 0, 1) ? NULL : strdup(PQgetvalue(res, 0, 1));
	char *base_ref = PQgetisnull(res, 0, 2) ? NULL : strdup(PQgetvalue(res, 0, 2));
	bool closed_null = PQgetisnull(res, 0, 3);
	PQclear(res);
	if (!pr) {
		free(head_ref);
		free(base_ref);
		http_reply_problem(r, PROBLEM_INTERNAL, "could not build the answer");
		return NULL;
	}

	/*
	 * Its runs: head SHA one of the PR's SHAs, or linked explicitly
	 * (workflow_run.pull_requests), or on the PR's head branch — the branch
	 * match skips the default and base branches (a fork's "main"), runs
	 * created after the PR closed, and runs an earlier PR from the same
	 * branch had already claimed (created before that PR closed).
	 */
	const char *rp[7] = {repo.id_text, pr_id, number, head_ref, repo.default_branch, base_ref,
			     closed_null ? NULL : closed};
	n = db_query(
		c,
		"WITH ids AS ("
		" SELECT r.id, 'sha' AS via FROM pull_request_shas s "
		"  JOIN runs r ON r.head_sha = s.sha AND r.repository_id = $1 "
		"  WHERE s.pull_request_id = $2 "
		" UNION SELECT l.run_id, 'pull_request' FROM run_pull_requests l "
		"  JOIN runs r ON r.id = l.run_id AND r.repository_id = $1 "
		"  WHERE l.pr_number = $3::integer "
		" UNION SELECT r.id, 'branch' FROM runs r "
		"  WHERE r.repository_id = $1 AND $4::text IS NOT NULL AND r.head_branch = $4 "
		"  AND $4 <> $5 AND $4 IS DISTINCT FROM $6 "
		"  AND ($7::timestamptz IS NULL OR r.created_at <= $7::timestamptz) "
		"  AND NOT EXISTS (SELECT 1 FROM pull_requests p2 WHERE p2.repository_id = $1 "
		"   AND p2.head_ref = $4 AND p2.number < $3::integer AND p2.closed_at IS NOT NULL "
		"   AND r.created_at <= p2.closed_at)), "
		"agg AS (SELECT id, array_agg(DISTINCT via ORDER BY via) AS via FROM ids GROUP BY id), "
		"sel AS (SELECT r.id, r.created_at, json_build_object(" RUN_FIELDS ", 'linked_by', agg.via) AS o "
		" FROM agg JOIN runs r ON r.id = agg.id " LATEST_ATTEMPT
		" ORDER BY r.created_at DESC, r.id DESC LIMIT 201) "
		"SELECT coalesce(json_agg(o ORDER BY created_at DESC, id DESC), '[]')::text, count(*) FROM sel",
		7, rp, &res);
	free(head_ref);
	free(base_ref);
	if (n < 0) {
		PQclear(res);
		json_decref(pr);
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not read the pull request's runs");
		return NULL;
	}
	json_t *runs = json_cell_or(res, 0, 0, json_array());
	bool truncated = n > 0 && db_get_i64(res, 0, 1) > 200;
	PQclear(res);
	if (truncated)
		json_array_remove(runs, json_array_size(runs) - 1);
	json_object_set_new(pr, "runs", runs);
	json_object_set_new(pr, "runs_truncated", json_boolean(truncated));
	return pr;
}

void api_pulls_get(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	json_t *pr = repos_pull_json(r, c);
	if (pr)
		http_reply_json(r, 200, pr);
}

/* ---- GET /api/v1/repos/{owner}/{name}/commits/{sha} ---- */

void api_commits_get(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	struct repo_ref repo;
	if (!repo_lookup(r, c, &repo))
		return;
	char prefix[41], upper[42];
	hex_lower_copy(prefix, http_param(r, "sha"), sizeof prefix - 1);
	/* every SHA starting with prefix sorts in [prefix, prefix + "g") */
	snprintf(upper, sizeof upper, "%sg", prefix);
	char len[8];
	snprintf(len, sizeof len, "%zu", strlen(prefix));
	const char *p[4] = {repo.id_text, prefix, upper, len};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT DISTINCT sha FROM ("
		" SELECT sha FROM commits WHERE repository_id = $1 AND sha >= $2 AND sha < $3 "
		" UNION SELECT sha FROM branch_sequence WHERE repository_id = $1 AND sha >= $2 AND sha < $3 "
		" UNION SELECT head_sha FROM runs WHERE repository_id = $1 AND head_sha >= $2 AND head_sha < $3 "
		" UNION SELECT s.sha FROM pull_request_shas s JOIN pull_requests p ON p.id = s.pull_request_id "
		"  WHERE p.repository_id = $1 AND s.sha >= $2 AND s.sha < $3 "
		" UNION SELECT merge_commit_sha FROM pull_requests WHERE repository_id = $1 AND merged "
		"  AND merge_commit_sha >= $2 AND merge_commit_sha < $3 "
		" UNION SELECT head_sha FROM check_suites WHERE repository_id = $1 "
		"  AND head_sha >= $2 AND head_sha < $3) u "
		"WHERE left(sha, $4::integer) = $2 AND length(sha) = 40 LIMIT 2",
		4, p, &res);
	if (n < 0) {
		PQclear(res);
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not read the commit");
		return;
	}
	if (n == 0) {
		PQclear(res);
		http_reply_problem(r, PROBLEM_NOT_FOUND, "sha: no commit %s is known in %s", prefix,
				   repo.full_name);
		return;
	}
	if (n > 1) {
		PQclear(res);
		http_reply_field_problem(r, PROBLEM_INVALID_PARAMETER, "sha",
					 "%s is ambiguous in %s; give more digits", prefix,
					 repo.full_name);
		return;
	}
	char sha[41];
	snprintf(sha, sizeof sha, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	const char *q[4] = {repo.id_text, sha, repo.default_branch, repo.full_name};
	n = db_query(
		c,
		"SELECT json_build_object('repository', $4::text, 'sha', $2::text, "
		" 'message', c.message, 'author', json_build_object('name', c.author_name, "
		"  'email', c.author_email, 'login', c.author_login), "
		" 'committed_at', " SQL_TS("c.committed_at") ", 'url', c.html_url, "
		" 'default_branch', (SELECT json_build_object('name', bs.branch, 'seq', bs.seq, "
		"   'left', bs.left_at IS NOT NULL, 'left_at', " SQL_TS("bs.left_at") ", "
		"   'pushed_at', " SQL_TS("bs.pushed_at") ") FROM branch_sequence bs "
		"   WHERE bs.repository_id = $1 AND bs.branch = $3 AND bs.sha = $2 "
		"   ORDER BY bs.left_at IS NULL DESC, bs.seq DESC LIMIT 1), "
		" 'branches', (SELECT coalesce(json_agg(DISTINCT b.name ORDER BY b.name), '[]') FROM ("
		"   SELECT $3::text AS name WHERE EXISTS (SELECT 1 FROM branch_sequence bs "
		"    WHERE bs.repository_id = $1 AND bs.branch = $3 AND bs.sha = $2 AND bs.left_at IS NULL) "
		"   UNION SELECT name FROM branches WHERE repository_id = $1 AND head_sha = $2 "
		"    AND deleted_at IS NULL "
		"   UNION SELECT head_branch FROM runs WHERE repository_id = $1 AND head_sha = $2 "
		"    AND head_branch IS NOT NULL) b), "
		" 'runs', (SELECT coalesce(json_agg(json_build_object(" RUN_FIELDS ") "
		"   ORDER BY r.created_at DESC, r.id DESC), '[]') FROM runs r " LATEST_ATTEMPT
		"   WHERE r.repository_id = $1 AND r.head_sha = $2), "
		" 'check_suites', (SELECT coalesce(json_agg(json_build_object('id', cs.github_id, "
		"   'app', cs.app_name, 'head_branch', cs.head_branch, 'status', cs.status, "
		"   'conclusion', cs.conclusion, 'updated_at', " SQL_TS("cs.updated_at") ") "
		"   ORDER BY cs.github_id), '[]') FROM check_suites cs "
		"   WHERE cs.repository_id = $1 AND cs.head_sha = $2), "
		" 'check_runs', (SELECT coalesce(json_agg(json_build_object('id', cr.github_id, "
		"   'check_suite_id', cr.check_suite_id, 'name', cr.name, 'app', cr.app_name, "
		"   'status', cr.status, 'conclusion', cr.conclusion, "
		"   'started_at', " SQL_TS("cr.started_at") ", 'completed_at', " SQL_TS("cr.completed_at") ", "
		"   'url', cr.html_url) ORDER BY cr.name, cr.github_id), '[]') FROM check_runs cr "
		"   WHERE cr.repository_id = $1 AND cr.head_sha = $2), "
		" 'pull_requests', (SELECT coalesce(json_agg(json_build_object('number', x.number, "
		"   'title', x.title, 'state', x.state, 'merged', x.merged, 'url', x.html_url, "
		"   'via', x.via) ORDER BY x.number), '[]') FROM ("
		"   SELECT p.number, p.title, p.state, p.merged, p.html_url, "
		"    array_agg(DISTINCT v.via ORDER BY v.via) AS via FROM ("
		"     SELECT id, 'merge_commit' AS via FROM pull_requests WHERE repository_id = $1 "
		"      AND merged AND merge_commit_sha = $2 "
		"     UNION SELECT s.pull_request_id, 'head_sha' FROM pull_request_shas s "
		"      WHERE s.sha = $2) v "
		"    JOIN pull_requests p ON p.id = v.id AND p.repository_id = $1 "
		"    GROUP BY p.number, p.title, p.state, p.merged, p.html_url) x) "
		")::text FROM (SELECT 1) one "
		"LEFT JOIN commits c ON c.repository_id = $1 AND c.sha = $2",
		4, q, &res);
	if (n <= 0) {
		PQclear(res);
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not read the commit");
		return;
	}
	json_t *o = json_cell(res, 0, 0);
	PQclear(res);
	if (!o) {
		http_reply_problem(r, PROBLEM_INTERNAL, "could not build the answer");
		return;
	}
	http_reply_json(r, 200, o);
}

/* ---- GET /api/v1/repos/{owner}/{name}/branches/{branch}/health ---- */

/* A run of the health CTEs (alias a), or NULL when the join found none. */
#define HEALTH_RUN(a)                                                                            \
	"CASE WHEN " a ".id IS NULL THEN NULL ELSE json_build_object('id', " a ".id, "           \
	"'workflow', " a ".workflow_name, 'workflow_path', " a ".workflow_path, "               \
	"'head_sha', " a ".head_sha, 'status', " a ".st, 'conclusion', " a ".co, "              \
	"'attempt', " a ".att, 'url', " a ".url, 'event', " a ".event, 'kind', " a ".kind, "    \
	"'run_number', " a ".run_number, 'created_at', " SQL_TS(a ".created_at") ") END"

/* Branch health: the workflow a run belongs to (runs_branch_workflow's expression), and
 * the decisive runs of the branch with their latest attempt, as the rows of its CTEs. */
#define HEALTH_WF "coalesce(r.workflow_path, r.workflow_name, r.workflow_id::text, '')"
#define HEALTH_X                                                                                 \
	"r.id, r.workflow_name, r.workflow_path, r.head_sha, r.event, r.kind, r.run_number, "    \
	" r.created_at, coalesce(la.attempt, r.latest_attempt) AS att, "                         \
	" coalesce(la.status, r.status) AS st, coalesce(la.conclusion, r.conclusion) AS co, "    \
	" coalesce(la.html_url, r.html_url) AS url, " HEALTH_WF " AS wf, "                      \
	" CASE WHEN coalesce(la.conclusion, r.conclusion) = 'success' THEN 'green' ELSE 'red' END" \
	" AS verdict FROM runs r " LATEST_ATTEMPT " WHERE r.repository_id = $1"                  \
	" AND r.head_branch = $2 AND coalesce(la.status, r.status) = 'completed'"                \
	" AND coalesce(la.conclusion, r.conclusion) IN ('success', 'failure', 'timed_out',"      \
	" 'startup_failure')"

void api_branch_health(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	struct repo_ref repo;
	if (!repo_lookup(r, c, &repo))
		return;
	const char *branch = http_param(r, "branch");
	const char *p[2] = {repo.id_text, branch};
	PGresult *res = NULL;
	int n = db_query(
		c,
		/* Per workflow: its latest decisive run, its last green one and the first red
		 * one after that.  Each is found by walking the workflow's runs in time order
		 * (runs_branch_workflow) and stopping at the first that qualifies, so the work
		 * is the length of the current streak, not of the branch's history.  The
		 * workflows are found by skipping through the same index. */
		"WITH RECURSIVE w AS (SELECT min(" HEALTH_WF ") AS wf FROM runs r "
		"  WHERE r.repository_id = $1 AND r.head_branch = $2 "
		"  UNION ALL SELECT (SELECT min(" HEALTH_WF ") FROM runs r WHERE r.repository_id = $1 "
		"   AND r.head_branch = $2 AND " HEALTH_WF " > w.wf) FROM w WHERE w.wf IS NOT NULL), "
		"lt AS (SELECT x.* FROM w CROSS JOIN LATERAL (SELECT " HEALTH_X " AND " HEALTH_WF
		"  = w.wf ORDER BY r.created_at DESC, r.id DESC LIMIT 1) x WHERE w.wf IS NOT NULL), "
		"lg AS (SELECT x.* FROM lt CROSS JOIN LATERAL (SELECT " HEALTH_X " AND " HEALTH_WF
		"  = lt.wf AND coalesce(la.conclusion, r.conclusion) = 'success' "
		"  ORDER BY r.created_at DESC, r.id DESC LIMIT 1) x), "
		"fr AS (SELECT x.* FROM lt LEFT JOIN lg ON lg.wf = lt.wf CROSS JOIN LATERAL (SELECT "
		HEALTH_X " AND " HEALTH_WF " = lt.wf AND coalesce(la.conclusion, r.conclusion) <> 'success' "
		"  AND r.created_at >= coalesce(lg.created_at, '-infinity') "
		"  AND (lg.id IS NULL OR (r.created_at, r.id) > (lg.created_at, lg.id)) "
		"  ORDER BY r.created_at, r.id LIMIT 1) x) "
		"SELECT lt.wf, lt.verdict, lg.head_sha, fr.head_sha, " SQL_TS("fr.created_at") ", "
		" json_build_object('workflow', lt.workflow_name, 'workflow_path', lt.workflow_path, "
		"  'state', lt.verdict, 'latest', " HEALTH_RUN("lt") ", 'last_green', " HEALTH_RUN("lg")
		", 'first_failing', CASE WHEN lt.verdict = 'red' THEN " HEALTH_RUN("fr") " END)::text "
		"FROM lt LEFT JOIN lg ON lg.wf = lt.wf LEFT JOIN fr ON fr.wf = lt.wf "
		"ORDER BY lt.verdict = 'red' DESC, fr.created_at ASC NULLS LAST, lt.wf",
		2, p, &res);
	if (n < 0) {
		PQclear(res);
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not read the branch's runs");
		return;
	}
	json_t *o = json_pack("{s:s, s:s, s:b}", "repository", repo.full_name, "branch", branch,
			      "default_branch", strcmp(branch, repo.default_branch) == 0);
	json_t *workflows = json_array();
	const char *state = n == 0 ? "unknown" : "green";
	char green_sha[41] = "", red_sha[41] = "";
	bool red = n > 0 && strcmp(PQgetvalue(res, 0, 1), "red") == 0;
	for (int i = 0; i < n; i++) {
		json_t *w = json_cell(res, i, 5);
		if (w)
			json_array_append_new(workflows, w);
	}
	if (red) {
		/* row 0: the workflow that turned red first */
		state = "red";
		json_t *w0 = json_array_get(workflows, 0);
		json_object_set_new(o, "red_since", json_string(PQgetvalue(res, 0, 4)));
		json_t *ff = json_object_get(w0, "first_failing"), *lg = json_object_get(w0, "last_green");
		json_object_set_new(o, "first_failing_run", ff ? json_incref(ff) : json_null());
		json_object_set_new(o, "last_green_run", lg ? json_incref(lg) : json_null());
		json_object_set_new(o, "failing_workflow", json_string(PQgetvalue(res, 0, 0)));
		if (!PQgetisnull(res, 0, 2))
			snprintf(green_sha, sizeof green_sha, "%s", PQgetvalue(res, 0, 2));
		if (!PQgetisnull(res, 0, 3))
			snprintf(red_sha, sizeof red_sha, "%s", PQgetvalue(res, 0, 3));
	} else {
		json_object_set_new(o, "red_since", json_null());
		json_object_set_new(o, "first_failing_run", json_null());
		json_object_set_new(o, "last_green_run", json_null());
	}
	PQclear(res);
	json_object_set_new(o, "state", json_string(state));
	json_object_set_new(o, "workflows", workflows);

	json_t *suspects = json_array();
	if (red && red_sha[0]) {
		const char *sp[4] = {repo.id_text, branch, green_sha[0] ? green_sha : NULL, red_sha};
		n = db_query(
			c,
			"WITH g AS (SELECT max(seq) AS s FROM branch_sequence WHERE repository_id = $1 "
			"  AND branch = $2 AND sha = $3), "
			"rd AS (SELECT max(seq) AS s FROM branch_sequence WHERE repository_id = $1 "
			"  AND branch = $2 AND sha = $4) "
			"SELECT coalesce(json_agg(json_build_object('sha', bs.sha, 'seq', bs.seq, "
			" 'left', bs.left_at IS NOT NULL, 'message', c.message, "
			" 'author', json_build_object('name', c.author_name, 'email', c.author_email, "
			"  'login', c.author_login), "
			" 'committed_at', " SQL_TS("c.committed_at") ", "
			" 'pull_request', CASE WHEN pr.number IS NULL THEN NULL ELSE "
			"  json_build_object('number', pr.number, 'title', pr.title, 'url', pr.html_url, "
			"   'via', pr.via) END) ORDER BY bs.seq), '[]')::text "
			"FROM g, rd, branch_sequence bs "
			"LEFT JOIN commits c ON c.repository_id = bs.repository_id AND c.sha = bs.sha "
			"LEFT JOIN LATERAL (SELECT * FROM ("
			"  SELECT p.number, p.title, p.html_url, 'merge_commit' AS via, 0 AS prio, p.merged "
			"   FROM pull_requests p WHERE p.repository_id = $1 AND p.merged "
			"   AND p.merge_commit_sha = bs.sha "
			"  UNION ALL SELECT p.number, p.title, p.html_url, 'head_sha', 1, p.merged "
			"   FROM pull_request_shas s JOIN pull_requests p ON p.id = s.pull_request_id "
			"   WHERE s.sha = bs.sha AND p.repository_id = $1) y "
			"  ORDER BY prio, merged DESC, number DESC LIMIT 1) pr ON true "
			"WHERE bs.repository_id = $1 AND bs.branch = $2 AND rd.s IS NOT NULL "
			" AND bs.seq <= rd.s AND bs.seq > least(coalesce(g.s, rd.s - 1), rd.s - 1) "
			" AND bs.seq > rd.s - 500",
			4, sp, &res);
		if (n < 0) {
			PQclear(res);
			json_decref(o);
			json_decref(suspects);
			http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not read the suspects");
			return;
		}
		suspects = json_cell_or(res, 0, 0, suspects);
		PQclear(res);
	}
	json_object_set_new(o, "suspects", suspects);

	/* gaps and rewrites recorded on the branch, newest first */
	n = db_query(c,
		     "SELECT coalesce(json_agg(json_build_object('push', x.id, 'before', x.before_sha, "
		     " 'after', x.after_sha, 'gap', x.gap, 'rewrote', x.rewrote, 'forced', x.forced, "
		     " 'delivery_id', x.delivery_id, 'received_at', " SQL_TS("x.received_at") ") "
		     " ORDER BY x.id DESC), '[]')::text FROM (SELECT * FROM pushes "
		     " WHERE repository_id = $1 AND ref = 'refs/heads/' || $2 AND (gap OR rewrote) "
		     " ORDER BY id DESC LIMIT 50) x",
		     2, p, &res);
	if (n < 0) {
		PQclear(res);
		json_decref(o);
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not read the branch's pushes");
		return;
	}
	json_object_set_new(o, "gaps", json_cell_or(res, 0, 0, json_array()));
	PQclear(res);
	http_reply_json(r, 200, o);
}
