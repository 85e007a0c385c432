/*
 * test_hex.c — hex digits and commit SHAs (shiplog/hex.h): which text is a
 * SHA, reading one in either case, and the lowercasing copy's bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "shiplog/hex.h"

#define LOWER "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
#define UPPER "EC26C3E57CA3A959CA5AAD62DE7213C562F8C821"

static void is_hex_takes_either_case_and_nothing_else(void **state)
{
	(void)state;
	assert_true(hex_is_hex("0123456789abcdefABCDEF", 22));
	assert_true(hex_is_hex("", 0));
	assert_true(hex_is_hex("abcg", 3)); /* only the first n bytes */
	assert_false(hex_is_hex("abcg", 4));
	assert_false(hex_is_hex("ab d", 4));
	assert_false(hex_is_hex("0x12", 4));
}

static void is_sha_wants_exactly_forty_hex_digits(void **state)
{
	(void)state;
	assert_true(hex_is_sha(LOWER));
	assert_true(hex_is_sha(UPPER));
	assert_false(hex_is_sha("master"));
	assert_false(hex_is_sha("ec26c3e57ca3a959ca5aad62de7213c562f8c82"));
	assert_false(hex_is_sha(LOWER "0"));
	assert_false(hex_is_sha("gc26c3e57ca3a959ca5aad62de7213c562f8c821"));
	assert_false(hex_is_sha(NULL));
	assert_true(hex_is_lower_sha(LOWER));
	assert_false(hex_is_lower_sha(UPPER));
	assert_false(hex_is_lower_sha("ec26c3e57ca3a959ca5aad62de7213c562f8c82"));
	assert_false(hex_is_lower_sha(NULL));
}

static void read_sha_lowercases_or_refuses(void **state)
{
	(void)state;
	char out[HEX_SHA_LEN + 1];
	assert_true(hex_read_sha(UPPER, out));
	assert_string_equal(out, LOWER);
	assert_true(hex_read_sha(LOWER, out));
	assert_string_equal(out, LOWER);
	strcpy(out, "untouched");
	assert_false(hex_read_sha("EC26C3E57CA3A959CA5AAD62DE7213C562F8C82Z", out));
	assert_false(hex_read_sha("abc", out));
	assert_false(hex_read_sha(NULL, out));
	assert_string_equal(out, "untouched");
}

static void lower_copy_stops_at_n_or_the_end(void **state)
{
	(void)state;
	char buf[8];
	memset(buf, 'x', sizeof buf);
	assert_int_equal(hex_lower_copy(buf, "ABCDEF0123", 7), 7);
	assert_string_equal(buf, "abcdef0");
	assert_int_equal(hex_lower_copy(buf, "Ab", 7), 2);
	assert_string_equal(buf, "ab");
	assert_int_equal(hex_lower_copy(buf, NULL, 7), 0);
	assert_string_equal(buf, "");
	/* ASCII letters only: the digest algorithm of a revision too */
	assert_int_equal(hex_lower_copy(buf, "SHA256:", 7), 7);
	assert_string_equal(buf, "sha256:");
	char sha[HEX_SHA_LEN + 1];
	hex_lower_copy(sha, UPPER "TAIL", HEX_SHA_LEN);
	assert_string_equal(sha, LOWER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(is_hex_takes_either_case_and_nothing_else),
		cmocka_unit_test(is_sha_wants_exactly_forty_hex_digits),
		cmocka_unit_test(read_sha_lowercases_or_refuses),
		cmocka_unit_test(lower_copy_stops_at_n_or_the_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
