/*
 * test_reload.c — SIGHUP reloads the configuration: a role removed from the
 * file stops granting release at once, to an open session too; a broken file
 * (bad YAML, a role granting ci) keeps the running configuration and the log
 * names FILE:LINE:COLUMN; a changed key that needs a restart is named in the
 * log and not applied; requests running during the reloads are answered.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

#define REPO "itest/reload"
#define C1   "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"

static struct itest_server server;
static char db_url[512];
static char config_path[256];

#define HEAD                                        \
	"auth:\n"                                   \
	"  sso_header: X-Forwarded-Email\n"         \
	"  trusted_proxies: [\"127.0.0.1\"]\n"      \
	"repositories:\n"                           \
	"  - name: " REPO "\n"                      \
	"teams:\n"                                  \
	"  - {name: release-managers, members: [rm@example.com]}\n"

static const char with_role[] = HEAD "roles:\n"
				     "  - {team: release-managers, scopes: [read, feedback, release]}\n";
static const char without_role[] = HEAD;
/* would give the role back if it applied; line 10 column 39 is "ci" */
static const char role_granting_ci[] = HEAD "roles:\n"
					    "  - {team: release-managers, scopes: [read, feedback, release]}\n"
					    "  - {team: release-managers, scopes: [ci]}\n";
static const char bad_yaml[] = HEAD "roles:\n"
				    "  - {team: release-managers, scopes: [read, feedback, release]\n";
static const char missing_secret[] = HEAD "roles:\n"
					  "  - {team: release-managers, scopes: [release]}\n"
					  "webhooks:\n"
					  "  github_secret_env: SHIPLOG_RELOAD_TEST_UNSET\n";
static const char restart_keys[] = HEAD "server:\n"
					"  connection_timeout: 7\n"
					"webhooks:\n"
					"  processing: queued\n"
					"environments:\n"
					"  - {name: reloaded-staging, tier: staging}\n";

static void write_config(const char *text)
{
	char tmp[300];
	snprintf(tmp, sizeof tmp, "%s.tmp", config_path);
	FILE *f = fopen(tmp, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, config_path), 0);
}

static size_t count_in_log(const char *needle)
{
	size_t len, n = 0;
	char *log = itest_read_file(server.log_path, &len);
	for (const char *p = log ? log : ""; (p = strstr(p, needle)) != NULL; p++)
		n++;
	free(log);
	return n;
}

/* Sends SIGHUP and waits (bounded) until the server has logged one more
 * outcome of a reload: "configuration reloaded" or "not reloaded". */
