/*
 * test_rc_version.c — RC versions: SemVer precedence and the target
 * release derived with the RC pattern.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "domain/rc.h"

static void target(const char *version, const char *pattern, const char *want)
{
	char out[128];
	assert_true(rc_target_of(version, pattern, out, sizeof out));
	if (strcmp(out, want))
		fail_msg("target of %s under %s: got %s, want %s", version,
			 pattern ? pattern : "(default)", out, want);
}

static void rc_suffix_is_cut_at_the_pattern_marker(void **state)
{
	(void)state;
	target("v0.38.0-rc.2", NULL, "v0.38.0");
	target("v0.15.0-rc.1", "v*-rc.*", "v0.15.0");
	target("v1.2.0-rc.10", NULL, "v1.2.0");
	target("release-2024.03-rc1", "release-*-rc*", "release-2024.03");
	target("1.2.0-beta.3", "*-beta.*", "1.2.0");
}

static void a_prerelease_without_the_marker_loses_its_semver_prerelease(void **state)
{
	(void)state;
	target("v0.38.0-beta.1", NULL, "v0.38.0");
	target("v2.0.0+build.5", NULL, "v2.0.0");
}

static void a_plain_version_is_its_own_target(void **state)
{
	(void)state;
	target("v0.38.0", NULL, "v0.38.0");
	target("nightly", NULL, "nightly");
}

static void target_refuses_empty_or_tiny_buffers(void **state)
{
	(void)state;
	char out[4];
	assert_false(rc_target_of("", NULL, out, sizeof out));
	assert_false(rc_target_of(NULL, NULL, out, sizeof out));
	assert_false(rc_target_of("v0.38.0-rc.1", NULL, out, sizeof out));
}

static void semver_parses_and_refuses(void **state)
{
	(void)state;
	struct rc_semver v;
	assert_true(rc_semver_parse("v1.2.3-rc.4+meta", &v));
	assert_int_equal(v.major, 1);
	assert_int_equal(v.minor, 2);
	assert_int_equal(v.patch, 3);
	assert_string_equal(v.pre, "rc.4");
	assert_true(rc_semver_parse("0.38.1-v00012-g1a2b3c4d", &v));
	assert_false(rc_semver_parse("v1.2", &v));
	assert_false(rc_semver_parse("v1.2.3-", &v));
	assert_false(rc_semver_parse("v1.2.3-rc..1", &v));
	assert_false(rc_semver_parse("v1.2.x", &v));
	assert_false(rc_semver_parse("v1234567890.0.0", &v));
	assert_false(rc_semver_parse(NULL, &v));
}

static void versions_compare_by_semver_precedence(void **state)
{
	(void)state;
	/* numeric identifiers numerically: rc.10 after rc.9 */
	assert_true(rc_version_compare("v1.2.0-rc.10", "v1.2.0-rc.9") > 0);
	assert_true(rc_version_compare("v1.2.0-rc.1", "v1.2.0-rc.2") < 0);
	/* a pre-release before its release */
	assert_true(rc_version_compare("v1.2.0-rc.2", "v1.2.0") < 0);
	assert_true(rc_version_compare("v1.10.0", "v1.9.0") > 0);
	assert_true(rc_version_compare("v2.0.0", "v1.99.99") > 0);
	/* numeric identifiers sort before alphanumeric ones */
	assert_true(rc_version_compare("1.0.0-1", "1.0.0-alpha") < 0);
	assert_true(rc_version_compare("1.0.0-alpha", "1.0.0-alpha.1") < 0);
	assert_true(rc_version_compare("1.0.0-alpha.beta", "1.0.0-beta") < 0);
	/* "v" and build metadata do not matter */
	assert_int_equal(rc_version_compare("v1.2.3", "1.2.3+build"), 0);
	/* non-SemVer sorts before SemVer, and by text among itself */
	assert_true(rc_version_compare("nightly", "v0.0.1") < 0);
	assert_true(rc_version_compare("a", "b") < 0);
}

static void the_highest_version_below_a_bound_is_picked(void **state)
{
	(void)state;
	const char *v[] = {"v1.2.0-rc.9", "v1.2.0-rc.10", "v1.1.0", "v1.2.0-rc.10", "v1.3.0"};
	/* rc.10 is above rc.9 (numerically), the first of equal ones wins */
	assert_int_equal(rc_version_highest(v, 4, NULL), 1);
	assert_int_equal(rc_version_highest(v, 5, NULL), 4);
	/* strictly below the bound */
	assert_int_equal(rc_version_highest(v, 5, "v1.2.0-rc.10"), 0);
	assert_int_equal(rc_version_highest(v, 5, "v1.2.0"), 1);
	assert_int_equal(rc_version_highest(v, 5, "v1.1.0"), -1);
	assert_int_equal(rc_version_highest(v, 0, NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rc_suffix_is_cut_at_the_pattern_marker),
		cmocka_unit_test(a_prerelease_without_the_marker_loses_its_semver_prerelease),
		cmocka_unit_test(a_plain_version_is_its_own_target),
		cmocka_unit_test(target_refuses_empty_or_tiny_buffers),
		cmocka_unit_test(semver_parses_and_refuses),
		cmocka_unit_test(versions_compare_by_semver_precedence),
		cmocka_unit_test(the_highest_version_below_a_bound_is_picked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
