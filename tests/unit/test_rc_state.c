/*
 * test_rc_state.c — the state machines of release candidates and feedback,
 * and the cadence calendar.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "domain/rc.h"
#include "shiplog/auth.h"
#include "shiplog/clock.h"

static void manual_rc_transitions_follow_the_table(void **state)
{
	(void)state;
	assert_true(rc_state_allows(RC_DRAFT, RC_TESTING));
	assert_true(rc_state_allows(RC_DRAFT, RC_REJECTED));
	assert_true(rc_state_allows(RC_TESTING, RC_APPROVED));
	assert_true(rc_state_allows(RC_TESTING, RC_REJECTED));
	assert_true(rc_state_allows(RC_APPROVED, RC_RELEASED));
	assert_true(rc_state_allows(RC_APPROVED, RC_TESTING));
	/* no skipping the testing, no going back from closed states */
	assert_false(rc_state_allows(RC_DRAFT, RC_RELEASED));
	assert_false(rc_state_allows(RC_TESTING, RC_RELEASED));
	assert_false(rc_state_allows(RC_TESTING, RC_TESTING));
	assert_false(rc_state_allows(RC_RELEASED, RC_TESTING));
	assert_false(rc_state_allows(RC_REJECTED, RC_TESTING));
	assert_false(rc_state_allows(RC_SUPERSEDED, RC_APPROVED));
	/* superseding is never manual */
	for (int s = 0; s < RC_STATE__COUNT; s++)
		assert_false(rc_state_allows((enum rc_state)s, RC_SUPERSEDED));
}

static void approving_and_releasing_need_readiness_or_an_override(void **state)
{
	(void)state;
	assert_true(rc_state_needs_readiness(RC_APPROVED));
	assert_true(rc_state_needs_readiness(RC_RELEASED));
	assert_false(rc_state_needs_readiness(RC_TESTING));
	assert_false(rc_state_needs_readiness(RC_REJECTED));
	assert_false(rc_state_needs_readiness(RC_DRAFT));
	assert_false(rc_state_needs_readiness(RC_SUPERSEDED));
	/* not ready: refused, or an override to record */
	assert_int_equal(rc_readiness_rule(RC_TESTING, RC_APPROVED, false, false),
			 RC_READINESS_REFUSE);
	assert_int_equal(rc_readiness_rule(RC_APPROVED, RC_RELEASED, false, false),
			 RC_READINESS_REFUSE);
	assert_int_equal(rc_readiness_rule(RC_TESTING, RC_APPROVED, false, true),
			 RC_READINESS_OVERRIDE);
	assert_int_equal(rc_readiness_rule(RC_APPROVED, RC_RELEASED, false, true),
			 RC_READINESS_OVERRIDE);
	/* ready: an override is no override */
	assert_int_equal(rc_readiness_rule(RC_TESTING, RC_APPROVED, true, true), RC_READINESS_GO);
	assert_int_equal(rc_readiness_rule(RC_TESTING, RC_APPROVED, true, false), RC_READINESS_GO);
	/* moves that need no readiness go whatever the gates say */
	assert_int_equal(rc_readiness_rule(RC_TESTING, RC_REJECTED, false, false), RC_READINESS_GO);
	assert_int_equal(rc_readiness_rule(RC_APPROVED, RC_TESTING, false, true), RC_READINESS_GO);
	/* staying in a state changes nothing */
	assert_int_equal(rc_readiness_rule(RC_APPROVED, RC_APPROVED, false, false),
			 RC_READINESS_GO);
}

static void an_override_reason_must_say_something(void **state)
{
	(void)state;
	assert_null(rc_override_reason_problem("CI is down; tested by hand"));
	assert_null(rc_override_reason_problem(" x "));
	assert_non_null(rc_override_reason_problem(NULL));
	assert_non_null(rc_override_reason_problem(""));
	assert_non_null(rc_override_reason_problem("   "));
	assert_non_null(rc_override_reason_problem(" \t\r\n "));
}

static void allowed_lists_name_the_next_states(void **state)
{
	(void)state;
	enum rc_state next[4];
	assert_int_equal(rc_state_allowed(RC_TESTING, next, 4), 2);
	assert_string_equal(rc_state_name(next[0]), "approved");
	assert_string_equal(rc_state_name(next[1]), "rejected");
	assert_int_equal(rc_state_allowed(RC_RELEASED, next, 4), 0);
	assert_int_equal(rc_state_allowed(RC_APPROVED, next, 1), 1);
}

static void closed_states_take_no_feedback(void **state)
{
	(void)state;
	assert_true(rc_state_closed(RC_RELEASED));
	assert_true(rc_state_closed(RC_REJECTED));
	assert_true(rc_state_closed(RC_SUPERSEDED));
	assert_false(rc_state_closed(RC_DRAFT));
	assert_false(rc_state_closed(RC_TESTING));
	assert_false(rc_state_closed(RC_APPROVED));
}

