/*
 * test_config.c — the configuration loader: defaults, the example file,
 * environment overrides, error messages with positions, and the lookups
 * (job/workflow classification, teams, repositories).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <shiplog/auth.h>
#include <shiplog/config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SHIPLOG_SOURCE_DIR
#define SHIPLOG_SOURCE_DIR "."
#endif

/* ---- a fake environment: "NAME=value\0" records in one buffer ---- */

static char fake_env[4096];
static size_t fake_env_len;

static void env_clear(void)
{
	fake_env_len = 0;
}

static void env_set(const char *name, const char *value)
{
	int n = snprintf(fake_env + fake_env_len, sizeof(fake_env) - fake_env_len, "%s=%s", name,
			 value);

	assert_true(n > 0 && (size_t)n < sizeof(fake_env) - fake_env_len);
	fake_env_len += (size_t)n + 1;
}

static char *fake_getenv(const char *name)
{
	size_t off = 0, len = strlen(name);

	while (off < fake_env_len) {
		char *rec = fake_env + off;

		if (!strncmp(rec, name, len) && rec[len] == '=')
			return rec + len + 1;
		off += strlen(rec) + 1;
	}
	return NULL;
}

static int reset_env(void **state)
{
	(void)state;
	env_clear();
	return 0;
}

/* ---- helpers ---- */

static struct config *load_text(const char *text, struct config_error *err)
{
	return config_load_string("test.yaml", text, strlen(text), fake_getenv, err);
}

static struct config *load_ok(const char *text)
{
	struct config_error err = { { 0 } };
	struct config *cfg = load_text(text, &err);

	if (!cfg)
		fail_msg("unexpected error: %s", err.message);
	return cfg;
}

/* Loads text that must fail and checks the message contains every fragment. */
static void expect_error(const char *text, ...)
{
	struct config_error err = { { 0 } };
	struct config *cfg = load_text(text, &err);
	const char *fragment;
	va_list ap;

	if (cfg) {
		config_free(cfg);
		fail_msg("expected an error for:\n%s", text);
	}
	va_start(ap, text);
	while ((fragment = va_arg(ap, const char *)))
		if (!strstr(err.message, fragment))
			fail_msg("message \"%s\" lacks \"%s\"", err.message, fragment);
	va_end(ap);
}

/* ---- defaults and files ---- */

static void test_defaults_without_file(void **state)
{
	struct config_error err = { { 0 } };
	struct config *cfg = config_load(NULL, fake_getenv, &err);

	(void)state;
	assert_non_null(cfg);
	assert_null(cfg->path);
	assert_string_equal(cfg->listen_host, "127.0.0.1");
	assert_int_equal(cfg->listen_port, 8080);
	assert_int_equal(cfg->threads, 16);
	assert_int_equal(cfg->db_connections, 20);
	assert_int_equal(cfg->max_connections, 1024);
	assert_int_equal(cfg->per_ip_connections, 64);
	assert_int_equal(cfg->connection_timeout, 30);
	assert_int_equal(cfg->api_body_limit, 1024 * 1024);
	assert_int_equal(cfg->webhook_body_limit, 25 * 1024 * 1024);
	assert_int_equal(cfg->body_memory_limit, 128 * 1024 * 1024);
	assert_int_equal(cfg->per_ip_body_memory, 64 * 1024 * 1024);
	assert_string_equal(cfg->base_url, "http://127.0.0.1:8080");
	assert_non_null(cfg->web_dir);
	assert_string_equal(cfg->data_dir, "./data");
	assert_null(cfg->database_url);
	assert_int_equal(cfg->db_timeout_ms, 5000);
	assert_false(cfg->public_read);
	assert_int_equal(cfg->session_ttl, 43200);
	assert_null(cfg->sso_header);
	assert_null(cfg->admin_token);
	assert_null(cfg->github_webhook_secret);
	assert_string_equal(cfg->releases.rc_pattern, "v*-rc.*");
	assert_int_equal(cfg->releases.cadence.every_days, 0);
	assert_int_equal(cfg->n_repositories, 0);
	assert_int_equal(cfg->releases.n_required_artifacts, 0);
	config_free(cfg);
}

static void test_empty_file_gives_defaults(void **state)
{
	struct config *cfg = load_ok("# nothing but a comment\n");

	(void)state;
	assert_int_equal(cfg->threads, 16);
	assert_string_equal(cfg->path, "test.yaml");
	config_free(cfg);
}

static void test_example_file_loads(void **state)
{
	struct config_error err = { { 0 } };
	struct config *cfg;
	const struct config_repository *wge;
	const struct config_environment *staging = NULL;
	enum job_stage stage;
	bool required;
	size_t i;

	(void)state;
	/* with an empty environment: the example names no `_env` variable */
	cfg = config_load(SHIPLOG_SOURCE_DIR "/deploy/shiplog.example.yaml", fake_getenv, &err);
	if (!cfg)
		fail_msg("example config: %s", err.message);

	assert_string_equal(cfg->listen_host, "0.0.0.0");
	assert_int_equal(cfg->listen_port, 8080);
	assert_int_equal(cfg->db_connections, 20);
	assert_int_equal(cfg->webhook_body_limit, 25 * 1024 * 1024);
	assert_string_equal(cfg->base_url, "https://shiplog.example.com");
	/* it trusts no identity header from anywhere, and has nothing to warn about */
	assert_null(cfg->sso_header);
	assert_int_equal(cfg->n_trusted_proxies, 0);
	assert_int_equal(cfg->n_warnings, 0);

	assert_int_equal(cfg->n_repositories, 2);
	wge = config_find_repository(cfg, "weaveworks/weave-gitops-enterprise");
	assert_non_null(wge);
	assert_string_equal(wge->default_branch, "main");
	assert_null(wge->webhook_secret);
	assert_non_null(config_find_repository(cfg, "weaveworks/weave-gitops"));

	assert_int_equal(cfg->n_environments, 3);
	for (i = 0; i < cfg->n_environments; i++)
		if (!strcmp(cfg->environments[i].name, "staging"))
			staging = &cfg->environments[i];
	if (!staging) {
		fail_msg("no staging environment");
		return;
	}
	assert_string_equal(staging->tier, "staging");
	assert_int_equal(staging->order, 2);
	assert_int_equal(staging->n_flux, 1);
	assert_string_equal(staging->flux[0].kind, "HelmRelease");
	assert_string_equal(staging->flux[0].namespace_, "flux-system");
	assert_string_equal(staging->flux[0].name, "mccp");

	assert_int_equal(cfg->n_teams, 3);
	assert_string_equal(config_team_of(cfg, "someone@sales.example.com")->name, "sales");

	assert_int_equal(cfg->releases.cadence.every_days, 14);
	assert_int_equal(cfg->releases.cadence.weekday, 4);
	assert_string_equal(cfg->releases.cadence.anchor, "2023-08-17");
	assert_int_equal(cfg->releases.n_required_artifacts, 4);
	assert_string_equal(cfg->releases.required_artifacts[0], "chart:mccp");
	assert_string_equal(cfg->releases.gates.staging_environment, "staging");
	assert_int_equal(cfg->releases.gates.soak_seconds, 1800);
	assert_int_equal(cfg->releases.gates.n_approvals, 2);
	assert_string_equal(cfg->releases.gates.approvals[0].team, "sales");
	assert_int_equal(cfg->releases.gates.approvals[0].min, 2);

	config_classify_job(cfg, "weaveworks/weave-gitops-enterprise", "playwright-smoke-tests",
			    &stage, &required);
	assert_int_equal(stage, STAGE_E2E);
	assert_false(required);
	assert_int_equal(config_classify_workflow(cfg, "weaveworks/weave-gitops-enterprise",
						  ".github/workflows/test.yaml", "run tests"),
			 RUN_KIND_PR);
	assert_int_equal(config_classify_workflow(cfg, "weaveworks/weave-gitops-enterprise",
						  ".github/workflows/deploy.yaml", "deploy"),
			 RUN_KIND_MAIN);
	config_free(cfg);
}

/* The copy the Kubernetes base mounts trusts exactly its oauth2-proxy sidecar. */
static void test_kubernetes_copy_trusts_only_the_sidecar(void **state)
{
	struct config_error err = { { 0 } };
	struct config *cfg;

	(void)state;
	cfg = config_load(SHIPLOG_SOURCE_DIR "/deploy/kubernetes/base/shiplog.yaml", fake_getenv,
			  &err);
	if (!cfg)
		fail_msg("deploy/kubernetes/base/shiplog.yaml: %s", err.message);
	assert_string_equal(cfg->listen_host, "127.0.0.1");
	assert_string_equal(cfg->sso_header, "X-Forwarded-Email");
	assert_int_equal(cfg->n_trusted_proxies, 1);
	assert_string_equal(cfg->trusted_proxies[0], "127.0.0.1");
	assert_int_equal(cfg->n_warnings, 0);
	config_free(cfg);
}

static void test_missing_file_names_path(void **state)
{
	struct config_error err = { { 0 } };

	(void)state;
	assert_null(config_load("/nonexistent/shiplog.yaml", fake_getenv, &err));
	assert_non_null(strstr(err.message, "/nonexistent/shiplog.yaml: cannot open"));
}

