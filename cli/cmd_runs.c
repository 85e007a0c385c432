/*
 * cmd_runs.c — pipeline runs: `shiplog runs` (the list), `shiplog run show
 * ID` (one run, its attempts and their jobs by stage) and `shiplog run
 * report` (a run from a CI system other than GitHub Actions:
 * POST /api/v1/runs).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "format.h"
#include "http.h"
#include "shiplog/xalloc.h"
#include "table.h"

/* "completed/failure" is said by its conclusion; anything else by its status. */
static const char *run_state(const json_t *o)
{
	const char *status = cli_jstr(o, "status");
	const char *conclusion = cli_jstr(o, "conclusion");
	if (status && strcmp(status, "completed") == 0 && conclusion)
		return conclusion;
	return status;
}

static const char *duration_of(const json_t *o, char *buf, size_t size)
{
	json_t *d = cli_jget(o, "duration_seconds");
	if (json_is_integer(d))
		return cli_duration_format((long long)json_integer_value(d), buf, size);
	return cli_duration_between(cli_jstr(o, "started_at"), cli_jstr(o, "completed_at"), buf,
				    size);
}

static const char *workflow_of(const json_t *run)
{
	const char *w = cli_jstr(run, "workflow.name");
	if (!w)
		w = cli_jstr(run, "workflow.path");
	if (!w)
		w = cli_jstr(run, "workflow");
	return w;
}

/* ---- shiplog runs ---------------------------------------------------------- */

static const struct cli_opt runs_opts[] = {
	{"repo", "OWNER/NAME", 0, "only this repository"},
	{"kind", "KIND", 0, "pr, main, release or other"},
	{"branch", "BRANCH", 0, "only runs of this head branch"},
	{"status", "STATUS", 0, "queued, in_progress, waiting or completed"},
	{"conclusion", "CONCLUSION", 0, "success, failure, cancelled, skipped, timed_out..."},
	{"sha", "SHA", 0, "head commit (7 to 40 hex digits)"},
	{"pr", "NUMBER", CLI_OPT_INT, "runs of this pull request (needs --repo)"},
	{"workflow", "NAME", 0, "workflow name or path"},
	{"limit", "N", CLI_OPT_INT, "runs per page (1-200, default 50)"},
	{"all", NULL, 0, "follow every page"},
	{0},
};

static const struct cli_field runs_query[] = {
	{"repo", "repo", CLI_FIELD_STRING},
	{"kind", "kind", CLI_FIELD_STRING},
	{"branch", "branch", CLI_FIELD_STRING},
	{"status", "status", CLI_FIELD_STRING},
	{"conclusion", "conclusion", CLI_FIELD_STRING},
	{"sha", "sha", CLI_FIELD_STRING},
	{"pr", "pr", CLI_FIELD_STRING},
	{"workflow", "workflow", CLI_FIELD_STRING},
	{"limit", "limit", CLI_FIELD_STRING},
	{0},
};

static int runs_list(struct cli *c, const struct cli_args *a)
{
	struct cli_url u;
	cli_url_init(&u, "/api/v1/runs");
	cli_query_from_args(&u, a, runs_query);
	json_t *list;
	int rc = cli_list(c, &u, cli_flag(a, "all"), &list);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (c->json) {
		cli_print_json(stdout, list);
		json_decref(list);
		return CLI_EXIT_OK;
	}
	static const char *const headers[] = {"ID",	 "REPO",     "WORKFLOW", "KIND",
					      "BRANCH",	 "SHA",	     "ATTEMPT",	 "STATUS",
					      "STARTED", "DURATION", NULL};
	struct cli_table *t = cli_table_new(headers, 0);
	size_t i;
	json_t *run;
	json_array_foreach(json_object_get(list, "items"), i, run) {
		char id[32], sha[16], attempt[32], started[32], dur[32];
		const char *state = run_state(run);
		cli_table_row(t);
		cli_table_cell(t, cli_jtext(run, "id", id, sizeof id));
		cli_table_cell(t, cli_jstr(run, "repository"));
		cli_table_cell(t, workflow_of(run));
		cli_table_cell(t, cli_jstr(run, "kind"));
		cli_table_cell(t, cli_jstr(run, "branch"));
		cli_table_cell(t, cli_short_sha(cli_jstr(run, "sha"), 7, sha, sizeof sha));
		cli_table_cell(t, cli_jtext(run, "attempt", attempt, sizeof attempt));
		cli_table_cell_color(t, state, cli_state_color(state));
		cli_table_cell(
			t, cli_time_format(cli_jstr(run, "started_at"), started, sizeof started));
		cli_table_cell(t, duration_of(run, dur, sizeof dur));
	}
	if (cli_table_rows(t) == 0)
		puts("No runs.");
	else
		cli_table_print(t, stdout, c->color, 0);
	if (json_string_value(json_object_get(list, "next")))
		puts("(more: --all)");
	cli_table_free(t);
	json_decref(list);
	return CLI_EXIT_OK;
}

