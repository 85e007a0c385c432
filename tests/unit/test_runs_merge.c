/*
 * test_runs_merge.c — the pure parts of the runs merge: status names and
 * ranks, the kind of a run, how steps are normalised, and the merge inputs
 * of a run or job fact (rank, event time, tiebreak, kind, stage).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "domain/runs_merge.h"
#include "domain/tiebreak.h"

static char *no_env(const char *name)
{
	(void)name;
	return NULL;
}

static struct config *load(const char *yaml)
{
	struct config_error err;
	struct config *cfg = config_load_string("test.yaml", yaml, strlen(yaml), no_env, &err);
	if (!cfg)
		fail_msg("config: %s", err.message);
	return cfg;
}

static void statuses_normalise_to_four_names_ranked(void **state)
{
	(void)state;
	assert_string_equal(runs_status_normalise("requested"), "queued");
	assert_string_equal(runs_status_normalise("pending"), "queued");
	assert_string_equal(runs_status_normalise("queued"), "queued");
	assert_string_equal(runs_status_normalise("waiting"), "waiting");
	assert_string_equal(runs_status_normalise("in_progress"), "in_progress");
	assert_string_equal(runs_status_normalise("completed"), "completed");
	assert_null(runs_status_normalise("exploded"));
	assert_null(runs_status_normalise(NULL));
	assert_int_equal(runs_status_rank("queued"), 1);
	assert_int_equal(runs_status_rank("waiting"), 2);
	assert_int_equal(runs_status_rank("in_progress"), 2);
	assert_int_equal(runs_status_rank("completed"), 3);
	assert_int_equal(runs_status_rank(NULL), 0);
}

static void kind_comes_from_config_rules_then_branch_and_tags(void **state)
{
	(void)state;
	struct config *cfg = load("workflows:\n"
				  "  - {match: \".github/workflows/deploy.yaml\", kind: main}\n"
				  "  - {match: \"test.yaml\", kind: pr}\n"
				  "  - {match: \"Nightly*\", kind: other}\n"
				  "releases:\n  rc_pattern: \"rc-*\"\n");
	/* rules: path, then the file's base name, then the name */
	assert_string_equal(runs_classify_kind(cfg, "a/b", ".github/workflows/deploy.yaml", NULL,
					       "feature", NULL, "main"),
			    "main");
	assert_string_equal(runs_classify_kind(cfg, "a/b", ".github/workflows/test.yaml", NULL,
					       "main", NULL, "main"),
			    "pr");
	assert_string_equal(runs_classify_kind(cfg, "a/b", NULL, "Nightly build", "main", NULL,
					       "main"),
			    "other");
	/* no rule: release event, tags, default branch, other branches */
	assert_string_equal(runs_classify_kind(cfg, "a/b", "x.yml", "x", "main", "release", "main"),
			    "release");
	assert_string_equal(runs_classify_kind(cfg, "a/b", "x.yml", "x", "v1.2.3", "push", "main"),
			    "release");
	assert_string_equal(runs_classify_kind(cfg, "a/b", "x.yml", "x", "v0.38.0-rc.1", "push",
					       "main"),
			    "release");
	assert_string_equal(runs_classify_kind(cfg, "a/b", "x.yml", "x", "refs/tags/anything",
					       "push", "main"),
			    "release");
	assert_string_equal(runs_classify_kind(cfg, "a/b", "x.yml", "x", "rc-7", "push", "main"),
			    "release"); /* the configured RC pattern */
	assert_string_equal(runs_classify_kind(cfg, "a/b", "x.yml", "x", "main", "push", "main"),
			    "main");
	assert_string_equal(runs_classify_kind(cfg, "a/b", "x.yml", "x", "master", "push", "master"),
			    "main");
	assert_string_equal(runs_classify_kind(cfg, "a/b", "x.yml", "x", "v1.2", "push", "main"),
			    "pr"); /* not a version tag */
	assert_string_equal(runs_classify_kind(cfg, "a/b", "x.yml", "x", "vite-upgrade", "push",
					       "main"),
			    "pr");
	assert_string_equal(runs_classify_kind(cfg, "a/b", "x.yml", "x", NULL, "push", "main"),
			    "other");
	assert_string_equal(runs_classify_kind(NULL, "a/b", NULL, NULL, "fix/x", NULL, "main"), "pr");
	config_free(cfg);
}