static void test_file_values_and_db_connections_follow_threads(void **state)
{
	struct config *cfg = load_ok("server:\n"
				     "  listen: \"[::1]:9000\"\n"
				     "  threads: 8\n"
				     "  api_body_limit: 2MiB\n"
				     "  body_memory_limit: 1GiB\n"
				     "  per_ip_body_memory: 0\n"
				     "  base_url: https://ship.example.com/\n"
				     "auth:\n"
				     "  public_read: true\n"
				     "  session_ttl: 3600\n"
				     "database:\n"
				     "  url: postgresql://localhost/shiplog\n");

	(void)state;
	assert_string_equal(cfg->listen_host, "::1");
	assert_int_equal(cfg->listen_port, 9000);
	assert_int_equal(cfg->threads, 8);
	assert_int_equal(cfg->db_connections, 12);
	assert_int_equal(cfg->api_body_limit, 2 * 1024 * 1024);
	assert_int_equal(cfg->body_memory_limit, 1024 * 1024 * 1024);
	assert_int_equal(cfg->per_ip_body_memory, 0); /* no limit */
	assert_string_equal(cfg->base_url, "https://ship.example.com");
	assert_true(cfg->public_read);
	assert_int_equal(cfg->session_ttl, 3600);
	assert_string_equal(cfg->database_url, "postgresql://localhost/shiplog");
	config_free(cfg);
}

/* ---- environment ---- */

static void test_env_overrides_win_over_file(void **state)
{
	struct config *cfg;

	(void)state;
	env_set("DATABASE_URL", "postgresql://env/db");
	env_set("SHIPLOG_LISTEN", ":9090");
	env_set("SHIPLOG_THREADS", "32");
	env_set("SHIPLOG_PUBLIC_READ", "1");
	env_set("SHIPLOG_ADMIN_TOKEN", "admin-token");
	env_set("SHIPLOG_SESSION_SECRET", "session-secret");
	env_set("SHIPLOG_GITHUB_WEBHOOK_SECRET", "gh-from-env");
	env_set("SHIPLOG_FLUX_WEBHOOK_SECRET", "flux-from-env");
	env_set("SHIPLOG_BASE_URL", "https://env.example.com");
	env_set("SHIPLOG_WEB_DIR", "/srv/web");
	env_set("SHIPLOG_DATA_DIR", "/srv/data");
	env_set("SHIPLOG_SSO_HEADER", "X-Auth-Request-Email");
	env_set("FILE_GH_SECRET", "gh-from-file");
	env_set("SHIPLOG_DB_CONNECTIONS", "");	/* empty means unset */
	cfg = load_ok("server:\n"
		      "  listen: 127.0.0.1:7000\n"
		      "  threads: 4\n"
		      "  web_dir: /file/web\n"
		      "  data_dir: /file/data\n"
		      "  base_url: https://file.example.com\n"
		      "database: {url: \"postgresql://file/db\"}\n"
		      "auth: {public_read: false, sso_header: X-File}\n"
		      "webhooks: {github_secret_env: FILE_GH_SECRET}\n");
	assert_string_equal(cfg->database_url, "postgresql://env/db");
	assert_string_equal(cfg->listen_host, "0.0.0.0");
	assert_int_equal(cfg->listen_port, 9090);
	assert_int_equal(cfg->threads, 32);
	assert_int_equal(cfg->db_connections, 36);
	assert_true(cfg->public_read);
	assert_string_equal(cfg->admin_token, "admin-token");
	assert_string_equal(cfg->session_secret, "session-secret");
	assert_string_equal(cfg->github_webhook_secret, "gh-from-env");
	assert_string_equal(cfg->flux_webhook_secret, "flux-from-env");
	assert_string_equal(cfg->base_url, "https://env.example.com");
	assert_string_equal(cfg->web_dir, "/srv/web");
	assert_string_equal(cfg->data_dir, "/srv/data");
	assert_string_equal(cfg->sso_header, "X-Auth-Request-Email");
	config_free(cfg);

	env_clear();
	env_set("SHIPLOG_DB_CONNECTIONS", "7");
	env_set("SHIPLOG_PUBLIC_READ", "false");
	env_set("SHIPLOG_BODY_MEMORY_LIMIT", "4MiB");
	env_set("SHIPLOG_PER_IP_BODY_MEMORY", "3MiB");
	cfg = config_load(NULL, fake_getenv, NULL);
	assert_non_null(cfg);
	assert_int_equal(cfg->db_connections, 7);
	assert_int_equal(cfg->body_memory_limit, 4 * 1024 * 1024);
	assert_int_equal(cfg->per_ip_body_memory, 3 * 1024 * 1024);
	assert_false(cfg->public_read);
	config_free(cfg);
}

static void expect_env_error(const char *name, const char *value, const char *fragment)
{
	struct config_error err = { { 0 } };
	struct config *cfg;

	env_clear();
	env_set(name, value);
	cfg = config_load(NULL, fake_getenv, &err);
	if (cfg) {
		config_free(cfg);
		fail_msg("%s=%s was accepted", name, value);
	}
	if (strncmp(err.message, name, strlen(name)) || !strstr(err.message, fragment))
		fail_msg("%s=%s: unexpected message \"%s\"", name, value, err.message);
}

static void test_bad_env_values_name_the_variable(void **state)
{
	(void)state;
	expect_env_error("SHIPLOG_THREADS", "abc", "expected an integer between 1 and 1024");
	expect_env_error("SHIPLOG_THREADS", "0", "got \"0\"");
	expect_env_error("SHIPLOG_DB_CONNECTIONS", "-3", "expected an integer");
	expect_env_error("SHIPLOG_PUBLIC_READ", "maybe", "expected true or false");
	expect_env_error("SHIPLOG_LISTEN", "foo", "expected host:port");
	expect_env_error("SHIPLOG_BODY_MEMORY_LIMIT", "lots", "expected a size in bytes");
	expect_env_error("SHIPLOG_BASE_URL", "ftp://x", "http");
	expect_env_error("SHIPLOG_SSO_HEADER", "X Email", "header name");
	expect_env_error("DATABASE_URL", "mysql:secret@host", "PostgreSQL");
}

static void test_bad_database_url_is_not_echoed(void **state)
{
	struct config_error err = { { 0 } };

	(void)state;
	env_set("DATABASE_URL", "hunter2");
	assert_null(config_load(NULL, fake_getenv, &err));
	assert_null(strstr(err.message, "hunter2"));
}

struct listen_case {
	const char *value;
	const char *host;	/* NULL: must be refused */
	unsigned port;
};