const struct cli_command cli_cmd_runs = {
	.name = "runs",
	.summary = "List pipeline runs, newest first",
	.opts = runs_opts,
	.run = runs_list,
	.details = "Example:\n  shiplog runs --repo acme/app --kind main --conclusion failure\n",
};

/* ---- shiplog run show ID ----------------------------------------------------- */

static void print_attempt_jobs(const struct cli *c, const json_t *attempt)
{
	static const char *const headers[] = {"STAGE",	  "JOB",    "STATUS", "STARTED",
					      "DURATION", "RUNNER", NULL};
	struct cli_table *t = cli_table_new(headers, 0);
	size_t i, j;
	json_t *stage, *job;
	json_array_foreach(json_object_get(attempt, "stages"), i, stage) {
		json_array_foreach(json_object_get(stage, "jobs"), j, job) {
			char started[32], dur[32], name[300];
			const char *state = run_state(job);
			snprintf(name, sizeof name, "%s%s",
				 cli_jstr(job, "name") ? cli_jstr(job, "name") : "-",
				 json_is_true(json_object_get(job, "required")) ? " (required)"
										: "");
			cli_table_row(t);
			cli_table_cell(t, j == 0 ? cli_jstr(stage, "stage") : "");
			cli_table_cell(t, name);
			cli_table_cell_color(t, state, cli_state_color(state));
			cli_table_cell(t, cli_time_format(cli_jstr(job, "started_at"), started,
							  sizeof started));
			cli_table_cell(t, duration_of(job, dur, sizeof dur));
			cli_table_cell(t, cli_jstr(job, "runner"));
		}
	}
	if (cli_table_rows(t) == 0)
		puts("  No jobs.");
	else
		cli_table_print(t, stdout, c->color, 2);
	cli_table_free(t);
}

static void print_run(const struct cli *c, const json_t *run)
{
	char id[32], buf[64], dur[32];
	const char *state = run_state(run);
	printf("Run %s  %s  %s\n", cli_jtext(run, "id", id, sizeof id),
	       cli_jstr(run, "repository") ? cli_jstr(run, "repository") : "-",
	       workflow_of(run) ? workflow_of(run) : "-");
	struct cli_table *kv = cli_table_new(NULL, 2);
	cli_table_row(kv);
	cli_table_cell(kv, "status");
	cli_table_cell_color(kv, state, cli_state_color(state));
	cli_table_row(kv);
	cli_table_cell(kv, "kind");
	cli_table_cell(kv, cli_jstr(run, "kind"));
	cli_table_row(kv);
	cli_table_cell(kv, "branch");
	cli_table_cell(kv, cli_jstr(run, "branch"));
	cli_table_row(kv);
	cli_table_cell(kv, "sha");
	cli_table_cell(kv, cli_jstr(run, "sha"));
	const char *message = cli_jstr(run, "commit.message");
	if (message) {
		cli_table_row(kv);
		cli_table_cell(kv, "commit");
		cli_table_cellf(kv, "%.*s", (int)strcspn(message, "\n"), message);
	}
	cli_table_row(kv);
	cli_table_cell(kv, "attempt");
	cli_table_cell(kv, cli_jtext(run, "attempt", buf, sizeof buf));
	cli_table_row(kv);
	cli_table_cell(kv, "started");
	cli_table_cell(kv, cli_time_format(cli_jstr(run, "started_at"), buf, sizeof buf));
	cli_table_row(kv);
	cli_table_cell(kv, "duration");
	cli_table_cell(kv, duration_of(run, dur, sizeof dur));
	size_t i;
	json_t *pr;
	json_array_foreach(json_object_get(run, "pull_requests"), i, pr) {
		char num[32];
		cli_table_row(kv);
		cli_table_cell(kv, i == 0 ? "pull requests" : "");
		cli_table_cellf(kv, "#%s %s", cli_jtext(pr, "number", num, sizeof num),
				cli_jstr(pr, "title") ? cli_jstr(pr, "title") : "");
	}
	cli_table_row(kv);
	cli_table_cell(kv, "url");
	cli_table_cell(kv, cli_jstr(run, "url"));
	cli_table_print(kv, stdout, c->color, 2);
	cli_table_free(kv);

	json_t *attempt;
	json_array_foreach(json_object_get(run, "attempts"), i, attempt) {
		char n[32];
		const char *astate = run_state(attempt);
		printf("\nAttempt %s: %s, %s\n", cli_jtext(attempt, "attempt", n, sizeof n),
		       astate ? astate : "-", duration_of(attempt, dur, sizeof dur));
		print_attempt_jobs(c, attempt);
	}
}

