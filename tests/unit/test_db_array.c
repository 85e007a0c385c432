/*
 * test_db_array.c — binary array parameters (server/db/array.c) byte for
 * byte against PostgreSQL's array_recv format: header, NULL flag, element
 * OID, one dimension with lower bound 1, length-prefixed elements; the
 * empty array has no dimension.  (PostgreSQL itself reads them in the
 * integration tests: every queued delivery travels this way.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "shiplog/db.h"

static uint32_t get32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

static void text_array_with_a_null(void **state)
{
	(void)state;
	struct db_array a;
	db_array_init(&a, DB_OID_TEXT);
	db_array_add_text(&a, "ab");
	db_array_add_text(&a, NULL);
	db_array_add_text(&a, "");
	const char *b = db_array_finish(&a);
	assert_int_equal(a.len, 20 + (4 + 2) + 4 + 4);
	assert_int_equal(get32(b), 1);       /* one dimension */
	assert_int_equal(get32(b + 4), 1);   /* has a NULL */
	assert_int_equal(get32(b + 8), 25);  /* text */
	assert_int_equal(get32(b + 12), 3);  /* three elements */
	assert_int_equal(get32(b + 16), 1);  /* lower bound */
	assert_int_equal(get32(b + 20), 2);
	assert_memory_equal(b + 24, "ab", 2);
	assert_int_equal(get32(b + 26), UINT32_MAX); /* -1: NULL */
	assert_int_equal(get32(b + 30), 0);          /* the empty string is not NULL */
	db_array_free(&a);
	assert_null(a.buf);
}

static void bytea_array_keeps_every_byte(void **state)
{
	(void)state;
	struct db_array a;
	db_array_init(&a, DB_OID_BYTEA);
	char bytes[300];
	for (size_t i = 0; i < sizeof bytes; i++)
		bytes[i] = (char)i; /* NUL bytes included */
	/* more than the first allocation: the buffer grows */
	for (int k = 0; k < 10; k++)
		db_array_add(&a, bytes, (int)sizeof bytes);
	const char *b = db_array_finish(&a);
	assert_int_equal(a.len, 20 + 10 * (4 + sizeof bytes));
	assert_int_equal(get32(b + 4), 0); /* no NULL */
	assert_int_equal(get32(b + 8), 17);
	assert_int_equal(get32(b + 12), 10);
	for (int k = 0; k < 10; k++) {
		const char *e = b + 20 + (size_t)k * (4 + sizeof bytes);
		assert_int_equal(get32(e), sizeof bytes);
		assert_memory_equal(e + 4, bytes, sizeof bytes);
	}
	db_array_free(&a);
}

static void empty_array_has_no_dimension(void **state)
{
	(void)state;
	struct db_array a;
	db_array_init(&a, DB_OID_TEXT);
	const char *b = db_array_finish(&a);
	assert_int_equal(a.len, 12);
	assert_int_equal(get32(b), 0);
	assert_int_equal(get32(b + 4), 0);
	assert_int_equal(get32(b + 8), 25);
	db_array_free(&a);
}

/* The text form for a $n::text[] parameter: quoted, '"' and '\\' escaped. */
static void text_literal_quotes_and_escapes(void **state)
{
	(void)state;
	const char *v[4] = {"sha256:ab", "NULL", "say \"hi\"", "back\\slash"};
	char *s = db_text_array_literal(v, 4);
	assert_string_equal(s, "{\"sha256:ab\",\"NULL\",\"say \\\"hi\\\"\",\"back\\\\slash\"}");
	free(s);
	s = db_text_array_literal(v, 0);
	assert_string_equal(s, "{}");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_array_with_a_null),
		cmocka_unit_test(bytea_array_keeps_every_byte),
		cmocka_unit_test(empty_array_has_no_dimension),
		cmocka_unit_test(text_literal_quotes_and_escapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