static void test_listen_parsing(void **state)
{
	static const struct listen_case cases[] = {
		{ "127.0.0.1:8080", "127.0.0.1", 8080 },
		{ ":9090", "0.0.0.0", 9090 },
		{ "[::1]:8443", "::1", 8443 },
		{ "[::]:80", "::", 80 },
		{ "localhost:0", "localhost", 0 },
		{ "shiplog.internal:65535", "shiplog.internal", 65535 },
		{ "foo", NULL, 0 },
		{ "127.0.0.1", NULL, 0 },
		{ "127.0.0.1:", NULL, 0 },
		{ "127.0.0.1:65536", NULL, 0 },
		{ "127.0.0.1:80a", NULL, 0 },
		{ "127.0.0.1:-1", NULL, 0 },
		{ "::1:8080", NULL, 0 },
		{ "[::1]8080", NULL, 0 },
		{ "[::1]:", NULL, 0 },
		{ "[nothex]:80", NULL, 0 },
		{ "[]:80", NULL, 0 },
		{ "bad host:80", NULL, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config_error err = { { 0 } };
		struct config *cfg;

		env_clear();
		env_set("SHIPLOG_LISTEN", cases[i].value);
		cfg = config_load(NULL, fake_getenv, &err);
		if (!cases[i].host) {
			if (cfg)
				fail_msg("SHIPLOG_LISTEN=%s was accepted", cases[i].value);
			assert_non_null(strstr(err.message, "SHIPLOG_LISTEN"));
			continue;
		}
		if (!cfg)
			fail_msg("SHIPLOG_LISTEN=%s: %s", cases[i].value, err.message);
		assert_string_equal(cfg->listen_host, cases[i].host);
		assert_int_equal(cfg->listen_port, cases[i].port);
		config_free(cfg);
	}
	env_clear();
	expect_error("server:\n  listen: nope\n", "test.yaml:2:11: server.listen: expected host:port",
		     NULL);
}

static void test_ipv6_base_url_is_bracketed(void **state)
{
	struct config *cfg;

	(void)state;
	env_set("SHIPLOG_LISTEN", "[::1]:8081");
	cfg = config_load(NULL, fake_getenv, NULL);
	assert_non_null(cfg);
	assert_string_equal(cfg->base_url, "http://[::1]:8081");
	config_free(cfg);
}

/* ---- secrets ---- */

static void test_secret_read_from_named_env_var(void **state)
{
	struct config *cfg;

	(void)state;
	env_set("MY_GH_SECRET", "s3cret");
	env_set("MY_FLUX_SECRET", "fl0x");
	cfg = load_ok("webhooks:\n"
		      "  github_secret_env: MY_GH_SECRET\n"
		      "  flux_secret_env: MY_FLUX_SECRET\n"
		      "repositories:\n"
		      "  - name: acme/rocket\n"
		      "    webhook_secret_env: MY_GH_SECRET\n");
	assert_string_equal(cfg->github_webhook_secret, "s3cret");
	assert_string_equal(cfg->flux_webhook_secret, "fl0x");
	assert_string_equal(cfg->repositories[0].webhook_secret, "s3cret");
	assert_string_equal(cfg->repositories[0].default_branch, "main");
	config_free(cfg);
}

static void test_secret_env_errors(void **state)
{
	(void)state;
	/* An inline secret is refused and not echoed back. */
	expect_error("webhooks:\n  flux_secret_env: \"abc-123/xyz\"\n",
		     "test.yaml:2:20: webhooks.flux_secret_env: expected the name of an environment "
		     "variable",
		     NULL);
	expect_error("repositories:\n  - {name: a/b, webhook_secret_env: \"\"}\n",
		     "repositories[0].webhook_secret_env: expected the name of an environment",
		     NULL);
}

/* A configured secret whose variable is missing must not quietly turn
 * signature checks off: loading fails, naming the key (with its position)
 * and the variable. */
static void test_unset_secret_variable_is_an_error(void **state)
{
	(void)state;
	expect_error("repositories:\n"
		     "  - name: acme/rocket\n"
		     "    webhook_secret_env: WGE_GITHUB_SECRET\n",
		     "test.yaml:3:25: repositories[0].webhook_secret_env: environment variable "
		     "WGE_GITHUB_SECRET is not set",
		     NULL);
	expect_error("webhooks:\n  github_secret_env: GH_SECRET\n",
		     "test.yaml:2:22: webhooks.github_secret_env: environment variable GH_SECRET "
		     "is not set",
		     NULL);
	/* empty is unset: compose files pass "VAR=" */
	env_set("FLUX_SECRET", "");
	expect_error("webhooks:\n  flux_secret_env: FLUX_SECRET\n",
		     "webhooks.flux_secret_env: environment variable FLUX_SECRET is not set", NULL);
	expect_error("notifications:\n"
		     "  sinks: [{name: hooks, type: webhook, url_env: HOOK_URL, events: [rc.cut]}]\n",
		     "notifications.sinks[0].url_env: environment variable HOOK_URL is not set", NULL);
	env_set("HOOK_URL", "https://hooks.example.com/x");
	expect_error("notifications:\n"
		     "  sinks: [{name: hooks, type: webhook, url_env: HOOK_URL, secret_env: HOOK_KEY,\n"
		     "           events: [rc.cut]}]\n",
		     "notifications.sinks[0].secret_env: environment variable HOOK_KEY is not set",
		     NULL);
	expect_error("notifications:\n  github_status: {token_env: GH_TOKEN}\n",
		     "notifications.github_status.token_env: environment variable GH_TOKEN is not set",
		     NULL);
}

/* --check-config runs where the secrets are not: the same file loads, with
 * one warning per unset variable naming key and variable. */
static void test_unset_secret_variable_warns_when_checking(void **state)
{
	static const char text[] =
		"webhooks:\n  github_secret_env: GH_SECRET\n"
		"repositories:\n  - {name: acme/rocket, webhook_secret_env: ROCKET_SECRET}\n"
		"notifications:\n"
		"  sinks: [{name: chat, type: slack, url_env: CHAT_URL, events: [rc.cut]}]\n";
	struct config_error err = { { 0 } };
	struct config *cfg;

	(void)state;
	env_set("ROCKET_SECRET", "rocket");
	cfg = config_load_string_flags("test.yaml", text, strlen(text), fake_getenv,
				       CONFIG_UNSET_ENV_WARNS, &err);
	if (!cfg)
		fail_msg("unexpected error: %s", err.message);
	assert_null(cfg->github_webhook_secret);
	assert_string_equal(cfg->repositories[0].webhook_secret, "rocket");
	assert_null(cfg->notifications.sinks[0].url);
	assert_int_equal(cfg->n_warnings, 2);
	assert_non_null(strstr(cfg->warnings[0], "webhooks.github_secret_env: environment variable "
						 "GH_SECRET is not set"));
	assert_non_null(strstr(cfg->warnings[1], "notifications.sinks[0].url_env: environment "
						 "variable CHAT_URL is not set"));
	config_free(cfg);
	/* and without the flag the same text does not load */
	assert_null(load_text(text, &err));
	assert_non_null(strstr(err.message, "GH_SECRET is not set"));
}

/* ---- trusted proxies ---- */

static void test_trusting_every_address_is_refused(void **state)
{
	(void)state;
	expect_error("auth:\n  sso_header: X-Forwarded-Email\n  trusted_proxies: [\"0.0.0.0/0\"]\n",
		     "test.yaml:3:21: auth.trusted_proxies[0]: a /0 range trusts every address", NULL);
	expect_error("auth:\n  trusted_proxies: [\"127.0.0.1\", \"::/0\"]\n",
		     "test.yaml:2:34: auth.trusted_proxies[1]: a /0 range trusts every address", NULL);
	expect_error("auth:\n  trusted_proxies: [\"10.1.2.3/0\"]\n", "a /0 range", NULL);
}

static void test_trusted_ranges_warn_single_addresses_do_not(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok("auth:\n  sso_header: X-Forwarded-Email\n"
		      "  trusted_proxies: [\"127.0.0.1\", \"10.0.0.0/8\", \"::1\", \"fd00::/64\",\n"
		      "                    \"192.0.2.7/32\", \"2001:db8::1/128\"]\n");
	assert_int_equal(cfg->n_trusted_proxies, 6);
	assert_int_equal(cfg->n_warnings, 2);
	assert_non_null(strstr(cfg->warnings[0], "auth.trusted_proxies[1]: \"10.0.0.0/8\" trusts a "
						 "range of 2^24 addresses"));
	assert_non_null(strstr(cfg->warnings[1], "auth.trusted_proxies[3]: \"fd00::/64\" trusts a "
						 "range of 2^64 addresses"));
	config_free(cfg);
}

static void test_sso_header_without_trusted_proxies_warns(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok("auth:\n  sso_header: X-Forwarded-Email\n");
	assert_int_equal(cfg->n_warnings, 1);
	assert_non_null(strstr(cfg->warnings[0], "auth.trusted_proxies is empty"));
	config_free(cfg);
}

/* ---- webhook processing ---- */

static void test_webhook_processing_modes(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok("server: {threads: 8}\n");
	assert_false(cfg->webhook_queued); /* inline unless asked */
	assert_int_equal(cfg->webhook_workers, 1);
	assert_int_equal(cfg->db_connections, 12);
	config_free(cfg);

	/* queued: one more connection per applier */
	cfg = load_ok("server: {threads: 8}\nwebhooks: {processing: queued, workers: 3}\n");
	assert_true(cfg->webhook_queued);
	assert_int_equal(cfg->webhook_workers, 3);
	assert_int_equal(cfg->db_connections, 15);
	config_free(cfg);

	/* the environment wins over the file */
	env_set("SHIPLOG_WEBHOOK_PROCESSING", "inline");
	env_set("SHIPLOG_WEBHOOK_WORKERS", "0");
	cfg = load_ok("webhooks: {processing: queued, workers: 3}\n");
	assert_false(cfg->webhook_queued);
	assert_int_equal(cfg->webhook_workers, 0);
	config_free(cfg);
	env_clear();

	expect_error("webhooks:\n  processing: fast\n",
		     "test.yaml:2:15: webhooks.processing: expected inline or queued", NULL);
	expect_error("webhooks:\n  workers: 65\n",
		     "webhooks.workers: expected an integer between 0 and 64", NULL);
	env_set("SHIPLOG_WEBHOOK_PROCESSING", "Queued");
	expect_error("", "SHIPLOG_WEBHOOK_PROCESSING: expected inline or queued", NULL);
	env_clear();
}

/* ---- syntax and schema errors ---- */

static void test_yaml_syntax_error_has_position(void **state)
{
	(void)state;
	/* The unclosed flow sequence is detected where the next key starts. */
	expect_error("server:\n"
		     "  threads: 4\n"
		     "  listen: [1, 2\n"
		     "database:\n"
		     "  url: x\n",
		     "test.yaml:4:9: ", "did not find expected ',' or ']'", NULL);
	expect_error("server:\n"
		     "  threads: 4\n"
		     " listen: x\n",
		     "test.yaml:3:2: ", NULL);
	expect_error("a: \"unterminated\n", "test.yaml:2:1: ", "quoted scalar", NULL);
	expect_error("server: {}\n---\nserver: {}\n", "test.yaml:2:1: expected a single YAML document",
		     NULL);
}

static void test_unknown_key_names_key_and_position(void **state)
{
	(void)state;
	expect_error("server:\n  threads: 4\n  thread: 4\n",
		     "test.yaml:3:3: server: unknown key \"thread\"", "threads", NULL);
	expect_error("# top\nservr:\n  threads: 4\n", "test.yaml:2:1: unknown key \"servr\"",
		     NULL);
	expect_error("repositories:\n  - name: a/b\n    branch: main\n",
		     "test.yaml:3:5: repositories[0]: unknown key \"branch\"", NULL);
	expect_error("server:\n  threads: 4\n  threads: 5\n",
		     "test.yaml:3:3: server: key \"threads\" appears twice", NULL);
}

static void test_wrong_type_or_range_names_field(void **state)
{
	(void)state;
	expect_error("server:\n  threads: lots\n",
		     "test.yaml:2:12: server.threads: expected an integer between 1 and 1024, "
		     "got \"lots\"",
		     NULL);
	expect_error("server:\n  threads: 0\n", "test.yaml:2:12: server.threads:", "got \"0\"",
		     NULL);
	expect_error("server:\n  max_connections: 99999999999999999999999\n",
		     "server.max_connections: expected an integer", NULL);
	expect_error("server:\n  api_body_limit: 1TB\n", "test.yaml:2:19: server.api_body_limit",
		     NULL);
	expect_error("server:\n  threads: [1, 2]\n",
		     "test.yaml:2:12: server.threads: expected a single value, got a list", NULL);
	expect_error("server: 8080\n", "test.yaml:1:9: server: expected a mapping", NULL);
	expect_error("auth:\n  public_read: sometimes\n", "auth.public_read: expected true or false",
		     NULL);
	expect_error("auth:\n  trusted_proxies: [\"10.0.0.0/33\"]\n",
		     "test.yaml:2:21: auth.trusted_proxies[0]: expected an IP address or CIDR", NULL);
	expect_error("auth:\n  trusted_proxies: 10.0.0.1\n", "auth.trusted_proxies: expected a list",
		     NULL);
	expect_error("auth:\n  session_ttl: 5\n", "auth.session_ttl: expected an integer between 60",
		     NULL);
	expect_error("server:\n  base_url: ship.example.com\n", "server.base_url: expected an http",
		     NULL);
	expect_error("server:\n  data_dir: \"\"\n", "server.data_dir: expected a non-empty value",
		     NULL);
	expect_error("server:\n  data_dir: \"a\\0b\"\n", "server.data_dir: ", "NUL", NULL);
	expect_error("releases:\n  required_artifacts: [\"helm:mccp\"]\n",
		     "releases.required_artifacts[0]: expected kind:name", NULL);
	expect_error("releases:\n  cadence: {every: fortnightly, weekday: thursday}\n",
		     "releases.cadence.every: expected a period", NULL);
	expect_error("releases:\n  cadence: {every: 2w, anchor: \"2023-02-30\"}\n",
		     "releases.cadence.anchor: expected a date", NULL);
	expect_error("teams:\n  - name: sales\n    members: [\"sales.example.com\"]\n",
		     "test.yaml:3:15: teams[0].members[0]: expected an email address", NULL);
}

static void test_bad_enums_are_refused(void **state)
{
	(void)state;
	expect_error("workflows:\n  - {match: x, kind: nightly}\n",
		     "test.yaml:2:22: workflows[0].kind: expected one of pr, main, release, other, "
		     "got \"nightly\"",
		     NULL);
	expect_error("jobs:\n  - {match: x, stage: deploy}\n",
		     "test.yaml:2:23: jobs[0].stage: expected one of lint, unit", NULL);
	expect_error("environments:\n  - {name: prod, tier: prod}\n",
		     "environments[0].tier: expected one of development, staging, production, other",
		     NULL);
	expect_error("releases:\n  cadence: {every: 1w, weekday: thursdai}\n",
		     "releases.cadence.weekday: expected a day of the week", NULL);
	expect_error("environments:\n  - name: staging\n    flux: [{kind: GitRepository, name: x}]\n",
		     "environments[0].flux[0].kind: expected HelmRelease or Kustomization", NULL);
}

static void test_structure_checks(void **state)
{
	(void)state;
	expect_error("repositories:\n  - name: not-a-repo\n",
		     "test.yaml:2:11: repositories[0].name: expected owner/name", NULL);
	expect_error("repositories:\n  - name: a/b/c\n", "repositories[0].name: expected owner/name",
		     NULL);
	expect_error("repositories:\n  - default_branch: main\n",
		     "test.yaml:2:5: repositories[0]: missing required key \"name\"", NULL);
	expect_error("repositories:\n  - name: Acme/Rocket\n  - name: acme/rocket\n",
		     "test.yaml:3:11: repositories[1].name: \"acme/rocket\" is listed twice", NULL);
	expect_error("environments:\n  - name: staging\n  - name: dev\n  - name: staging\n",
		     "test.yaml:4:11: environments[2].name: \"staging\" is listed twice", NULL);
	expect_error("teams:\n  - name: a\n  - name: a\n", "teams[1].name: \"a\" is listed twice",
		     NULL);
	expect_error("jobs:\n  - {match: lint}\n", "jobs[0]: missing required key \"stage\"", NULL);
	expect_error("jobs:\n  - match:\n    stage: lint\n", "jobs[0].match: expected a value",
		     NULL);
	expect_error("jobs:\n  - lint\n", "test.yaml:2:5: jobs[0]: expected a mapping", NULL);
	expect_error("- a\n- b\n", "test.yaml:1:1: expected a mapping, got a list", NULL);
}

static void test_cadence(void **state)
{
	struct config *cfg;

	(void)state;
	/* The weekday comes from the anchor when not given. */
	cfg = load_ok("releases:\n  cadence: {every: 1w, anchor: \"2023-12-07\"}\n");
	assert_int_equal(cfg->releases.cadence.every_days, 7);
	assert_int_equal(cfg->releases.cadence.weekday, 4);
	config_free(cfg);

	cfg = load_ok("releases:\n  cadence: {every: 10d, anchor: \"2024-02-29\"}\n");
	assert_int_equal(cfg->releases.cadence.every_days, 10);
	config_free(cfg);

	cfg = load_ok("releases:\n  cadence: {every: 2w, weekday: Tue}\n");
	assert_int_equal(cfg->releases.cadence.weekday, 2);
	assert_null(cfg->releases.cadence.anchor);
	config_free(cfg);

	expect_error("releases:\n  cadence: {every: 2w, weekday: friday, anchor: \"2023-08-17\"}\n",
		     "test.yaml:2:49: releases.cadence.anchor: 2023-08-17 is a thursday, not a friday",
		     NULL);
	expect_error("releases:\n  cadence: {every: 2w}\n",
		     "test.yaml:2:12: releases.cadence: expected a weekday or an anchor date", NULL);
	expect_error("releases:\n  cadence: {every: 10d}\n", "an anchor date is required", NULL);
	expect_error("releases:\n  cadence: {weekday: thursday}\n",
		     "releases.cadence: missing required key \"every\"", NULL);
}

static void test_gates_default_to_every_gate_on(void **state)
{
	struct config *cfg = load_ok("");

	(void)state;
	assert_true(cfg->releases.gates.ci);
	assert_true(cfg->releases.gates.smoke_tests);
	assert_true(cfg->releases.gates.artifacts);
	assert_true(cfg->releases.gates.staging);
	assert_true(cfg->releases.gates.staging_descendant);
	assert_null(cfg->releases.gates.staging_environment);
	assert_int_equal(cfg->releases.gates.soak_seconds, 1800);
	assert_int_equal(cfg->releases.gates.n_approvals, 0);
	config_free(cfg);
}

static void test_gates_are_read_from_releases_gates(void **state)
{
	struct config *cfg = load_ok("releases:\n"
				     "  gates:\n"
				     "    ci: true\n"
				     "    smoke_tests: false\n"
				     "    artifacts: no\n"
				     "    staging: {environment: stage-eu, soak: 2h, descendant: false}\n"
				     "    approvals:\n"
				     "      - {team: sales, min: 2}\n"
				     "      - {team: support, min: 1}\n"
				     "teams:\n"
				     "  - {name: sales, members: [\"*@sales.example.com\"]}\n"
				     "  - {name: support, members: [\"bob@example.com\"]}\n");

	(void)state;
	assert_true(cfg->releases.gates.ci);
	assert_false(cfg->releases.gates.smoke_tests);
	assert_false(cfg->releases.gates.artifacts);
	assert_true(cfg->releases.gates.staging);
	assert_string_equal(cfg->releases.gates.staging_environment, "stage-eu");
	assert_int_equal(cfg->releases.gates.soak_seconds, 7200);
	assert_false(cfg->releases.gates.staging_descendant);
	assert_int_equal(cfg->releases.gates.n_approvals, 2);
	assert_string_equal(cfg->releases.gates.approvals[0].team, "sales");
	assert_int_equal(cfg->releases.gates.approvals[0].min, 2);
	assert_string_equal(cfg->releases.gates.approvals[1].team, "support");
	assert_int_equal(cfg->releases.gates.approvals[1].min, 1);
	config_free(cfg);

	cfg = load_ok("releases: {gates: {staging: {enabled: false, soak: 0}}}\n");
	assert_false(cfg->releases.gates.staging);
	assert_int_equal(cfg->releases.gates.soak_seconds, 0);
	config_free(cfg);
	cfg = load_ok("releases: {gates: {staging: {soak: 90s}}}\n");
	assert_int_equal(cfg->releases.gates.soak_seconds, 90);
	config_free(cfg);
	cfg = load_ok("releases: {gates: {staging: {soak: 1d}}}\n");
	assert_int_equal(cfg->releases.gates.soak_seconds, 86400);
	config_free(cfg);
}

static void test_bad_gates_name_the_field(void **state)
{
	(void)state;
	expect_error("releases: {gates: {staging: {soak: soon}}}\n",
		     "releases.gates.staging.soak: expected a duration like 90s, 30m, 2h or 1d", NULL);
	expect_error("releases: {gates: {staging: {soak: 31d}}}\n",
		     "releases.gates.staging.soak: expected a duration", NULL);
	expect_error("releases: {gates: {ci: maybe}}\n", "releases.gates.ci: expected true or false",
		     NULL);
	expect_error("releases: {gates: {approvals: [{team: sales, min: 0}]}}\n"
		     "teams: [{name: sales}]\n",
		     "releases.gates.approvals[0].min: expected an integer between 1 and 1000", NULL);
	expect_error("releases: {gates: {approvals: [{min: 2}]}}\n",
		     "releases.gates.approvals[0]: missing required key \"team\"", NULL);
	expect_error("releases: {gates: {smoke: true}}\n", "unknown key \"smoke\"", NULL);
	/* the team must exist, wherever the teams are listed in the file */
	expect_error("releases:\n  gates:\n    approvals: [{team: sales, min: 2}]\n"
		     "teams: [{name: support}]\n",
		     "test.yaml:3:24: releases.gates.approvals[0].team: \"sales\" is not one of the teams",
		     NULL);
	expect_error("releases: {gates: {approvals: [{team: sales, min: 2}, {team: Sales, min: 1}]}}\n"
		     "teams: [{name: sales}]\n",
		     "releases.gates.approvals[1].team: \"Sales\" is listed twice", NULL);
}

/* roles: teams or SSO groups to read, feedback, release; never ci or admin */
static void test_roles_load(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok("auth: {sso_header: X-Forwarded-Email, sso_groups_header: X-Forwarded-Groups,"
		      " trusted_proxies: [127.0.0.1]}\n"
		      "roles:\n"
		      "  - {team: release-managers, scopes: [read, feedback, release]}\n"
		      "  - {group: sales@example.com, scopes: [read, feedback]}\n"
		      "teams: [{name: release-managers, members: [rm@example.com]}]\n");
	assert_string_equal(cfg->sso_groups_header, "X-Forwarded-Groups");
	assert_int_equal(cfg->n_roles, 2);
	assert_string_equal(cfg->roles[0].team, "release-managers");
	assert_null(cfg->roles[0].group);
	assert_int_equal(cfg->roles[0].scopes,
			 AUTH_SCOPE_READ | AUTH_SCOPE_FEEDBACK | AUTH_SCOPE_RELEASE);
	assert_null(cfg->roles[1].team);
	assert_string_equal(cfg->roles[1].group, "sales@example.com");
	assert_int_equal(cfg->roles[1].scopes, AUTH_SCOPE_READ | AUTH_SCOPE_FEEDBACK);
	config_free(cfg);
}

static void test_bad_roles_name_the_field(void **state)
{
	(void)state;
	expect_error("teams: [{name: ops}]\nroles:\n  - {team: ops, scopes: [read, ci]}\n",
		     "test.yaml:3:32: roles[0].scopes[1]: \"ci\" is not granted by a role (ci and "
		     "admin stay with tokens)",
		     NULL);
	expect_error("teams: [{name: ops}]\nroles: [{team: ops, scopes: [admin]}]\n",
		     "test.yaml:2:30: roles[0].scopes[0]: \"admin\" is not granted by a role", NULL);
	expect_error("teams: [{name: ops}]\nroles: [{team: ops, scopes: [root]}]\n",
		     "roles[0].scopes[0]: unknown scope \"root\"; expected read, feedback or release",
		     NULL);
	expect_error("teams: [{name: ops}]\nroles: [{team: ops, scopes: []}]\n",
		     "roles[0].scopes: expected at least one of read, feedback, release", NULL);
	expect_error("teams: [{name: ops}]\nroles: [{team: ops}]\n",
		     "roles[0]: missing required key \"scopes\"", NULL);
	expect_error("roles: [{scopes: [read]}]\n",
		     "roles[0]: expected a team or a group (one of them)", NULL);
	expect_error("teams: [{name: ops}]\nroles: [{team: ops, group: g, scopes: [read]}]\n",
		     "roles[0]: expected a team or a group (one of them)", NULL);
	expect_error("teams: [{name: ops}]\nroles: [{team: ops, scopes: [read], admin: true}]\n",
		     "roles[0]: unknown key \"admin\"", NULL);
	expect_error("roles: [{group: \"a,b\", scopes: [read]}]\n", "roles[0].group",
		     "without commas", NULL);
	/* the team must exist, wherever the teams are listed in the file */
	expect_error("roles:\n  - {team: release-managers, scopes: [release]}\n"
		     "teams: [{name: ops}]\n",
		     "test.yaml:2:12: roles[0].team: \"release-managers\" is not one of the teams",
		     NULL);
	expect_error("auth: {sso_groups_header: \"X Groups\"}\n", "auth.sso_groups_header", NULL);
}

/* The example's commented roles block, uncommented, loads as it says. */
static void test_example_roles_block_loads(void **state)
{
	FILE *f = fopen(SHIPLOG_SOURCE_DIR "/deploy/shiplog.example.yaml", "r");
	char line[512], text[16384] = "";
	size_t o = 0;
	struct config *cfg;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		const char *l = line;

		if (!strncmp(line, "# roles:", 8) || !strncmp(line, "#   - {", 7) ||
		    !strncmp(line, "  # sso_", 8) || !strncmp(line, "  # trusted_proxies:", 20))
			l = line[0] == '#' ? line + 2 : line + 4; /* "  # x" -> "x" under auth: */
		if (l == line + 4) {
			o += (size_t)snprintf(text + o, sizeof text - o, "  %s", l);
			continue;
		}
		o += (size_t)snprintf(text + o, sizeof text - o, "%s", l);
		assert_true(o < sizeof text);
	}
	fclose(f);
	cfg = load_ok(text);
	assert_string_equal(cfg->sso_groups_header, "X-Forwarded-Groups");
	assert_int_equal(cfg->n_roles, 2);
	assert_string_equal(cfg->roles[0].team, "engineering");
	assert_int_equal(cfg->roles[0].scopes,
			 AUTH_SCOPE_READ | AUTH_SCOPE_FEEDBACK | AUTH_SCOPE_RELEASE);
	assert_string_equal(cfg->roles[1].group, "release-managers");
	assert_int_equal(cfg->roles[1].scopes, AUTH_SCOPE_RELEASE);
	config_free(cfg);
}

