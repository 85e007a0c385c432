/*
 * test_clock.c — RFC 3339 parsing and formatting, the override that pins
 * "now", and SHIPLOG_NOW handling.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "shiplog/clock.h"

#define S(x)		  ((int64_t)(x)*1000000)
#define T_2026_11_26_0900 S(1795683600)

static int reset_clock(void **state)
{
	(void)state;
	clock_set_override(0);
	return 0;
}

static int64_t parse_ok(const char *s)
{
	int64_t us = -42;
	if (!clock_parse_rfc3339(s, &us))
		fail_msg("refused \"%s\"", s);
	return us;
}

static void parse_refused(const char *s)
{
	int64_t us = -42;
	if (clock_parse_rfc3339(s, &us))
		fail_msg("accepted \"%s\"", s);
	assert_int_equal(us, -42); /* untouched on failure */
}

static void utc_times_parse_to_epoch_microseconds(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2026-11-26T09:00:00Z"), T_2026_11_26_0900);
	assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(parse_ok("1970-01-01T00:00:01Z"), S(1));
	assert_int_equal(parse_ok("2026-01-01T00:00:00Z"), S(1767225600));
	assert_int_equal(parse_ok("9999-12-31T23:59:59Z"), S(253402300799LL));
	/* RFC 3339 allows lower-case t/z and (5.6 note) a space */
	assert_int_equal(parse_ok("2026-11-26t09:00:00z"), T_2026_11_26_0900);
	assert_int_equal(parse_ok("2026-11-26 09:00:00Z"), T_2026_11_26_0900);
}

static void offsets_convert_to_utc(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2026-11-26T10:00:00+01:00"), T_2026_11_26_0900);
	assert_int_equal(parse_ok("2026-11-26T03:30:00-05:30"), T_2026_11_26_0900);
	assert_int_equal(parse_ok("2026-11-25T23:00:00-10:00"), T_2026_11_26_0900);
	assert_int_equal(parse_ok("2026-11-26T22:45:00+13:45"), T_2026_11_26_0900);
	assert_int_equal(parse_ok("2026-11-26T09:00:00+00:00"), T_2026_11_26_0900);
	assert_int_equal(parse_ok("2026-11-26T09:00:00-00:00"), T_2026_11_26_0900);
	assert_int_equal(parse_ok("2026-11-26T10:00:00.25+01:00"), T_2026_11_26_0900 + 250000);
}

static void fractions_add_microseconds(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2026-11-26T09:00:00.5Z"), T_2026_11_26_0900 + 500000);
	assert_int_equal(parse_ok("2026-11-26T09:00:00.000001Z"), T_2026_11_26_0900 + 1);
	assert_int_equal(parse_ok("2026-11-26T09:00:00.123456Z"), T_2026_11_26_0900 + 123456);
	/* digits past microseconds are dropped, not rounded */
	assert_int_equal(parse_ok("2026-11-26T09:00:00.1234567Z"), T_2026_11_26_0900 + 123456);
	assert_int_equal(parse_ok("2026-11-26T09:00:00.999999999Z"), T_2026_11_26_0900 + 999999);
	parse_refused("2026-11-26T09:00:00.Z");
	parse_refused("2026-11-26T09:00:00.1234567890Z");
	parse_refused("2026-11-26T09:00:00,5Z");
}

static void leap_days_are_valid_only_in_leap_years(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2024-02-29T12:00:00Z"), S(1709208000));
	assert_int_equal(parse_ok("2000-02-29T00:00:00Z"), S(951782400));
	parse_refused("2023-02-29T12:00:00Z");
	parse_refused("2100-02-29T00:00:00Z");
	parse_refused("2026-02-30T00:00:00Z");
	parse_refused("2024-02-30T00:00:00Z");
	parse_refused("2026-04-31T00:00:00Z");
	parse_refused("2026-06-31T00:00:00Z");
	parse_refused("2026-09-31T00:00:00Z");
	parse_refused("2026-11-31T00:00:00Z");
	assert_true(parse_ok("2026-12-31T00:00:00Z") > 0);
}

/* Second 60 is no instant a POSIX clock has: timegm() would carry it into
 * the next minute (on 31 December, into the next year). */
static void leap_second_is_refused(void **state)
{
	(void)state;
	parse_refused("2016-12-31T23:59:60Z");
	parse_refused("2026-12-31T23:59:60Z");
	parse_refused("2026-06-30T23:59:60+00:00");
	assert_int_equal(parse_ok("2016-12-31T23:59:59Z"), S(1483228799));
}

