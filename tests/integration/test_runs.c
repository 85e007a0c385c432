/*
 * test_runs.c — pipeline runs from GitHub's workflow_run and workflow_job
 * deliveries (the real fixtures, signed) and from POST /api/v1/runs, read
 * back through GET /api/v1/runs and /api/v1/runs/{id}: states, stages from
 * the configuration, steps, pull request links, re-runs, a job before its
 * run, duplicates, every list filter and pagination, and the validation of
 * reports.  (Order independence has its own program: test_runs_order.c.)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "github_send.h"
#include "itest.h"

static struct itest_server server;
static char db_url[512];
static char cfg_path[64];
static char *read_token;
static char *ci_token;

#define ADMIN ITEST_ADMIN_TOKEN
#define SHA_A "aaaaaaa1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbb2bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SHA_C "ccccccc3cccccccccccccccccccccccccccccccc"
#define SHA_D "ddddddd4dddddddddddddddddddddddddddddddd"
#define SHA_E "eeeeeee5eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("runs", db_url, sizeof db_url);
	snprintf(cfg_path, sizeof cfg_path, "/tmp/shiplog-runs-XXXXXX");
	int fd = mkstemp(cfg_path);
	assert_true(fd >= 0);
	const char *yaml = "workflows:\n"
			   "  - {match: \".github/workflows/nightly.yml\", kind: other}\n"
			   "jobs:\n"
			   "  - {match: \"lint*\", stage: lint}\n"
			   "  - {match: \"playwright*\", stage: e2e, required: false}\n";
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	setenv("ITEST_CONFIG", cfg_path, 1);
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, NULL};
	itest_server_start(&server, db_url, env);
	unsetenv("ITEST_CONFIG");
	read_token = itest_token(&server, "read");
	ci_token = itest_token(&server, "ci");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(read_token);
	free(ci_token);
	unlink(cfg_path);
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

/* ---- JSON helpers ---- */

/* The value at a path like "attempts[1].stages[0].jobs[2].name" (borrowed). */
static json_t *jat(json_t *root, const char *path)
{
	json_t *cur = root;
	const char *p = path;
	while (cur && *p) {
		if (*p == '.') {
			p++;
			continue;
		}
		if (*p == '[') {
			char *end;
			long i = strtol(p + 1, &end, 10);
			cur = json_array_get(cur, (size_t)i);
			p = end + 1;
			continue;
		}
		size_t n = strcspn(p, ".[");
		char key[64];
		snprintf(key, sizeof key, "%.*s", (int)n, p);
		cur = json_object_get(cur, key);
		p += n;
	}
	return cur;
}

static void expect_str(json_t *root, const char *path, const char *want)
{
	json_t *v = jat(root, path);
	if (!want) {
		if (!json_is_null(v)) {
			char *d = json_dumps(v, JSON_ENCODE_ANY);
			fail_msg("%s: expected null, got %s", path, d ? d : "(missing)");
		}
		return;
	}
	if (!json_is_string(v) || strcmp(json_string_value(v), want)) {
		char *d = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
		fail_msg("%s: expected \"%s\", got %s", path, want, d ? d : "(missing)");
	}
}

static void expect_int(json_t *root, const char *path, long long want)
{
	json_t *v = jat(root, path);
	if (!json_is_integer(v) || json_integer_value(v) != want) {
		char *d = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
		fail_msg("%s: expected %lld, got %s", path, want, d ? d : "(missing)");
	}
}

static void expect_size(json_t *root, const char *path, size_t want)
{
	json_t *v = jat(root, path);
	if (!json_is_array(v) || json_array_size(v) != want)
		fail_msg("%s: expected %zu items, got %zu", path, want,
			 json_is_array(v) ? json_array_size(v) : (size_t)-1);
}

static void set_path(json_t *root, const char *path, json_t *value)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	json_t *cur = root;
	char *save = NULL;
	char *tok = strtok_r(buf, ".", &save);
	while (tok) {
		char *next = strtok_r(NULL, ".", &save);
		if (!next) {
			json_object_set_new(cur, tok, value);
			return;
		}
		json_t *child = json_object_get(cur, tok);
		if (!json_is_object(child)) {
			child = json_object();
			json_object_set_new(cur, tok, child);
		}
		cur = child;
		tok = next;
	}
}

static void set_s(json_t *root, const char *path, const char *v)
{
	set_path(root, path, v ? json_string(v) : json_null());
}

static void set_i(json_t *root, const char *path, long long v)
{
	set_path(root, path, json_integer(v));
}

/* ---- sending and reading ---- */

static void deliver(const char *event, json_t *payload)
{
	char id[64];
	struct itest_response r;
	gh_send_json(&server, event, gh_delivery_id(id, sizeof id), payload, &r);
	if (r.status != 200)
		fail_msg("%s delivery answered %ld: %s", event, r.status, r.body);
	expect_str(r.json, "status", "processed");
	itest_response_free(&r);
	json_decref(payload);
}

static void deliver_fixture(const char *event, const char *name)
{
	char id[64];
	struct itest_response r;
	gh_send_fixture(&server, event, gh_delivery_id(id, sizeof id), name, &r);
	if (r.status != 200)
		fail_msg("%s answered %ld: %s", name, r.status, r.body);
	expect_str(r.json, "status", "processed");
	itest_response_free(&r);
}

static json_t *api_get(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *api_get(const char *fmt, ...)
{
	char path[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(path, sizeof path, fmt, ap);
	va_end(ap);
	struct itest_response r;
	itest_get(&server, path, read_token, &r);
	if (r.status != 200)
		fail_msg("GET %s answered %ld: %s", path, r.status, r.body);
	json_t *j = json_incref(r.json);
	itest_response_free(&r);
	return j;
}

/* The runs of a list query, as a comma-separated list of external ids. */
static char *list_ids(const char *query)
{
	json_t *l = api_get("/api/v1/runs?%s", query);
	char *out = calloc(1, 4096);
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(l, "items"), i, it)
	{
		if (i)
			strcat(out, ",");
		strncat(out, json_string_value(json_object_get(it, "external_id")), 100);
	}
	json_decref(l);
	return out;
}

static void expect_list(const char *query, const char *want)
{
	char *got = list_ids(query);
	if (strcmp(got, want))
		fail_msg("GET /api/v1/runs?%s: expected [%s], got [%s]", query, want, got);
	free(got);
}

/* The list item of a run (repo + external id); fails if absent. */
static json_t *list_item(const char *repo, const char *external_id)
{
	json_t *l = api_get("/api/v1/runs?repo=%s&limit=200", repo);
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(l, "items"), i, it)
	{
		if (!strcmp(json_string_value(json_object_get(it, "external_id")), external_id)) {
			json_incref(it);
			json_decref(l);
			return it;
		}
	}
	json_decref(l);
	fail_msg("no run %s in %s", external_id, repo);
	return NULL;
}

static json_t *detail(const char *repo, const char *external_id)
{
	json_t *it = list_item(repo, external_id);
	json_int_t id = json_integer_value(json_object_get(it, "id"));
	json_decref(it);
	return api_get("/api/v1/runs/%lld", (long long)id);
}

/* ---- payloads rewritten from the fixtures to tell one story ---- */

struct run_ev {
	const char *repo;
	long long id;
	int attempt;
	const char *status; /* queued | in_progress | completed */
	const char *conclusion;
	const char *created, *started, *updated;
	const char *branch, *sha, *path, *name;
};

