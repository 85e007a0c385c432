/*
 * test_body.c — the body-size decisions: the Content-Length precheck made
 * before a byte is read, and the running check for chunked bodies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>

#include "http/internal.h"

#define LIMIT ((size_t)1048576)

static void no_content_length_is_ok(void **state)
{
	(void)state;
	assert_int_equal(http_body_precheck(NULL, LIMIT), BODY_PRECHECK_OK);
	assert_int_equal(http_body_precheck(NULL, 0), BODY_PRECHECK_OK);
}

static void zero_is_ok(void **state)
{
	(void)state;
	assert_int_equal(http_body_precheck("0", LIMIT), BODY_PRECHECK_OK);
	assert_int_equal(http_body_precheck("0", 0), BODY_PRECHECK_OK);
	assert_int_equal(http_body_precheck("000", 0), BODY_PRECHECK_OK);
}

static void exactly_the_limit_is_ok_and_one_more_is_too_large(void **state)
{
	(void)state;
	assert_int_equal(http_body_precheck("1048576", LIMIT), BODY_PRECHECK_OK);
	assert_int_equal(http_body_precheck("1048575", LIMIT), BODY_PRECHECK_OK);
	assert_int_equal(http_body_precheck("1048577", LIMIT), BODY_PRECHECK_TOO_LARGE);
	assert_int_equal(http_body_precheck("1", 0), BODY_PRECHECK_TOO_LARGE);
	assert_int_equal(http_body_precheck("65536", 65536), BODY_PRECHECK_OK);
	assert_int_equal(http_body_precheck("65537", 65536), BODY_PRECHECK_TOO_LARGE);
}

static void huge_numbers_are_too_large_not_malformed(void **state)
{
	(void)state;
	assert_int_equal(http_body_precheck("99999999999999999999999", LIMIT),
			 BODY_PRECHECK_TOO_LARGE);
	assert_int_equal(http_body_precheck("18446744073709551615", LIMIT),
			 BODY_PRECHECK_TOO_LARGE);
	assert_int_equal(http_body_precheck("18446744073709551616", LIMIT),
			 BODY_PRECHECK_TOO_LARGE);
	assert_int_equal(http_body_precheck("99999999999999999999999", SIZE_MAX),
			 BODY_PRECHECK_TOO_LARGE);
}

static void limit_near_size_max_is_exact(void **state)
{
	(void)state;
	char buf[32];
	snprintf(buf, sizeof buf, "%zu", SIZE_MAX);
	assert_int_equal(http_body_precheck(buf, SIZE_MAX), BODY_PRECHECK_OK);
	assert_int_equal(http_body_precheck(buf, SIZE_MAX - 1), BODY_PRECHECK_TOO_LARGE);
	snprintf(buf, sizeof buf, "%zu", SIZE_MAX - 1);
	assert_int_equal(http_body_precheck(buf, SIZE_MAX - 1), BODY_PRECHECK_OK);
}

static void non_numbers_are_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"-1",  "",    "12abc", " 12", "12 ", "+12", "0x10",
		"1e3", "1.0", "abc",   "1,2", "\t5", "-0",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (http_body_precheck(bad[i], LIMIT) != BODY_PRECHECK_MALFORMED)
			fail_msg("Content-Length \"%s\" not refused as malformed", bad[i]);
}

static void malformed_wins_over_too_large(void **state)
{
	(void)state;
	assert_int_equal(http_body_precheck("99999999999999999999999x", LIMIT),
			 BODY_PRECHECK_MALFORMED);
	assert_int_equal(http_body_precheck("-99999999999999999999999", LIMIT),
			 BODY_PRECHECK_MALFORMED);
}

static void body_fits_up_to_the_limit(void **state)
{
	(void)state;
	assert_true(http_body_fits(0, 0, 0));
	assert_true(http_body_fits(0, 0, LIMIT));
	assert_true(http_body_fits(0, LIMIT, LIMIT));
	assert_true(http_body_fits(LIMIT, 0, LIMIT));
	assert_true(http_body_fits(LIMIT - 10, 10, LIMIT));
	assert_false(http_body_fits(LIMIT - 10, 11, LIMIT));
	assert_false(http_body_fits(0, LIMIT + 1, LIMIT));
	assert_false(http_body_fits(0, 1, 0));
}

static void body_already_over_the_limit_never_fits(void **state)
{
	(void)state;
	assert_false(http_body_fits(LIMIT + 1, 0, LIMIT));
	assert_false(http_body_fits(SIZE_MAX, 0, LIMIT));
}

static void body_fits_does_not_overflow_near_size_max(void **state)
{
	(void)state;
	/* have + more would wrap around to something small */
	assert_false(http_body_fits(10, SIZE_MAX, LIMIT));
	assert_false(http_body_fits(SIZE_MAX, 1, LIMIT));
	assert_false(http_body_fits(SIZE_MAX / 2 + 1, SIZE_MAX / 2 + 1, SIZE_MAX - 1));
	assert_false(http_body_fits(1, SIZE_MAX, SIZE_MAX));
	assert_false(http_body_fits(SIZE_MAX, 1, SIZE_MAX));
	assert_true(http_body_fits(SIZE_MAX - 1, 1, SIZE_MAX));
	assert_true(http_body_fits(0, SIZE_MAX, SIZE_MAX));
	assert_true(http_body_fits(SIZE_MAX, 0, SIZE_MAX));
	assert_true(http_body_fits(SIZE_MAX / 2, SIZE_MAX / 2, SIZE_MAX - 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_content_length_is_ok),
		cmocka_unit_test(zero_is_ok),
		cmocka_unit_test(exactly_the_limit_is_ok_and_one_more_is_too_large),
		cmocka_unit_test(huge_numbers_are_too_large_not_malformed),
		cmocka_unit_test(limit_near_size_max_is_exact),
		cmocka_unit_test(non_numbers_are_malformed),
		cmocka_unit_test(malformed_wins_over_too_large),
		cmocka_unit_test(body_fits_up_to_the_limit),
		cmocka_unit_test(body_already_over_the_limit_never_fits),
		cmocka_unit_test(body_fits_does_not_overflow_near_size_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