static void test_aliases_cannot_blow_up(void **state)
{
	size_t size = 256 * 1024, o = 0;
	char *text = malloc(size);
	int i;

	(void)state;
	assert_non_null(text);
	/* 2000 job rules once, then 100 repositories aliasing them: small text,
	 * 200000 nodes to walk.  The walk is bounded instead. */
	o += (size_t)snprintf(text + o, size - o, "jobs: &big\n");
	for (i = 0; i < 2000; i++)
		o += (size_t)snprintf(text + o, size - o, "  - {match: j%d, stage: lint}\n", i);
	o += (size_t)snprintf(text + o, size - o, "repositories:\n");
	for (i = 0; i < 100; i++)
		o += (size_t)snprintf(text + o, size - o, "  - {name: acme/r%d, jobs: *big}\n", i);
	assert_true(o < size);
	expect_error(text, "too many YAML nodes", NULL);
	free(text);
}

/* ---- lookups ---- */

static const char rules_yaml[] =
	"workflows:\n"
	"  - {match: \".github/workflows/test.yaml\", kind: pr}\n"
	"  - {match: \"deploy.yaml\", kind: main}\n"
	"  - {match: \"Release*\", kind: release}\n"
	"jobs:\n"
	"  - {match: \"lint\", stage: lint}\n"
	"  - {match: \"playwright-smoke-tests\", stage: e2e, required: false}\n"
	"  - {match: \"build*\", stage: build}\n"
	"repositories:\n"
	"  - name: weaveworks/weave-gitops-enterprise\n"
	"    workflows:\n"
	"      - {match: \".github/workflows/test.yaml\", kind: other}\n"
	"    jobs:\n"
	"      - {match: \"build*\", stage: publish, required: false}\n"
	"  - name: weaveworks/weave-gitops\n";