static void state_names_round_trip(void **state)
{
	(void)state;
	for (int s = 0; s < RC_STATE__COUNT; s++)
		assert_int_equal(rc_state_parse(rc_state_name((enum rc_state)s)), s);
	assert_int_equal(rc_state_parse("shipped"), -1);
	assert_int_equal(rc_state_parse(NULL), -1);
	for (int s = 0; s < FEEDBACK__COUNT; s++)
		assert_int_equal(
			rc_feedback_status_parse(rc_feedback_status_name((enum feedback_status)s)),
			s);
	assert_int_equal(rc_feedback_status_parse("closed"), -1);
}

static void feedback_status_life(void **state)
{
	(void)state;
	assert_true(rc_feedback_status_allows(FEEDBACK_OPEN, FEEDBACK_ACKNOWLEDGED));
	assert_true(rc_feedback_status_allows(FEEDBACK_OPEN, FEEDBACK_RESOLVED));
	assert_true(rc_feedback_status_allows(FEEDBACK_ACKNOWLEDGED, FEEDBACK_RESOLVED));
	assert_true(rc_feedback_status_allows(FEEDBACK_RESOLVED, FEEDBACK_OPEN));
	assert_false(rc_feedback_status_allows(FEEDBACK_ACKNOWLEDGED, FEEDBACK_OPEN));
	assert_false(rc_feedback_status_allows(FEEDBACK_RESOLVED, FEEDBACK_ACKNOWLEDGED));
	assert_false(rc_feedback_status_allows(FEEDBACK_OPEN, FEEDBACK_OPEN));
}

static int64_t day(const char *s)
{
	int64_t d;
	assert_true(rc_parse_date(s, &d));
	return d;
}

static void dates_round_trip_and_weekdays_are_right(void **state)
{
	(void)state;
	char buf[16];
	assert_int_equal(day("1970-01-01"), 0);
	assert_int_equal(clock_weekday_of_days(day("2023-08-17")), 4); /* a Thursday */
	assert_int_equal(clock_weekday_of_days(day("1969-12-31")), 3);
	rc_format_date(day("2024-02-29"), buf, sizeof buf);
	assert_string_equal(buf, "2024-02-29");
	rc_format_date(day("1960-03-01"), buf, sizeof buf);
	assert_string_equal(buf, "1960-03-01");
	int64_t d;
	assert_false(rc_parse_date("2023-02-29", &d));
	assert_false(rc_parse_date("2023-13-01", &d));
	assert_false(rc_parse_date("2023-1-01", &d));
	assert_false(rc_parse_date("2023-01-01x", &d));
}

static void cadence_every_two_weeks_on_thursday(void **state)
{
	(void)state;
	/* the reference team: v0.30.0 on 2023-08-17 ... v0.38.0 on 2023-12-07 */
	struct config_cadence c = {14, 4, (char *)(uintptr_t) "2023-08-17"};
	int64_t out;
	char buf[16];
	assert_true(rc_cadence_next(&c, day("2023-12-01"), &out));
	rc_format_date(out, buf, sizeof buf);
	assert_string_equal(buf, "2023-12-07");
	/* on the day itself */
	assert_true(rc_cadence_next(&c, day("2023-12-07"), &out));
	assert_int_equal(out, day("2023-12-07"));
	assert_true(rc_cadence_next(&c, day("2023-12-08"), &out));
	rc_format_date(out, buf, sizeof buf);
	assert_string_equal(buf, "2023-12-21");
	/* before the anchor too */
	assert_true(rc_cadence_next(&c, day("2023-08-10"), &out));
	rc_format_date(out, buf, sizeof buf);
	assert_string_equal(buf, "2023-08-17");
	assert_true(rc_cadence_previous(&c, day("2023-08-16"), &out));
	rc_format_date(out, buf, sizeof buf);
	assert_string_equal(buf, "2023-08-03");
	/* a release three days after its planned Thursday */
	assert_true(rc_cadence_previous(&c, day("2023-12-10"), &out));
	assert_int_equal(day("2023-12-10") - out, 3);
}

static void weekly_cadence_without_anchor_uses_the_weekday(void **state)
{
	(void)state;
	struct config_cadence c = {7, 2, NULL}; /* Tuesdays */
	int64_t out;
	assert_true(rc_cadence_next(&c, day("2026-03-05"), &out)); /* a Thursday */
	assert_int_equal(clock_weekday_of_days(out), 2);
	assert_int_equal(out - day("2026-03-05"), 5);
	struct config_cadence none = {0, -1, NULL};
	assert_false(rc_cadence_next(&none, 0, &out));
	assert_false(rc_cadence_previous(NULL, 0, &out));
}

static char *no_env(const char *name)
{
	(void)name;
	return NULL;
}

