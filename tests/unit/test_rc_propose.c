/*
 * test_rc_propose.c — the version proposed for the next release candidate
 * (domain/rc_propose.h): the previous release, the target, the RC pattern
 * and the RC numbering.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "domain/rc_propose.h"

#define N(a) (sizeof(a) / sizeof(a)[0])

static void expect(const struct rc_proposal *p, const char *version, const char *target,
		   const char *previous)
{
	if (strcmp(p->version, version) || strcmp(p->target, target) ||
	    strcmp(p->previous, previous))
		fail_msg("got version '%s' target '%s' previous '%s', want '%s' '%s' '%s'",
			 p->version, p->target, p->previous, version, target, previous);
}

static void the_next_minor_after_the_previous_release(void **state)
{
	(void)state;
	const char *rel[] = {"v0.36.0", "v0.37.0", "v0.36.1"};
	struct rc_proposal p;
	assert_true(rc_propose(rel, N(rel), NULL, 0, "v*-rc.*", &p));
	expect(&p, "v0.38.0-rc.1", "v0.38.0", "v0.37.0");
	/* NULL pattern: the default v*-rc.* */
	assert_true(rc_propose(rel, N(rel), NULL, 0, NULL, &p));
	expect(&p, "v0.38.0-rc.1", "v0.38.0", "v0.37.0");
}

static void the_highest_release_by_semver_not_by_order(void **state)
{
	(void)state;
	/* v0.10.0 > v0.9.0; not-SemVer names are left out */
	const char *rel[] = {"v0.10.0", "nightly", "v0.9.0"};
	struct rc_proposal p;
	assert_true(rc_propose(rel, N(rel), NULL, 0, "v*-rc.*", &p));
	expect(&p, "v0.11.0-rc.1", "v0.11.0", "v0.10.0");
}

static void an_existing_rc_is_numbered_past(void **state)
{
	(void)state;
	const char *rel[] = {"v0.37.0"};
	const char *rcs[] = {"v0.37.0-rc.1", "v0.37.0-rc.2", "v0.38.0-rc.1"};
	struct rc_proposal p;
	assert_true(rc_propose(rel, N(rel), rcs, N(rcs), "v*-rc.*", &p));
	expect(&p, "v0.38.0-rc.2", "v0.38.0", "v0.37.0");
}

static void rc_numbers_compare_as_numbers(void **state)
{
	(void)state;
	const char *rel[] = {"v1.1.0"};
	const char *rcs[] = {"v1.2.0-rc.9", "v1.2.0-rc.10", "v1.2.0-rc.2"};
	struct rc_proposal p;
	assert_true(rc_propose(rel, N(rel), rcs, N(rcs), NULL, &p));
	expect(&p, "v1.2.0-rc.11", "v1.2.0", "v1.1.0");
}

static void a_release_in_progress_gets_its_next_rc(void **state)
{
	(void)state;
	/* a patch release being prepared is not skipped for the next minor */
	const char *rel[] = {"v0.37.0"};
	const char *rcs[] = {"v0.37.0-rc.2", "v0.37.1-rc.1"};
	struct rc_proposal p;
	assert_true(rc_propose(rel, N(rel), rcs, N(rcs), "v*-rc.*", &p));
	expect(&p, "v0.37.1-rc.2", "v0.37.1", "v0.37.0");
}

static void no_previous_release(void **state)
{
	(void)state;
	struct rc_proposal p;
	assert_true(rc_propose(NULL, 0, NULL, 0, "v*-rc.*", &p));
	expect(&p, "v0.1.0-rc.1", "v0.1.0", "");
	/* no release but an RC: its release is in progress */
	const char *rcs[] = {"v2.0.0-rc.3"};
	assert_true(rc_propose(NULL, 0, rcs, N(rcs), "v*-rc.*", &p));
	expect(&p, "v2.0.0-rc.4", "v2.0.0", "");
}

static void other_patterns(void **state)
{
	(void)state;
	const char *rel[] = {"v1.4.2"};
	struct rc_proposal p;
	/* no "v" in the pattern: the numbers alone */
	assert_true(rc_propose(rel, N(rel), NULL, 0, "*-beta.*", &p));
	expect(&p, "1.5.0-beta.1", "v1.5.0", "v1.4.2");
	/* a number without a dot, and a literal after it */
	const char *rcs[] = {"v1.5.0rc1-test"};
	assert_true(rc_propose(rel, N(rel), rcs, N(rcs), "v*rc*-test", &p));
	expect(&p, "v1.5.0rc2-test", "v1.5.0", "v1.4.2");
	/* one '*': one RC per release, none once it exists */
	assert_true(rc_propose(rel, N(rel), NULL, 0, "v*-candidate", &p));
	expect(&p, "v1.5.0-candidate", "v1.5.0", "v1.4.2");
	const char *cut[] = {"v1.5.0-candidate"};
	assert_false(rc_propose(rel, N(rel), cut, N(cut), "v*-candidate", &p));
	expect(&p, "", "v1.5.0", "v1.4.2");
}

static void patterns_that_cannot_be_filled_propose_nothing(void **state)
{
	(void)state;
	const char *rel[] = {"v1.0.0"};
	const char *bad[] = {"v?.?.?-rc.*", "v[0-9]*-rc.*", "v*-rc.*.*", "v**", "release", ""};
	for (size_t i = 0; i < N(bad); i++) {
		struct rc_proposal p;
		bool ok = rc_propose(rel, N(rel), NULL, 0, bad[i], &p);
		/* "" is the default pattern */
		if (!bad[i][0]) {
			assert_true(ok);
			expect(&p, "v1.1.0-rc.1", "v1.1.0", "v1.0.0");
			continue;
		}
		if (ok)
			fail_msg("pattern '%s' proposed '%s'", bad[i], p.version);
		assert_string_equal(p.version, "");
		assert_string_equal(p.target, "v1.1.0");
	}
}

static void rcs_of_other_targets_or_shapes_do_not_count(void **state)
{
	(void)state;
	const char *rel[] = {"v0.37.0"};
	/* older targets, a different spelling, a tag with more after the number */
	const char *rcs[] = {"v0.37.0-rc.7", "v0.38.0-RC.5", "v0.38.0-rc.3-hotfix", "v0.38.0-rc."};
	struct rc_proposal p;
	assert_true(rc_propose(rel, N(rel), rcs, N(rcs), "v*-rc.*", &p));
	expect(&p, "v0.38.0-rc.1", "v0.38.0", "v0.37.0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_next_minor_after_the_previous_release),
		cmocka_unit_test(the_highest_release_by_semver_not_by_order),
		cmocka_unit_test(an_existing_rc_is_numbered_past),
		cmocka_unit_test(rc_numbers_compare_as_numbers),
		cmocka_unit_test(a_release_in_progress_gets_its_next_rc),
		cmocka_unit_test(no_previous_release),
		cmocka_unit_test(other_patterns),
		cmocka_unit_test(patterns_that_cannot_be_filled_propose_nothing),
		cmocka_unit_test(rcs_of_other_targets_or_shapes_do_not_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