static void refusals_say_why(void **state)
{
	(void)state;
	static const struct {
		const char *text, *why;
	} cases[] = {
		{"2026-12-31T23:59:60Z", "not a valid time: second 60"},
		{"2026-11-26T24:00:00Z", "not a valid time: hour 24"},
		{"2026-11-26T09:60:00Z", "not a valid time: minute 60"},
		{"2026-02-30T09:00:00Z", "not a valid date: day 30 of 2026-02"},
		{"2023-02-29T09:00:00Z", "not a valid date: day 29 of 2023-02"},
		{"2026-04-31T09:00:00Z", "not a valid date: day 31 of 2026-04"},
		{"2026-13-01T09:00:00Z", "not a valid date: month 13"},
		{"1969-12-31T23:59:59Z", "before 1970"},
		{"1970-01-01T00:00:00+01:00", "out of range (1970 to 9999, UTC)"},
		{"2026-11-26", "expected an RFC 3339 time like 2026-01-31T12:00:00Z"},
		{"2026-11-26T09:00:00", "expected an RFC 3339 time like 2026-01-31T12:00:00Z"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t us = -42;
		char why[96] = "";
		assert_false(clock_parse_rfc3339_why(cases[i].text, &us, why, sizeof why));
		assert_int_equal(us, -42);
		if (strcmp(why, cases[i].why))
			fail_msg("%s: \"%s\", expected \"%s\"", cases[i].text, why, cases[i].why);
	}
	int64_t us = 0;
	char why[96] = "untouched";
	assert_true(clock_parse_rfc3339_why("2026-11-26T09:00:00Z", &us, why, sizeof why));
	assert_int_equal(us, T_2026_11_26_0900);
}

/* Second 60 must not switch off the day check either. */
static void invalid_leap_day_is_refused_even_with_second_60(void **state)
{
	(void)state;
	parse_refused("2023-02-29T23:59:60Z");
	parse_refused("2026-02-29T12:00:60Z");
}

static void missing_zone_is_refused(void **state)
{
	(void)state;
	parse_refused("2026-11-26T09:00:00");
	parse_refused("2026-11-26T09:00:00.5");
	parse_refused("2026-11-26T09:00:00+01");
	parse_refused("2026-11-26T09:00:00+0100");
	parse_refused("2026-11-26T09:00:00 UTC");
	parse_refused("2026-11-26T09:00:00GMT");
}

static void malformed_times_are_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"2026-11-26",
		"2026-11-26T09:00Z",
		"2026-11-26T9:00:00Z",
		"2026-11-26X09:00:00Z",
		"2026/11/26T09:00:00Z",
		" 2026-11-26T09:00:00Z",
		"2026-11-26T09:00:00Z ",
		"2026-11-26T09:00:00ZZ",
		"2026-11-26T09:00:00+01:00Z",
		"2026-00-26T09:00:00Z",
		"2026-13-26T09:00:00Z",
		"2026-11-00T09:00:00Z",
		"2026-11-32T09:00:00Z",
		"2026-11-26T24:00:00Z",
		"2026-11-26T09:60:00Z",
		"2026-11-26T09:00:61Z",
		"2026-11-26T09:00:00+24:00",
		"2026-11-26T09:00:00+01:60",
		"+2026-11-26T09:00:00Z",
		"twenty-twenty-six!!!",
		"2026-11-26T09:00:00\xc3\xa9",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		parse_refused(bad[i]);
}

static void format_writes_utc_seconds(void **state)
{
	(void)state;
	char buf[32];
	clock_format_rfc3339(T_2026_11_26_0900, buf, sizeof buf);
	assert_string_equal(buf, "2026-11-26T09:00:00Z");
	clock_format_rfc3339(T_2026_11_26_0900 + 999999, buf, sizeof buf);
	assert_string_equal(buf, "2026-11-26T09:00:00Z");
	clock_format_rfc3339(0, buf, sizeof buf);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	clock_format_rfc3339(-1, buf, sizeof buf);
	assert_string_equal(buf, "1969-12-31T23:59:59Z");
}

