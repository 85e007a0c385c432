/*
 * test_rc_gate_rules.c — the readiness gates as pure functions: each passes,
 * fails and waits for the right reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "domain/rc.h"

#define SHA "0123456789abcdef0123456789abcdef01234567"

static void reason_has(const struct rc_gate *g, const char *part)
{
	if (!strstr(g->reason, part))
		fail_msg("reason \"%s\" lacks \"%s\"", g->reason, part);
}

static struct rc_job_fact job(const char *name, const char *status, const char *conclusion,
			      bool required, bool e2e)
{
	struct rc_job_fact j = {0};
	j.run_id = 1;
	j.workflow = "deploy";
	j.attempt = 1;
	j.job_id = 10;
	j.name = name;
	j.status = status;
	j.conclusion = conclusion;
	j.required = required;
	j.e2e = e2e;
	return j;
}

static void ci_is_pending_without_runs(void **state)
{
	(void)state;
	struct rc_gate g;
	rc_gate_ci(NULL, 0, SHA, false, &g);
	assert_int_equal(g.status, RC_GATE_PENDING);
	reason_has(&g, "no CI run has reported on 0123456");
	rc_gate_clear(&g);
}

static void ci_fails_on_a_required_job_and_ignores_optional_ones(void **state)
{
	(void)state;
	struct rc_job_fact jobs[] = {
		job("build", "completed", "success", true, false),
		job("playwright-smoke-tests", "completed", "failure", false, true),
		job("unit-tests", "completed", "failure", true, false),
	};
	struct rc_gate g;
	rc_gate_ci(jobs, 3, SHA, false, &g);
	assert_int_equal(g.status, RC_GATE_FAILED);
	reason_has(&g, "required job unit-tests in deploy failed (failure) on 0123456");
	assert_int_equal(json_array_size(json_object_get(g.evidence, "failed")), 1);
	rc_gate_clear(&g);

	/* the optional failure alone does not fail it */
	rc_gate_ci(jobs, 2, SHA, true, &g);
	assert_int_equal(g.status, RC_GATE_PASSED);
	reason_has(&g, "all 1 required jobs passed");
	reason_has(&g, "1 optional job failed");
	rc_gate_clear(&g);
}

static void ci_leaves_the_e2e_stage_to_the_smoke_gate_unless_told(void **state)
{
	(void)state;
	struct rc_job_fact jobs[] = {
		job("build", "completed", "success", true, false),
		job("smoke-tests-github", "completed", "failure", true, true),
	};
	struct rc_gate g;
	rc_gate_ci(jobs, 2, SHA, false, &g);
	assert_int_equal(g.status, RC_GATE_PASSED);
	rc_gate_clear(&g);
	rc_gate_ci(jobs, 2, SHA, true, &g);
	assert_int_equal(g.status, RC_GATE_FAILED);
	reason_has(&g, "smoke-tests-github");
	rc_gate_clear(&g);
}

static void ci_waits_for_running_jobs_and_skipped_counts_as_passed(void **state)
{
	(void)state;
	struct rc_job_fact jobs[] = {
		job("lint", "completed", "skipped", true, false),
		job("integration-tests", "in_progress", NULL, true, false),
	};
	struct rc_gate g;
	rc_gate_ci(jobs, 2, SHA, false, &g);
	assert_int_equal(g.status, RC_GATE_PENDING);
	reason_has(&g, "1 required job is still running");
	rc_gate_clear(&g);
	rc_gate_ci(jobs, 1, SHA, false, &g);
	assert_int_equal(g.status, RC_GATE_PASSED);
	rc_gate_clear(&g);
}

static void a_run_without_jobs_counts_by_its_own_conclusion(void **state)
{
	(void)state;
	struct rc_job_fact run = job(NULL, "completed", "timed_out", true, false);
	struct rc_gate g;
	rc_gate_ci(&run, 1, SHA, false, &g);
	assert_int_equal(g.status, RC_GATE_FAILED);
	reason_has(&g, "deploy failed (timed_out)");
	rc_gate_clear(&g);
}