static void sighup_and_wait(void)
{
	size_t before = count_in_log("configuration reloaded") +
			count_in_log("configuration not reloaded");
	assert_int_equal(kill(server.pid, SIGHUP), 0);
	for (int i = 0; i < 2000; i++) {
		if (count_in_log("configuration reloaded") +
			    count_in_log("configuration not reloaded") >
		    before)
			return;
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	fail_msg("the server logged no reload outcome after SIGHUP (log %s)", server.log_path);
}

/* A browser behind the SSO proxy: the cookie it got at sign-in. */
struct browser {
	char cookie[1400];
	char csrf[256];
	char email[200];
};

static void sign_in(struct browser *b, const char *email)
{
	struct itest_response r;
	snprintf(b->email, sizeof b->email, "X-Forwarded-Email: %s", email);
	const char *h[] = {b->email, NULL};
	itest_http(&server, "GET", "/api/v1/session", h, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	char set_cookie[1200];
	assert_true(itest_header(&r, "Set-Cookie", set_cookie, sizeof set_cookie));
	*strchr(set_cookie, ';') = '\0';
	snprintf(b->cookie, sizeof b->cookie, "Cookie: %s", set_cookie);
	snprintf(b->csrf, sizeof b->csrf, "X-CSRF-Token: %s",
		 json_string_value(json_object_get(r.json, "csrf_token")));
	itest_response_free(&r);
}

/* Whether the browser's open session has `scope` now. */
static bool session_has(const struct browser *b, const char *scope)
{
	struct itest_response r;
	const char *h[] = {b->cookie, b->email, NULL};
	itest_http(&server, "GET", "/api/v1/session", h, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	json_t *sources = json_object_get(r.json, "scope_sources");
	bool has = json_object_get(sources, scope) != NULL;
	itest_response_free(&r);
	return has;
}

static long patch_state(const struct browser *b, long rc, const char *state)
{
	char path[96], body[96];
	snprintf(path, sizeof path, "/api/v1/release-candidates/%ld", rc);
	snprintf(body, sizeof body, "{\"state\":\"%s\",\"reason\":\"QA\"}", state);
	const char *h[] = {b->cookie, b->csrf, b->email, "Content-Type: application/json", NULL};
	struct itest_response r;
	itest_http(&server, "PATCH", path, h, body, strlen(body), &r);
	long status = r.status;
	if (status == 403)
		itest_assert_problem(&r, 403, "/forbidden", "this needs the ci or release scope");
	itest_response_free(&r);
	return status;
}

static int group_setup(void **state)
{
	(void)state;
	itest_db_create("reload", db_url, sizeof db_url);
	char cfg_env[300];
	itest_config_file("reload", with_role, config_path, sizeof config_path, cfg_env,
			  sizeof cfg_env);
	const char *env[] = {cfg_env, "SHIPLOG_NOW=2026-05-06T09:00:00Z", NULL};
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

/* Requests that run while the configuration is swapped (under ASan: a freed
 * configuration read by a request would stop the server). */
static atomic_bool hammering;
static atomic_int hammer_failures;

static void *hammer(void *arg)
{
	const struct browser *b = arg;
	while (atomic_load(&hammering)) {
		struct itest_response r;
		const char *h[] = {b->cookie, b->email, NULL};
		itest_http(&server, "GET", "/api/v1/session", h, NULL, 0, &r);
		if (r.status != 200)
			atomic_fetch_add(&hammer_failures, 1);
		itest_response_free(&r);
	}
	return NULL;
}

static void a_removed_role_stops_granting_release_to_an_open_session(void **state)
{
	(void)state;
	struct browser rm;
	sign_in(&rm, "rm@example.com");
	assert_true(session_has(&rm, "release"));

	struct itest_response r;
	itest_json(&server, "POST", "/api/v1/release-candidates", ITEST_ADMIN_TOKEN,
		   "{\"version\":\"v1.0.0-rc.1\",\"repository\":\"" REPO "\",\"commit\":\"" C1 "\"}",
		   &r);
	assert_int_equal(r.status, 201);
	long rc = (long)itest_int(r.json, "id");
	itest_response_free(&r);

	pthread_t t;
	atomic_store(&hammering, true);
	assert_int_equal(pthread_create(&t, NULL, hammer, &rm), 0);

	write_config(without_role);
	sighup_and_wait();
	assert_int_equal(count_in_log("configuration reloaded from"), 1);
	/* nothing needing a restart changed (the base URL derived from the
	 * listen address names the bound port in both) */
	assert_int_equal(count_in_log("not applied until a restart"), 0);
	/* the same cookie, the same person: release is gone at once */
	assert_false(session_has(&rm, "release"));
	assert_true(session_has(&rm, "feedback"));
	assert_int_equal(patch_state(&rm, rc, "testing"), 403);

	/* a role granting ci: refused, the running configuration stays */
	write_config(role_granting_ci);
	sighup_and_wait();
	assert_int_equal(count_in_log("configuration not reloaded"), 1);
	char where[400];
	snprintf(where, sizeof where, "%s:10:39: roles[1].scopes[0]", config_path);
	assert_int_equal(count_in_log(where), 1);
	assert_false(session_has(&rm, "release"));
	assert_int_equal(patch_state(&rm, rc, "testing"), 403);

	/* bad YAML: refused the same way */
	write_config(bad_yaml);
	sighup_and_wait();
	assert_int_equal(count_in_log("configuration not reloaded"), 2);
	snprintf(where, sizeof where, "configuration not reloaded, the running one stays: %s:",
		 config_path);
	assert_int_equal(count_in_log(where), 2);
	assert_false(session_has(&rm, "release"));

	/* a secret's variable unset: refused as start-up would refuse it */
	write_config(missing_secret);
	sighup_and_wait();
	assert_int_equal(count_in_log("configuration not reloaded"), 3);
	snprintf(where, sizeof where, "%s:11:", config_path);
	assert_int_equal(count_in_log(where), 1);
	assert_int_equal(count_in_log("SHIPLOG_RELOAD_TEST_UNSET"), 1);
	assert_false(session_has(&rm, "release"));

	atomic_store(&hammering, false);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(atomic_load(&hammer_failures), 0);

	/* the role back: it applies again */
	write_config(with_role);
	sighup_and_wait();
	assert_true(session_has(&rm, "release"));
	assert_int_equal(patch_state(&rm, rc, "testing"), 200);
}

static void keys_needing_a_restart_are_named_and_not_applied(void **state)
{
	(void)state;
	write_config(restart_keys);
	sighup_and_wait();
	assert_int_equal(count_in_log("server.connection_timeout changed but is not applied"), 1);
	assert_int_equal(count_in_log("webhooks.processing changed but is not applied"), 1);
	/* only those two */
	assert_int_equal(count_in_log("not applied until a restart"), 2);
	/* the server answers where it listened */
	struct itest_response r;
	itest_http(&server, "GET", "/healthz", NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	/* the reloadable part of the same file applied: its environment is
	 * declared */
	itest_get(&server, "/api/v1/environments/reloaded-staging", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_removed_role_stops_granting_release_to_an_open_session),
		cmocka_unit_test(keys_needing_a_restart_are_named_and_not_applied),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
