/*
 * test_bodybudget.c — the request-body memory budget: claims count against
 * the total and the client's share, refusals change nothing, releases give
 * everything back, small bodies always pass, and a full clients' table
 * still holds the total.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "http/bodybudget.h"

#define MiB ((size_t)1 << 20)

static void claims_count_and_releases_give_back(void **state)
{
	(void)state;
	body_budget_init(10 * MiB, 4 * MiB);
	struct body_claim a = {0}, b = {0};
	assert_int_equal(body_budget_claim(&a, "10.0.0.1", 1 * MiB), BODY_ADMITTED);
	/* growing claims only the difference */
	assert_int_equal(body_budget_claim(&a, "10.0.0.1", 3 * MiB), BODY_ADMITTED);
	assert_int_equal(body_budget_claim(&a, "10.0.0.1", 2 * MiB), BODY_ADMITTED);
	assert_int_equal(a.bytes, 3 * MiB);
	assert_int_equal(body_budget_claim(&b, "10.0.0.2", 2 * MiB), BODY_ADMITTED);
	assert_int_equal(body_budget_in_use(), 5 * MiB);
	assert_int_equal(body_budget_client_in_use("10.0.0.1"), 3 * MiB);
	assert_int_equal(body_budget_client_in_use("10.0.0.2"), 2 * MiB);
	body_budget_release(&a);
	body_budget_release(&a); /* twice is harmless */
	assert_int_equal(body_budget_in_use(), 2 * MiB);
	assert_int_equal(body_budget_client_in_use("10.0.0.1"), 0);
	body_budget_release(&b);
	assert_int_equal(body_budget_in_use(), 0);
}

static void the_total_is_never_exceeded(void **state)
{
	(void)state;
	body_budget_init(4 * MiB, 0);
	struct body_claim a = {0}, b = {0}, c = {0};
	assert_int_equal(body_budget_claim(&a, "10.0.0.1", 3 * MiB), BODY_ADMITTED);
	assert_int_equal(body_budget_claim(&b, "10.0.0.2", 2 * MiB), BODY_OVER_TOTAL);
	/* a refused claim holds nothing */
	assert_int_equal(b.bytes, 0);
	assert_int_equal(body_budget_in_use(), 3 * MiB);
	/* what is left can be had */
	assert_int_equal(body_budget_claim(&c, "10.0.0.3", 1 * MiB), BODY_ADMITTED);
	assert_int_equal(body_budget_claim(&c, "10.0.0.3", 1 * MiB + 1), BODY_OVER_TOTAL);
	assert_int_equal(c.bytes, 1 * MiB);
	body_budget_release(&a);
	assert_int_equal(body_budget_claim(&b, "10.0.0.2", 2 * MiB), BODY_ADMITTED);
	body_budget_release(&b);
	body_budget_release(&c);
	assert_int_equal(body_budget_in_use(), 0);
}

static void one_client_cannot_take_more_than_its_share(void **state)
{
	(void)state;
	body_budget_init(64 * MiB, 3 * MiB);
	struct body_claim a = {0}, b = {0}, c = {0};
	assert_int_equal(body_budget_claim(&a, "10.0.0.1", 2 * MiB), BODY_ADMITTED);
	assert_int_equal(body_budget_claim(&b, "10.0.0.1", 2 * MiB), BODY_OVER_CLIENT);
	assert_int_equal(body_budget_claim(&c, "10.0.0.2", 2 * MiB), BODY_ADMITTED);
	assert_int_equal(body_budget_client_in_use("10.0.0.1"), 2 * MiB);
	body_budget_release(&a);
	assert_int_equal(body_budget_claim(&b, "10.0.0.1", 2 * MiB), BODY_ADMITTED);
	body_budget_release(&b);
	body_budget_release(&c);
	assert_int_equal(body_budget_in_use(), 0);
}

static void small_bodies_pass_a_full_budget(void **state)
{
	(void)state;
	body_budget_init(1 * MiB, 1 * MiB);
	struct body_claim big = {0}, small = {0};
	assert_int_equal(body_budget_claim(&big, "10.0.0.1", 1 * MiB), BODY_ADMITTED);
	assert_int_equal(body_budget_claim(&small, "10.0.0.1", BODY_BUDGET_FREE), BODY_ADMITTED);
	/* counted all the same, and no further once past the free part */
	assert_int_equal(body_budget_in_use(), 1 * MiB + BODY_BUDGET_FREE);
	assert_int_equal(body_budget_claim(&small, "10.0.0.1", BODY_BUDGET_FREE + 1),
			 BODY_OVER_TOTAL);
	body_budget_release(&big);
	body_budget_release(&small);
	assert_int_equal(body_budget_in_use(), 0);
}

static void zero_turns_the_limits_off(void **state)
{
	(void)state;
	body_budget_init(0, 0);
	struct body_claim a = {0};
	assert_int_equal(body_budget_claim(&a, "10.0.0.1", (size_t)1 << 40), BODY_ADMITTED);
	body_budget_release(&a);
	assert_int_equal(body_budget_in_use(), 0);
}

/* More clients than the table holds: those without an entry are held to the
 * total, and every count goes back to zero. */
static void a_full_table_still_holds_the_total(void **state)
{
	(void)state;
	enum { N = 3000 };
	body_budget_init(N * MiB, 2 * MiB);
	static struct body_claim claims[N];
	char name[64];
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof name, "10.%d.%d.1", i / 256, i % 256);
		claims[i] = (struct body_claim){0};
		assert_int_equal(body_budget_claim(&claims[i], name, 1 * MiB), BODY_ADMITTED);
	}
	assert_int_equal(body_budget_in_use(), N * MiB);
	struct body_claim more = {0};
	assert_int_equal(body_budget_claim(&more, "192.0.2.1", 1 * MiB), BODY_OVER_TOTAL);
	/* half go, freeing entries; a claim made without an entry that grows
	 * now keeps counting without one, so a client's count is all of its
	 * claim or none of it */
	for (int i = 0; i < N / 2; i++)
		body_budget_release(&claims[i]);
	for (int i = N / 2; i < N; i++) {
		snprintf(name, sizeof name, "10.%d.%d.1", i / 256, i % 256);
		assert_int_equal(body_budget_claim(&claims[i], name, 2 * MiB), BODY_ADMITTED);
		size_t mine = body_budget_client_in_use(name);
		if (mine != 0 && mine != 2 * MiB)
			fail_msg("%s counts %zu bytes of its 2 MiB", name, mine);
	}
	for (int i = N / 2; i < N; i++) {
		body_budget_release(&claims[i]);
		snprintf(name, sizeof name, "10.%d.%d.1", i / 256, i % 256);
		assert_int_equal(body_budget_client_in_use(name), 0);
	}
	assert_int_equal(body_budget_in_use(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(claims_count_and_releases_give_back),
		cmocka_unit_test(the_total_is_never_exceeded),
		cmocka_unit_test(one_client_cannot_take_more_than_its_share),
		cmocka_unit_test(small_bodies_pass_a_full_budget),
		cmocka_unit_test(zero_turns_the_limits_off),
		cmocka_unit_test(a_full_table_still_holds_the_total),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
