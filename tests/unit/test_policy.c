/*
 * test_policy.c — per-repository release policies: repositories[].releases
 * read with the global block's schema (errors with FILE:LINE:COLUMN) and
 * merged by policy_effective() (server/domain/policy.h): a key the
 * repository writes replaces the global one whole, the others inherit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <shiplog/config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/policy.h"

static char *no_env(const char *name)
{
	(void)name;
	return NULL;
}

static struct config *load(const char *text)
{
	struct config_error err = {{0}};
	struct config *cfg = config_load_string("policy.yaml", text, strlen(text), no_env, &err);
	if (!cfg)
		fail_msg("unexpected error: %s", err.message);
	return cfg;
}

static void expect_error(const char *text, const char *message)
{
	struct config_error err = {{0}};
	struct config *cfg = config_load_string("policy.yaml", text, strlen(text), no_env, &err);
	if (cfg) {
		config_free(cfg);
		fail_msg("expected an error for:\n%s", text);
	}
	if (!strstr(err.message, message))
		fail_msg("message \"%s\" lacks \"%s\"", err.message, message);
}

static const char *source(const struct config_releases *p, const char *key)
{
	json_t *o = policy_sources_json(p);
	static char buf[32];
	snprintf(buf, sizeof buf, "%s", json_string_value(json_object_get(o, key)));
	json_decref(o);
	return buf;
}

#define GLOBAL                                                                \
	"teams:\n"                                                            \
	"  - {name: sales, members: [\"*@sales.example\"]}\n"                 \
	"  - {name: qa, members: [\"*@qa.example\"]}\n"                       \
	"releases:\n"                                                         \
	"  rc_pattern: \"v*-rc.*\"\n"                                         \
	"  cadence: {every: 2w, weekday: thursday, anchor: \"2023-08-17\"}\n" \
	"  required_artifacts: [\"chart:mccp\", \"image:weaveworks/mccp\"]\n" \
	"  gates:\n"                                                          \
	"    smoke_tests: false\n"                                            \
	"    staging: {environment: stage-eu, soak: 2h}\n"                    \
	"    approvals: [{team: sales, min: 2}]\n"

static void a_repository_without_a_block_has_the_global_policy(void **state)
{
	(void)state;
	struct config *cfg = load(GLOBAL "repositories:\n  - name: acme/plain\n");
	struct config_releases p;
	policy_of(cfg, "ACME/Plain", &p);
	assert_string_equal(p.rc_pattern, "v*-rc.*");
	assert_int_equal(p.cadence.every_days, 14);
	assert_int_equal(p.n_required_artifacts, 2);
	assert_false(p.gates.smoke_tests);
	assert_string_equal(p.gates.staging_environment, "stage-eu");
	assert_int_equal(p.gates.soak_seconds, 7200);
	assert_int_equal(p.gates.n_approvals, 1);
	assert_int_equal(p.given, 0);
	for (const struct config_release_key_name *k = config_release_keys; k->path; k++)
		assert_string_equal(source(&p, k->path), "global");
	/* a repository shiplog has no entry for, and none at all: the same */
	policy_of(cfg, "acme/unknown", &p);
	assert_int_equal(p.given, 0);
	assert_int_equal(p.cadence.every_days, 14);
	policy_of(cfg, NULL, &p);
	assert_string_equal(p.gates.staging_environment, "stage-eu");
	config_free(cfg);
}

