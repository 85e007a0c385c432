/*
 * test_stats.c — the aggregates behind the dashboard's charts, computed from
 * runs, jobs and deployments reported through the real API, with the clock
 * pinned so that "the last N days" is exact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

static struct itest_server server;
static char db_url[512];

static void post(const char *path, const char *body)
{
	struct itest_response r;
	itest_json(&server, "POST", path, ITEST_ADMIN_TOKEN, body, &r);
	if (r.status != 200 && r.status != 201)
		fail_msg("POST %s answered %ld: %s", path, r.status, r.body);
	itest_response_free(&r);
}

static void run(const char *id, int attempt, const char *branch, const char *conclusion,
		const char *started, const char *completed, const char *jobs)
{
	char body[2048];
	snprintf(body, sizeof body,
		 "{\"repository\":\"acme/stats\",\"provider\":\"buildkite\",\"external_id\":\"%s\","
		 "\"attempt\":%d,\"workflow\":\"pipeline\",\"branch\":\"%s\","
		 "\"sha\":\"%040d\",\"status\":\"completed\",\"conclusion\":\"%s\","
		 "\"started_at\":\"%s\",\"completed_at\":\"%s\",\"updated_at\":\"%s\",\"jobs\":%s}",
		 id, attempt, branch, atoi(id + 1), conclusion, started, completed, completed, jobs);
	post("/api/v1/runs", body);
}

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("stats", db_url, sizeof db_url);
	const char *env[] = {"SHIPLOG_NOW=2026-03-10T12:00:00Z", NULL};
	itest_server_start(&server, db_url, env);

	/* the default branch: two runs on the 9th (one failed), one on the 10th */
	run("r1", 1, "main", "success", "2026-03-09T10:00:00Z", "2026-03-09T10:10:00Z",
	    "[{\"name\":\"lint\",\"stage\":\"lint\",\"status\":\"completed\",\"conclusion\":\"success\","
	    "\"started_at\":\"2026-03-09T10:00:00Z\",\"completed_at\":\"2026-03-09T10:01:00Z\"},"
	    "{\"name\":\"unit\",\"stage\":\"unit\",\"status\":\"completed\",\"conclusion\":\"success\","
	    "\"started_at\":\"2026-03-09T10:01:00Z\",\"completed_at\":\"2026-03-09T10:06:00Z\"}]");
	run("r2", 1, "main", "failure", "2026-03-09T11:00:00Z", "2026-03-09T11:20:00Z", "[]");
	run("r3", 1, "main", "success", "2026-03-10T09:00:00Z", "2026-03-10T09:30:00Z",
	    "[{\"name\":\"lint\",\"stage\":\"lint\",\"status\":\"completed\",\"conclusion\":\"success\","
	    "\"started_at\":\"2026-03-10T09:00:00Z\",\"completed_at\":\"2026-03-10T09:02:00Z\"}]");
	/* a feature branch does not count towards the default branch */
	run("r5", 1, "feature/x", "failure", "2026-03-10T08:00:00Z", "2026-03-10T08:05:00Z", "[]");
	/* a flaky job: failed in attempt 1, passed in attempt 2 of the same run */
	run("r4", 1, "feature/y", "failure", "2026-03-08T10:00:00Z", "2026-03-08T10:05:00Z",
	    "[{\"name\":\"e2e-smoke\",\"stage\":\"e2e\",\"status\":\"completed\",\"conclusion\":\"failure\","
	    "\"started_at\":\"2026-03-08T10:00:00Z\",\"completed_at\":\"2026-03-08T10:04:00Z\"}]");
	run("r4", 2, "feature/y", "success", "2026-03-08T11:00:00Z", "2026-03-08T11:05:00Z",
	    "[{\"name\":\"e2e-smoke\",\"stage\":\"e2e\",\"status\":\"completed\",\"conclusion\":\"success\","
	    "\"started_at\":\"2026-03-08T11:00:00Z\",\"completed_at\":\"2026-03-08T11:04:00Z\"}]");

	post("/api/v1/environments", "{\"name\":\"staging\",\"tier\":\"staging\"}");
	post("/api/v1/deployments",
	     "{\"environment\":\"staging\",\"revision\":\"v1\",\"status\":\"success\","
	     "\"started_at\":\"2026-03-03T10:00:00Z\",\"finished_at\":\"2026-03-03T10:05:00Z\"}");
	post("/api/v1/deployments",
	     "{\"environment\":\"staging\",\"revision\":\"v2\",\"status\":\"failure\","
	     "\"started_at\":\"2026-03-09T10:00:00Z\",\"finished_at\":\"2026-03-09T10:05:00Z\"}");
	post("/api/v1/deployments",
	     "{\"environment\":\"staging\",\"revision\":\"v3\",\"status\":\"success\","
	     "\"started_at\":\"2026-03-10T10:00:00Z\",\"finished_at\":\"2026-03-10T10:05:00Z\"}");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