static json_t *run_payload(const struct run_ev *e)
{
	json_t *p = gh_load_fixture("workflow_run.completed.json");
	const char *action = !strcmp(e->status, "queued") ? "requested" : e->status;
	set_s(p, "action", action);
	set_s(p, "repository.full_name", e->repo);
	set_s(p, "repository.default_branch", "main");
	set_i(p, "workflow_run.id", e->id);
	set_i(p, "workflow_run.run_attempt", e->attempt);
	set_s(p, "workflow_run.status", e->status);
	set_s(p, "workflow_run.conclusion", e->conclusion);
	set_s(p, "workflow_run.created_at", e->created);
	set_s(p, "workflow_run.run_started_at", e->started);
	set_s(p, "workflow_run.updated_at", e->updated);
	set_s(p, "workflow_run.head_branch", e->branch ? e->branch : "main");
	set_s(p, "workflow_run.head_sha", e->sha ? e->sha : SHA_A);
	if (e->path) {
		set_s(p, "workflow_run.path", e->path);
		set_s(p, "workflow.path", e->path);
	}
	if (e->name)
		set_s(p, "workflow.name", e->name);
	char url[200];
	snprintf(url, sizeof url, "https://github.com/%s/actions/runs/%lld", e->repo, e->id);
	set_s(p, "workflow_run.html_url", url);
	return p;
}

struct job_ev {
	const char *repo;
	long long run_id;
	int attempt;
	long long id;
	const char *name;
	const char *status;
	const char *conclusion;
	const char *created, *started, *completed;
	const char *branch;
};

static json_t *job_payload(const struct job_ev *e)
{
	const char *fixture = !strcmp(e->status, "queued")	    ? "workflow_job.queued.json"
			      : !strcmp(e->status, "in_progress") ? "workflow_job.in_progress.json"
			      : e->conclusion && !strcmp(e->conclusion, "failure")
				      ? "workflow_job.completed.failure.json"
				      : "workflow_job.completed.success.json";
	json_t *p = gh_load_fixture(fixture);
	set_s(p, "repository.full_name", e->repo);
	set_s(p, "repository.default_branch", "main");
	set_i(p, "workflow_job.id", e->id);
	set_i(p, "workflow_job.run_id", e->run_id);
	set_i(p, "workflow_job.run_attempt", e->attempt);
	set_s(p, "workflow_job.name", e->name);
	set_s(p, "workflow_job.status", e->status);
	set_s(p, "workflow_job.conclusion", e->conclusion);
	set_s(p, "workflow_job.created_at", e->created);
	set_s(p, "workflow_job.started_at", e->started);
	set_s(p, "workflow_job.completed_at", e->completed);
	set_s(p, "workflow_job.head_branch", e->branch ? e->branch : "main");
	set_s(p, "workflow_job.workflow_name", "test");
	return p;
}

/* ---- workflow_run fixtures ---- */

static void workflow_run_fixtures_make_one_run_through_its_states(void **state)
{
	(void)state;
	const char *repo = "octo-org/octo-repo";
	deliver_fixture("workflow_run", "workflow_run.requested.json");
	json_t *it = list_item(repo, "289782451");
	expect_str(it, "status", "queued");
	expect_str(it, "conclusion", NULL);
	expect_int(it, "attempt", 1);
	expect_str(it, "provider", "github-actions");
	/* workflow_run.name is "" in every real example: the workflow object names it */
	expect_str(it, "workflow.name", "test");
	expect_str(it, "workflow.path", ".github/workflows/test.yml");
	expect_int(it, "workflow.id", 2823525);
	expect_str(it, "event", "repository_dispatch");
	expect_str(it, "kind", "main"); /* master is the repository's default branch */
	expect_str(it, "branch", "master");
	expect_str(it, "sha", "3484a3fb816e0859fd6e1cea078d76385ff50625");
	expect_int(it, "run_number", 163);
	expect_str(it, "url", "https://github.com/octo-org/octo-repo/actions/runs/289782451");
	expect_str(it, "queued_at", "2020-10-05T16:33:24Z");
	expect_str(it, "started_at", NULL);
	expect_str(it, "completed_at", NULL);
	expect_str(it, "created_at", "2020-10-05T16:33:24Z");
	assert_true(json_is_null(json_object_get(it, "duration_seconds")));
	json_decref(it);

	deliver_fixture("workflow_run", "workflow_run.in_progress.json");
	it = list_item(repo, "289782451");
	expect_str(it, "status", "in_progress");
	expect_str(it, "started_at", "2020-10-05T16:33:49Z");
	json_decref(it);

	deliver_fixture("workflow_run", "workflow_run.completed.json");
	it = list_item(repo, "289782451");
	expect_str(it, "status", "completed");
	expect_str(it, "conclusion", "success");
	expect_str(it, "completed_at", "2020-10-05T16:33:49Z");
	expect_int(it, "duration_seconds", 0);
	json_decref(it);

	json_t *d = detail(repo, "289782451");
	expect_size(d, "pull_requests", 0);
	expect_str(d, "display_title", "ci(action): update actions/setup-node digest to 8c91899");
	json_decref(d);
	deliver_fixture("workflow_run", "workflow_run.completed.with-pull-requests.json");
	d = detail(repo, "289782451");
	expect_size(d, "pull_requests", 1);
	expect_int(d, "pull_requests[0].number", 2);
	expect_size(d, "attempts", 1);
	expect_str(d, "attempts[0].status", "completed");
	expect_str(d, "attempts[0].conclusion", "success");
	expect_str(d, "commit.sha", "3484a3fb816e0859fd6e1cea078d76385ff50625");
	expect_str(d, "commit.message", NULL); /* no push told us about it */
	json_decref(d);

	/* requested.with-conclusion says completed/action_required, updated at
	 * 16:33:24: older than the completed event (16:33:49), so it loses */
	deliver_fixture("workflow_run", "workflow_run.requested.with-conclusion.json");
	it = list_item(repo, "289782451");
	expect_str(it, "conclusion", "success");
	json_decref(it);
	/* on a run of its own it is what it says */
	json_t *p = gh_load_fixture("workflow_run.requested.with-conclusion.json");
	set_i(p, "workflow_run.id", 289782452);
	deliver("workflow_run", p);
	it = list_item(repo, "289782452");
	expect_str(it, "status", "completed");
	expect_str(it, "conclusion", "action_required");
	expect_str(it, "completed_at", "2020-10-05T16:33:24Z");
	json_decref(it);
}

/* ---- workflow_job fixtures ---- */

