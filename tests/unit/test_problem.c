/*
 * test_problem.c — the problem table: every code has a stable slug, a title
 * and an error status; type URIs; the status each kind of error maps to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "shiplog/problem.h"

static void every_code_has_a_slug_title_and_error_status(void **state)
{
	(void)state;
	for (int c = 0; c < PROBLEM__COUNT; c++) {
		const struct problem_info *p = problem_info((enum problem_code)c);
		assert_non_null(p);
		if (!p->slug || !*p->slug)
			fail_msg("code %d has no slug", c);
		if (!p->title || !*p->title)
			fail_msg("code %d (%s) has no title", c, p->slug);
		if (p->status < 400 || p->status > 599)
			fail_msg("code %d (%s) has status %u", c, p->slug, p->status);
	}
}

static void slugs_are_unique(void **state)
{
	(void)state;
	for (int a = 0; a < PROBLEM__COUNT; a++)
		for (int b = a + 1; b < PROBLEM__COUNT; b++)
			if (strcmp(problem_info((enum problem_code)a)->slug,
				   problem_info((enum problem_code)b)->slug) == 0)
				fail_msg("codes %d and %d share the slug %s", a, b,
					 problem_info((enum problem_code)a)->slug);
}

static void slugs_are_lowercase_url_safe_words(void **state)
{
	(void)state;
	for (int c = 0; c < PROBLEM__COUNT; c++) {
		const char *s = problem_info((enum problem_code)c)->slug;
		for (const char *p = s; *p; p++)
			if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
			      *p == '-'))
				fail_msg("slug \"%s\" has '%c'", s, *p);
		assert_true(s[0] != '-' && s[strlen(s) - 1] != '-');
	}
}

static void type_uri_is_problems_slash_slug(void **state)
{
	(void)state;
	char buf[128];
	problem_type_uri(PROBLEM_NOT_FOUND, buf, sizeof buf);
	assert_string_equal(buf, "/problems/not-found");
	problem_type_uri(PROBLEM_CSRF, buf, sizeof buf);
	assert_string_equal(buf, "/problems/csrf");
	for (int c = 0; c < PROBLEM__COUNT; c++) {
		char want[128];
		snprintf(want, sizeof want, "/problems/%s",
			 problem_info((enum problem_code)c)->slug);
		problem_type_uri((enum problem_code)c, buf, sizeof buf);
		assert_string_equal(buf, want);
	}
}

static void type_uri_is_truncated_safely(void **state)
{
	(void)state;
	char buf[16];
	memset(buf, 'X', sizeof buf);
	problem_type_uri(PROBLEM_UNSUPPORTED_MEDIA_TYPE, buf, 8);
	assert_string_equal(buf, "/proble");
	for (size_t i = 8; i < sizeof buf; i++)
		assert_int_equal(buf[i], 'X');
}

static void out_of_range_code_falls_back_to_internal(void **state)
{
	(void)state;
	assert_ptr_equal(problem_info(PROBLEM__COUNT), problem_info(PROBLEM_INTERNAL));
	assert_ptr_equal(problem_info((enum problem_code) - 1), problem_info(PROBLEM_INTERNAL));
}

static void codes_map_to_their_http_statuses(void **state)
{
	(void)state;
	static const struct {
		enum problem_code code;
		unsigned status;
	} want[] = {
		{PROBLEM_BAD_REQUEST, 400},
		{PROBLEM_MALFORMED_JSON, 400},
		{PROBLEM_INVALID_FIELD, 400},
		{PROBLEM_MISSING_FIELD, 400},
		{PROBLEM_UNKNOWN_FIELD, 400},
		{PROBLEM_INVALID_PARAMETER, 400},
		{PROBLEM_UNKNOWN_PARAMETER, 400},
		{PROBLEM_UNAUTHORIZED, 401},
		{PROBLEM_BAD_SIGNATURE, 401},
		{PROBLEM_FORBIDDEN, 403},
		{PROBLEM_CSRF, 403},
		{PROBLEM_NOT_PERMITTED, 403},
		{PROBLEM_NOT_FOUND, 404},
		{PROBLEM_METHOD_NOT_ALLOWED, 405},
		{PROBLEM_CONFLICT, 409},
		{PROBLEM_IMMUTABLE, 409},
		{PROBLEM_ILLEGAL_TRANSITION, 409},
		{PROBLEM_STATE_CHANGED, 409},
		{PROBLEM_NOT_READY, 409},
		{PROBLEM_PAYLOAD_TOO_LARGE, 413},
		{PROBLEM_URI_TOO_LONG, 414},
		{PROBLEM_UNSUPPORTED_MEDIA_TYPE, 415},
		{PROBLEM_RATE_LIMITED, 429},
		{PROBLEM_INTERNAL, 500},
		{PROBLEM_DB_UNAVAILABLE, 503},
		{PROBLEM_SHUTTING_DOWN, 503},
		{PROBLEM_BUSY, 503},
	};
	assert_int_equal(sizeof want / sizeof want[0], PROBLEM__COUNT);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (problem_info(want[i].code)->status != want[i].status)
			fail_msg("%s: status %u, want %u", problem_info(want[i].code)->slug,
				 problem_info(want[i].code)->status, want[i].status);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_code_has_a_slug_title_and_error_status),
		cmocka_unit_test(slugs_are_unique),
		cmocka_unit_test(slugs_are_lowercase_url_safe_words),
		cmocka_unit_test(type_uri_is_problems_slash_slug),
		cmocka_unit_test(type_uri_is_truncated_safely),
		cmocka_unit_test(out_of_range_code_falls_back_to_internal),
		cmocka_unit_test(codes_map_to_their_http_statuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