static void test_job_classification(void **state)
{
	struct config *cfg = load_ok(rules_yaml);
	enum job_stage stage;
	bool required;

	(void)state;
	/* A global rule. */
	config_classify_job(cfg, "weaveworks/weave-gitops", "lint", &stage, &required);
	assert_int_equal(stage, STAGE_LINT);
	assert_true(required);
	/* required: false. */
	config_classify_job(cfg, "weaveworks/weave-gitops", "playwright-smoke-tests", &stage,
			    &required);
	assert_int_equal(stage, STAGE_E2E);
	assert_false(required);
	/* The repository's own rules come first (matched ignoring case of the repo). */
	config_classify_job(cfg, "WeaveWorks/Weave-GitOps-Enterprise", "build-images", &stage,
			    &required);
	assert_int_equal(stage, STAGE_PUBLISH);
	assert_false(required);
	config_classify_job(cfg, "weaveworks/weave-gitops", "build-images", &stage, &required);
	assert_int_equal(stage, STAGE_BUILD);
	assert_true(required);
	/* ...then the global ones for what the repository does not cover. */
	config_classify_job(cfg, "weaveworks/weave-gitops-enterprise", "lint", &stage, &required);
	assert_int_equal(stage, STAGE_LINT);
	config_free(cfg);
}