static void format_us_keeps_the_microseconds(void **state)
{
	(void)state;
	char buf[40];
	clock_format_rfc3339_us(T_2026_11_26_0900 + 250000, buf, sizeof buf);
	assert_string_equal(buf, "2026-11-26T09:00:00.250000Z");
	clock_format_rfc3339_us(T_2026_11_26_0900 + 999999, buf, sizeof buf);
	assert_string_equal(buf, "2026-11-26T09:00:00.999999Z");
	clock_format_rfc3339_us(-1, buf, sizeof buf);
	assert_string_equal(buf, "1969-12-31T23:59:59.999999Z");
	int64_t back = 0;
	clock_format_rfc3339_us(T_2026_11_26_0900 + 7, buf, sizeof buf);
	assert_true(clock_parse_rfc3339(buf, &back));
	assert_int_equal(back, T_2026_11_26_0900 + 7);
}

static void deadline_is_normalised_and_ahead(void **state)
{
	(void)state;
	for (int64_t ms = 0; ms < 3000; ms += 999) {
		struct timespec before, ts;
		clock_gettime(CLOCK_REALTIME, &before);
		clock_deadline_after_ms(&ts, ms);
		assert_true(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L);
		int64_t ahead_ms = ((int64_t)ts.tv_sec - before.tv_sec) * 1000 +
				   (ts.tv_nsec - before.tv_nsec) / 1000000;
		assert_true(ahead_ms >= ms && ahead_ms < ms + 1000);
	}
}

static void format_and_parse_round_trip(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"2026-11-26T09:00:00Z", "2024-02-29T23:59:59Z", "2000-01-01T00:00:00Z",
		"1970-01-01T00:00:00Z", "2038-01-19T03:14:08Z", "9999-12-31T23:59:59Z",
	};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		char buf[32];
		clock_format_rfc3339(parse_ok(texts[i]), buf, sizeof buf);
		assert_string_equal(buf, texts[i]);
	}
	/* and from a number: whole seconds survive */
	for (int64_t us = S(1); us < S(4000000000LL); us = us * 3 + S(7)) {
		char buf[32];
		clock_format_rfc3339(us, buf, sizeof buf);
		assert_int_equal(parse_ok(buf), us - us % 1000000);
	}
	char buf[32];
	clock_format_rfc3339(parse_ok("2026-11-26T10:00:00+01:00"), buf, sizeof buf);
	assert_string_equal(buf, "2026-11-26T09:00:00Z");
}

static void override_pins_now_and_zero_restores_the_real_clock(void **state)
{
	(void)state;
	clock_set_override(T_2026_11_26_0900 + 5);
	assert_int_equal(clock_now_us(), T_2026_11_26_0900 + 5);
	assert_int_equal(clock_now_us(), T_2026_11_26_0900 + 5);
	assert_int_equal(clock_now_s(), 1795683600);
	clock_set_override(S(1000));
	assert_int_equal(clock_now_s(), 1000);

	clock_set_override(0);
	int64_t real = (int64_t)time(NULL);
	int64_t now = clock_now_s();
	assert_true(now >= real - 5 && now <= real + 5);
}

static void monotonic_clock_does_not_go_back(void **state)
{
	(void)state;
	clock_set_override(S(1000)); /* the override does not touch it */
	int64_t a = clock_monotonic_ms();
	int64_t b = clock_monotonic_ms();
	assert_true(b >= a);
	assert_true(a > 0);
}

static void init_from_env_pins_a_valid_time(void **state)
{
	(void)state;
	assert_true(clock_init_from_env("2026-11-26T09:00:00Z"));
	assert_int_equal(clock_now_us(), T_2026_11_26_0900);
	assert_true(clock_init_from_env("2026-11-26T10:00:00.5+01:00"));
	assert_int_equal(clock_now_us(), T_2026_11_26_0900 + 500000);
}

static void init_from_env_without_a_value_changes_nothing(void **state)
{
	(void)state;
	clock_set_override(S(1234));
	assert_true(clock_init_from_env(NULL));
	assert_int_equal(clock_now_us(), S(1234));
	assert_true(clock_init_from_env(""));
	assert_int_equal(clock_now_us(), S(1234));
}

static void init_from_env_with_a_bad_value_returns_false_and_keeps_the_clock(void **state)
{
	(void)state;
	clock_set_override(S(1234));
	assert_false(clock_init_from_env("tomorrow"));
	assert_false(clock_init_from_env("2026-11-26T09:00:00"));
	assert_false(clock_init_from_env("2026-02-30T09:00:00Z"));
	assert_int_equal(clock_now_us(), S(1234));
}