static void workflow_job_fixtures_make_jobs_with_stages_steps_and_runners(void **state)
{
	(void)state;
	const char *repo = "Codertocat/Hello-World";
	/* a job before its run: the run appears, state unknown until its events */
	deliver_fixture("workflow_job", "workflow_job.queued.json");
	json_t *it = list_item(repo, "2202229078");
	expect_int(it, "attempt", 1);
	expect_str(it, "status", NULL);
	expect_str(it, "branch", "main");
	expect_str(it, "workflow.name", "CodeQL");
	expect_str(it, "kind", "pr"); /* main is not Hello-World's default branch (master) */
	json_decref(it);
	json_t *d = detail(repo, "2202229078");
	expect_size(d, "attempts", 1);
	expect_size(d, "attempts[0].stages", 1);
	expect_str(d, "attempts[0].stages[0].stage", "other");
	expect_str(d, "attempts[0].stages[0].jobs[0].name", "update");
	expect_str(d, "attempts[0].stages[0].jobs[0].status", "queued");
	expect_str(d, "attempts[0].stages[0].jobs[0].conclusion", NULL);
	assert_true(json_is_true(jat(d, "attempts[0].stages[0].jobs[0].required")));
	expect_str(d, "attempts[0].stages[0].jobs[0].queued_at", "2021-09-13T02:21:13Z");
	/* GitHub fills started_at of a queued job with its creation time: not a start */
	expect_str(d, "attempts[0].stages[0].jobs[0].started_at", NULL);
	expect_str(d, "attempts[0].stages[0].jobs[0].runner", "GitHub Actions 5");
	expect_str(d, "attempts[0].stages[0].jobs[0].labels[0]", "ubuntu-latest");
	expect_str(d, "attempts[0].stages[0].jobs[0].url",
		   "https://github.com/octo-org/octo-repo/runs/1291536064");
	expect_size(d, "attempts[0].stages[0].jobs[0].steps", 0);
	json_decref(d);

	deliver_fixture("workflow_job", "workflow_job.in_progress.json");
	d = detail(repo, "2202229078");
	expect_size(d, "attempts[0].stages[0].jobs", 1); /* the same job id */
	expect_str(d, "attempts[0].stages[0].jobs[0].name", "Analyze (javascript)");
	expect_str(d, "attempts[0].stages[0].jobs[0].status", "in_progress");
	expect_str(d, "attempts[0].stages[0].jobs[0].started_at", "2021-09-13T02:21:13Z");
	expect_size(d, "attempts[0].stages[0].jobs[0].steps", 1);
	expect_str(d, "attempts[0].stages[0].jobs[0].steps[0].name", "Set up job");
	expect_str(d, "attempts[0].stages[0].jobs[0].steps[0].status", "in_progress");
	json_decref(d);

	deliver_fixture("workflow_job", "workflow_job.completed.success.json");
	d = detail(repo, "2202229078");
	/* "linters" matches the config's lint* rule */
	expect_size(d, "attempts[0].stages", 1);
	expect_str(d, "attempts[0].stages[0].stage", "lint");
	expect_str(d, "attempts[0].stages[0].jobs[0].name", "linters");
	expect_str(d, "attempts[0].stages[0].jobs[0].status", "completed");
	expect_str(d, "attempts[0].stages[0].jobs[0].conclusion", "success");
	/* the earliest start seen; completed_at from the completed event */
	expect_str(d, "attempts[0].stages[0].jobs[0].started_at", "2021-08-05T10:34:58Z");
	expect_str(d, "attempts[0].stages[0].jobs[0].completed_at", "2021-08-05T10:38:16Z");
	expect_int(d, "attempts[0].stages[0].jobs[0].duration_seconds", 198);
	expect_size(d, "attempts[0].stages[0].jobs[0].steps", 8);
	expect_str(d, "attempts[0].stages[0].jobs[0].steps[0].status", "completed");
	expect_str(d, "attempts[0].stages[0].jobs[0].steps[0].conclusion", "success");
	expect_int(d, "attempts[0].stages[0].jobs[0].steps[7].number", 13);
	expect_str(d, "attempts[0].stages[0].jobs[0].steps[7].name", "Complete job");
	json_decref(d);

	/* .failure shares the job id of .success with other content: its own id here */
	json_t *p = gh_load_fixture("workflow_job.completed.failure.json");
	set_i(p, "workflow_job.id", 289782452);
	deliver("workflow_job", p);
	d = detail(repo, "2202229078");
	expect_size(d, "attempts[0].stages[0].jobs", 2);
	expect_str(d, "attempts[0].stages[0].jobs[1].external_id", "289782452");
	expect_str(d, "attempts[0].stages[0].jobs[1].conclusion", "failure");
	expect_str(d, "attempts[0].stages[0].jobs[1].steps[7].name", "Run yarn run format-check");
	expect_str(d, "attempts[0].stages[0].jobs[1].steps[7].conclusion", "failure");
	expect_str(d, "attempts[0].stages[0].jobs[1].steps[8].conclusion", "skipped");
	json_decref(d);

	/* steps still queued are kept as queued */
	deliver_fixture("workflow_job", "workflow_job.in_progress.with-queued-steps.json");
	d = detail("wolfy1339/github-events-schemas", "5373506832");
	expect_str(d, "kind", "pr");
	expect_str(d, "branch", "renovate/got-13.x");
	expect_str(d, "attempts[0].stages[0].jobs[0].name", "Do examples need to be regenerated?");
	expect_str(d, "attempts[0].stages[0].jobs[0].status", "in_progress");
	expect_size(d, "attempts[0].stages[0].jobs[0].steps", 9);
	expect_str(d, "attempts[0].stages[0].jobs[0].steps[1].status", "completed");
	expect_str(d, "attempts[0].stages[0].jobs[0].steps[1].started_at", "2023-06-26T03:31:36Z");
	expect_str(d, "attempts[0].stages[0].jobs[0].steps[2].status", "in_progress");
	expect_str(d, "attempts[0].stages[0].jobs[0].steps[2].conclusion", NULL);
	expect_str(d, "attempts[0].stages[0].jobs[0].steps[3].status", "queued");
	expect_int(d, "attempts[0].stages[0].jobs[0].steps[8].number", 14);
	json_decref(d);

	/* a job waiting on an environment's protection rule */
	deliver_fixture("workflow_job", "workflow_job.waiting.json");
	d = detail("lineville/elastic-machines-testing", "4747967848");
	expect_str(d, "kind", "main");
	expect_str(d, "workflow.name", "Env Test");
	expect_str(d, "attempts[0].stages[0].jobs[0].name", "test");
	expect_str(d, "attempts[0].stages[0].jobs[0].status", "waiting");
	expect_str(d, "attempts[0].stages[0].jobs[0].started_at", NULL);
	expect_str(d, "attempts[0].stages[0].jobs[0].queued_at", "2023-04-19T21:12:12Z");
	expect_str(d, "attempts[0].stages[0].jobs[0].runner", NULL);
	expect_size(d, "attempts[0].stages[0].jobs[0].labels", 2);
	expect_str(d, "attempts[0].stages[0].jobs[0].labels[1]", "k8s");
	json_decref(d);
	/* queued.with-deployment is the same job (action queued, status waiting) */
	deliver_fixture("workflow_job", "workflow_job.queued.with-deployment.json");
	d = detail("lineville/elastic-machines-testing", "4747967848");
	expect_size(d, "attempts[0].stages", 1);
	expect_size(d, "attempts[0].stages[0].jobs", 1);
	expect_str(d, "attempts[0].stages[0].jobs[0].status", "waiting");
	json_decref(d);
}

#define T0 "2024-03-01T10:00:00Z"
#define T0_5 "2024-03-01T10:00:05Z"
#define T0_10 "2024-03-01T10:00:10Z"
#define T0_20 "2024-03-01T10:00:20Z"
#define T0_30 "2024-03-01T10:00:30Z"
#define T0_200 "2024-03-01T10:03:20Z"
#define T0_300 "2024-03-01T10:05:00Z"
#define T1 "2024-03-01T11:00:00Z"
#define T1_10 "2024-03-01T11:00:10Z"
#define T1_20 "2024-03-01T11:00:20Z"
#define T1_100 "2024-03-01T11:01:40Z"
#define T1_300 "2024-03-01T11:05:00Z"

static void job_before_its_run_creates_it_and_run_events_complete_it(void **state)
{
	(void)state;
	const char *repo = "acme/early";
	deliver("workflow_job", job_payload(&(struct job_ev){repo, 7001, 1, 70011, "build",
							      "completed", "success", T0_20, T0_30,
							      T0_200, "feature/x"}));
	json_t *it = list_item(repo, "7001");
	expect_str(it, "status", NULL);
	expect_str(it, "kind", "pr");
	expect_str(it, "created_at", T0_20); /* the job's creation until the run says */
	json_decref(it);

	deliver("workflow_run", run_payload(&(struct run_ev){repo, 7001, 1, "queued", NULL, T0, T0_5,
							   T0, "feature/x", SHA_B, NULL, NULL}));
	it = list_item(repo, "7001");
	expect_str(it, "status", "queued");
	expect_str(it, "created_at", T0);
	expect_str(it, "workflow.name", "test");
	expect_str(it, "sha", SHA_B);
	json_decref(it);
	deliver("workflow_run", run_payload(&(struct run_ev){repo, 7001, 1, "completed", "success",
							   T0, T0_5, T0_300, "feature/x", SHA_B,
							   NULL, NULL}));
	json_t *d = detail(repo, "7001");
	expect_str(d, "status", "completed");
	expect_str(d, "conclusion", "success");
	expect_str(d, "started_at", T0_5); /* run_started_at of the completed event */
	expect_str(d, "completed_at", T0_300);
	expect_str(d, "attempts[0].stages[0].stage", "build");
	expect_str(d, "attempts[0].stages[0].jobs[0].status", "completed");
	json_decref(d);
}