static void test_job_heuristics_when_nothing_matches(void **state)
{
	static const struct {
		const char *name;
		enum job_stage stage;
	} cases[] = {
		{ "golangci-lint", STAGE_LINT },
		{ "ui-unit-tests", STAGE_UNIT },
		{ "Integration Tests", STAGE_INTEGRATION },
		{ "build", STAGE_BUILD },
		{ "publish-chart", STAGE_PUBLISH },
		{ "goreleaser", STAGE_PUBLISH },
		{ "push-images", STAGE_PUBLISH },
		{ "e2e", STAGE_E2E },
		{ "smoke-tests-gitlab-deploy", STAGE_E2E },
		{ "Playwright", STAGE_E2E },
		{ "coverage", STAGE_OTHER },
		{ "notify-failure", STAGE_OTHER },
	};
	struct config *cfg = config_load(NULL, fake_getenv, NULL);
	enum job_stage stage;
	bool required;
	size_t i;

	(void)state;
	assert_non_null(cfg);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		required = false;
		config_classify_job(cfg, "any/repo", cases[i].name, &stage, &required);
		if (stage != cases[i].stage)
			fail_msg("%s: got %s, want %s", cases[i].name, config_stage_name(stage),
				 config_stage_name(cases[i].stage));
		assert_true(required);
	}
	/* No config at all still classifies. */
	config_classify_job(NULL, NULL, "unit", &stage, &required);
	assert_int_equal(stage, STAGE_UNIT);
	config_free(cfg);
}

static void test_workflow_classification(void **state)
{
	struct config *cfg = load_ok(rules_yaml);

	(void)state;
	assert_int_equal(config_classify_workflow(cfg, "weaveworks/weave-gitops",
						  ".github/workflows/test.yaml", "run tests"),
			 RUN_KIND_PR);
	/* The repository's rule wins. */
	assert_int_equal(config_classify_workflow(cfg, "weaveworks/weave-gitops-enterprise",
						  ".github/workflows/test.yaml", "run tests"),
			 RUN_KIND_OTHER);
	/* A bare file name matches the path's base name. */
	assert_int_equal(config_classify_workflow(cfg, "weaveworks/weave-gitops",
						  ".github/workflows/deploy.yaml", "deploy"),
			 RUN_KIND_MAIN);
	/* Then the display name. */
	assert_int_equal(config_classify_workflow(cfg, "weaveworks/weave-gitops",
						  ".github/workflows/rel.yaml", "Release v1"),
			 RUN_KIND_RELEASE);
	/* Nothing matches: the caller decides. */
	assert_int_equal(config_classify_workflow(cfg, "weaveworks/weave-gitops",
						  ".github/workflows/label.yaml", "label"),
			 -1);
	assert_int_equal(config_classify_workflow(cfg, "unknown/repo", NULL, NULL), -1);
	assert_int_equal(config_classify_workflow(NULL, "a/b", "x", "y"), -1);
	config_free(cfg);
}

static void test_team_matching(void **state)
{
	struct config *cfg = load_ok("teams:\n"
				     "  - name: sales\n"
				     "    members: [\"alice@example.com\", \"*@Sales.Example.com\"]\n"
				     "  - name: engineering\n"
				     "    members: [\"*@example.com\", \"bob@sales.example.com\"]\n");

	(void)state;
	assert_string_equal(config_team_of(cfg, "alice@example.com")->name, "sales");
	assert_string_equal(config_team_of(cfg, "ALICE@Example.COM")->name, "sales");
	assert_string_equal(config_team_of(cfg, "zoe@sales.example.com")->name, "sales");
	assert_string_equal(config_team_of(cfg, "ZOE@SALES.EXAMPLE.COM")->name, "sales");
	/* An exact address beats another team's domain pattern. */
	assert_string_equal(config_team_of(cfg, "bob@sales.example.com")->name, "engineering");
	assert_string_equal(config_team_of(cfg, "carol@example.com")->name, "engineering");
	/* Patterns match the whole domain, not a suffix. */
	assert_null(config_team_of(cfg, "eve@evil-example.com"));
	assert_null(config_team_of(cfg, "eve@us.sales.example.com"));
	assert_null(config_team_of(cfg, "not-an-email"));
	assert_null(config_team_of(cfg, "@example.com"));
	assert_null(config_team_of(cfg, NULL));
	config_free(cfg);
}

static void test_find_repository_ignores_case(void **state)
{
	struct config *cfg = load_ok(rules_yaml);

	(void)state;
	assert_non_null(config_find_repository(cfg, "WEAVEWORKS/weave-gitops"));
	assert_string_equal(config_find_repository(cfg, "weaveworks/WEAVE-GITOPS")->name,
			    "weaveworks/weave-gitops");
	assert_null(config_find_repository(cfg, "weaveworks/weave"));
	assert_null(config_find_repository(cfg, NULL));
	config_free(cfg);
}

static void test_names_round_trip(void **state)
{
	int i;

	(void)state;
	for (i = STAGE_LINT; i <= STAGE_OTHER; i++)
		assert_int_equal(config_stage_parse(config_stage_name((enum job_stage)i)), i);
	for (i = RUN_KIND_PR; i <= RUN_KIND_OTHER; i++)
		assert_int_equal(config_kind_parse(config_kind_name((enum run_kind)i)), i);
	assert_int_equal(config_stage_parse("deploy"), -1);
	assert_int_equal(config_kind_parse(NULL), -1);
	assert_string_equal(config_stage_name(STAGE_E2E), "e2e");
	assert_string_equal(config_kind_name(RUN_KIND_RELEASE), "release");
}

static void test_environment_defaults(void **state)
{
	struct config *cfg = load_ok("environments:\n"
				     "  - name: dev\n"
				     "  - name: staging\n"
				     "    tier: staging\n"
				     "    flux: [{kind: kustomization, name: apps}]\n");

	(void)state;
	assert_string_equal(cfg->environments[0].tier, "other");
	assert_int_equal(cfg->environments[0].order, 1);
	assert_int_equal(cfg->environments[1].order, 2);
	assert_string_equal(cfg->environments[1].flux[0].kind, "Kustomization");
	assert_string_equal(cfg->environments[1].flux[0].namespace_, "flux-system");
	config_free(cfg);
}

/* ---- retention ---- */

static void test_retention_defaults(void **state)
{
	struct config *cfg = load_ok("");

	(void)state;
	assert_int_equal(cfg->retention.delivery_bodies_days, 30);
	assert_int_equal(cfg->retention.deliveries_days, 365);
	assert_int_equal(cfg->retention.events_days, 90);
	assert_int_equal(cfg->retention.notifications_days, 90);
	assert_int_equal(cfg->retention.audit_days, 730);
	assert_int_equal(cfg->retention.interval_seconds, 3600);
	assert_int_equal(cfg->retention.batch_size, 5000);
	config_free(cfg);
}

static void test_retention_is_read_from_the_file_and_zero_keeps_forever(void **state)
{
	struct config *cfg = load_ok("retention:\n"
				     "  delivery_bodies_days: 7\n"
				     "  deliveries_days: 0\n"
				     "  events_days: 30\n"
				     "  notifications_days: 14\n"
				     "  audit_days: 3650\n"
				     "  interval_seconds: 600\n"
				     "  batch_size: 1000\n");

	(void)state;
	assert_int_equal(cfg->retention.delivery_bodies_days, 7);
	assert_int_equal(cfg->retention.deliveries_days, 0);
	assert_int_equal(cfg->retention.events_days, 30);
	assert_int_equal(cfg->retention.notifications_days, 14);
	assert_int_equal(cfg->retention.audit_days, 3650);
	assert_int_equal(cfg->retention.interval_seconds, 600);
	assert_int_equal(cfg->retention.batch_size, 1000);
	config_free(cfg);

	/* a key left out keeps its default */
	cfg = load_ok("retention: {events_days: 0}\n");
	assert_int_equal(cfg->retention.events_days, 0);
	assert_int_equal(cfg->retention.delivery_bodies_days, 30);
	assert_int_equal(cfg->retention.deliveries_days, 365);
	config_free(cfg);
}