static void default_branch_pass_rate_and_duration_per_day(void **state)
{
	(void)state;
	struct itest_response r;
	itest_get(&server, "/api/v1/stats/default-branch?days=3", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "until")),
			    "2026-03-10T12:00:00Z");
	const json_t *series = json_object_get(r.json, "series");
	assert_int_equal(json_array_size(series), 3);
	const json_t *d8 = json_array_get(series, 0), *d9 = json_array_get(series, 1),
		     *d10 = json_array_get(series, 2);
	assert_string_equal(json_string_value(json_object_get(d8, "day")), "2026-03-08");
	assert_int_equal(itest_int(d8, "runs"), 0);
	assert_true(json_is_null(json_object_get(d8, "pass_rate")));
	assert_string_equal(json_string_value(json_object_get(d9, "day")), "2026-03-09");
	assert_int_equal(json_integer_value(json_object_get(d9, "runs")), 2);
	assert_int_equal(json_integer_value(json_object_get(d9, "passed")), 1);
	assert_int_equal(json_integer_value(json_object_get(d9, "failed")), 1);
	assert_true(json_real_value(json_object_get(d9, "pass_rate")) == 0.5);
	assert_true(json_number_value(json_object_get(d9, "median_duration_seconds")) == 900.0);
	assert_true(json_number_value(json_object_get(d10, "pass_rate")) == 1.0);
	assert_true(json_number_value(json_object_get(d10, "median_duration_seconds")) == 1800.0);
	itest_response_free(&r);
	/* another repository has nothing */
	itest_get(&server, "/api/v1/stats/default-branch?days=3&repo=acme/other", ITEST_ADMIN_TOKEN,
		  &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(itest_array_size(r.json, "series"), 3);
	assert_int_equal(itest_int(json_array_get(json_object_get(r.json, "series"), 1), "runs"),
			 0);
	itest_response_free(&r);
}

static void stage_durations_are_medians_and_90th_percentiles(void **state)
{
	(void)state;
	struct itest_response r;
	itest_get(&server, "/api/v1/stats/stages?days=30", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	const json_t *stages = json_object_get(r.json, "stages");
	/* pipeline order: lint, unit, e2e */
	assert_int_equal(json_array_size(stages), 3);
	const json_t *lint = json_array_get(stages, 0), *unit = json_array_get(stages, 1),
		     *e2e = json_array_get(stages, 2);
	assert_string_equal(json_string_value(json_object_get(lint, "stage")), "lint");
	assert_int_equal(json_integer_value(json_object_get(lint, "jobs")), 2);
	assert_true(json_number_value(json_object_get(lint, "median_seconds")) == 90.0);
	assert_true(json_number_value(json_object_get(lint, "p90_seconds")) == 114.0);
	assert_string_equal(json_string_value(json_object_get(unit, "stage")), "unit");
	assert_true(json_number_value(json_object_get(unit, "median_seconds")) == 300.0);
	assert_string_equal(json_string_value(json_object_get(e2e, "stage")), "e2e");
	assert_int_equal(json_integer_value(json_object_get(e2e, "jobs")), 2);
	itest_response_free(&r);
}

static void deployments_are_counted_per_week(void **state)
{
	(void)state;
	struct itest_response r;
	itest_get(&server, "/api/v1/stats/deployments?weeks=2&environment=staging",
		  ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	const json_t *series = json_object_get(r.json, "series");
	assert_int_equal(json_array_size(series), 2);
	const json_t *w10 = json_array_get(series, 0), *w11 = json_array_get(series, 1);
	assert_string_equal(json_string_value(json_object_get(w10, "week")), "2026-W10");
	assert_string_equal(json_string_value(json_object_get(w10, "starts")), "2026-03-02");
	assert_int_equal(json_integer_value(json_object_get(w10, "deployments")), 1);
	assert_int_equal(json_integer_value(json_object_get(w11, "deployments")), 2);
	assert_int_equal(json_integer_value(json_object_get(w11, "succeeded")), 1);
	assert_int_equal(json_integer_value(json_object_get(w11, "failed")), 1);
	itest_response_free(&r);
}

static void a_job_that_failed_then_passed_on_a_rerun_is_flaky(void **state)
{
	(void)state;
	struct itest_response r;
	itest_get(&server, "/api/v1/stats/flaky-jobs", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	const json_t *jobs = json_object_get(r.json, "jobs");
	assert_int_equal(json_array_size(jobs), 1);
	const json_t *j = json_array_get(jobs, 0);
	assert_string_equal(json_string_value(json_object_get(j, "job")), "e2e-smoke");
	assert_string_equal(json_string_value(json_object_get(j, "repository")), "acme/stats");
	assert_int_equal(json_integer_value(json_object_get(j, "flaky_runs")), 1);
	itest_response_free(&r);
	/* bad parameters are refused, naming them */
	itest_get(&server, "/api/v1/stats/flaky-jobs?days=0", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "days");
	itest_response_free(&r);
	itest_get(&server, "/api/v1/stats/deployments?weeks=500", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 400, "/invalid-parameter", "weeks");
	itest_response_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_branch_pass_rate_and_duration_per_day),
		cmocka_unit_test(stage_durations_are_medians_and_90th_percentiles),
		cmocka_unit_test(deployments_are_counted_per_week),
		cmocka_unit_test(a_job_that_failed_then_passed_on_a_rerun_is_flaky),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