static void deliver_job(json_t *payload)
{
	deliver("workflow_job", payload);
}
#define deliver_job_ev(...) deliver_job(job_payload(&(struct job_ev){__VA_ARGS__}))
#define deliver_run_ev(...) deliver("workflow_run", run_payload(&(struct run_ev){__VA_ARGS__}))

static void rerun_is_a_new_attempt_and_the_list_shows_the_latest(void **state)
{
	(void)state;
	const char *repo = "acme/rerun";
	deliver_run_ev(repo, 7100, 1, "in_progress", NULL, T0, T0_5, T0_10, "main", SHA_C, NULL,
		       NULL);
	deliver_job_ev(repo, 7100, 1, 71001, "unit-tests", "completed", "failure", T0_20, T0_30,
		       T0_200, "main");
	deliver_run_ev(repo, 7100, 1, "completed", "failure", T0, T0_5, T0_300, "main", SHA_C, NULL,
		       NULL);
	json_t *it = list_item(repo, "7100");
	expect_int(it, "attempt", 1);
	expect_str(it, "conclusion", "failure");
	json_decref(it);

	/* the re-run: attempt 2 of the same run */
	deliver_run_ev(repo, 7100, 2, "queued", NULL, T0, T1, T1, "main", SHA_C, NULL, NULL);
	it = list_item(repo, "7100");
	expect_int(it, "attempt", 2);
	expect_str(it, "status", "queued");
	expect_str(it, "conclusion", NULL);
	expect_str(it, "queued_at", T1);
	expect_str(it, "created_at", T0);
	json_decref(it);
	deliver_job_ev(repo, 7100, 2, 71002, "unit-tests", "completed", "success", T1_10, T1_20,
		       T1_100, "main");
	deliver_run_ev(repo, 7100, 2, "completed", "success", T0, T1, T1_300, "main", SHA_C, NULL,
		       NULL);
	/* a late attempt-1 event must not touch the mirror of attempt 2 */
	deliver_run_ev(repo, 7100, 1, "in_progress", NULL, T0, T0_5, T0_10, "main", SHA_C, NULL,
		       NULL);
	it = list_item(repo, "7100");
	expect_int(it, "attempt", 2);
	expect_str(it, "status", "completed");
	expect_str(it, "conclusion", "success");
	expect_str(it, "completed_at", T1_300);
	json_decref(it);
	char *ids = list_ids("repo=acme/rerun");
	assert_string_equal(ids, "7100"); /* one row per run */
	free(ids);

	json_t *d = detail(repo, "7100");
	expect_int(d, "attempt", 2);
	expect_size(d, "attempts", 2);
	expect_int(d, "attempts[0].attempt", 1);
	expect_str(d, "attempts[0].conclusion", "failure");
	expect_str(d, "attempts[0].completed_at", T0_300);
	expect_str(d, "attempts[0].stages[0].stage", "unit");
	expect_str(d, "attempts[0].stages[0].jobs[0].conclusion", "failure");
	expect_int(d, "attempts[1].attempt", 2);
	expect_str(d, "attempts[1].conclusion", "success");
	expect_str(d, "attempts[1].queued_at", T1);
	expect_str(d, "attempts[1].stages[0].jobs[0].conclusion", "success");
	expect_str(d, "attempts[1].stages[0].jobs[0].external_id", "71002");
	json_decref(d);
	/* a job of a third attempt that GitHub announced before the run event */
	deliver_job_ev(repo, 7100, 3, 71003, "unit-tests", "queued", NULL, T1_300, T1_300, NULL,
		       "main");
	it = list_item(repo, "7100");
	expect_int(it, "attempt", 3);
	expect_str(it, "status", NULL);
	json_decref(it);
}

static void duplicate_and_replayed_deliveries_change_nothing(void **state)
{
	(void)state;
	const char *repo = "acme/dupes";
	json_t *p = run_payload(&(struct run_ev){repo, 7200, 1, "completed", "success", T0, T0_5,
						 T0_300, "main", SHA_D, NULL, NULL});
	struct itest_response r;
	gh_send_json(&server, "workflow_run", "runs-dup-1", p, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	json_t *before = detail(repo, "7200");
	long events = itest_sql_long(db_url, "SELECT count(*) FROM events WHERE kind = 'run.updated'");

	gh_send_json(&server, "workflow_run", "runs-dup-1", p, &r);
	assert_int_equal(r.status, 200);
	expect_str(r.json, "status", "duplicate");
	itest_response_free(&r);
	/* the same facts under a new delivery id: merged, nothing changes */
	gh_send_json(&server, "workflow_run", "runs-dup-2", p, &r);
	assert_int_equal(r.status, 200);
	expect_str(r.json, "status", "processed");
	itest_response_free(&r);
	json_decref(p);

	json_t *after = detail(repo, "7200");
	assert_true(json_equal(before, after));
	assert_int_equal(itest_sql_long(db_url,
					"SELECT count(*) FROM events WHERE kind = 'run.updated'"),
			 events);
	json_decref(before);
	json_decref(after);
}

static void domain_events_are_recorded_for_each_change(void **state)
{
	(void)state;
	const char *repo = "acme/events";
	deliver_run_ev(repo, 7300, 1, "in_progress", NULL, T0, T0_5, T0_10, "main", SHA_A, NULL,
		       NULL);
	deliver_job_ev(repo, 7300, 1, 73001, "lint", "in_progress", NULL, T0_20, T0_30, NULL,
		       "main");
	json_t *it = list_item(repo, "7300");
	char sql[512];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM events WHERE kind = 'run.updated' AND entity_type = 'run'"
		 " AND entity_id = '%lld' AND payload->>'status' = 'in_progress'"
		 " AND (payload->>'attempt')::int = 1",
		 (long long)json_integer_value(json_object_get(it, "id")));
	assert_int_equal(itest_sql_long(db_url, sql), 1);
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM events WHERE kind = 'job.updated' AND entity_type = 'job'"
		 " AND (payload->>'run_id')::bigint = %lld AND payload->>'status' = 'in_progress'"
		 " AND payload->>'name' = 'lint'",
		 (long long)json_integer_value(json_object_get(it, "id")));
	assert_int_equal(itest_sql_long(db_url, sql), 1);
	json_decref(it);
}