static void test_retention_env_overrides_win_over_file(void **state)
{
	struct config *cfg;

	(void)state;
	env_set("SHIPLOG_RETENTION_DELIVERY_BODIES_DAYS", "2");
	env_set("SHIPLOG_RETENTION_DELIVERIES_DAYS", "8");
	env_set("SHIPLOG_RETENTION_EVENTS_DAYS", "0");
	env_set("SHIPLOG_RETENTION_NOTIFICATIONS_DAYS", "3");
	env_set("SHIPLOG_RETENTION_AUDIT_DAYS", "0");
	env_set("SHIPLOG_RETENTION_INTERVAL_SECONDS", "1");
	env_set("SHIPLOG_RETENTION_BATCH_SIZE", "10");
	cfg = load_ok("retention: {delivery_bodies_days: 60, events_days: 45, interval_seconds: 900}\n");
	assert_int_equal(cfg->retention.delivery_bodies_days, 2);
	assert_int_equal(cfg->retention.deliveries_days, 8);
	assert_int_equal(cfg->retention.events_days, 0);
	assert_int_equal(cfg->retention.notifications_days, 3);
	assert_int_equal(cfg->retention.audit_days, 0);
	assert_int_equal(cfg->retention.interval_seconds, 1);
	assert_int_equal(cfg->retention.batch_size, 10);
	config_free(cfg);
}

static void test_bad_retention_values_name_the_field(void **state)
{
	(void)state;
	/* whole delivery rows stay at least a week: they make redeliveries duplicates */
	expect_error("retention:\n  deliveries_days: 3\n",
		     "test.yaml:2:20: retention.deliveries_days: expected 0 (keep forever) or a "
		     "number of days between 7 and 36500, got \"3\"",
		     NULL);
	expect_error("retention: {delivery_bodies_days: -1}\n",
		     "retention.delivery_bodies_days: expected 0 (keep forever)", NULL);
	expect_error("retention: {events_days: 30d}\n", "retention.events_days: expected 0", NULL);
	expect_error("retention: {notifications_days: 36501}\n",
		     "retention.notifications_days: expected 0 (keep forever) or a number of days "
		     "between 1 and 36500",
		     NULL);
	expect_error("retention: {audit_days: 2y}\n",
		     "retention.audit_days: expected 0 (keep forever) or a number of days", NULL);
	expect_error("retention: {interval_seconds: 0}\n",
		     "retention.interval_seconds: expected an integer between 1 and 604800", NULL);
	expect_error("retention: {batch_size: 0}\n",
		     "retention.batch_size: expected an integer between 1 and 100000", NULL);
	expect_error("retention: {bodies_days: 30}\n", "unknown key \"bodies_days\"",
		     "delivery_bodies_days", NULL);
	expect_error("retention: [30]\n", "retention: expected a mapping", NULL);
	expect_env_error("SHIPLOG_RETENTION_DELIVERIES_DAYS", "6", "between 7 and 36500");
	expect_env_error("SHIPLOG_RETENTION_INTERVAL_SECONDS", "soon",
			 "expected an integer between 1 and 604800");
	expect_env_error("SHIPLOG_RETENTION_EVENTS_DAYS", "1e3", "expected 0 (keep forever)");
}

/* ---- notifications ---- */

static void test_notifications_defaults(void **state)
{
	struct config *cfg = load_ok("");

	(void)state;
	assert_int_equal(cfg->notifications.n_sinks, 0);
	assert_int_equal(cfg->notifications.max_attempts, 8);
	assert_true(cfg->notifications.base_backoff_seconds == 5.0);
	assert_int_equal(cfg->notifications.timeout_seconds, 10);
	assert_false(cfg->notifications.github.configured);
	assert_null(cfg->notifications.github.token);
	assert_string_equal(cfg->notifications.github.api_url, "https://api.github.com");
	assert_string_equal(cfg->notifications.github.context, "shiplog/readiness");
	config_free(cfg);
}

static void test_notifications_read_secrets_from_the_environment(void **state)
{
	struct config *cfg;
	const struct config_notify_sink *s;

	(void)state;
	env_set("CHAT_URL", "https://hooks.slack.com/services/T0/B0/xyz");
	env_set("BOT_URL", "http://bot.internal:8080/hook");
	env_set("BOT_SECRET", "s3cret");
	env_set("GH_TOKEN", "ghp_token");
	cfg = load_ok("notifications:\n"
		      "  sinks:\n"
		      "    - {name: chat, type: slack, url_env: CHAT_URL, events: [rc.cut, main.broken]}\n"
		      "    - name: bot\n"
		      "      type: webhook\n"
		      "      url_env: BOT_URL\n"
		      "      secret_env: BOT_SECRET\n"
		      "      events: [rc.ready, rc.blocked, rc.released, main.fixed,\n"
		      "               deployment.failed, feedback.new]\n"
		      "  github_status:\n"
		      "    token_env: GH_TOKEN\n"
		      "    api_url: https://github.example.com/api/v3/\n"
		      "    context: ci/shiplog\n"
		      "  max_attempts: 3\n"
		      "  base_backoff_seconds: 0.25\n"
		      "  timeout_seconds: 4\n");
	assert_int_equal(cfg->notifications.n_sinks, 2);
	s = &cfg->notifications.sinks[0];
	assert_string_equal(s->name, "chat");
	assert_string_equal(s->type, "slack");
	assert_string_equal(s->url, "https://hooks.slack.com/services/T0/B0/xyz");
	assert_string_equal(s->url_env, "CHAT_URL");
	assert_null(s->secret);
	assert_int_equal(s->n_events, 2);
	assert_string_equal(s->events[1], "main.broken");
	s = &cfg->notifications.sinks[1];
	assert_string_equal(s->type, "webhook");
	assert_string_equal(s->url, "http://bot.internal:8080/hook");
	assert_string_equal(s->secret, "s3cret");
	assert_int_equal(s->n_events, 6);
	assert_true(cfg->notifications.github.configured);
	assert_string_equal(cfg->notifications.github.token, "ghp_token");
	/* a trailing slash is dropped: paths are appended */
	assert_string_equal(cfg->notifications.github.api_url, "https://github.example.com/api/v3");
	assert_string_equal(cfg->notifications.github.context, "ci/shiplog");
	assert_int_equal(cfg->notifications.max_attempts, 3);
	assert_true(cfg->notifications.base_backoff_seconds == 0.25);
	assert_int_equal(cfg->notifications.timeout_seconds, 4);
	assert_int_equal(cfg->n_warnings, 0);
	config_free(cfg);
}

static void test_notification_env_overrides_win_over_file(void **state)
{
	struct config *cfg;

	(void)state;
	env_set("SHIPLOG_NOTIFY_MAX_ATTEMPTS", "2");
	env_set("SHIPLOG_NOTIFY_BASE_BACKOFF_SECONDS", "0.05");
	env_set("SHIPLOG_NOTIFY_TIMEOUT_SECONDS", "1");
	cfg = load_ok("notifications: {max_attempts: 10, base_backoff_seconds: 30, "
		      "timeout_seconds: 20}\n");
	assert_int_equal(cfg->notifications.max_attempts, 2);
	assert_true(cfg->notifications.base_backoff_seconds == 0.05);
	assert_int_equal(cfg->notifications.timeout_seconds, 1);
	config_free(cfg);
}

static void test_unset_notification_secrets_warn_when_checking(void **state)
{
	static const char text[] =
		"notifications:\n"
		"  sinks: [{name: chat, type: slack, url_env: NOT_SET_URL, events: [rc.cut]}]\n"
		"  github_status: {token_env: NOT_SET_TOKEN}\n";
	struct config_error err = { { 0 } };
	struct config *cfg;

	(void)state;
	cfg = config_load_string_flags("test.yaml", text, strlen(text), fake_getenv,
				       CONFIG_UNSET_ENV_WARNS, &err);
	if (!cfg)
		fail_msg("unexpected error: %s", err.message);
	assert_null(cfg->notifications.sinks[0].url);
	assert_string_equal(cfg->notifications.sinks[0].url_env, "NOT_SET_URL");
	assert_true(cfg->notifications.github.configured);
	assert_null(cfg->notifications.github.token);
	assert_int_equal(cfg->n_warnings, 2);
	assert_non_null(strstr(cfg->warnings[0], "notifications.sinks[0].url_env: environment "
						 "variable NOT_SET_URL is not set"));
	assert_non_null(strstr(cfg->warnings[1], "NOT_SET_TOKEN is not set"));
	config_free(cfg);
}

