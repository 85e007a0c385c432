/*
 * test_runs_merge.c — the pure parts of the runs merge: status names and
 * ranks, the kind of a run, and how steps are normalised.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "domain/runs_merge.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(statuses_normalise_to_four_names_ranked),
		cmocka_unit_test(kind_comes_from_config_rules_then_branch_and_tags),
		cmocka_unit_test(steps_keep_six_fields_with_utc_times),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