static void config_maps_jobs_to_stages_in_pipeline_order(void **state)
{
	(void)state;
	const char *repo = "acme/stages";
	deliver_run_ev(repo, 7400, 1, "in_progress", NULL, T0, T0_5, T0_10, "main", SHA_A, NULL,
		       NULL);
	const char *names[] = {"deploy-docs", "playwright-smoke", "build-images", "unit-tests",
			       "lint-go"};
	for (int i = 0; i < 5; i++)
		deliver_job_ev(repo, 7400, 1, 74000 + i, names[i], "queued", NULL, T0_20, T0_20,
			       NULL, "main");
	json_t *d = detail(repo, "7400");
	expect_size(d, "attempts[0].stages", 5);
	expect_str(d, "attempts[0].stages[0].stage", "lint");
	expect_str(d, "attempts[0].stages[0].jobs[0].name", "lint-go"); /* config: lint* */
	expect_str(d, "attempts[0].stages[1].stage", "unit");           /* by its name */
	expect_str(d, "attempts[0].stages[2].stage", "build");
	expect_str(d, "attempts[0].stages[3].stage", "e2e"); /* config: playwright*, optional */
	expect_str(d, "attempts[0].stages[3].jobs[0].name", "playwright-smoke");
	assert_true(json_is_false(jat(d, "attempts[0].stages[3].jobs[0].required")));
	assert_true(json_is_true(jat(d, "attempts[0].stages[0].jobs[0].required")));
	expect_str(d, "attempts[0].stages[4].stage", "other");
	expect_str(d, "attempts[0].stages[4].jobs[0].name", "deploy-docs");
	json_decref(d);
	/* a workflow rule of the config decides the kind before the branch does */
	deliver_run_ev(repo, 7401, 1, "queued", NULL, T0, T0_5, T0, "main", SHA_A,
		       ".github/workflows/nightly.yml", "nightly");
	json_t *it = list_item(repo, "7401");
	expect_str(it, "kind", "other");
	json_decref(it);
}

/* ---- the list ---- */

static void seed_filter_runs(void)
{
	const char *repo = "acme/filters";
	deliver_run_ev(repo, 1, 1, "completed", "success", "2024-01-01T10:00:00Z",
		       "2024-01-01T10:00:05Z", "2024-01-01T10:10:00Z", "main", SHA_A,
		       ".github/workflows/ci.yml", "CI");
	deliver_run_ev(repo, 2, 1, "completed", "failure", "2024-01-02T10:00:00Z",
		       "2024-01-02T10:00:05Z", "2024-01-02T10:10:00Z", "feature-x", SHA_B,
		       ".github/workflows/ci.yml", "CI");
	deliver_run_ev(repo, 3, 1, "in_progress", NULL, "2024-01-03T10:00:00Z",
		       "2024-01-03T10:00:05Z", "2024-01-03T10:00:06Z", "v1.2.3", SHA_C,
		       ".github/workflows/release.yml", "Release");
	deliver_run_ev("acme/filters-other", 4, 1, "completed", "success", "2024-01-04T10:00:00Z",
		       "2024-01-04T10:00:05Z", "2024-01-04T10:10:00Z", "main", SHA_B,
		       ".github/workflows/ci.yml", "CI");
	/* run 1 names PR 9 explicitly */
	json_t *p = run_payload(&(struct run_ev){repo, 1, 1, "completed", "success",
						 "2024-01-01T10:00:00Z", "2024-01-01T10:00:05Z",
						 "2024-01-01T10:10:00Z", "main", SHA_A,
						 ".github/workflows/ci.yml", "CI"});
	json_t *pr = json_pack("{s:i, s:{s:s}}", "number", 9, "head", "ref", "whatever");
	json_array_append_new(json_object_get(json_object_get(p, "workflow_run"), "pull_requests"),
			      pr);
	deliver("workflow_run", p);
	/* PR 7 from branch feature-x (head SHA not the run's); PR 8 once had SHA_C */
	free(itest_sql(db_url,
		       "INSERT INTO pull_requests (repository_id, number, title, state, head_ref,"
		       " head_sha, html_url) SELECT id, 7, 'Feature X', 'open', 'feature-x', '" SHA_E
		       "', 'https://github.com/acme/filters/pull/7' FROM repositories"
		       " WHERE full_name = 'acme/filters'"));
	free(itest_sql(db_url,
		       "INSERT INTO pull_requests (repository_id, number, title, state, head_ref,"
		       " head_sha) SELECT id, 8, 'Release prep', 'closed', 'release-prep', '" SHA_E
		       "' FROM repositories WHERE full_name = 'acme/filters'"));
	free(itest_sql(db_url, "INSERT INTO pull_request_shas (pull_request_id, sha, seen_at)"
			       " SELECT id, '" SHA_C "', now() FROM pull_requests WHERE number = 8"
			       " AND title = 'Release prep'"));
	/* a PR from a branch named like the default branch links nothing by branch */
	free(itest_sql(db_url,
		       "INSERT INTO pull_requests (repository_id, number, title, state, head_ref,"
		       " head_sha) SELECT id, 10, 'From a fork''s main', 'open', 'main', '" SHA_E
		       "' FROM repositories WHERE full_name = 'acme/filters'"));
}

static void list_filters_each_select_what_they_say(void **state)
{
	(void)state;
	seed_filter_runs();
	expect_list("repo=acme/filters", "3,2,1");
	expect_list("repo=ACME/Filters", "3,2,1");
	expect_list("repo=acme/filters&kind=main", "1");
	expect_list("repo=acme/filters&kind=pr", "2");
	expect_list("repo=acme/filters&kind=release", "3"); /* a tag-like head branch */
	expect_list("repo=acme/filters&branch=feature-x", "2");
	expect_list("repo=acme/filters&status=in_progress", "3");
	expect_list("repo=acme/filters&status=completed", "2,1");
	expect_list("repo=acme/filters&conclusion=failure", "2");
	expect_list("sha=bbbbbbb2&since=2024-01-01T00:00:00Z&until=2024-02-01T00:00:00Z", "4,2");
	expect_list("repo=acme/filters&sha=" SHA_B, "2");
	expect_list("repo=acme/filters&sha=BBBBBBB2", "2");
	expect_list("repo=acme/filters&workflow=Release", "3");
	expect_list("repo=acme/filters&workflow=.github/workflows/ci.yml", "2,1");
	expect_list("repo=acme/filters&since=2024-01-02T00:00:00Z", "3,2");
	expect_list("repo=acme/filters&until=2024-01-02T00:00:00Z", "1");
	expect_list("repo=acme/filters&since=2024-01-02T00:00:00Z&until=2024-01-03T00:00:00Z", "2");
	expect_list("repo=acme/filters&pr=7", "2");  /* by head branch */
	expect_list("repo=acme/filters&pr=8", "3");  /* by a head SHA it once had */
	expect_list("repo=acme/filters&pr=9", "1");  /* linked by workflow_run.pull_requests */
	expect_list("repo=acme/filters&pr=10", ""); /* its head_ref is the default branch */
	expect_list("repo=acme/filters&pr=11", "");
	expect_list("repo=acme/filters&kind=pr&conclusion=success", "");

	json_t *d = detail("acme/filters", "2");
	expect_size(d, "pull_requests", 1);
	expect_int(d, "pull_requests[0].number", 7);
	expect_str(d, "pull_requests[0].title", "Feature X");
	expect_str(d, "pull_requests[0].state", "open");
	expect_str(d, "pull_requests[0].url", "https://github.com/acme/filters/pull/7");
	json_decref(d);
	d = detail("acme/filters", "1");
	expect_size(d, "pull_requests", 1);
	expect_int(d, "pull_requests[0].number", 9);
	expect_str(d, "pull_requests[0].title", NULL); /* known only by number */
	json_decref(d);
}

static void list_is_paginated_newest_first(void **state)
{
	(void)state;
	json_t *l = api_get("/api/v1/runs?repo=acme/filters&limit=2");
	expect_size(l, "items", 2);
	expect_str(l, "items[0].external_id", "3");
	expect_str(l, "items[1].external_id", "2");
	const char *next = json_string_value(json_object_get(l, "next"));
	assert_non_null(next);
	const char *q = strstr(next, "/api/v1/runs");
	assert_non_null(q);
	json_t *l2 = api_get("%s", q);
	expect_size(l2, "items", 1);
	expect_str(l2, "items[0].external_id", "1");
	assert_true(json_is_null(json_object_get(l2, "next")));
	json_decref(l);
	json_decref(l2);
	/* page by page with limit=1 visits every run once */
	char path[1024] = "/api/v1/runs?repo=acme/filters&limit=1";
	char seen[64] = "";
	for (int i = 0; i < 5; i++) {
		json_t *pg = api_get("%s", path);
		expect_size(pg, "items", 1);
		strcat(seen, json_string_value(jat(pg, "items[0].external_id")));
		const char *nx = json_string_value(json_object_get(pg, "next"));
		if (!nx) {
			json_decref(pg);
			break;
		}
		snprintf(path, sizeof path, "%s", strstr(nx, "/api/v1/runs"));
		json_decref(pg);
	}
	assert_string_equal(seen, "321");
}