/* A repository with an RC pattern of its own (repositories[].releases):
 * its branches matching it are release runs, other repositories' are not. */
static void the_rc_pattern_is_the_repositorys_own(void **state)
{
	(void)state;
	struct config *cfg = load("repositories:\n"
				  "  - name: a/own\n"
				  "    releases: {rc_pattern: \"cand-*\"}\n"
				  "  - name: a/global\n");
	assert_string_equal(
		runs_classify_kind(cfg, "a/own", "x.yml", "x", "cand-7", "push", "main"),
		"release");
	assert_string_equal(
		runs_classify_kind(cfg, "a/global", "x.yml", "x", "cand-7", "push", "main"), "pr");
	config_free(cfg);
}

static void steps_keep_six_fields_with_utc_times(void **state)
{
	(void)state;
	json_t *in = json_loads(
		"[{\"name\": \"Set up job\", \"status\": \"completed\", \"conclusion\": \"success\","
		"  \"number\": 1, \"started_at\": \"2023-06-26T05:31:35.000+02:00\","
		"  \"completed_at\": \"2023-06-26T03:31:36.000Z\", \"extra\": 1},"
		" {\"name\": \"Run npm ci\", \"status\": \"queued\", \"conclusion\": \"success\","
		"  \"number\": 4, \"started_at\": null, \"completed_at\": \"bad\"},"
		" \"not a step\", 7,"
		" {\"name\": 5, \"status\": \"weird\", \"number\": \"x\"}]",
		0, NULL);
	assert_non_null(in);
	json_t *out = runs_steps_normalise(in);
	char *text = json_dumps(out, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(
		text,
		"[{\"completed_at\":\"2023-06-26T03:31:36Z\",\"conclusion\":\"success\",\"name\":"
		"\"Set up job\",\"number\":1,\"started_at\":\"2023-06-26T03:31:35Z\",\"status\":"
		"\"completed\"},"
		"{\"completed_at\":null,\"conclusion\":null,\"name\":\"Run npm ci\",\"number\":4,"
		"\"started_at\":null,\"status\":\"queued\"},"
		"{\"completed_at\":null,\"conclusion\":null,\"name\":null,\"number\":null,"
		"\"started_at\":null,\"status\":null}]");
	free(text);
	json_decref(out);
	json_decref(in);
	out = runs_steps_normalise(NULL);
	assert_int_equal(json_array_size(out), 0);
	json_decref(out);
}

static void run_key_of_a_run_event_ranks_later_attempts_higher(void **state)
{
	(void)state;
	struct run_fact f = {0};
	f.repo_name = "a/b";
	f.default_branch = "main";
	f.attempt = 2;
	f.run_level = true;
	f.head_branch = "main";
	f.status = "completed";
	f.conclusion = "success";
	f.queued_at = "2024-01-01T00:00:00Z";
	f.started_at = "2024-01-01T00:00:01Z";
	f.completed_at = "2024-01-01T00:00:09Z";
	f.event_time = "2024-01-01T00:00:09Z";
	f.html_url = "https://ci/2";
	struct run_merge_key k;
	runs_run_key(&f, &k);
	assert_int_equal(k.attempt, 2);
	assert_int_equal(k.rank, 3);
	assert_int_equal(k.info_rank, 23); /* attempt 2 completed beats attempt 1 of any rank */
	char want[65];
	tiebreak_hash("completed|success|2024-01-01T00:00:09Z", want);
	assert_string_equal(k.tiebreak, want);
	assert_string_equal(k.kind, "main");
	assert_string_equal(k.status, "completed");
	assert_string_equal(k.conclusion, "success");
	assert_string_equal(k.event_time, "2024-01-01T00:00:09Z");
	assert_string_equal(k.queued_at, "2024-01-01T00:00:00Z");
	assert_string_equal(k.started_at, "2024-01-01T00:00:01Z");
	assert_string_equal(k.completed_at, "2024-01-01T00:00:09Z");
	assert_string_equal(k.html_url, "https://ci/2");

	/* a kind the sender named is kept as it is */
	f.kind_given = "release";
	runs_run_key(&f, &k);
	assert_string_equal(k.kind, "release");
}

static void run_key_of_a_job_leaves_the_attempt_unknown(void **state)
{
	(void)state;
	struct run_fact f = {0};
	f.repo_name = "a/b";
	f.default_branch = "main";
	f.attempt = 0; /* read as attempt 1 */
	f.run_level = false;
	f.head_branch = "feature";
	f.status = "completed"; /* ignored: a job does not know its run's state */
	f.conclusion = "failure";
	f.completed_at = "2024-01-01T00:00:09Z";
	f.event_time = "2024-01-01T00:00:09Z";
	f.html_url = "https://ci/job";
	struct run_merge_key k;
	runs_run_key(&f, &k);
	assert_int_equal(k.attempt, 1);
	assert_int_equal(k.rank, 0);
	assert_int_equal(k.info_rank, 0); /* any run event beats it */
	assert_string_equal(k.tiebreak, "");
	assert_null(k.status);
	assert_null(k.conclusion);
	assert_null(k.event_time);
	assert_null(k.queued_at);
	assert_null(k.started_at);
	assert_null(k.completed_at);
	assert_null(k.html_url);
	assert_string_equal(k.kind, "pr"); /* still classified, for a new row */
}

static void merged_kind_is_the_given_one_else_classified_on_merged_fields(void **state)
{
	(void)state;
	struct run_fact f = {0};
	f.repo_name = "a/b";
	f.default_branch = "trunk";
	f.head_branch = "feature"; /* what this event said; the merged row says more */
	assert_string_equal(runs_merged_kind(&f, "other", NULL, NULL, "trunk", NULL), "other");
	assert_string_equal(runs_merged_kind(&f, NULL, NULL, NULL, "trunk", "push"), "main");
	assert_string_equal(runs_merged_kind(&f, NULL, NULL, NULL, "feature", "push"), "pr");
	assert_string_equal(runs_merged_kind(&f, NULL, NULL, NULL, NULL, "release"), "release");
}

static void job_key_hashes_six_parts_and_defaults_the_stage(void **state)
{
	(void)state;
	struct job_fact j = {0};
	j.name = "build";
	j.status = "in_progress";
	j.started_at = "2024-01-01T00:00:01Z";
	j.runner_name = "r1";
	struct job_merge_key k;
	runs_job_key(&j, &k);
	assert_int_equal(k.rank, 2);
	assert_string_equal(k.stage, "other");
	char want[65];
	tiebreak_hash("in_progress||2024-01-01T00:00:01Z||r1|build", want);
	assert_string_equal(k.tiebreak, want);

	j.stage = "unit";
	j.status = NULL;
	runs_job_key(&j, &k);
	assert_int_equal(k.rank, 0);
	assert_string_equal(k.stage, "unit");
	tiebreak_hash("||2024-01-01T00:00:01Z||r1|build", want);
	assert_string_equal(k.tiebreak, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(statuses_normalise_to_four_names_ranked),
		cmocka_unit_test(kind_comes_from_config_rules_then_branch_and_tags),
		cmocka_unit_test(the_rc_pattern_is_the_repositorys_own),
		cmocka_unit_test(steps_keep_six_fields_with_utc_times),
		cmocka_unit_test(run_key_of_a_run_event_ranks_later_attempts_higher),
		cmocka_unit_test(run_key_of_a_job_leaves_the_attempt_unknown),
		cmocka_unit_test(merged_kind_is_the_given_one_else_classified_on_merged_fields),
		cmocka_unit_test(job_key_hashes_six_parts_and_defaults_the_stage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
