/*
 * test_db_failure.c — the one mapping of database errors: which SQLSTATE is
 * "try again later", a conflict, a refused value or a bug, and the columns
 * read from PostgreSQL's "Key (…)=(…)" detail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "shiplog/db.h"

static void states_map_to_their_kind(void **state)
{
	(void)state;
	static const struct {
		const char *sqlstate;
		bool lost;
		enum db_failure_kind kind;
	} cases[] = {
		/* try again later */
		{NULL, false, DB_FAILURE_UNAVAILABLE},  /* libpq's own failure */
		{"", false, DB_FAILURE_UNAVAILABLE},
		{"42P01", true, DB_FAILURE_UNAVAILABLE}, /* the connection is gone */
		{"08006", false, DB_FAILURE_UNAVAILABLE}, /* connection failure */
		{"08001", false, DB_FAILURE_UNAVAILABLE},
		{"53300", false, DB_FAILURE_UNAVAILABLE}, /* too many connections */
		{"53100", false, DB_FAILURE_UNAVAILABLE}, /* disk full */
		{"57P01", false, DB_FAILURE_UNAVAILABLE}, /* admin shutdown */
		{"57P03", false, DB_FAILURE_UNAVAILABLE}, /* cannot connect now */
		{"57014", false, DB_FAILURE_UNAVAILABLE}, /* statement timeout */
		{"55P03", false, DB_FAILURE_UNAVAILABLE}, /* lock not available */
		{"25006", false, DB_FAILURE_UNAVAILABLE}, /* read-only: a standby */
		{"40001", false, DB_FAILURE_UNAVAILABLE}, /* serialization, retries spent */
		{"40P01", false, DB_FAILURE_UNAVAILABLE}, /* deadlock, retries spent */
		{"58030", false, DB_FAILURE_UNAVAILABLE}, /* I/O error */
		/* a conflict with what is stored */
		{"23505", false, DB_FAILURE_CONFLICT},
		{"23P01", false, DB_FAILURE_CONFLICT},
		{"23503", false, DB_FAILURE_CONFLICT},
		/* a value the table refuses */
		{"23502", false, DB_FAILURE_INVALID},
		{"23514", false, DB_FAILURE_INVALID},
		/* shiplog's own mistakes */
		{"42P01", false, DB_FAILURE_BUG}, /* undefined table */
		{"42703", false, DB_FAILURE_BUG}, /* undefined column */
		{"42601", false, DB_FAILURE_BUG}, /* syntax error */
		{"22P02", false, DB_FAILURE_BUG}, /* invalid text representation */
		{"23000", false, DB_FAILURE_BUG}, /* integrity, unspecified */
		{"57000", false, DB_FAILURE_BUG}, /* operator intervention, other */
		{"XX000", false, DB_FAILURE_BUG},
		{"0800", false, DB_FAILURE_BUG},   /* not a SQLSTATE */
		{"080061", false, DB_FAILURE_BUG},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum db_failure_kind got = db_failure_classify(cases[i].sqlstate, cases[i].lost);
		if (got != cases[i].kind)
			fail_msg("%s (lost %d): kind %d, want %d",
				 cases[i].sqlstate ? cases[i].sqlstate : "NULL", cases[i].lost, got,
				 cases[i].kind);
	}
}

static void key_columns_are_read_from_the_detail(void **state)
{
	(void)state;
	char out[64];
	assert_true(db_failure_key_columns("Key (name)=(staging) already exists.", out, sizeof out));
	assert_string_equal(out, "name");
	assert_true(db_failure_key_columns("Key (repo_id, name)=(1, v1) already exists.", out,
					   sizeof out));
	assert_string_equal(out, "repo_id, name");
	assert_true(db_failure_key_columns(
		"Key (rc_id)=(42) is not present in table \"release_candidates\".", out, sizeof out));
	assert_string_equal(out, "rc_id");
	/* not that form */
	assert_false(db_failure_key_columns(NULL, out, sizeof out));
	assert_string_equal(out, "");
	assert_false(db_failure_key_columns("Failing row contains (1, x).", out, sizeof out));
	assert_false(db_failure_key_columns("Key ()=(1) already exists.", out, sizeof out));
	assert_false(db_failure_key_columns("Key (name already exists.", out, sizeof out));
	/* too long for the buffer: nothing rather than a cut name */
	char small[4];
	assert_false(db_failure_key_columns("Key (name)=(x) already exists.", small, sizeof small));
	assert_string_equal(small, "");
}

static void nothing_is_recorded_after_a_clear(void **state)
{
	(void)state;
	db_failure_clear();
	assert_int_equal(db_failure_last()->kind, DB_FAILURE_NONE);
	assert_string_equal(db_failure_last()->statement, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(states_map_to_their_kind),
		cmocka_unit_test(key_columns_are_read_from_the_detail),
		cmocka_unit_test(nothing_is_recorded_after_a_clear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
