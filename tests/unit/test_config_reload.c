/*
 * test_config_reload.c — what a reload (SIGHUP) does not apply: the changed
 * restart-only keys are named once each, reloadable keys never, and the
 * configuration swapped in keeps the running values of those keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <shiplog/config.h>
#include <shiplog/config_reload.h>

#include <string.h>

static char *no_env(const char *name)
{
	(void)name;
	return NULL;
}

static struct config *load(const char *text)
{
	struct config_error err;
	struct config *cfg = config_load_string("t.yaml", text, strlen(text), no_env, &err);
	if (!cfg)
		fail_msg("%s", err.message);
	return cfg;
}

static const char running_text[] =
	"server: {listen: \"127.0.0.1:8080\", threads: 4}\n"
	"database: {url: \"postgresql://db/a\"}\n"
	"teams:\n"
	"  - {name: rm, members: [rm@example.com]}\n"
	"roles:\n"
	"  - {team: rm, scopes: [release]}\n";

static void reloadable_keys_are_not_named(void **state)
{
	(void)state;
	struct config *a = load(running_text);
	struct config *b = load("server: {listen: \"127.0.0.1:8080\", threads: 4}\n"
				"database: {url: \"postgresql://db/a\"}\n"
				"teams:\n"
				"  - {name: rm, members: [other@example.com]}\n"
				"environments:\n"
				"  - {name: prod, tier: production}\n");
	const char *changed[8];
	assert_int_equal(config_restart_keys_changed(a, b, changed, 8), 0);
	config_free(a);
	config_free(b);
}

static void changed_restart_keys_are_named_once_and_kept(void **state)
{
	(void)state;
	struct config *a = load(running_text);
	struct config *b = load("server: {listen: \"0.0.0.0:9090\", threads: 8}\n"
				"database: {url: \"postgresql://db/b\"}\n"
				"webhooks: {processing: queued}\n");
	const char *changed[8];
	size_t n = config_restart_keys_changed(a, b, changed, 8);
	/* host and port (and the base URL derived from them) change: one name each */
	assert_int_equal(n, 6);
	assert_string_equal(changed[0], "server.listen");
	assert_string_equal(changed[1], "server.threads");
	assert_string_equal(changed[2], "server.db_connections");
	assert_string_equal(changed[3], "server.base_url");
	assert_string_equal(changed[4], "database.url");
	assert_string_equal(changed[5], "webhooks.processing");
	/* fewer slots than changes: the count is still right */
	assert_int_equal(config_restart_keys_changed(a, b, changed, 2), 6);

	config_keep_restart_keys(b, a);
	assert_int_equal(config_restart_keys_changed(a, b, changed, 8), 0);
	assert_string_equal(b->listen_host, "127.0.0.1");
	assert_int_equal(b->listen_port, 8080);
	assert_int_equal(b->threads, 4);
	assert_string_equal(b->database_url, "postgresql://db/a");
	assert_false(b->webhook_queued);
	/* and the reloadable part stays the new file's */
	assert_int_equal(b->n_roles, 0);
	assert_int_equal(b->n_teams, 0);
	config_free(a);
	config_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reloadable_keys_are_not_named),
		cmocka_unit_test(changed_restart_keys_are_named_once_and_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