static void expect_bad_query(const char *query, const char *param)
{
	char path[512];
	snprintf(path, sizeof path, "/api/v1/runs?%s", query);
	struct itest_response r;
	itest_get(&server, path, read_token, &r);
	itest_assert_problem(&r, 400, "parameter", param);
	itest_response_free(&r);
}

static void bad_list_parameters_are_400_naming_them(void **state)
{
	(void)state;
	expect_bad_query("kind=nightly", "kind");
	expect_bad_query("status=done", "status");
	expect_bad_query("conclusion=ok", "conclusion");
	expect_bad_query("sha=xyz", "sha");
	expect_bad_query("sha=abc", "sha");
	expect_bad_query("repo=nope", "repo");
	expect_bad_query("pr=abc&repo=acme/filters", "pr");
	expect_bad_query("pr=7", "pr");
	expect_bad_query("since=yesterday", "since");
	expect_bad_query("until=2024-13-01T00:00:00Z", "until");
	expect_bad_query("limit=0", "limit");
	expect_bad_query("cursor=!!!", "cursor");
	expect_bad_query("colour=blue", "colour");
}

/* ---- GET one ---- */

static void unknown_run_is_404_and_reading_needs_a_token(void **state)
{
	(void)state;
	struct itest_response r;
	itest_get(&server, "/api/v1/runs/987654321", read_token, &r);
	itest_assert_problem(&r, 404, "not-found", "987654321");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/runs", NULL, &r);
	itest_assert_problem(&r, 401, "unauthorized", NULL);
	itest_response_free(&r);
	itest_get(&server, "/api/v1/runs/abc", read_token, &r);
	itest_assert_problem(&r, 400, "parameter", "id");
	itest_response_free(&r);
}

static void commit_of_a_run_is_shown_when_known(void **state)
{
	(void)state;
	deliver_run_ev("acme/commit", 7500, 1, "queued", NULL, T0, T0_5, T0, "main", SHA_E, NULL,
		       NULL);
	free(itest_sql(db_url, "INSERT INTO commits (repository_id, sha, message, author_name,"
			       " author_login) SELECT id, '" SHA_E "', 'Fix the flux capacitor',"
			       " 'Ada Lovelace', 'ada' FROM repositories WHERE full_name = 'acme/commit'"));
	json_t *d = detail("acme/commit", "7500");
	expect_str(d, "commit.sha", SHA_E);
	expect_str(d, "commit.message", "Fix the flux capacitor");
	expect_str(d, "commit.author", "Ada Lovelace");
	json_decref(d);
}

/* ---- POST /api/v1/runs ---- */

static void post(const char *token, const char *body, struct itest_response *r)
{
	itest_json(&server, "POST", "/api/v1/runs", token, body, r);
}

static void report_creates_then_updates_a_run(void **state)
{
	(void)state;
	struct itest_response r;
	post(ci_token,
	     "{\"repository\": \"acme/gitlab\", \"provider\": \"gitlab-ci\", \"external_id\": \"555\","
	     " \"sha\": \"" SHA_A "\", \"status\": \"in_progress\", \"branch\": \"topic\","
	     " \"workflow\": \"pipeline\", \"workflow_path\": \".gitlab-ci.yml\", \"event\": \"push\","
	     " \"run_number\": 42, \"url\": \"https://gitlab.example.com/p/555\","
	     " \"queued_at\": \"2024-05-01T09:00:00Z\", \"started_at\": \"2024-05-01T09:00:10Z\","
	     " \"updated_at\": \"2024-05-01T09:01:00Z\","
	     " \"jobs\": [{\"name\": \"lint\", \"status\": \"completed\", \"conclusion\": \"success\","
	     "  \"started_at\": \"2024-05-01T09:00:10Z\", \"completed_at\": \"2024-05-01T09:00:40Z\","
	     "  \"runner\": \"r1\", \"url\": \"https://gitlab.example.com/j/1\"},"
	     " {\"name\": \"playwright-e2e\", \"status\": \"in_progress\"},"
	     " {\"name\": \"package\", \"status\": \"queued\", \"stage\": \"publish\","
	     "  \"required\": false}]}",
	     &r);
	if (r.status != 201)
		fail_msg("expected 201, got %ld: %s", r.status, r.body);
	expect_str(r.json, "provider", "gitlab-ci");
	expect_str(r.json, "external_id", "555");
	expect_str(r.json, "repository", "acme/gitlab");
	expect_str(r.json, "kind", "pr");
	expect_str(r.json, "status", "in_progress");
	expect_str(r.json, "workflow.name", "pipeline");
	expect_str(r.json, "workflow.path", ".gitlab-ci.yml");
	expect_int(r.json, "run_number", 42);
	expect_str(r.json, "queued_at", "2024-05-01T09:00:00Z");
	expect_str(r.json, "created_at", "2024-05-01T09:00:00Z");
	expect_size(r.json, "attempts[0].stages", 3);
	expect_str(r.json, "attempts[0].stages[0].stage", "lint");
	expect_int(r.json, "attempts[0].stages[0].jobs[0].duration_seconds", 30);
	expect_str(r.json, "attempts[0].stages[0].jobs[0].runner", "r1");
	expect_str(r.json, "attempts[0].stages[1].stage", "publish");
	assert_true(json_is_false(jat(r.json, "attempts[0].stages[1].jobs[0].required")));
	expect_str(r.json, "attempts[0].stages[2].stage", "e2e");
	assert_true(json_is_false(jat(r.json, "attempts[0].stages[2].jobs[0].required")));
	long long id = json_integer_value(json_object_get(r.json, "id"));
	itest_response_free(&r);

	post(ci_token,
	     "{\"repository\": \"acme/gitlab\", \"provider\": \"gitlab-ci\", \"external_id\": \"555\","
	     " \"sha\": \"" SHA_A "\", \"status\": \"completed\", \"conclusion\": \"success\","
	     " \"updated_at\": \"2024-05-01T09:05:00Z\","
	     " \"jobs\": [{\"name\": \"playwright-e2e\", \"status\": \"completed\","
	     "  \"conclusion\": \"failure\"}]}",
	     &r);
	if (r.status != 200)
		fail_msg("expected 200, got %ld: %s", r.status, r.body);
	expect_int(r.json, "id", id);
	expect_str(r.json, "status", "completed");
	expect_str(r.json, "conclusion", "success");
	expect_str(r.json, "completed_at", "2024-05-01T09:05:00Z");
	expect_int(r.json, "duration_seconds", 290);
	expect_str(r.json, "branch", "topic"); /* known values are kept */
	expect_str(r.json, "attempts[0].stages[2].jobs[0].conclusion", "failure");
	expect_str(r.json, "attempts[0].stages[2].jobs[0].completed_at", "2024-05-01T09:05:00Z");
	itest_response_free(&r);

	/* an older report arriving late changes nothing */
	post(ci_token,
	     "{\"repository\": \"acme/gitlab\", \"provider\": \"gitlab-ci\", \"external_id\": \"555\","
	     " \"sha\": \"" SHA_A "\", \"status\": \"in_progress\","
	     " \"updated_at\": \"2024-05-01T09:02:00Z\","
	     " \"jobs\": [{\"name\": \"playwright-e2e\", \"status\": \"in_progress\"}]}",
	     &r);
	assert_int_equal(r.status, 200);
	expect_str(r.json, "status", "completed");
	expect_str(r.json, "attempts[0].stages[2].jobs[0].status", "completed");
	itest_response_free(&r);

	/* GET answers the same document */
	json_t *d = api_get("/api/v1/runs/%lld", id);
	expect_str(d, "conclusion", "success");
	expect_size(d, "attempts[0].stages", 3);
	json_decref(d);
	expect_list("repo=acme/gitlab&workflow=pipeline", "555");
	/* a re-run reported as attempt 2 */
	post(ci_token,
	     "{\"repository\": \"acme/gitlab\", \"provider\": \"gitlab-ci\", \"external_id\": \"555\","
	     " \"sha\": \"" SHA_A "\", \"status\": \"queued\", \"attempt\": 2}",
	     &r);
	assert_int_equal(r.status, 200);
	expect_int(r.json, "attempt", 2);
	expect_str(r.json, "status", "queued");
	expect_size(r.json, "attempts", 2);
	/* it knows less (no branch): the kind comes from what is known of the run */
	expect_str(r.json, "kind", "pr");
	expect_str(r.json, "branch", "topic");
	itest_response_free(&r);

	/* a kind named by the reporter sticks, whatever later reports leave out */
	post(ci_token,
	     "{\"repository\": \"acme/gitlab\", \"provider\": \"gitlab-ci\", \"external_id\": \"557\","
	     " \"sha\": \"" SHA_A "\", \"status\": \"queued\", \"branch\": \"topic\","
	     " \"kind\": \"release\", \"updated_at\": \"2024-05-01T09:00:00Z\"}",
	     &r);
	assert_int_equal(r.status, 201);
	expect_str(r.json, "kind", "release");
	itest_response_free(&r);
	post(ci_token,
	     "{\"repository\": \"acme/gitlab\", \"provider\": \"gitlab-ci\", \"external_id\": \"557\","
	     " \"sha\": \"" SHA_A "\", \"status\": \"completed\", \"conclusion\": \"cancelled\","
	     " \"updated_at\": \"2024-05-01T09:01:00Z\"}",
	     &r);
	assert_int_equal(r.status, 200);
	expect_str(r.json, "kind", "release");
	expect_str(r.json, "conclusion", "cancelled");
	itest_response_free(&r);
	expect_list("repo=acme/gitlab&kind=release", "557");
}

