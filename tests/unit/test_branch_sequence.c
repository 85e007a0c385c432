/*
 * test_branch_sequence.c — the default-branch sequence planner
 * (domain/branch_sequence.h) without a database: each case of the rule,
 * which facts it asks for and in what order, and the filtering of SHAs
 * already in the sequence.  The statements that load the facts and apply
 * the plan are checked against PostgreSQL by tests/integration/test_git.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "domain/branch_sequence.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SHA_C "cccccccccccccccccccccccccccccccccccccccc"
#define SHA_D "dddddddddddddddddddddddddddddddddddddddd"
#define SHA_E "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
#define SHA_X "1111111111111111111111111111111111111111"
#define ZEROS "0000000000000000000000000000000000000000"

static struct bseq_entry entry(int64_t seq, int64_t push_id, const char *sha)
{
	struct bseq_entry e = {.found = true, .seq = seq, .push_id = push_id};
	snprintf(e.sha, sizeof e.sha, "%s", sha);
	return e;
}

/* Everything the database would answer, for a push being planned. */
struct world {
	struct bseq_entry head, after_entry, before_entry, previous;
	bool later_found;
	int64_t later_push, later_first_seq;
};

/*
 * Plans p the way db_git_seq_plan does: starts from head and after's
 * entry, loads each fact the planner asks for from w, and records the
 * order of the asks in needs[] (0-terminated).  Fails the test if a fact is
 * asked twice or the planner loops.
 */
static void plan_in(const struct world *w, const struct bseq_push *p, struct bseq_plan *plan,
		    unsigned needs[4])
{
	struct bseq_facts f = {.head = w->head, .after_entry = w->after_entry};
	memset(needs, 0, 4 * sizeof needs[0]);
	unsigned need;
	int asks = 0;
	while ((need = bseq_plan(&f, p, plan)) != 0) {
		assert_true(asks < 3);
		assert_false(f.loaded & need);
		needs[asks++] = need;
		switch (need) {
		case BSEQ_FACT_BEFORE:
			f.before_entry = w->before_entry;
			break;
		case BSEQ_FACT_LATER:
			f.later_found = w->later_found;
			f.later_push = w->later_push;
			f.later_first_seq = w->later_first_seq;
			break;
		case BSEQ_FACT_PREVIOUS:
			f.previous = w->previous;
			break;
		default:
			fail_msg("unknown fact %u", need);
		}
		f.loaded |= need;
	}
}

/* 1. before is the known head: append, no gap, nothing more read. */
static void case1_before_is_head_appends(void **state)
{
	(void)state;
	struct world w = {.head = entry(3, 2, SHA_B)};
	struct bseq_push p = {SHA_B, SHA_C, false, false};
	struct bseq_plan plan;
	unsigned needs[4];
	plan_in(&w, &p, &plan, needs);
	assert_int_equal(plan.act, BSEQ_APPEND);
	assert_false(plan.gap);
	assert_false(plan.rewrote);
	assert_int_equal(needs[0], 0);
}

/* 1. The empty sequence: the first push appends, whatever its before. */
static void case1_empty_sequence_appends_without_gap(void **state)
{
	(void)state;
	struct world w = {0};
	const char *befores[] = {SHA_A, ZEROS, ""};
	for (size_t i = 0; i < 3; i++) {
		struct bseq_push p = {befores[i], SHA_C, false, false};
		struct bseq_plan plan;
		unsigned needs[4];
		plan_in(&w, &p, &plan, needs);
		assert_int_equal(plan.act, BSEQ_APPEND);
		assert_false(plan.gap);
		assert_int_equal(needs[0], 0);
	}
}

/* 2. after already in the sequence (a copy under a new delivery id, a late
 * copy): nothing, whatever before is. */
static void case2_after_already_there_changes_nothing(void **state)
{
	(void)state;
	struct world w = {.head = entry(5, 4, SHA_D), .after_entry = entry(2, 1, SHA_B)};
	struct bseq_push p = {SHA_A, SHA_B, false, false};
	struct bseq_plan plan;
	unsigned needs[4];
	plan_in(&w, &p, &plan, needs);
	assert_int_equal(plan.act, BSEQ_NONE);
	assert_false(plan.gap);
	assert_false(plan.rewrote);
	assert_int_equal(needs[0], 0);
}

/* 2. A recorded identical push whose before is not the head is a
 * redelivery: nothing is read or changed, even a forced one. */
