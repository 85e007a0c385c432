/*
 * test_db_errors.c — the one mapping of database errors to answers
 * (http_reply_db_failure): a statement that meets a unique key answers 409
 * naming the column, one that meets a not-null or check constraint 400
 * naming the column (or the constraint), and one that fails for a reason of
 * shiplog's own 500, logged with the function that ran it and the SQLSTATE
 * — none of them "database unavailable".  (The database really unavailable:
 * test_outage.c.)  The constraints are added to the test's own database
 * behind the server's back, as a schema drift or a bug would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

static char url[512];
static struct itest_server server;

static int setup(void **state)
{
	(void)state;
	itest_db_create("dberrors", url, sizeof url);
	itest_server_start(&server, url, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	itest_server_stop(&server);
	return 0;
}

static void post_token(const char *name, struct itest_response *r)
{
	char body[256];
	snprintf(body, sizeof body, "{\"name\":\"%s\",\"owner\":\"ops@example.com\",\"scopes\":[\"read\"]}",
		 name);
	itest_json(&server, "POST", "/api/v1/tokens", ITEST_ADMIN_TOKEN, body, r);
}

/* errors[0].pointer of a problem, or "" */
static const char *first_pointer(const struct itest_response *r)
{
	json_t *e = json_array_get(json_object_get(r->json, "errors"), 0);
	const char *p = json_string_value(json_object_get(e, "pointer"));
	return p ? p : "";
}

static void a_unique_key_is_a_conflict_naming_its_column(void **state)
{
	(void)state;
	free(itest_sql(url, "CREATE UNIQUE INDEX api_tokens_name_once ON api_tokens (name)"));
	struct itest_response r;
	post_token("deploy-bot", &r);
	assert_int_equal(r.status, 201);
	itest_response_free(&r);
	post_token("deploy-bot", &r);
	itest_assert_problem(&r, 409, "/conflict",
			     "could not store the token: another record already has this name");
	assert_false(itest_header(&r, "Retry-After", (char[8]){0}, 8));
	itest_response_free(&r);
	free(itest_sql(url, "DROP INDEX api_tokens_name_once"));
}

static void a_not_null_column_is_a_refused_value_naming_it(void **state)
{
	(void)state;
	free(itest_sql(url, "ALTER TABLE api_tokens ADD COLUMN team text"));
	free(itest_sql(url, "UPDATE api_tokens SET team = 'ops'"));
	free(itest_sql(url, "ALTER TABLE api_tokens ALTER COLUMN team SET NOT NULL"));
	struct itest_response r;
	post_token("release-bot", &r);
	itest_assert_problem(&r, 400, "/invalid-field",
			     "team: the database refuses this value (could not store the token)");
	assert_string_equal(first_pointer(&r), "/team");
	itest_response_free(&r);
	free(itest_sql(url, "ALTER TABLE api_tokens DROP COLUMN team"));
}

static void a_check_constraint_is_a_refused_value_naming_it(void **state)
{
	(void)state;
	free(itest_sql(url, "ALTER TABLE api_tokens ADD CONSTRAINT token_names_are_short "
			    "CHECK (length(name) <= 12) NOT VALID"));
	struct itest_response r;
	post_token("a-much-too-long-name", &r);
	itest_assert_problem(&r, 400, "/invalid-field",
			     "could not store the token: the database refuses this record "
			     "(constraint token_names_are_short)");
	/* a check names no column: the record, none made up */
	assert_string_equal(first_pointer(&r), "");
	itest_response_free(&r);
	free(itest_sql(url, "ALTER TABLE api_tokens DROP CONSTRAINT token_names_are_short"));
	post_token("a-much-too-long-name", &r);
	assert_int_equal(r.status, 201);
	itest_response_free(&r);
}

static void any_other_failure_is_internal_and_logged_with_its_statement(void **state)
{
	(void)state;
	free(itest_sql(url, "ALTER TABLE api_tokens RENAME COLUMN last_used_at TO last_seen"));
	struct itest_response r;
	itest_get(&server, "/api/v1/tokens", ITEST_ADMIN_TOKEN, &r);
	itest_assert_problem(&r, 500, "/internal", "could not list tokens");
	assert_false(itest_header(&r, "Retry-After", (char[8]){0}, 8));
	/* the database's own words (and the schema they name) stay in the log */
	assert_null(strstr(r.body, "last_used_at"));
	assert_null(strstr(r.body, "does not exist"));
	assert_null(strstr(r.body, "SELECT"));
	itest_response_free(&r);
	char *log = itest_read_file(server.log_path, NULL);
	assert_non_null(log);
	if (!strstr(log, "statement of db_tokens_page failed with SQLSTATE 42703"))
		fail_msg("the log does not name the statement:\n%s", log);
	free(log);
	free(itest_sql(url, "ALTER TABLE api_tokens RENAME COLUMN last_seen TO last_used_at"));
	itest_get(&server, "/api/v1/tokens", ITEST_ADMIN_TOKEN, &r);
	assert_int_equal(r.status, 200);
	itest_response_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_unique_key_is_a_conflict_naming_its_column),
		cmocka_unit_test(a_not_null_column_is_a_refused_value_naming_it),
		cmocka_unit_test(a_check_constraint_is_a_refused_value_naming_it),
		cmocka_unit_test(any_other_failure_is_internal_and_logged_with_its_statement),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