static void expect_report_error(const char *body, long status, const char *slug,
				const char *field)
{
	struct itest_response r;
	post(ci_token, body, &r);
	itest_assert_problem(&r, status, slug, field);
	itest_response_free(&r);
}

#define REPORT_HEAD                                                                             \
	"{\"repository\": \"acme/gitlab\", \"provider\": \"gitlab-ci\", \"external_id\": \"556\", " \
	"\"sha\": \"" SHA_B "\", "

static void report_validation_errors_name_the_field(void **state)
{
	(void)state;
	expect_report_error("{\"provider\": \"x\", \"external_id\": \"1\", \"sha\": \"" SHA_B
			    "\", \"status\": \"queued\"}",
			    400, "missing-field", "repository");
	expect_report_error(REPORT_HEAD "\"status\": \"running\"}", 400, "invalid-field", "status");
	expect_report_error(REPORT_HEAD "\"conclusion\": \"success\"}", 400, "missing-field",
			    "status");
	expect_report_error(REPORT_HEAD "\"status\": \"in_progress\", \"conclusion\": \"success\"}",
			    400, "invalid-field", "conclusion");
	expect_report_error("{\"repository\": \"acme/gitlab\", \"provider\": \"gitlab-ci\","
			    " \"external_id\": \"556\", \"sha\": \"abc123\", \"status\": \"queued\"}",
			    400, "invalid-field", "sha");
	expect_report_error(REPORT_HEAD "\"status\": \"queued\", \"kind\": \"nightly\"}", 400,
			    "invalid-field", "kind");
	expect_report_error(REPORT_HEAD "\"status\": \"queued\", \"attempt\": 0}", 400,
			    "invalid-field", "attempt");
	expect_report_error(REPORT_HEAD "\"status\": \"queued\", \"updated_at\": \"soon\"}", 400,
			    "invalid-field", "updated_at");
	expect_report_error(REPORT_HEAD "\"status\": \"queued\", \"colour\": \"red\"}", 400,
			    "unknown-field", "colour");
	expect_report_error(REPORT_HEAD "\"status\": \"queued\", \"jobs\": {}}", 400,
			    "invalid-field", "jobs");
	expect_report_error(REPORT_HEAD "\"status\": \"queued\", \"jobs\": [\"lint\"]}", 400,
			    "invalid-field", "jobs[0]");
	expect_report_error(REPORT_HEAD "\"status\": \"queued\", \"jobs\": [{\"status\": \"queued\"}]}",
			    400, "missing-field", "jobs[0].name");
	expect_report_error(REPORT_HEAD "\"status\": \"queued\", \"jobs\": [{\"name\": \"a\","
					" \"status\": \"queued\"}, {\"name\": \"b\", \"status\": \"queued\"},"
					" {\"name\": \"c\", \"status\": \"done\"}]}",
			    400, "invalid-field", "jobs[2].status");
	expect_report_error(REPORT_HEAD "\"status\": \"queued\", \"jobs\": [{\"name\": \"a\"}]}",
			    400, "missing-field", "jobs[0].status");
	expect_report_error(REPORT_HEAD "\"status\": \"queued\", \"jobs\": [{\"name\": \"a\","
					" \"status\": \"queued\", \"conclusion\": \"failure\"}]}",
			    400, "invalid-field", "jobs[0].conclusion");
	expect_report_error(REPORT_HEAD "\"status\": \"queued\", \"jobs\": [{\"name\": \"a\","
					" \"status\": \"completed\", \"conclusion\": \"meh\"}]}",
			    400, "invalid-field", "jobs[0].conclusion");
	expect_report_error(REPORT_HEAD "\"status\": \"queued\", \"jobs\": [{\"name\": \"a\","
					" \"status\": \"queued\", \"stage\": \"deploy\"}]}",
			    400, "invalid-field", "jobs[0].stage");
	expect_report_error(REPORT_HEAD "\"status\": \"queued\", \"jobs\": [{\"name\": \"a\","
					" \"status\": \"queued\", \"required\": \"yes\"}]}",
			    400, "invalid-field", "jobs[0].required");
	expect_report_error(REPORT_HEAD "\"status\": \"queued\", \"jobs\": [{\"name\": \"a\","
					" \"status\": \"queued\", \"started_at\": \"noon\"}]}",
			    400, "invalid-field", "jobs[0].started_at");
	expect_report_error(REPORT_HEAD "\"status\": \"queued\", \"jobs\": [{\"name\": \"a\","
					" \"status\": \"queued\", \"shell\": \"bash\"}]}",
			    400, "unknown-field", "jobs[0].shell");
	expect_report_error(REPORT_HEAD "\"status\": \"queued\", \"jobs\": [{\"name\": \"\","
					" \"status\": \"queued\"}]}",
			    400, "invalid-field", "jobs[0].name");
	expect_report_error(REPORT_HEAD "\"status\": \"queued\", \"jobs\": [{\"name\": \"a\","
					" \"status\": \"queued\"}, {\"name\": \"a\", \"status\": \"queued\"}]}",
			    400, "invalid-field", "jobs[1].name");
	/* nothing was stored by any of them */
	expect_list("repo=acme/gitlab&sha=" SHA_B, "");
}