static void case2_recorded_push_is_a_redelivery(void **state)
{
	(void)state;
	struct world w = {.head = entry(5, 4, SHA_D), .later_found = true, .later_push = 9,
			  .later_first_seq = 2};
	for (int forced = 0; forced < 2; forced++) {
		struct bseq_push p = {SHA_A, SHA_E, forced, true};
		struct bseq_plan plan;
		unsigned needs[4];
		plan_in(&w, &p, &plan, needs);
		assert_int_equal(plan.act, BSEQ_NONE);
		assert_false(plan.gap);
		assert_false(plan.rewrote);
		assert_int_equal(needs[0], 0);
	}
}

/* 2. ... but the same move made again from the head (reset back and
 * forth) is applied. */
static void case2_recorded_push_from_the_head_is_applied(void **state)
{
	(void)state;
	struct world w = {.head = entry(5, 4, SHA_D)};
	struct bseq_push p = {SHA_D, SHA_E, false, true};
	struct bseq_plan plan;
	unsigned needs[4];
	plan_in(&w, &p, &plan, needs);
	assert_int_equal(plan.act, BSEQ_APPEND);
	assert_false(plan.gap);
}

/* 3. A late delivery: inserted before the later push's first entry, which
 * fills that push's gap; not a gap itself when its before is the entry
 * just before the insertion point. */
static void case3_late_delivery_inserts_and_fills_the_gap(void **state)
{
	(void)state;
	/* sequence: A(1, push 1) | C D (3, 4, push 7, before = B) ; B arrives late */
	struct world w = {.head = entry(4, 7, SHA_D),
			  .later_found = true,
			  .later_push = 7,
			  .later_first_seq = 2,
			  .previous = entry(1, 1, SHA_A)};
	struct bseq_push p = {SHA_A, SHA_B, false, false};
	struct bseq_plan plan;
	unsigned needs[4];
	plan_in(&w, &p, &plan, needs);
	assert_int_equal(plan.act, BSEQ_INSERT);
	assert_int_equal(plan.at, 2);
	assert_int_equal(plan.fills_push, 7);
	assert_false(plan.gap);
	assert_false(plan.rewrote);
	assert_int_equal(needs[0], BSEQ_FACT_LATER);
	assert_int_equal(needs[1], BSEQ_FACT_PREVIOUS);
	assert_int_equal(needs[2], 0);
}

/* 3. ... a gap itself when its before is not that entry (two missed). */
static void case3_late_delivery_after_a_hole_is_a_gap(void **state)
{
	(void)state;
	struct world w = {.head = entry(4, 7, SHA_D),
			  .later_found = true,
			  .later_push = 7,
			  .later_first_seq = 2,
			  .previous = entry(1, 1, SHA_A)};
	struct bseq_push p = {SHA_X, SHA_B, false, false};
	struct bseq_plan plan;
	unsigned needs[4];
	plan_in(&w, &p, &plan, needs);
	assert_int_equal(plan.act, BSEQ_INSERT);
	assert_int_equal(plan.fills_push, 7);
	assert_true(plan.gap);
}

/* 3. ... and not a gap when it goes first (nothing before the insertion). */
static void case3_late_delivery_at_the_start_is_no_gap(void **state)
{
	(void)state;
	struct world w = {.head = entry(2, 7, SHA_D),
			  .later_found = true,
			  .later_push = 7,
			  .later_first_seq = 1};
	struct bseq_push p = {SHA_X, SHA_B, false, false};
	struct bseq_plan plan;
	unsigned needs[4];
	plan_in(&w, &p, &plan, needs);
	assert_int_equal(plan.act, BSEQ_INSERT);
	assert_int_equal(plan.at, 1);
	assert_false(plan.gap);
}

/* 4. before is not the head and no later push built on after: a gap,
 * appended anyway; the entry before an insertion point is never read. */
static void case4_missed_delivery_is_a_gap_and_appends(void **state)
{
	(void)state;
	struct world w = {.head = entry(3, 2, SHA_B)};
	struct bseq_push p = {SHA_X, SHA_E, false, false};
	struct bseq_plan plan;
	unsigned needs[4];
	plan_in(&w, &p, &plan, needs);
	assert_int_equal(plan.act, BSEQ_APPEND);
	assert_true(plan.gap);
	assert_false(plan.rewrote);
	assert_int_equal(plan.fills_push, 0);
	assert_int_equal(needs[0], BSEQ_FACT_LATER);
	assert_int_equal(needs[1], 0);
}