static void every_key_a_repository_writes_replaces_the_global_one(void **state)
{
	(void)state;
	struct config *cfg = load(GLOBAL "repositories:\n"
					 "  - name: acme/own\n"
					 "    releases:\n"
					 "      rc_pattern: \"release-*-candidate*\"\n"
					 "      cadence: {every: 1w, weekday: tuesday}\n"
					 "      required_artifacts: [\"binary:own\"]\n"
					 "      gates:\n"
					 "        ci: false\n"
					 "        smoke_tests: true\n"
					 "        artifacts: false\n"
					 "        staging: {enabled: false, environment: qa-env,\n"
					 "                  soak: 5m, descendant: false}\n"
					 "        approvals: [{team: qa, min: 1}]\n");
	struct config_releases p;
	policy_of(cfg, "acme/own", &p);
	assert_string_equal(p.rc_pattern, "release-*-candidate*");
	assert_int_equal(p.cadence.every_days, 7);
	assert_int_equal(p.cadence.weekday, 2);
	assert_null(p.cadence.anchor); /* the cadence is replaced whole */
	assert_int_equal(p.n_required_artifacts, 1);
	assert_string_equal(p.required_artifacts[0], "binary:own");
	assert_false(p.gates.ci);
	assert_true(p.gates.smoke_tests);
	assert_false(p.gates.artifacts);
	assert_false(p.gates.staging);
	assert_string_equal(p.gates.staging_environment, "qa-env");
	assert_int_equal(p.gates.soak_seconds, 300);
	assert_false(p.gates.staging_descendant);
	assert_int_equal(p.gates.n_approvals, 1);
	assert_string_equal(p.gates.approvals[0].team, "qa");
	for (const struct config_release_key_name *k = config_release_keys; k->path; k++)
		assert_string_equal(source(&p, k->path), "repository");
	/* the global policy itself is untouched */
	assert_int_equal(cfg->releases.cadence.every_days, 14);
	assert_string_equal(cfg->releases.required_artifacts[0], "chart:mccp");
	config_free(cfg);
}

static void gates_merge_gate_by_gate_and_lists_are_replaced_whole(void **state)
{
	(void)state;
	struct config *cfg = load(GLOBAL "repositories:\n"
					 "  - name: acme/partial\n"
					 "    releases:\n"
					 "      gates:\n"
					 "        staging: {soak: 10m}\n"
					 "        approvals: [{team: qa, min: 3}]\n"
					 "  - name: acme/none\n"
					 "    releases:\n"
					 "      cadence: ~\n"
					 "      required_artifacts: []\n"
					 "      gates: {approvals: []}\n");
	struct config_releases p;
	policy_of(cfg, "acme/partial", &p);
	/* the staging gate's soak only: its environment stays the global one */
	assert_int_equal(p.gates.soak_seconds, 600);
	assert_string_equal(p.gates.staging_environment, "stage-eu");
	assert_true(p.gates.staging);
	assert_false(p.gates.smoke_tests); /* inherited */
	/* approvals replaced, not merged: sales' is gone */
	assert_int_equal(p.gates.n_approvals, 1);
	assert_string_equal(p.gates.approvals[0].team, "qa");
	assert_int_equal(p.gates.approvals[0].min, 3);
	assert_int_equal(p.cadence.every_days, 14);
	assert_string_equal(source(&p, "gates.staging.soak"), "repository");
	assert_string_equal(source(&p, "gates.approvals"), "repository");
	assert_string_equal(source(&p, "gates.staging.environment"), "global");
	assert_string_equal(source(&p, "gates.smoke_tests"), "global");
	assert_string_equal(source(&p, "cadence"), "global");

	/* an empty list or a null cadence written there: none for this repository */
	policy_of(cfg, "acme/none", &p);
	assert_int_equal(p.cadence.every_days, 0);
	assert_int_equal(p.n_required_artifacts, 0);
	assert_int_equal(p.gates.n_approvals, 0);
	assert_string_equal(source(&p, "cadence"), "repository");
	assert_string_equal(source(&p, "required_artifacts"), "repository");
	json_t *o = policy_json(&p);
	assert_true(json_is_null(json_object_get(o, "cadence")));
	assert_int_equal(json_array_size(json_object_get(o, "required_artifacts")), 0);
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(json_object_get(o, "gates"), "staging"), "environment")),
		"stage-eu");
	json_decref(o);
	config_free(cfg);
}

static void policy_json_says_every_key(void **state)
{
	(void)state;
	struct config *cfg = load(GLOBAL);
	struct config_releases p;
	policy_of(cfg, "acme/x", &p);
	json_t *o = policy_json(&p);
	char *text = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(
		text,
		"{\"cadence\":{\"anchor\":\"2023-08-17\",\"every_days\":14,\"weekday\":"
		"\"thursday\"},\"gates\":{\"approvals\":[{\"min\":2,\"team\":\"sales\"}],"
		"\"artifacts\":true,\"ci\":true,\"smoke_tests\":false,\"staging\":{\"descendant\":"
		"true,\"enabled\":true,\"environment\":\"stage-eu\",\"soak_seconds\":7200}},"
		"\"rc_pattern\":\"v*-rc.*\",\"required_artifacts\":[\"chart:mccp\","
		"\"image:weaveworks/mccp\"]}");
	free(text);
	json_decref(o);
	config_free(cfg);
}