/* 400 whose errors[0] names `pointer` with `detail`, and nothing stored. */
static void expect_refused_at(const char *body, const char *pointer, const char *detail)
{
	struct itest_response r;
	post(ci_token, body, &r);
	itest_assert_problem(&r, 400, "invalid-field", NULL);
	const json_t *e = json_array_get(json_object_get(r.json, "errors"), 0);
	const char *at = json_string_value(json_object_get(e, "pointer"));
	const char *why = json_string_value(json_object_get(e, "detail"));
	if (!at || !why || strcmp(at, pointer) || strcmp(why, detail))
		fail_msg("%s: expected errors [{pointer %s, detail %s}], got %s", body, pointer,
			 detail, r.body);
	itest_response_free(&r);
}

/* Times that are no instant, and a run or job that completed before it
 * started, are refused; none is stored (23:59:60 on 31 December used to be
 * stored as the next year). */
static void impossible_times_are_refused_naming_the_field(void **state)
{
	(void)state;
#define SHA_60 "6060606060606060606060606060606060606060"
#define TIMES_HEAD                                                                      \
	"{\"repository\": \"acme/gitlab\", \"provider\": \"gitlab-ci\", "                          \
	"\"external_id\": \"660\", \"sha\": \"" SHA_60 "\", \"status\": \"completed\", "           \
	"\"conclusion\": \"success\", "
	expect_refused_at(TIMES_HEAD "\"started_at\": \"2026-12-31T23:59:60Z\"}", "/started_at",
			  "not a valid time: second 60");
	expect_refused_at(TIMES_HEAD "\"started_at\": \"2026-12-31T23:00:00Z\","
				     " \"completed_at\": \"2026-12-31T23:59:60Z\"}",
			  "/completed_at", "not a valid time: second 60");
	expect_refused_at(TIMES_HEAD "\"started_at\": \"2026-02-30T10:00:00Z\"}", "/started_at",
			  "not a valid date: day 30 of 2026-02");
	expect_refused_at(TIMES_HEAD "\"queued_at\": \"2026-03-01T24:00:00Z\"}", "/queued_at",
			  "not a valid time: hour 24");
	expect_refused_at(TIMES_HEAD "\"started_at\": \"2026-03-01T10:00:00Z\","
				     " \"completed_at\": \"2026-03-01T09:59:59Z\"}",
			  "/completed_at", "before started_at (2026-03-01T10:00:00Z)");
	/* compared as instants, not as text: 10:30+01:00 is 09:30Z */
	expect_refused_at(TIMES_HEAD "\"started_at\": \"2026-03-01T10:00:00Z\","
				     " \"completed_at\": \"2026-03-01T10:30:00+01:00\"}",
			  "/completed_at", "before started_at (2026-03-01T10:00:00Z)");
	expect_refused_at(TIMES_HEAD "\"jobs\": [{\"name\": \"ok\", \"status\": \"queued\"},"
				     " {\"name\": \"build\", \"status\": \"completed\","
				     " \"started_at\": \"2026-03-01T10:00:00Z\","
				     " \"completed_at\": \"2026-03-01T09:00:00Z\"}]}",
			  "/jobs/1/completed_at", "before started_at (2026-03-01T10:00:00Z)");
	expect_refused_at(TIMES_HEAD "\"jobs\": [{\"name\": \"build\", \"status\": \"completed\","
				     " \"completed_at\": \"2026-06-30T23:59:60Z\"}]}",
			  "/jobs/0/completed_at", "not a valid time: second 60");
	expect_list("repo=acme/gitlab&sha=" SHA_60, "");
	/* equal times are a run that took no time: taken */
	struct itest_response r;
	post(ci_token,
	     TIMES_HEAD "\"started_at\": \"2026-03-01T10:00:00Z\","
			" \"completed_at\": \"2026-03-01T10:00:00Z\"}",
	     &r);
	assert_int_equal(r.status, 201);
	expect_str(r.json, "completed_at", "2026-03-01T10:00:00Z");
	itest_response_free(&r);
#undef TIMES_HEAD
#undef SHA_60
}

static void report_needs_the_ci_scope(void **state)
{
	(void)state;
	const char *body = REPORT_HEAD "\"status\": \"queued\"}";
	struct itest_response r;
	post(NULL, body, &r);
	itest_assert_problem(&r, 401, "unauthorized", NULL);
	itest_response_free(&r);
	post(read_token, body, &r);
	itest_assert_problem(&r, 403, "forbidden", "ci");
	itest_response_free(&r);
	expect_list("repo=acme/gitlab&sha=" SHA_B, "");
	post(ci_token, body, &r);
	assert_int_equal(r.status, 201);
	itest_response_free(&r);
}

static void malformed_run_payloads_are_400_naming_the_field(void **state)
{
	(void)state;
	struct itest_response r;
	char id[64];
	const char *no_id = "{\"action\":\"completed\",\"workflow_run\":{\"status\":\"completed\"},"
			    "\"repository\":{\"full_name\":\"acme/bad\"}}";
	gh_send_raw(&server, "workflow_run", gh_delivery_id(id, sizeof id), ITEST_GITHUB_SECRET,
		    NULL, no_id, strlen(no_id), &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "workflow_run.id"));
	itest_response_free(&r);
	const char *no_run = "{\"action\":\"queued\",\"workflow_job\":{\"id\":5,\"status\":\"queued\"},"
			     "\"repository\":{\"full_name\":\"acme/bad\"}}";
	gh_send_raw(&server, "workflow_job", gh_delivery_id(id, sizeof id), ITEST_GITHUB_SECRET,
		    NULL, no_run, strlen(no_run), &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "workflow_job.run_id"));
	itest_response_free(&r);
	/* odd types where strings are expected are not errors */
	const char *odd = "{\"action\":\"completed\",\"workflow_run\":{\"id\":8080,\"status\":\"completed\","
			  "\"conclusion\":7,\"name\":null,\"head_branch\":[],\"pull_requests\":\"no\","
			  "\"updated_at\":\"not a time\"},\"repository\":{\"full_name\":\"acme/bad\"}}";
	gh_send_raw(&server, "workflow_run", gh_delivery_id(id, sizeof id), ITEST_GITHUB_SECRET,
		    NULL, odd, strlen(odd), &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	json_t *it = list_item("acme/bad", "8080");
	expect_str(it, "status", "completed");
	expect_str(it, "conclusion", NULL);
	expect_str(it, "kind", "other");
	json_decref(it);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(workflow_run_fixtures_make_one_run_through_its_states),
		cmocka_unit_test(workflow_job_fixtures_make_jobs_with_stages_steps_and_runners),
		cmocka_unit_test(job_before_its_run_creates_it_and_run_events_complete_it),
		cmocka_unit_test(rerun_is_a_new_attempt_and_the_list_shows_the_latest),
		cmocka_unit_test(duplicate_and_replayed_deliveries_change_nothing),
		cmocka_unit_test(domain_events_are_recorded_for_each_change),
		cmocka_unit_test(config_maps_jobs_to_stages_in_pipeline_order),
		cmocka_unit_test(list_filters_each_select_what_they_say),
		cmocka_unit_test(list_is_paginated_newest_first),
		cmocka_unit_test(bad_list_parameters_are_400_naming_them),
		cmocka_unit_test(unknown_run_is_404_and_reading_needs_a_token),
		cmocka_unit_test(commit_of_a_run_is_shown_when_known),
		cmocka_unit_test(report_creates_then_updates_a_run),
		cmocka_unit_test(report_validation_errors_name_the_field),
		cmocka_unit_test(impossible_times_are_refused_naming_the_field),
		cmocka_unit_test(report_needs_the_ci_scope),
		cmocka_unit_test(malformed_run_payloads_are_400_naming_the_field),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
