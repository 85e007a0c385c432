/*
 * test_rc_fold.c — what cutting an RC and folding a GitHub release decide
 * (domain/rc_fold.c), without a database: where a new RC starts, what it
 * supersedes, when an API cut conflicts, which RC a release ships.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "domain/rc.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static void a_first_rc_starts_open(void **state)
{
	(void)state;
	struct rc_arrival a;
	rc_arrival_decide("v1.0.0-rc.1", "v1.0.0", SHA_A, NULL, 0, NULL, &a);
	assert_int_equal(a.arrives, RC_ARRIVES_OPEN);
	assert_int_equal(a.newer, -1);
	/* older RCs of the target do not change that */
	struct rc_sibling older[] = {{1, "v1.0.0-rc.9", "testing", SHA_B}};
	rc_arrival_decide("v1.0.0-rc.10", "v1.0.0", SHA_A, older, 1, NULL, &a);
	assert_int_equal(a.arrives, RC_ARRIVES_OPEN);
}

static void a_late_rc_is_superseded_by_the_newest(void **state)
{
	(void)state;
	struct rc_sibling sib[] = {
		{1, "v1.0.0-rc.3", "testing", NULL},
		{2, "v1.0.0-rc.10", "rejected", NULL},
		{3, "v1.0.0-rc.1", "superseded", NULL},
	};
	struct rc_arrival a;
	rc_arrival_decide("v1.0.0-rc.2", "v1.0.0", SHA_A, sib, 3, NULL, &a);
	assert_int_equal(a.arrives, RC_ARRIVES_SUPERSEDED);
	assert_int_equal(a.newer, 1); /* rc.10, whatever its state */
	assert_string_equal(a.reason, "superseded by v1.0.0-rc.10");
}

static void an_rc_of_a_released_target(void **state)
{
	(void)state;
	struct rc_arrival a;
	/* released from this very commit, no RC linked yet: it is that release's */
	struct rc_release_fact rel = {true, false, SHA_A};
	rc_arrival_decide("v1.0.0-rc.1", "v1.0.0", SHA_A, NULL, 0, &rel, &a);
	assert_int_equal(a.arrives, RC_ARRIVES_RELEASED);
	assert_string_equal(a.reason, "v1.0.0 was already released from this commit");
	/* the release's commit unknown counts as this one */
	rel.commit = NULL;
	rc_arrival_decide("v1.0.0-rc.1", "v1.0.0", SHA_A, NULL, 0, &rel, &a);
	assert_int_equal(a.arrives, RC_ARRIVES_RELEASED);
	/* another commit, or an RC already linked: too late */
	rel.commit = SHA_B;
	rc_arrival_decide("v1.0.0-rc.1", "v1.0.0", SHA_A, NULL, 0, &rel, &a);
	assert_int_equal(a.arrives, RC_ARRIVES_SUPERSEDED);
	assert_string_equal(a.reason, "v1.0.0 was already released");
	rel.commit = SHA_A;
	rel.has_rc = true;
	rc_arrival_decide("v1.0.0-rc.1", "v1.0.0", SHA_A, NULL, 0, &rel, &a);
	assert_int_equal(a.arrives, RC_ARRIVES_SUPERSEDED);
	/* this RC's commit unknown: not the released one */
	rel.has_rc = false;
	rc_arrival_decide("v1.0.0-rc.1", "v1.0.0", NULL, NULL, 0, &rel, &a);
	assert_int_equal(a.arrives, RC_ARRIVES_SUPERSEDED);
}

static void a_new_rc_supersedes_older_open_ones_only(void **state)
{
	(void)state;
	struct rc_sibling open_older = {1, "v1.0.0-rc.9", "approved", NULL};
	struct rc_sibling closed_older = {2, "v1.0.0-rc.8", "rejected", NULL};
	struct rc_sibling open_newer = {3, "v1.0.0-rc.11", "draft", NULL};
	struct rc_sibling unknown_state = {4, "v1.0.0-rc.7", "bogus", NULL};
	assert_true(rc_supersedes("v1.0.0-rc.10", &open_older));
	assert_false(rc_supersedes("v1.0.0-rc.10", &closed_older));
	assert_false(rc_supersedes("v1.0.0-rc.10", &open_newer));
	assert_false(rc_supersedes("v1.0.0-rc.10", &unknown_state));
	assert_true(rc_state_is_open("testing"));
	assert_false(rc_state_is_open("released"));
}

static void an_api_cut_conflicts_on_commit_or_digests(void **state)
{
	(void)state;
	char why[200];
	assert_true(rc_cut_conflicts("v1.0.0-rc.1", SHA_A, SHA_B, false, "", why, sizeof why));
	assert_string_equal(why, "commit: v1.0.0-rc.1 is already cut at " SHA_A);
	/* the same commit, or none stored or given: no conflict */
	assert_false(rc_cut_conflicts("v1.0.0-rc.1", SHA_A, SHA_A, false, "", why, sizeof why));
	assert_false(rc_cut_conflicts("v1.0.0-rc.1", "", SHA_B, false, "", why, sizeof why));
	assert_false(rc_cut_conflicts("v1.0.0-rc.1", SHA_A, NULL, false, "", why, sizeof why));
	assert_true(rc_cut_conflicts("v1.0.0-rc.1", SHA_A, SHA_A, true, "sha256:aa, sha256:bb", why,
				     sizeof why));
	assert_string_equal(why, "artifacts: v1.0.0-rc.1 already ships sha256:aa, sha256:bb");
}

static void a_release_ships_the_best_fitting_rc(void **state)
{
	(void)state;
	struct rc_sibling rcs[] = {
		{1, "v1.0.0-rc.1", "superseded", SHA_A},
		{2, "v1.0.0-rc.2", "rejected", SHA_B},
		{3, "v1.0.0-rc.3", "testing", NULL},
		{4, "v1.0.0-rc.4", "approved", NULL},
		{5, "v1.0.0", "testing", NULL},
	};
	/* the pre-release of the tag itself */
	assert_int_equal(rc_release_pick("v1.0.0", SHA_A, rcs, 5), 4);
	/* else the RC of the released commit */
	assert_int_equal(rc_release_pick("v1.0.0-x", SHA_A, rcs, 4), 0);
	/* ... unless it was rejected: then the newest open one */
	assert_int_equal(rc_release_pick("v1.0.0-x", SHA_B, rcs, 4), 3);
	assert_int_equal(rc_release_pick("v1.0.0-x", NULL, rcs, 4), 3);
	/* no open one: the newest not rejected */
	assert_int_equal(rc_release_pick("v1.0.0-x", NULL, rcs, 2), 0);
	/* only rejected ones: none */
	assert_int_equal(rc_release_pick("v1.0.0-x", SHA_B, &rcs[1], 1), -1);
	assert_int_equal(rc_release_pick("v1.0.0", NULL, NULL, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_first_rc_starts_open),
		cmocka_unit_test(a_late_rc_is_superseded_by_the_newest),
		cmocka_unit_test(an_rc_of_a_released_target),
		cmocka_unit_test(a_new_rc_supersedes_older_open_ones_only),
		cmocka_unit_test(an_api_cut_conflicts_on_commit_or_digests),
		cmocka_unit_test(a_release_ships_the_best_fitting_rc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
