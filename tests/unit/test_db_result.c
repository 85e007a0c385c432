/*
 * test_db_result.c — the typed cell getters (db/result.h) on a result built
 * in memory with libpq's PQmakeEmptyPGresult/PQsetvalue (no database).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "db/result.h"

/* One row: "9007199254740993", "t", "f", NULL, "text", "-42". */
static PGresult *one_row(void)
{
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	assert_non_null(res);
	PGresAttDesc attrs[6];
	memset(attrs, 0, sizeof attrs);
	static char names[6][8] = {"big", "yes", "no", "nothing", "text", "neg"};
	for (int i = 0; i < 6; i++) {
		attrs[i].name = names[i];
		attrs[i].format = 0;
		attrs[i].typlen = -1;
		attrs[i].atttypmod = -1;
	}
	assert_true(PQsetResultAttrs(res, 6, attrs));
	static char big[] = "9007199254740993", t[] = "t", f[] = "f", text[] = "text",
		    neg[] = "-42";
	assert_true(PQsetvalue(res, 0, 0, big, (int)strlen(big)));
	assert_true(PQsetvalue(res, 0, 1, t, 1));
	assert_true(PQsetvalue(res, 0, 2, f, 1));
	assert_true(PQsetvalue(res, 0, 3, NULL, -1));
	assert_true(PQsetvalue(res, 0, 4, text, (int)strlen(text)));
	assert_true(PQsetvalue(res, 0, 5, neg, (int)strlen(neg)));
	return res;
}

static void integers_read_all_64_bits_and_null_as_zero(void **state)
{
	(void)state;
	PGresult *res = one_row();
	assert_int_equal(db_get_i64(res, 0, 0), 9007199254740993LL);
	assert_int_equal(db_get_i64(res, 0, 5), -42);
	assert_int_equal(db_get_i64(res, 0, 3), 0);
	PQclear(res);
}

static void booleans_are_true_only_for_t(void **state)
{
	(void)state;
	PGresult *res = one_row();
	assert_true(db_get_bool(res, 0, 1));
	assert_false(db_get_bool(res, 0, 2));
	assert_false(db_get_bool(res, 0, 3));
	PQclear(res);
}

static void text_and_json_tell_null_from_empty(void **state)
{
	(void)state;
	PGresult *res = one_row();
	assert_null(db_get_text_or_null(res, 0, 3));
	assert_string_equal(db_get_text_or_null(res, 0, 4), "text");
	json_t *j = db_get_json_text(res, 0, 4);
	assert_string_equal(json_string_value(j), "text");
	json_decref(j);
	assert_true(json_is_null(db_get_json_text(res, 0, 3)));
	j = db_get_json_int(res, 0, 0);
	assert_int_equal(json_integer_value(j), 9007199254740993LL);
	json_decref(j);
	assert_true(json_is_null(db_get_json_int(res, 0, 3)));
	PQclear(res);
}

static void json_cells_parse_and_null_or_garbage_is_null(void **state)
{
	(void)state;
	PGresult *res = one_row();
	json_t *j = db_get_json(res, 0, 5); /* "-42": any JSON value, not only objects */
	assert_non_null(j);
	assert_true(json_is_integer(j));
	assert_int_equal(json_integer_value(j), -42);
	json_decref(j);
	assert_null(db_get_json(res, 0, 3)); /* SQL NULL */
	assert_null(db_get_json(res, 0, 4)); /* "text" is no JSON */
	PQclear(res);
}

static void json_cells_parse_and_null_or_garbage_is_json_null(void **state)
{
	(void)state;
	PGresult *res = one_row();
	json_t *v = db_get_json_or_null(res, 0, 5); /* "-42": any JSON value, not only objects */
	assert_true(json_is_integer(v));
	assert_int_equal(json_integer_value(v), -42);
	json_decref(v);
	v = db_get_json_or_null(res, 0, 3); /* NULL */
	assert_true(json_is_null(v));
	v = db_get_json_or_null(res, 0, 4); /* "text" is no JSON */
	assert_true(json_is_null(v));
	PQclear(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(integers_read_all_64_bits_and_null_as_zero),
		cmocka_unit_test(booleans_are_true_only_for_t),
		cmocka_unit_test(text_and_json_tell_null_from_empty),
		cmocka_unit_test(json_cells_parse_and_null_or_garbage_is_null),
		cmocka_unit_test(json_cells_parse_and_null_or_garbage_is_json_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