static int run_show(struct cli *c, const struct cli_args *a)
{
	const char *id = a->pos[0];
	if (strspn(id, "0123456789") != strlen(id) || strlen(id) > 18)
		return cli_usage_error(a, "not a run id: '%s'", id);
	struct cli_url u;
	cli_url_init(&u, "/api/v1/runs");
	cli_url_segment(&u, id);
	json_t *run;
	int rc = cli_call(c, "GET", &u, NULL, &run, NULL);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (c->json)
		cli_print_json(stdout, run);
	else
		print_run(c, run);
	json_decref(run);
	return CLI_EXIT_OK;
}

static const struct cli_command run_show_cmd = {
	.name = "show",
	.summary = "Show one run: its attempts and their jobs by stage",
	.positional = "ID",
	.min_pos = 1,
	.max_pos = 1,
	.run = run_show,
};

/* ---- shiplog run report ------------------------------------------------------ */

static const struct cli_opt report_opts[] = {
	{"repository", "OWNER/NAME", CLI_OPT_REQUIRED, "the repository the run built"},
	{"provider", "NAME", CLI_OPT_REQUIRED, "the CI system: gitlab-ci, buildkite, jenkins..."},
	{"external-id", "ID", CLI_OPT_REQUIRED, "the run's id in that CI system"},
	{"sha", "SHA", CLI_OPT_REQUIRED, "the head commit (40 hex digits)"},
	{"status", "STATUS", CLI_OPT_REQUIRED, "queued, in_progress, waiting or completed"},
	{"conclusion", "CONCLUSION", 0, "with status completed: success, failure, cancelled..."},
	{"attempt", "N", CLI_OPT_INT, "attempt number (default 1)"},
	{"workflow", "NAME", 0, "pipeline name"},
	{"workflow-path", "PATH", 0, "pipeline file"},
	{"branch", "BRANCH", 0, "head branch"},
	{"kind", "KIND", 0, "pr, main, release or other (default: from the server's config)"},
	{"event", "EVENT", 0, "what triggered it (push, merge_request, schedule...)"},
	{"run-number", "N", CLI_OPT_INT, "the run's number in that CI system"},
	{"url", "URL", 0, "link to the run"},
	{"queued-at", "TIME", 0, "RFC 3339 or now"},
	{"started-at", "TIME", 0, "RFC 3339 or now"},
	{"completed-at", "TIME", 0, "RFC 3339 or now"},
	{"updated-at", "TIME", 0, "when this report was true (orders reports; default now)"},
	{"job", "NAME=STATUS[:CONCLUSION]", CLI_OPT_REPEAT, "a job of the run"},
	{"file", "FILE", 0, "send this JSON body instead (- for standard input)"},
	{0},
};

static const struct cli_field report_fields[] = {
	{"repository", "repository", CLI_FIELD_STRING},
	{"provider", "provider", CLI_FIELD_STRING},
	{"external-id", "external_id", CLI_FIELD_STRING},
	{"attempt", "attempt", CLI_FIELD_INT},
	{"workflow", "workflow", CLI_FIELD_STRING},
	{"workflow-path", "workflow_path", CLI_FIELD_STRING},
	{"kind", "kind", CLI_FIELD_STRING},
	{"event", "event", CLI_FIELD_STRING},
	{"branch", "branch", CLI_FIELD_STRING},
	{"sha", "sha", CLI_FIELD_STRING},
	{"run-number", "run_number", CLI_FIELD_INT},
	{"url", "url", CLI_FIELD_STRING},
	{"status", "status", CLI_FIELD_STRING},
	{"conclusion", "conclusion", CLI_FIELD_STRING},
	{"queued-at", "queued_at", CLI_FIELD_TIME},
	{"started-at", "started_at", CLI_FIELD_TIME},
	{"completed-at", "completed_at", CLI_FIELD_TIME},
	{"updated-at", "updated_at", CLI_FIELD_TIME},
	{0},
};

