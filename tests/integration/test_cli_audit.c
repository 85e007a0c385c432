/*
 * test_cli_audit.c — `shiplog audit ls`, run as a real process against the
 * real server: the table, --json with before/after, the filters passed on,
 * a bad filter refused with the server's reason (exit 1), a non-admin token
 * refused (exit 1), and --help (exit 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_run.h"
#include "itest.h"

#ifndef SHIPLOG_CLI_PATH
#error "SHIPLOG_CLI_PATH must name the built shiplog CLI"
#endif

static struct itest_server server;
static char db_url[512];

#define CLI(o, token, ...)                                           \
	do {                                                         \
		const char *const cli_args_[] = {__VA_ARGS__, NULL}; \
		cli_exec((o), server.base, (token), NULL, cli_args_);  \
	} while (0)

static int group_setup(void **state)
{
	(void)state;
	cli_run_path = SHIPLOG_CLI_PATH;
	itest_db_create("cliaudit", db_url, sizeof db_url);
	itest_server_start(&server, db_url, NULL);
	struct itest_response r;
	itest_json(&server, "POST", "/api/v1/environments", ITEST_ADMIN_TOKEN,
		   "{\"name\":\"cli-a\",\"description\":\"one\"}", &r);
	assert_int_equal(r.status, 201);
	itest_response_free(&r);
	itest_json(&server, "PATCH", "/api/v1/environments/cli-a", ITEST_ADMIN_TOKEN,
		   "{\"description\":\"two\"}", &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	assert_int_equal(itest_server_stop(&server), 0);
	return 0;
}

static void audit_ls_lists_filters_and_refuses(void **state)
{
	(void)state;
	struct cli_out o;
	CLI(&o, ITEST_ADMIN_TOKEN, "audit", "ls");
	expect_code(&o, 0);
	expect_contains(o.out, "ACTION");
	expect_contains(o.out, "environment.created");
	expect_contains(o.out, "environment.changed");
	expect_contains(o.out, "environment cli-a");
	cli_out_free(&o);

	CLI(&o, ITEST_ADMIN_TOKEN, "audit", "ls", "--action", "environment.changed", "--json");
	expect_code(&o, 0);
	json_t *j = out_json(&o);
	json_t *items = json_object_get(j, "items");
	assert_int_equal(json_array_size(items), 1);
	json_t *row = json_array_get(items, 0);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(row, "before"), "description")),
			    "one");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(row, "after"), "description")),
			    "two");
	json_decref(j);
	cli_out_free(&o);

	CLI(&o, ITEST_ADMIN_TOKEN, "audit", "ls", "--target-type", "environment", "--target-id",
	    "nothing-here");
	expect_code(&o, 0);
	expect_contains(o.out, "No audit rows.");
	cli_out_free(&o);

	/* the server's reason, naming the filter */
	CLI(&o, ITEST_ADMIN_TOKEN, "audit", "ls", "--since", "yesterday");
	expect_code(&o, 1);
	expect_contains(o.err, "since");
	cli_out_free(&o);

	char *read = itest_token(&server, "read");
	CLI(&o, read, "audit", "ls");
	expect_code(&o, 1);
	expect_contains(o.err, "admin");
	cli_out_free(&o);
	free(read);

	CLI(&o, NULL, "audit", "ls", "--help");
	expect_code(&o, 0);
	expect_contains(o.out, "--target-type");
	cli_out_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(audit_ls_lists_filters_and_refuses),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