/* 4. A created push (before all zeros, or none) onto a non-empty sequence
 * is a gap. */
static void case4_created_push_onto_a_sequence_is_a_gap(void **state)
{
	(void)state;
	struct world w = {.head = entry(3, 2, SHA_B)};
	const char *befores[] = {ZEROS, ""};
	for (size_t i = 0; i < 2; i++) {
		struct bseq_push p = {befores[i], SHA_E, false, false};
		struct bseq_plan plan;
		unsigned needs[4];
		plan_in(&w, &p, &plan, needs);
		assert_int_equal(plan.act, BSEQ_APPEND);
		assert_true(plan.gap);
	}
}

/* 5. A forced push back to an earlier entry: everything after it leaves,
 * nothing is appended. */
static void case5_forced_reset_back_marks_later_entries_left(void **state)
{
	(void)state;
	struct world w = {.head = entry(5, 4, SHA_D), .after_entry = entry(2, 1, SHA_B)};
	struct bseq_push p = {SHA_D, SHA_B, true, false};
	struct bseq_plan plan;
	unsigned needs[4];
	plan_in(&w, &p, &plan, needs);
	assert_int_equal(plan.act, BSEQ_RESET);
	assert_int_equal(plan.at, 2);
	assert_true(plan.rewrote);
	assert_false(plan.gap);
	assert_int_equal(needs[0], 0);
}

/* 5. A forced push whose after is already the head: a redelivery. */
static void case5_forced_push_to_the_head_is_a_redelivery(void **state)
{
	(void)state;
	struct world w = {.head = entry(5, 4, SHA_D), .after_entry = entry(5, 4, SHA_D)};
	struct bseq_push p = {SHA_B, SHA_D, true, false};
	struct bseq_plan plan;
	unsigned needs[4];
	plan_in(&w, &p, &plan, needs);
	assert_int_equal(plan.act, BSEQ_NONE);
	assert_false(plan.rewrote);
	assert_false(plan.gap);
}

/* 6. A rewrite from the head: before's entry (with its push) leaves, then
 * the new commits are appended; not a gap. */
static void case6_rewrite_from_the_head(void **state)
{
	(void)state;
	struct world w = {.head = entry(5, 4, SHA_D), .before_entry = entry(5, 4, SHA_D)};
	struct bseq_push p = {SHA_D, SHA_E, true, false};
	struct bseq_plan plan;
	unsigned needs[4];
	plan_in(&w, &p, &plan, needs);
	assert_int_equal(plan.act, BSEQ_REWRITE);
	assert_true(plan.rewrote);
	assert_false(plan.gap);
	assert_true(plan.left_from.found);
	assert_int_equal(plan.left_from.seq, 5);
	assert_int_equal(plan.left_from.push_id, 4);
	assert_int_equal(needs[0], BSEQ_FACT_BEFORE);
	assert_int_equal(needs[1], 0);
}

/* 6. ... from an entry that is not the head: a rewrite and a gap. */
static void case6_rewrite_not_from_the_head_is_also_a_gap(void **state)
{
	(void)state;
	struct world w = {.head = entry(5, 4, SHA_D), .before_entry = entry(2, 1, SHA_B)};
	struct bseq_push p = {SHA_B, SHA_E, true, false};
	struct bseq_plan plan;
	unsigned needs[4];
	plan_in(&w, &p, &plan, needs);
	assert_int_equal(plan.act, BSEQ_REWRITE);
	assert_true(plan.rewrote);
	assert_true(plan.gap);
	assert_int_equal(plan.left_from.seq, 2);
}

/* 6. ... from a before the sequence does not hold (or none): nothing
 * leaves; a before of "" is not even looked up. */
static void case6_rewrite_from_an_unknown_before(void **state)
{
	(void)state;
	struct world w = {.head = entry(5, 4, SHA_D)};
	struct bseq_push p = {SHA_X, SHA_E, true, false};
	struct bseq_plan plan;
	unsigned needs[4];
	plan_in(&w, &p, &plan, needs);
	assert_int_equal(plan.act, BSEQ_REWRITE);
	assert_false(plan.left_from.found);
	assert_true(plan.gap);
	assert_int_equal(needs[0], BSEQ_FACT_BEFORE);

	struct bseq_push none = {"", SHA_E, true, false};
	plan_in(&w, &none, &plan, needs);
	assert_int_equal(plan.act, BSEQ_REWRITE);
	assert_false(plan.left_from.found);
	assert_int_equal(needs[0], 0);

	struct world empty = {0};
	plan_in(&empty, &p, &plan, needs);
	assert_int_equal(plan.act, BSEQ_REWRITE);
	assert_false(plan.gap); /* nothing was known: no hole */
}

