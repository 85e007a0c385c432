/*
 * test_tiebreak.c — the merge rule's tiebreak (domain/tiebreak.h): the
 * SHA-256 of a canonical string, the parts joined by '|' with NULL as "",
 * and the bounded join that never overflows its buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "domain/tiebreak.h"

static void hash_is_lowercase_hex_sha256(void **state)
{
	(void)state;
	char out[65];
	tiebreak_hash("abc", out);
	assert_string_equal(out,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	tiebreak_hash("", out);
	assert_string_equal(out,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void tiebreak_is_sha256_hex_of_the_joined_parts(void **state)
{
	(void)state;
	char a[65], b[65], c[65], h[65];
	const char *p1[3] = {"completed", "success", NULL};
	const char *p2[3] = {"completed", "success", ""};
	const char *p3[3] = {"completed", "failure", NULL};
	tiebreak_of(p1, 3, a);
	tiebreak_of(p2, 3, b);
	tiebreak_of(p3, 3, c);
	assert_int_equal(strlen(a), 64);
	assert_string_equal(a, b); /* NULL and "" are the same part */
	assert_string_not_equal(a, c);
	/* sha256("completed|success|") */
	assert_string_equal(a, "2b533d368dc2ff1ddd6012f4001174033e77befe395755c3a38a908d9e6b3d13");
	tiebreak_hash("completed|success|", h);
	assert_string_equal(a, h);
	for (size_t i = 0; i < 64; i++)
		assert_true((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'f'));
}

static void tiebreak_of_keeps_every_byte_of_long_parts(void **state)
{
	(void)state;
	static char longer[5000];
	memset(longer, 'x', sizeof longer - 1);
	const char *p1[2] = {"s", longer};
	char a[65], b[65];
	tiebreak_of(p1, 2, a);
	longer[sizeof longer - 2] = 'y'; /* the last byte differs */
	tiebreak_of(p1, 2, b);
	assert_string_not_equal(a, b);
}

static void canon_joins_parts_and_never_overflows(void **state)
{
	(void)state;
	char canon[64];
	const char *parts[3] = {"completed", NULL, "success"};
	tiebreak_canon(canon, sizeof canon, parts, 3);
	assert_string_equal(canon, "completed||success");
	/* the same string tiebreak_of hashes */
	char a[65], b[65];
	tiebreak_hash(canon, a);
	tiebreak_of(parts, 3, b);
	assert_string_equal(a, b);
	/* never overflows: cut at size - 1 */
	char tiny[6];
	tiebreak_canon(tiny, sizeof tiny, parts, 3);
	assert_string_equal(tiny, "compl");
	tiebreak_canon(canon, sizeof canon, parts, 0);
	assert_string_equal(canon, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hash_is_lowercase_hex_sha256),
		cmocka_unit_test(tiebreak_is_sha256_hex_of_the_joined_parts),
		cmocka_unit_test(tiebreak_of_keeps_every_byte_of_long_parts),
		cmocka_unit_test(canon_joins_parts_and_never_overflows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
