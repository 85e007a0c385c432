/*
 * test_trust.c — who may claim an identity, and secrets that must be there.
 *
 * The shipped configurations are read as shipped: deploy/shiplog.example.yaml
 * (make run, the Docker image, docker-compose) trusts no identity header, so
 * an X-Forwarded-Email from 127.0.0.1 is nobody; the Kubernetes base's copy
 * trusts exactly its oauth2-proxy sidecar at 127.0.0.1, so there it is
 * someone.  Trusting every address is refused at start, a range is a
 * warning.  A `_env` key whose variable is unset stops start-up, naming the
 * key and the variable; --check-config only warns about it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_run.h"
#include "itest.h"

static char db_url[512];
static char data_dir[] = "/tmp/shiplog-trust-data-XXXXXX";
static char data_env[sizeof data_dir + 32];

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("trust", db_url, sizeof db_url);
	assert_non_null(mkdtemp(data_dir));
	snprintf(data_env, sizeof data_env, "SHIPLOG_DATA_DIR=%s", data_dir);
	cli_run_path = SHIPLOGD_PATH;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	char cmd[sizeof data_dir + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", data_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Starts shiplogd with the configuration file `config` as it is. */
static void start_with(struct itest_server *s, const char *config)
{
	/* the shipped files name the image's data dir; the rest is as shipped */
	const char *env[] = {data_env, NULL};
	setenv("ITEST_CONFIG", config, 1);
	itest_server_start(s, db_url, env);
	unsetenv("ITEST_CONFIG");
}

static void get_as(const struct itest_server *s, const char *path, const char *email,
		   struct itest_response *r)
{
	char h[200];
	snprintf(h, sizeof h, "X-Forwarded-Email: %s", email);
	itest_http(s, "GET", path, (const char *const[]){h, NULL}, NULL, 0, r);
}

static void example_config_trusts_no_identity_header(void **state)
{
	(void)state;
	struct itest_server s;
	start_with(&s, SHIPLOG_SOURCE_DIR "/deploy/shiplog.example.yaml");
	struct itest_response r;

	/* alice is in Sales in the example: a forged header would be her approval */
	get_as(&s, "/api/v1/session", "alice@example.com", &r);
	assert_int_equal(r.status, 200);
	assert_true(json_is_false(json_object_get(r.json, "authenticated")));
	assert_null(json_object_get(r.json, "subject"));
	char cookie[64];
	assert_false(itest_header(&r, "Set-Cookie", cookie, sizeof cookie));
	itest_response_free(&r);

	get_as(&s, "/api/v1/release-candidates", "alice@example.com", &r);
	itest_assert_problem(&r, 401, "/unauthorized", NULL);
	itest_response_free(&r);

	itest_http(&s, "POST", "/api/v1/release-candidates/1/feedback",
		   (const char *const[]){"X-Forwarded-Email: alice@example.com",
					 "Content-Type: application/json", NULL},
		   "{\"verdict\":\"approve\"}", strlen("{\"verdict\":\"approve\"}"), &r);
	itest_assert_problem(&r, 401, "/unauthorized", NULL);
	itest_response_free(&r);
	assert_int_equal(itest_server_stop(&s), 0);
}