static void test_bad_notifications_name_the_field(void **state)
{
	(void)state;
	env_set("URL", "https://example.com/hook");
	env_set("NOT_A_URL", "ftp://example.com/hook");
	/* set, so that each error below is the one about the field (unset is one too) */
	env_set("S", "secret");
	env_set("T", "token");
	expect_error("notifications:\n  sinks:\n"
		     "    - {name: a, type: slack, url_env: URL, events: [rc.cut, rc.exploded]}\n",
		     "test.yaml:3:61: notifications.sinks[0].events[1]: expected one of rc.cut, "
		     "rc.ready, rc.blocked, rc.released, rc.overridden, main.broken, main.fixed, "
		     "deployment.failed, feedback.new, feedback.requested, got \"rc.exploded\"",
		     NULL);
	expect_error("notifications: {sinks: [{name: a, type: teams, url_env: URL, events: [rc.cut]}]}\n",
		     "notifications.sinks[0].type: expected slack or webhook, got \"teams\"", NULL);
	expect_error("notifications: {sinks: [{name: a, type: slack, url_env: URL, events: []}]}\n",
		     "notifications.sinks[0]: expected at least one event", NULL);
	expect_error("notifications: {sinks: [{name: a, type: slack, url_env: URL}]}\n",
		     "missing required key \"events\"", NULL);
	expect_error("notifications: {sinks: [{name: a, type: slack, events: [rc.cut]}]}\n",
		     "missing required key \"url_env\"", NULL);
	expect_error("notifications: {sinks: [{name: a, type: slack, url_env: URL, "
		     "secret_env: S, events: [rc.cut]}]}\n",
		     "notifications.sinks[0].secret_env: only a webhook sink is signed", NULL);
	expect_error("notifications:\n  sinks:\n"
		     "    - {name: a, type: slack, url_env: URL, events: [rc.cut]}\n"
		     "    - {name: A, type: webhook, url_env: URL, events: [rc.cut]}\n",
		     "notifications.sinks[1].name: \"A\" is listed twice", NULL);
	expect_error("notifications: {sinks: [{name: github_status, type: webhook, url_env: URL, "
		     "events: [rc.cut]}]}\n",
		     "\"github_status\" is reserved", NULL);
	expect_error("notifications: {sinks: [{name: a, type: webhook, url_env: NOT_A_URL, "
		     "events: [rc.cut]}]}\n",
		     "notifications.sinks[0].url_env: environment variable NOT_A_URL: expected an "
		     "http:// or https:// URL",
		     NULL);
	expect_error("notifications: {sinks: [{name: a, type: webhook, url_env: \"https://x\", "
		     "events: [rc.cut]}]}\n",
		     "expected the name of an environment variable", NULL);
	expect_error("notifications: {base_backoff_seconds: fast}\n",
		     "notifications.base_backoff_seconds: expected a number of seconds between 0.01 "
		     "and 3600",
		     NULL);
	expect_error("notifications: {base_backoff_seconds: 0}\n", "between 0.01 and 3600", NULL);
	expect_error("notifications: {base_backoff_seconds: 1e3}\n", "between 0.01 and 3600", NULL);
	expect_error("notifications: {base_backoff_seconds: -1}\n", "between 0.01 and 3600", NULL);
	expect_error("notifications: {max_attempts: 0}\n",
		     "notifications.max_attempts: expected an integer between 1 and 100", NULL);
	expect_error("notifications: {timeout_seconds: 301}\n",
		     "notifications.timeout_seconds: expected an integer between 1 and 300", NULL);
	expect_error("notifications: {github_status: {api_url: \"https://x\"}}\n",
		     "notifications.github_status: missing required key \"token_env\"", NULL);
	expect_error("notifications: {github_status: {token_env: T, api_url: \"api.github.com\"}}\n",
		     "notifications.github_status.api_url: expected an http:// or https:// URL",
		     NULL);
	expect_error("notifications: {slack: {}}\n", "unknown key \"slack\"", "sinks, github_status",
		     NULL);
	expect_env_error("SHIPLOG_NOTIFY_BASE_BACKOFF_SECONDS", "0.001", "between 0.01 and 3600");
	expect_env_error("SHIPLOG_NOTIFY_MAX_ATTEMPTS", "many", "between 1 and 100");
}

/* The example file's commented notifications block, uncommented, is valid. */
static void test_example_notifications_block_loads(void **state)
{
	struct config_error err = { { 0 } };
	char *text, *start, *out, *o;
	struct config *cfg;
	FILE *f;
	long size;

	(void)state;
	f = fopen(SHIPLOG_SOURCE_DIR "/deploy/shiplog.example.yaml", "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = calloc(1, (size_t)size + 1);
	out = calloc(1, (size_t)size + 1);
	assert_non_null(text);
	assert_non_null(out);
	assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	start = strstr(text, "\n# notifications:\n");
	assert_non_null(start);
	o = out;
	for (char *line = start + 1; *line == '#';) {
		char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		size_t skip = len >= 2 && line[1] == ' ' ? 2 : 1;

		memcpy(o, line + skip, len - skip);
		o += len - skip;
		*o++ = '\n';
		if (!end)
			break;
		line = end + 1;
	}
	env_set("SLACK_RELEASES_WEBHOOK", "https://hooks.slack.com/services/A/B/C");
	env_set("SLACK_ENG_WEBHOOK", "https://hooks.slack.com/services/D/E/F");
	env_set("RELEASE_BOT_URL", "https://bot.example.com/shiplog");
	env_set("RELEASE_BOT_SECRET", "bot-secret");
	env_set("SHIPLOG_GITHUB_TOKEN", "ghp_x");
	cfg = config_load_string("example-notifications", out, strlen(out), fake_getenv, &err);
	if (!cfg)
		fail_msg("the example's notifications block: %s\n%s", err.message, out);
	assert_int_equal(cfg->notifications.n_sinks, 3);
	assert_string_equal(cfg->notifications.sinks[2].secret, "bot-secret");
	assert_int_equal(cfg->notifications.sinks[2].n_events, 8);
	assert_string_equal(cfg->notifications.github.token, "ghp_x");
	assert_int_equal(cfg->notifications.max_attempts, 8);
	assert_int_equal(cfg->n_warnings, 0);
	config_free(cfg);
	free(text);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults_without_file, reset_env),
		cmocka_unit_test_setup(test_empty_file_gives_defaults, reset_env),
		cmocka_unit_test_setup(test_example_file_loads, reset_env),
		cmocka_unit_test_setup(test_kubernetes_copy_trusts_only_the_sidecar, reset_env),
		cmocka_unit_test_setup(test_missing_file_names_path, reset_env),
		cmocka_unit_test_setup(test_file_values_and_db_connections_follow_threads,
				       reset_env),
		cmocka_unit_test_setup(test_env_overrides_win_over_file, reset_env),
		cmocka_unit_test_setup(test_webhook_processing_modes, reset_env),
		cmocka_unit_test_setup(test_bad_env_values_name_the_variable, reset_env),
		cmocka_unit_test_setup(test_bad_database_url_is_not_echoed, reset_env),
		cmocka_unit_test_setup(test_listen_parsing, reset_env),
		cmocka_unit_test_setup(test_ipv6_base_url_is_bracketed, reset_env),
		cmocka_unit_test_setup(test_secret_read_from_named_env_var, reset_env),
		cmocka_unit_test_setup(test_secret_env_errors, reset_env),
		cmocka_unit_test_setup(test_unset_secret_variable_is_an_error, reset_env),
		cmocka_unit_test_setup(test_unset_secret_variable_warns_when_checking, reset_env),
		cmocka_unit_test_setup(test_trusting_every_address_is_refused, reset_env),
		cmocka_unit_test_setup(test_trusted_ranges_warn_single_addresses_do_not, reset_env),
		cmocka_unit_test_setup(test_sso_header_without_trusted_proxies_warns, reset_env),
		cmocka_unit_test_setup(test_yaml_syntax_error_has_position, reset_env),
		cmocka_unit_test_setup(test_unknown_key_names_key_and_position, reset_env),
		cmocka_unit_test_setup(test_wrong_type_or_range_names_field, reset_env),
		cmocka_unit_test_setup(test_bad_enums_are_refused, reset_env),
		cmocka_unit_test_setup(test_structure_checks, reset_env),
		cmocka_unit_test_setup(test_cadence, reset_env),
		cmocka_unit_test_setup(test_gates_default_to_every_gate_on, reset_env),
		cmocka_unit_test_setup(test_gates_are_read_from_releases_gates, reset_env),
		cmocka_unit_test_setup(test_bad_gates_name_the_field, reset_env),
		cmocka_unit_test_setup(test_aliases_cannot_blow_up, reset_env),
		cmocka_unit_test_setup(test_job_classification, reset_env),
		cmocka_unit_test_setup(test_job_heuristics_when_nothing_matches, reset_env),
		cmocka_unit_test_setup(test_workflow_classification, reset_env),
		cmocka_unit_test_setup(test_team_matching, reset_env),
		cmocka_unit_test_setup(test_find_repository_ignores_case, reset_env),
		cmocka_unit_test_setup(test_names_round_trip, reset_env),
		cmocka_unit_test_setup(test_environment_defaults, reset_env),
		cmocka_unit_test_setup(test_retention_defaults, reset_env),
		cmocka_unit_test_setup(test_retention_is_read_from_the_file_and_zero_keeps_forever,
				       reset_env),
		cmocka_unit_test_setup(test_retention_env_overrides_win_over_file, reset_env),
		cmocka_unit_test_setup(test_bad_retention_values_name_the_field, reset_env),
		cmocka_unit_test_setup(test_notifications_defaults, reset_env),
		cmocka_unit_test_setup(test_notifications_read_secrets_from_the_environment,
				       reset_env),
		cmocka_unit_test_setup(test_notification_env_overrides_win_over_file, reset_env),
		cmocka_unit_test_setup(test_unset_notification_secrets_warn_when_checking, reset_env),
		cmocka_unit_test_setup(test_bad_notifications_name_the_field, reset_env),
		cmocka_unit_test_setup(test_example_notifications_block_loads, reset_env),
		cmocka_unit_test_setup(test_roles_load, reset_env),
		cmocka_unit_test_setup(test_bad_roles_name_the_field, reset_env),
		cmocka_unit_test_setup(test_example_roles_block_loads, reset_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