static struct auth_identity person(const struct config *cfg, const char *subject,
				   unsigned scopes)
{
	struct auth_identity who = {.authenticated = true, .scopes = scopes};
	snprintf(who.subject, sizeof who.subject, "%s", subject);
	const struct config_team *t = config_team_of(cfg, subject);
	snprintf(who.team, sizeof who.team, "%s", t ? t->name : "");
	return who;
}

static void feedback_is_changed_by_its_author_their_team_or_an_admin(void **state)
{
	(void)state;
	static const char yaml[] = "teams:\n"
				   "  - {name: sales, members: [\"*@sales.example.com\"]}\n"
				   "  - {name: qa, members: [\"ana@example.org\"]}\n";
	struct config_error err;
	struct config *cfg = config_load_string("t.yaml", yaml, strlen(yaml), no_env, &err);
	if (!cfg)
		fail_msg("config: %s", err.message);
	const unsigned fb = AUTH_SCOPE_FEEDBACK;
	struct auth_identity w;
	w = person(cfg, "Alice@Sales.example.com", fb);
	assert_int_equal(rc_feedback_right(cfg, &w, "alice@sales.example.com"),
			 FEEDBACK_RIGHT_AUTHOR);
	w = person(cfg, "carol@sales.example.com", fb);
	assert_int_equal(rc_feedback_right(cfg, &w, "alice@sales.example.com"),
			 FEEDBACK_RIGHT_TEAM);
	w = person(cfg, "ana@example.org", fb);
	assert_int_equal(rc_feedback_right(cfg, &w, "alice@sales.example.com"),
			 FEEDBACK_RIGHT_NONE);
	w = person(cfg, "release-bot", AUTH_SCOPE_ADMIN);
	assert_int_equal(rc_feedback_right(cfg, &w, "alice@sales.example.com"),
			 FEEDBACK_RIGHT_ADMIN);
	/* a release manager changes anyone's feedback; ci is not enough */
	w = person(cfg, "rm@example.net", AUTH_SCOPE_READ | AUTH_SCOPE_RELEASE);
	assert_int_equal(rc_feedback_right(cfg, &w, "alice@sales.example.com"),
			 FEEDBACK_RIGHT_RELEASE);
	assert_int_equal(rc_feedback_right(cfg, &w, "relay"), FEEDBACK_RIGHT_RELEASE);
	w = person(cfg, "ci-bot", AUTH_SCOPE_CI | AUTH_SCOPE_FEEDBACK);
	assert_int_equal(rc_feedback_right(cfg, &w, "alice@sales.example.com"),
			 FEEDBACK_RIGHT_NONE);
	/* an author of no team: only they (or an admin); two people of no
	 * team are not a team */
	w = person(cfg, "bob@example.net", fb);
	assert_int_equal(rc_feedback_right(cfg, &w, "relay"), FEEDBACK_RIGHT_NONE);
	assert_int_equal(rc_feedback_right(cfg, &w, "bob@example.net"), FEEDBACK_RIGHT_AUTHOR);
	w = person(cfg, "eve@example.net", fb);
	assert_int_equal(rc_feedback_right(cfg, &w, "bob@example.net"), FEEDBACK_RIGHT_NONE);
	/* nobody: no subject, not signed in */
	w = person(cfg, "", fb);
	assert_int_equal(rc_feedback_right(cfg, &w, ""), FEEDBACK_RIGHT_NONE);
	w = person(cfg, "alice@sales.example.com", fb);
	w.authenticated = false;
	assert_int_equal(rc_feedback_right(cfg, &w, "alice@sales.example.com"),
			 FEEDBACK_RIGHT_NONE);
	char why[300];
	rc_feedback_refusal(cfg, "alice@sales.example.com", "resolve", why, sizeof why);
	assert_string_equal(why, "only the author (alice@sales.example.com), their team (sales), "
				 "a release manager or an admin may resolve this feedback");
	rc_feedback_refusal(cfg, "relay", "reopen", why, sizeof why);
	assert_string_equal(why, "only the author (relay), a release manager or an admin may "
				 "reopen this feedback");
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(manual_rc_transitions_follow_the_table),
		cmocka_unit_test(approving_and_releasing_need_readiness_or_an_override),
		cmocka_unit_test(an_override_reason_must_say_something),
		cmocka_unit_test(allowed_lists_name_the_next_states),
		cmocka_unit_test(closed_states_take_no_feedback),
		cmocka_unit_test(state_names_round_trip),
		cmocka_unit_test(feedback_status_life),
		cmocka_unit_test(dates_round_trip_and_weekdays_are_right),
		cmocka_unit_test(cadence_every_two_weeks_on_thursday),
		cmocka_unit_test(weekly_cadence_without_anchor_uses_the_weekday),
		cmocka_unit_test(feedback_is_changed_by_its_author_their_team_or_an_admin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