static void smoke_gate_looks_at_e2e_jobs_only(void **state)
{
	(void)state;
	struct rc_job_fact jobs[] = {
		job("unit-tests", "completed", "failure", true, false),
		job("smoke-tests-github", "completed", "success", true, true),
		job("playwright-smoke-tests", "completed", "failure", false, true),
	};
	struct rc_gate g;
	rc_gate_smoke(jobs, 3, SHA, &g);
	assert_int_equal(g.status, RC_GATE_PASSED);
	reason_has(&g, "all 1 smoke tests passed");
	rc_gate_clear(&g);
	rc_gate_smoke(jobs, 1, SHA, &g);
	assert_int_equal(g.status, RC_GATE_PENDING);
	reason_has(&g, "no smoke tests (e2e stage) have run on 0123456");
	rc_gate_clear(&g);
	struct rc_job_fact failing =
		job("smoke-tests-gitlab-deploy", "completed", "failure", true, true);
	rc_gate_smoke(&failing, 1, SHA, &g);
	assert_int_equal(g.status, RC_GATE_FAILED);
	reason_has(&g, "smoke test smoke-tests-gitlab-deploy in deploy failed");
	rc_gate_clear(&g);
	/* only the allowed-to-fail one ran */
	rc_gate_smoke(&jobs[2], 1, SHA, &g);
	assert_int_equal(g.status, RC_GATE_PENDING);
	reason_has(&g, "only optional smoke tests");
	rc_gate_clear(&g);
}

static void artifacts_need_every_required_one_with_a_digest(void **state)
{
	(void)state;
	char *required[] = {(char *)(uintptr_t) "chart:mccp", (char *)(uintptr_t) "image:acme/ui"};
	struct rc_artifact_fact have[] = {
		{1, "chart", "mccp", "1.2.0", "sha256:aa"},
		{2, "image", "acme/ui", "v1.2.0", NULL},
	};
	struct rc_gate g;
	rc_gate_artifacts(required, 2, have, 2, true, &g);
	assert_int_equal(g.status, RC_GATE_FAILED);
	reason_has(&g, "not published: image:acme/ui (no digest)");
	rc_gate_clear(&g);
	rc_gate_artifacts(required, 2, have, 1, false, &g);
	assert_int_equal(g.status, RC_GATE_PENDING);
	reason_has(&g, "CI is still running");
	reason_has(&g, "image:acme/ui");
	rc_gate_clear(&g);
	have[1].digest = "sha256:bb";
	rc_gate_artifacts(required, 2, have, 2, true, &g);
	assert_int_equal(g.status, RC_GATE_PASSED);
	assert_int_equal(json_array_size(json_object_get(g.evidence, "present")), 2);
	rc_gate_clear(&g);
	/* the same name under another kind is not it */
	struct rc_artifact_fact wrong[] = {{3, "image", "mccp", "1", "sha256:cc"}};
	rc_gate_artifacts(required, 1, wrong, 1, true, &g);
	assert_int_equal(g.status, RC_GATE_FAILED);
	rc_gate_clear(&g);
}

static struct rc_staging_fact staged(void)
{
	struct rc_staging_fact f = {0};
	f.environment = "staging";
	f.has_deployment = true;
	f.deployment_id = 7;
	f.revision = "main@sha1:" SHA;
	f.deployed_commit = SHA;
	f.relation = RC_REV_SAME;
	f.status = "success";
	f.healthy_since_us = 1000000000000000LL;
	f.now_us = f.healthy_since_us + 45LL * 60 * 1000000; /* 45 min later */
	f.soak_seconds = 1800;
	f.descendant_counts = true;
	return f;
}

static void staging_passes_once_soaked(void **state)
{
	(void)state;
	struct rc_staging_fact f = staged();
	struct rc_gate g;
	rc_gate_staging(&f, &g);
	assert_int_equal(g.status, RC_GATE_PASSED);
	reason_has(&g, "healthy since");
	reason_has(&g, "45 min, soak 30 min");
	rc_gate_clear(&g);
	f.now_us = f.healthy_since_us + 10LL * 60 * 1000000;
	rc_gate_staging(&f, &g);
	assert_int_equal(g.status, RC_GATE_PENDING);
	reason_has(&g, "healthy for 10 min of the 30 min soak");
	assert_non_null(json_object_get(g.evidence, "soaked_at"));
	rc_gate_clear(&g);
}