/* 7. Forced pushes are applied in arrival order: a forced push is never
 * inserted before a later push that built on its after. */
static void case7_forced_pushes_are_never_reordered(void **state)
{
	(void)state;
	struct world w = {.head = entry(4, 7, SHA_D),
			  .later_found = true,
			  .later_push = 7,
			  .later_first_seq = 2,
			  .previous = entry(1, 1, SHA_A)};
	struct bseq_push p = {SHA_A, SHA_B, true, false};
	struct bseq_plan plan;
	unsigned needs[4];
	plan_in(&w, &p, &plan, needs);
	assert_int_equal(plan.act, BSEQ_REWRITE);
	assert_int_equal(plan.fills_push, 0);
	for (int i = 0; needs[i]; i++)
		assert_int_not_equal(needs[i], BSEQ_FACT_LATER);
}

/* A plan is whole on every call: nothing of a previous plan survives. */
static void plan_is_reset_on_every_call(void **state)
{
	(void)state;
	struct bseq_plan plan;
	memset(&plan, 0x5a, sizeof plan);
	struct bseq_facts f = {.head = entry(5, 4, SHA_D), .after_entry = entry(2, 1, SHA_B)};
	struct bseq_push p = {SHA_A, SHA_B, false, false};
	assert_int_equal(bseq_plan(&f, &p, &plan), 0);
	assert_int_equal(plan.act, BSEQ_NONE);
	assert_false(plan.gap);
	assert_false(plan.rewrote);
	assert_int_equal(plan.at, 0);
	assert_int_equal(plan.fills_push, 0);
	assert_false(plan.left_from.found);
}

/* SHAs already in the sequence are skipped; the others keep their order. */
static void commits_already_present_are_skipped(void **state)
{
	(void)state;
	char list[5][HEX_SHA_LEN + 1] = {SHA_A, SHA_B, SHA_C, SHA_D, SHA_E};
	const char *known[] = {SHA_D, SHA_A, SHA_X};
	size_t kept = bseq_keep_new(list, 5, known, 3);
	assert_int_equal(kept, 3);
	assert_string_equal(list[0], SHA_B);
	assert_string_equal(list[1], SHA_C);
	assert_string_equal(list[2], SHA_E);

	char all[2][HEX_SHA_LEN + 1] = {SHA_A, SHA_B};
	const char *both[] = {SHA_B, SHA_A};
	assert_int_equal(bseq_keep_new(all, 2, both, 2), 0);

	char some[2][HEX_SHA_LEN + 1] = {SHA_A, SHA_B};
	assert_int_equal(bseq_keep_new(some, 2, NULL, 0), 2);
	assert_string_equal(some[0], SHA_A);
	assert_string_equal(some[1], SHA_B);
	assert_int_equal(bseq_keep_new(some, 0, known, 3), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(case1_before_is_head_appends),
		cmocka_unit_test(case1_empty_sequence_appends_without_gap),
		cmocka_unit_test(case2_after_already_there_changes_nothing),
		cmocka_unit_test(case2_recorded_push_is_a_redelivery),
		cmocka_unit_test(case2_recorded_push_from_the_head_is_applied),
		cmocka_unit_test(case3_late_delivery_inserts_and_fills_the_gap),
		cmocka_unit_test(case3_late_delivery_after_a_hole_is_a_gap),
		cmocka_unit_test(case3_late_delivery_at_the_start_is_no_gap),
		cmocka_unit_test(case4_missed_delivery_is_a_gap_and_appends),
		cmocka_unit_test(case4_created_push_onto_a_sequence_is_a_gap),
		cmocka_unit_test(case5_forced_reset_back_marks_later_entries_left),
		cmocka_unit_test(case5_forced_push_to_the_head_is_a_redelivery),
		cmocka_unit_test(case6_rewrite_from_the_head),
		cmocka_unit_test(case6_rewrite_not_from_the_head_is_also_a_gap),
		cmocka_unit_test(case6_rewrite_from_an_unknown_before),
		cmocka_unit_test(case7_forced_pushes_are_never_reordered),
		cmocka_unit_test(plan_is_reset_on_every_call),
		cmocka_unit_test(commits_already_present_are_skipped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