static void kubernetes_config_trusts_its_sidecar(void **state)
{
	(void)state;
	struct itest_server s;
	/* what the oauth2-proxy sidecar sends, from 127.0.0.1 */
	start_with(&s, SHIPLOG_SOURCE_DIR "/deploy/kubernetes/base/shiplog.yaml");
	struct itest_response r;
	get_as(&s, "/api/v1/session", "alice@example.com", &r);
	assert_int_equal(r.status, 200);
	assert_true(json_is_true(json_object_get(r.json, "authenticated")));
	assert_string_equal(json_string_value(json_object_get(r.json, "subject")),
			    "alice@example.com");
	assert_string_equal(json_string_value(json_object_get(r.json, "team")), "sales");
	json_t *scopes = json_object_get(r.json, "scopes");
	bool feedback = false;
	for (size_t i = 0; i < json_array_size(scopes); i++)
		feedback |= !strcmp(json_string_value(json_array_get(scopes, i)), "feedback");
	assert_true(feedback);
	itest_response_free(&r);

	get_as(&s, "/api/v1/release-candidates", "alice@example.com", &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	assert_int_equal(itest_server_stop(&s), 0);
}

/* A configuration file of the test's own: its path into `path`. */
static void config_file(const char *tag, const char *text, char *path, size_t size)
{
	char env[600];
	itest_config_file(tag, text, path, size, env, sizeof env);
}

static void trusting_every_address_is_refused(void **state)
{
	(void)state;
	static const char *const yaml[] = {
		"auth:\n  sso_header: X-Forwarded-Email\n  trusted_proxies: [\"0.0.0.0/0\"]\n",
		"auth:\n  sso_header: X-Forwarded-Email\n  trusted_proxies: [\"::/0\"]\n",
	};
	for (size_t i = 0; i < 2; i++) {
		char path[512];
		config_file("trust-all", yaml[i], path, sizeof path);
		struct cli_out o;
		cli_exec(&o, NULL, NULL, NULL, (const char *const[]){"--config", path, NULL});
		expect_code(&o, 1);
		expect_contains(o.err, ":3:21: auth.trusted_proxies[0]: a /0 range trusts every "
				       "address to set the SSO header");
		cli_out_free(&o);
		cli_exec(&o, NULL, NULL, NULL, (const char *const[]){"--check-config", path, NULL});
		expect_code(&o, 1);
		expect_contains(o.err, "a /0 range trusts every address");
		cli_out_free(&o);
		unlink(path);
	}
}

static void a_trusted_range_starts_with_a_warning(void **state)
{
	(void)state;
	char path[512];
	config_file("trust-range",
		    "auth:\n  sso_header: X-Forwarded-Email\n"
		    "  trusted_proxies: [\"127.0.0.1\", \"10.0.0.0/8\"]\n",
		    path, sizeof path);
	struct itest_server s;
	start_with(&s, path);
	char *log = itest_read_file(s.log_path, NULL);
	assert_non_null(log);
	/* the log is JSON: the quotes around the range are escaped there */
	expect_contains(log, "config: auth.trusted_proxies[1]: \\\"10.0.0.0/8\\\" trusts a range "
			     "of 2^24 addresses");
	expect_lacks(log, "auth.trusted_proxies[0]");
	free(log);
	assert_int_equal(itest_server_stop(&s), 0);
	unlink(path);
}

/* A signed webhook must not quietly become an unsigned one. */
static void an_unset_secret_variable_stops_start_up(void **state)
{
	(void)state;
	unsetenv("ITEST_TRUST_UNSET_SECRET");
	char path[512];
	config_file("trust-secret",
		    "repositories:\n"
		    "  - name: acme/rocket\n"
		    "    webhook_secret_env: ITEST_TRUST_UNSET_SECRET\n",
		    path, sizeof path);
	struct cli_out o;
	cli_exec(&o, NULL, NULL, NULL, (const char *const[]){"--config", path, NULL});
	expect_code(&o, 1);
	expect_contains(o.err, ":3:25: repositories[0].webhook_secret_env: environment variable "
			       "ITEST_TRUST_UNSET_SECRET is not set");
	cli_out_free(&o);

	/* --check-config runs where the secrets are not: a warning, and valid */
	cli_exec(&o, NULL, NULL, NULL, (const char *const[]){"--check-config", path, NULL});
	expect_code(&o, 0);
	expect_contains(o.err, "warning: repositories[0].webhook_secret_env: environment variable "
			       "ITEST_TRUST_UNSET_SECRET is not set");
	expect_contains(o.out, "valid");
	cli_out_free(&o);

	/* and a real server does not start either */
	char env[600];
	itest_config_file("trust-secret",
			  "webhooks: {github_secret_env: ITEST_TRUST_UNSET_SECRET}\n", path,
			  sizeof path, env, sizeof env);
	struct itest_server s;
	const char *extra[] = {env, NULL};
	setenv("ITEST_CONFIG", path, 1);
	bool started = itest_server_try_start(&s, db_url, extra, 20000);
	unsetenv("ITEST_CONFIG");
	if (started)
		itest_server_stop(&s);
	assert_false(started);
	char *log = itest_read_file(s.log_path, NULL);
	assert_non_null(log);
	expect_contains(log, "webhooks.github_secret_env: environment variable "
			     "ITEST_TRUST_UNSET_SECRET is not set");
	free(log);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(example_config_trusts_no_identity_header),
		cmocka_unit_test(kubernetes_config_trusts_its_sidecar),
		cmocka_unit_test(trusting_every_address_is_refused),
		cmocka_unit_test(a_trusted_range_starts_with_a_warning),
		cmocka_unit_test(an_unset_secret_variable_stops_start_up),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
