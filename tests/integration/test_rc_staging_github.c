/*
 * test_rc_staging_github.c — a release candidate's staging gate sees a
 * deployment that GitHub reported (deployment and deployment_status
 * webhooks, the real payloads of tests/fixtures/github/), read straight
 * after the deliveries: no other read (the environments or deployments
 * pages, which fold GitHub deployments into the environment of that name)
 * has to happen first.
 *
 * The fixtures deploy Codertocat/Hello-World f95f852 to "production"; here
 * that environment is the one the staging gate watches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "github_send.h"
#include "itest.h"

#define REPO "Codertocat/Hello-World"
#define SHA  "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"

static struct itest_server server;
static char db_url[512];
static char config_path[256];

static const char config_text[] = "repositories:\n"
				  "  - name: " REPO "\n"
				  "environments:\n"
				  "  - {name: production, tier: production}\n"
				  "releases:\n"
				  "  gates:\n"
				  "    staging: {environment: production, soak: 30m}\n";

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("rcstaginggh", db_url, sizeof db_url);
	char cfg_env[300];
	itest_config_file("rcstaginggh", config_text, config_path, sizeof config_path, cfg_env,
			  sizeof cfg_env);
	const char *env[] = {ITEST_GITHUB_SECRET_ENV, "SHIPLOG_NOW=2026-04-01T12:00:00Z", cfg_env,
			     NULL};
	itest_server_start(&server, db_url, env);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(config_path);
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

/* The staging gate of the readiness of release candidate `id` (new ref). */
static json_t *staging_gate(long id)
{
	char path[128];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld/readiness", id);
	struct itest_response r;
	itest_get(&server, path, ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	json_t *found = NULL, *g;
	size_t i;
	json_array_foreach(json_object_get(r.json, "gates"), i, g) {
		if (!strcmp(json_string_value(json_object_get(g, "gate")), "staging"))
			found = json_incref(g);
	}
	itest_response_free(&r);
	assert_non_null(found);
	return found;
}

static void a_github_deployment_counts_for_the_staging_gate_at_once(void **state)
{
	(void)state;
	struct itest_response r;
	itest_json(&server, "POST", "/api/v1/release-candidates", ITEST_ADMIN_TOKEN,
		   "{\"version\":\"v1.0.0-rc.1\",\"repository\":\"" REPO "\",\"commit\":\"" SHA
		   "\"}",
		   &r);
	assert_int_equal(r.status, 201);
	long id = (long)json_integer_value(json_object_get(r.json, "id"));
	itest_response_free(&r);

	/* nothing deployed yet: the gate waits */
	json_t *g = staging_gate(id);
	assert_string_equal(json_string_value(json_object_get(g, "status")), "pending");
	json_decref(g);

	gh_send_fixture(&server, "deployment", "rcgh-1", "deployment.created.json", &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	gh_send_fixture(&server, "deployment_status", "rcgh-2", "deployment_status.created.json",
			&r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);

	/* deployed successfully in 2019 (long soaked), this very commit */
	g = staging_gate(id);
	const char *status = json_string_value(json_object_get(g, "status"));
	if (strcmp(status, "passed"))
		fail_msg("staging gate %s: %s", status,
			 json_string_value(json_object_get(g, "reason")));
	json_t *ev = json_object_get(g, "evidence");
	assert_true(json_integer_value(json_object_get(ev, "deployment_id")) > 0);
	json_decref(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_github_deployment_counts_for_the_staging_gate_at_once),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