static void a_repository_block_is_validated_like_the_global_one(void **state)
{
	(void)state;
	expect_error("repositories:\n  - name: acme/a\n    releases: {cadence: {every: 3x}}\n",
		     "policy.yaml:3:33: repositories[0].releases.cadence.every: expected a period");
	expect_error("repositories:\n  - name: acme/a\n    releases:\n      gates: {soak: 1h}\n",
		     "policy.yaml:4:15: repositories[0].releases.gates: unknown key \"soak\"");
	expect_error("repositories:\n  - name: acme/a\n    releases: {nightly: true}\n",
		     "policy.yaml:3:16: repositories[0].releases: unknown key \"nightly\"");
	expect_error("repositories:\n  - name: acme/a\n    releases:\n"
		     "      required_artifacts: [\"helm:x\"]\n",
		     "policy.yaml:4:28: repositories[0].releases.required_artifacts[0]: expected "
		     "kind:name");
	expect_error("repositories:\n  - name: acme/a\n    releases:\n"
		     "      gates: {staging: {soak: forever}}\n",
		     "repositories[0].releases.gates.staging.soak: expected a duration");
	expect_error("repositories:\n  - name: acme/a\n    releases: {rc_pattern: \" \"}\n",
		     "policy.yaml:3:28: repositories[0].releases.rc_pattern: expected a non-empty "
		     "value");
	expect_error("repositories:\n  - name: acme/a\n    releases: [1]\n",
		     "policy.yaml:3:15: repositories[0].releases: expected a mapping");
	/* a team a repository's gate wants approvals from must be configured */
	expect_error(
		"teams: [{name: qa}]\n"
		"repositories:\n  - name: acme/a\n  - name: acme/b\n"
		"    releases:\n      gates:\n        approvals: [{team: sales, min: 1}]\n",
		"policy.yaml:7:28: repositories[1].releases.gates.approvals[0].team: \"sales\" "
		"is not one of the teams");
	expect_error("repositories:\n  - name: acme/a\n    releases:\n"
		     "      gates: {approvals: [{team: qa, min: 0}]}\n",
		     "repositories[0].releases.gates.approvals[0].min: expected an integer between "
		     "1 and 1000");
}

#ifndef SHIPLOG_SOURCE_DIR
#define SHIPLOG_SOURCE_DIR "."
#endif

/* The demo (make run) shows two rhythms: the product every two weeks, the
 * open-source sibling every week with its own artifacts and sign-off. */
static void the_example_configuration_has_two_policies(void **state)
{
	(void)state;
	struct config_error err = {{0}};
	struct config *cfg = config_load_flags(SHIPLOG_SOURCE_DIR "/deploy/shiplog.example.yaml",
					       no_env, CONFIG_UNSET_ENV_WARNS, &err);
	if (!cfg)
		fail_msg("example config: %s", err.message);
	struct config_releases wge, oss;
	policy_of(cfg, "weaveworks/weave-gitops-enterprise", &wge);
	policy_of(cfg, "weaveworks/weave-gitops", &oss);
	assert_int_equal(wge.cadence.every_days, 14);
	assert_int_equal(oss.cadence.every_days, 7);
	assert_int_equal(wge.given, 0);
	assert_string_equal(oss.required_artifacts[0], "npm:@weaveworks/weave-gitops-main");
	assert_false(oss.gates.staging);
	assert_string_equal(oss.gates.approvals[0].team, "engineering");
	assert_string_equal(wge.gates.approvals[0].team, "sales");
	assert_string_equal(oss.rc_pattern, wge.rc_pattern);
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_repository_without_a_block_has_the_global_policy),
		cmocka_unit_test(every_key_a_repository_writes_replaces_the_global_one),
		cmocka_unit_test(gates_merge_gate_by_gate_and_lists_are_replaced_whole),
		cmocka_unit_test(policy_json_says_every_key),
		cmocka_unit_test(a_repository_block_is_validated_like_the_global_one),
		cmocka_unit_test(the_example_configuration_has_two_policies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