static void staging_waits_fails_and_judges_descendants(void **state)
{
	(void)state;
	struct rc_gate g;
	struct rc_staging_fact f = staged();
	f.has_deployment = false;
	rc_gate_staging(&f, &g);
	assert_int_equal(g.status, RC_GATE_PENDING);
	reason_has(&g, "staging has no deployment yet");
	rc_gate_clear(&g);

	f = staged();
	f.relation = RC_REV_ANCESTOR;
	rc_gate_staging(&f, &g);
	assert_int_equal(g.status, RC_GATE_PENDING);
	reason_has(&g, "an earlier revision");
	rc_gate_clear(&g);

	f = staged();
	f.status = "failure";
	f.reason = "HealthCheckFailed";
	rc_gate_staging(&f, &g);
	assert_int_equal(g.status, RC_GATE_FAILED);
	reason_has(&g, "failed: HealthCheckFailed");
	rc_gate_clear(&g);

	f = staged();
	f.relation = RC_REV_DESCENDANT;
	f.commits_after = 3;
	rc_gate_staging(&f, &g);
	assert_int_equal(g.status, RC_GATE_PASSED);
	reason_has(&g, "a later revision");
	rc_gate_clear(&g);
	f.descendant_counts = false;
	rc_gate_staging(&f, &g);
	assert_int_equal(g.status, RC_GATE_FAILED);
	reason_has(&g, "3 commits after the RC's");
	rc_gate_clear(&g);

	f = staged();
	f.status = "in_progress";
	f.healthy_since_us = 0;
	rc_gate_staging(&f, &g);
	assert_int_equal(g.status, RC_GATE_PENDING);
	reason_has(&g, "deploying");
	rc_gate_clear(&g);

	f = staged();
	f.relation = RC_REV_UNKNOWN;
	rc_gate_staging(&f, &g);
	assert_int_equal(g.status, RC_GATE_PENDING);
	reason_has(&g, "not the RC's revision");
	rc_gate_clear(&g);
}

static void feedback_needs_quorum_and_no_block(void **state)
{
	(void)state;
	struct rc_team_count teams[] = {{"sales", 2, 1}, {"support", 1, 1}};
	struct rc_gate g;
	rc_gate_feedback(teams, 2, NULL, 0, &g);
	assert_int_equal(g.status, RC_GATE_PENDING);
	reason_has(&g, "approvals needed: sales 1 of 2");
	rc_gate_clear(&g);
	teams[0].have = 2;
	rc_gate_feedback(teams, 2, NULL, 0, &g);
	assert_int_equal(g.status, RC_GATE_PASSED);
	reason_has(&g, "sales 2 of 2, support 1 of 1");
	rc_gate_clear(&g);
	/* a block fails it whatever the approvals; a carried one says so */
	struct rc_block_fact blocks[] = {
		{42, "alice@example.com", "sales", "v1.2.0-rc.1", "login", true}};
	rc_gate_feedback(teams, 2, blocks, 1, &g);
	assert_int_equal(g.status, RC_GATE_FAILED);
	reason_has(&g, "unresolved block by alice@example.com (sales) on v1.2.0-rc.1");
	reason_has(&g, "carried over");
	assert_int_equal(
		json_integer_value(json_object_get(
			json_array_get(json_object_get(g.evidence, "unresolved_blocks"), 0),
			"feedback_id")),
		42);
	rc_gate_clear(&g);
	rc_gate_feedback(NULL, 0, NULL, 0, &g);
	assert_int_equal(g.status, RC_GATE_PASSED);
	rc_gate_clear(&g);
}

static void verdict_is_the_worst_gate(void **state)
{
	(void)state;
	struct rc_gate g[3];
	memset(g, 0, sizeof g);
	assert_string_equal(rc_verdict(g, 3), "ready");
	g[1].status = RC_GATE_PENDING;
	assert_string_equal(rc_verdict(g, 3), "pending");
	g[2].status = RC_GATE_FAILED;
	assert_string_equal(rc_verdict(g, 3), "failed");
	assert_string_equal(rc_verdict(g, 0), "ready");
}

static void durations_read_well(void **state)
{
	(void)state;
	char buf[32];
	rc_format_duration(45, buf, sizeof buf);
	assert_string_equal(buf, "45 s");
	rc_format_duration(1800, buf, sizeof buf);
	assert_string_equal(buf, "30 min");
	rc_format_duration(7500, buf, sizeof buf);
	assert_string_equal(buf, "2 h 5 min");
	rc_format_duration(7200, buf, sizeof buf);
	assert_string_equal(buf, "2 h");
	rc_format_duration(90000, buf, sizeof buf);
	assert_string_equal(buf, "1 d 1 h");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ci_is_pending_without_runs),
		cmocka_unit_test(ci_fails_on_a_required_job_and_ignores_optional_ones),
		cmocka_unit_test(ci_leaves_the_e2e_stage_to_the_smoke_gate_unless_told),
		cmocka_unit_test(ci_waits_for_running_jobs_and_skipped_counts_as_passed),
		cmocka_unit_test(a_run_without_jobs_counts_by_its_own_conclusion),
		cmocka_unit_test(smoke_gate_looks_at_e2e_jobs_only),
		cmocka_unit_test(artifacts_need_every_required_one_with_a_digest),
		cmocka_unit_test(staging_passes_once_soaked),
		cmocka_unit_test(staging_waits_fails_and_judges_descendants),
		cmocka_unit_test(feedback_needs_quorum_and_no_block),
		cmocka_unit_test(verdict_is_the_worst_gate),
		cmocka_unit_test(durations_read_well),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