/* "build=completed:success" → {"name":"build","status":"completed","conclusion":"success"}.
 * The name is everything before the last '=' (names may contain '='
 * only if the status part is given after it). NULL when malformed. */
static json_t *job_from_arg(const char *arg)
{
	const char *eq = strrchr(arg, '=');
	if (!eq || eq == arg || !eq[1])
		return NULL;
	const char *colon = strchr(eq + 1, ':');
	size_t status_len = colon ? (size_t)(colon - eq - 1) : strlen(eq + 1);
	if (status_len == 0 || (colon && !colon[1]))
		return NULL;
	json_t *job = json_object();
	json_object_set_new(job, "name", json_stringn_nocheck(arg, (size_t)(eq - arg)));
	json_object_set_new(job, "status", json_stringn_nocheck(eq + 1, status_len));
	if (colon)
		json_object_set_new(job, "conclusion", json_string_nocheck(colon + 1));
	return job;
}

/* Reads a whole file ("-": standard input); NULL with errno set. Caller frees. */
static char *read_all(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 65536, n = 0;
	char *buf = xmalloc(cap);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			char *grown = xrealloc(buf, cap);
			buf = grown;
		}
	}
	int err = ferror(f) ? EIO : 0;
	if (f != stdin)
		fclose(f);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	*len = n;
	return buf;
}

static void print_reported(const json_t *run, long status)
{
	char id[32], attempt[32];
	const char *state = run_state(run);
	printf("%s run %s: %s %s attempt %s: %s\n", status == 201 ? "Recorded" : "Updated",
	       cli_jtext(run, "id", id, sizeof id),
	       cli_jstr(run, "repository") ? cli_jstr(run, "repository") : "-",
	       workflow_of(run) ? workflow_of(run) : "-",
	       cli_jtext(run, "attempt", attempt, sizeof attempt), state ? state : "-");
}

static int run_report(struct cli *c, const struct cli_args *a)
{
	struct cli_url u;
	cli_url_init(&u, "/api/v1/runs");
	json_t *answer = NULL;
	long status = 0;
	int rc;
	const char *file = cli_arg(a, "file");
	if (file) {
		size_t len = 0;
		char *text = read_all(file, &len);
		if (!text) {
			fprintf(stderr, "shiplog: cannot read %s: %s\n", file, strerror(errno));
			return CLI_EXIT_USAGE;
		}
		rc = cli_call_text(c, "POST", &u, text, len, &answer, &status);
		free(text);
	} else {
		json_t *body = cli_body_from_args(a, report_fields);
		json_t *jobs = json_array();
		size_t it = 0;
		const char *spec;
		while ((spec = cli_arg_next(a, "job", &it))) {
			json_t *job = job_from_arg(spec);
			if (!job) {
				json_decref(jobs);
				json_decref(body);
				return cli_usage_error(a,
						       "--job: expected NAME=STATUS[:CONCLUSION], "
						       "got '%s'",
						       spec);
			}
			json_array_append_new(jobs, job);
		}
		if (json_array_size(jobs))
			json_object_set(body, "jobs", jobs);
		json_decref(jobs);
		rc = cli_call(c, "POST", &u, body, &answer, &status);
		json_decref(body);
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	if (c->json)
		cli_print_json(stdout, answer);
	else
		print_reported(answer, status);
	json_decref(answer);
	return CLI_EXIT_OK;
}

static const struct cli_command run_report_cmd = {
	.name = "report",
	.summary = "Report a run from a CI system other than GitHub Actions",
	.opts = report_opts,
	.unless = "file",
	.run = run_report,
	.details =
		"Report again as the run progresses: a later report (by --updated-at)\n"
		"replaces an earlier one, an older one arriving late does not.\n\n"
		"After `report`, --url is the run's link: name the server in $SHIPLOG_URL\n"
		"or before the command (shiplog --url SERVER run report ...).\n\n"
		"Example:\n"
		"  shiplog run report --repository acme/app --provider gitlab-ci \\\n"
		"    --external-id \"$CI_PIPELINE_ID\" --sha \"$CI_COMMIT_SHA\" \\\n"
		"    --branch \"$CI_COMMIT_BRANCH\" --workflow build --status completed \\\n"
		"    --conclusion success --started-at 2026-11-26T09:14:00Z --completed-at now \\\n"
		"    --job lint=completed:success --job unit=completed:success\n",
};

static const struct cli_command *const run_subs[] = {&run_show_cmd, &run_report_cmd, NULL};

const struct cli_command cli_cmd_run = {
	.name = "run",
	.summary = "Show one run, or report a run from another CI system",
	.subs = run_subs,
};