static void offsets_cannot_leave_the_supported_range(void **state)
{
	(void)state;
	int64_t us;
	assert_false(clock_parse_rfc3339("1970-01-01T00:00:00+01:00", &us));
	assert_false(clock_parse_rfc3339("9999-12-31T23:59:59-01:00", &us));
	assert_true(clock_parse_rfc3339("1970-01-01T01:00:00+01:00", &us));
	assert_int_equal(us, 0);
}

/* The calendar: days from 1970-01-01 and back agree with timegm()/gmtime_r()
 * on every day of 1900..2400 (leap centuries included), and the weekday. */
static void calendar_days_agree_with_the_c_library(void **state)
{
	(void)state;
	assert_int_equal(clock_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(clock_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(clock_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(clock_days_from_civil(9999, 12, 31), 2932896);
	int64_t first = clock_days_from_civil(1900, 1, 1);
	int64_t last = clock_days_from_civil(2400, 12, 31);
	for (int64_t day = first; day <= last; day++) {
		time_t t = (time_t)(day * 86400);
		struct tm tm;
		gmtime_r(&t, &tm);
		int y, m, d;
		clock_civil_from_days(day, &y, &m, &d);
		if (y != tm.tm_year + 1900 || m != tm.tm_mon + 1 || d != tm.tm_mday ||
		    clock_weekday_of_days(day) != tm.tm_wday)
			fail_msg("day %lld: %04d-%02d-%02d weekday %d", (long long)day, y, m, d,
				 clock_weekday_of_days(day));
		if (clock_days_from_civil(y, m, d) != day)
			fail_msg("day %lld does not round-trip", (long long)day);
	}
	assert_int_equal(clock_weekday_of_days(0), 4); /* a Thursday */
	assert_int_equal(clock_weekday_of_days(-1), 3);
}

static void calendar_months_and_leap_years(void **state)
{
	(void)state;
	assert_true(clock_is_leap_year(2024));
	assert_true(clock_is_leap_year(2000));
	assert_false(clock_is_leap_year(2100));
	assert_false(clock_is_leap_year(2026));
	assert_int_equal(clock_days_in_month(2024, 2), 29);
	assert_int_equal(clock_days_in_month(2100, 2), 28);
	assert_int_equal(clock_days_in_month(2026, 1), 31);
	assert_int_equal(clock_days_in_month(2026, 4), 30);
	assert_int_equal(clock_days_in_month(2026, 12), 31);
	assert_int_equal(clock_days_in_month(2026, 0), 0);
	assert_int_equal(clock_days_in_month(2026, 13), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(calendar_days_agree_with_the_c_library),
		cmocka_unit_test(calendar_months_and_leap_years),
		cmocka_unit_test(offsets_cannot_leave_the_supported_range),
		cmocka_unit_test_teardown(utc_times_parse_to_epoch_microseconds, reset_clock),
		cmocka_unit_test_teardown(offsets_convert_to_utc, reset_clock),
		cmocka_unit_test_teardown(fractions_add_microseconds, reset_clock),
		cmocka_unit_test_teardown(leap_days_are_valid_only_in_leap_years, reset_clock),
		cmocka_unit_test_teardown(leap_second_is_refused, reset_clock),
		cmocka_unit_test_teardown(refusals_say_why, reset_clock),
		cmocka_unit_test_teardown(invalid_leap_day_is_refused_even_with_second_60,
					  reset_clock),
		cmocka_unit_test_teardown(missing_zone_is_refused, reset_clock),
		cmocka_unit_test_teardown(malformed_times_are_refused, reset_clock),
		cmocka_unit_test_teardown(format_writes_utc_seconds, reset_clock),
		cmocka_unit_test_teardown(format_us_keeps_the_microseconds, reset_clock),
		cmocka_unit_test(deadline_is_normalised_and_ahead),
		cmocka_unit_test_teardown(format_and_parse_round_trip, reset_clock),
		cmocka_unit_test_teardown(override_pins_now_and_zero_restores_the_real_clock,
					  reset_clock),
		cmocka_unit_test_teardown(monotonic_clock_does_not_go_back, reset_clock),
		cmocka_unit_test_teardown(init_from_env_pins_a_valid_time, reset_clock),
		cmocka_unit_test_teardown(init_from_env_without_a_value_changes_nothing,
					  reset_clock),
		cmocka_unit_test_teardown(
			init_from_env_with_a_bad_value_returns_false_and_keeps_the_clock,
			reset_clock),
	};
	return cmocka_run_group_tests(tests, reset_clock, reset_clock);
}
