/*
 * test_rc_compare.c — two RCs compared, who has not tried one, and the
 * rules of asking for feedback (domain/rc_compare.h), from read models
 * written out here, without a database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "domain/rc_compare.h"

static json_t *js(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, 0, &err);
	if (!v)
		fail_msg("bad JSON in the test: %s: %s", err.text, text);
	return v;
}

static const char *str_at(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	if (!s)
		fail_msg("no string %s", key);
	return s;
}

static void compare_matches_artifacts_by_kind_and_name_and_gates_by_key(void **state)
{
	(void)state;
	json_t *brc = js("{\"id\":1,\"version\":\"v1.0.0-rc.1\",\"target\":\"v1.0.0\"}");
	json_t *hrc = js("{\"id\":2,\"version\":\"v1.0.0-rc.2\",\"target\":\"v1.0.0\"}");
	json_t *bprs = js("[{\"number\":1},{\"number\":2},{\"number\":5}]");
	json_t *hprs = js("[{\"number\":1},{\"number\":2},{\"number\":3},{\"number\":4}]");
	json_t *barts = js("[{\"kind\":\"image\",\"name\":\"app\",\"version\":\"1\",\"digest\":\"d1\"},"
			   "{\"kind\":\"chart\",\"name\":\"app\",\"version\":\"1\",\"digest\":\"d2\"},"
			   "{\"kind\":null,\"name\":null,\"version\":null,\"digest\":\"dx\"}]");
	/* two builds of the image on head: the newest (last) is the one compared */
	json_t *harts = js("[{\"kind\":\"image\",\"name\":\"app\",\"version\":\"main\",\"digest\":\"d9\"},"
			   "{\"kind\":\"image\",\"name\":\"app\",\"version\":\"2\",\"digest\":\"d3\"},"
			   "{\"kind\":\"chart\",\"name\":\"app\",\"version\":\"1\",\"digest\":\"d2\"},"
			   "{\"kind\":null,\"name\":null,\"version\":null,\"digest\":\"dx\"},"
			   "{\"kind\":\"binary\",\"name\":\"cli\",\"version\":\"2\",\"digest\":\"d4\"}]");
	json_t *bready = js("{\"verdict\":\"pending\",\"gates\":["
			    "{\"gate\":\"ci\",\"title\":\"CI\",\"status\":\"passed\",\"reason\":\"ok\"},"
			    "{\"gate\":\"artifacts\",\"title\":\"A\",\"status\":\"failed\",\"reason\":\"x\"},"
			    "{\"gate\":\"staging\",\"title\":\"S\",\"status\":\"pending\",\"reason\":\"s\"}]}");
	json_t *hready = js("{\"verdict\":\"ready\",\"gates\":["
			    "{\"gate\":\"ci\",\"title\":\"CI\",\"status\":\"passed\",\"reason\":\"other words\"},"
			    "{\"gate\":\"artifacts\",\"title\":\"A\",\"status\":\"passed\",\"reason\":\"y\"},"
			    "{\"gate\":\"feedback\",\"title\":\"F\",\"status\":\"passed\",\"reason\":\"f\"}]}");
	json_t *bfb = js("[{\"id\":10,\"author\":\"Ann@Example.com\",\"verdict\":\"block\",\"status\":\"open\"},"
			 "{\"id\":11,\"author\":\"bob@example.com\",\"verdict\":\"approve\",\"status\":\"open\"},"
			 "{\"id\":12,\"author\":\"cy@example.com\",\"verdict\":\"concern\",\"status\":\"resolved\"},"
			 "{\"id\":13,\"author\":\"dee@example.com\",\"verdict\":\"concern\",\"status\":\"acknowledged\"}]");
	json_t *hfb = js("[{\"id\":20,\"author\":\"ann@example.com\",\"verdict\":\"concern\",\"status\":\"open\","
			 "\"comment\":\"better\",\"given_at\":\"2026-03-02T10:00:00Z\"},"
			 "{\"id\":21,\"author\":\"ann@example.com\",\"verdict\":\"approve\",\"status\":\"open\","
			 "\"comment\":null,\"given_at\":\"2026-03-03T10:00:00Z\"}]");
	struct rc_compare_side b = {brc, bprs, barts, bready, bfb};
	struct rc_compare_side h = {hrc, hprs, harts, hready, hfb};
	json_t *o = rc_answer_compare(&b, &h);

	assert_string_equal(str_at(json_object_get(o, "base"), "verdict"), "pending");
	assert_string_equal(str_at(json_object_get(o, "head"), "verdict"), "ready");
	assert_true(json_is_true(json_object_get(o, "same_target")));
	/* the summaries given are not changed */
	assert_null(json_object_get(brc, "verdict"));

	json_t *prs = json_object_get(o, "pull_requests");
	json_t *want = js("{\"added\":[{\"number\":3},{\"number\":4}],\"removed\":[{\"number\":5}]}");
	assert_true(json_equal(prs, want));
	json_decref(want);

	json_t *arts = json_object_get(o, "artifacts");
	want = js("{\"changed\":[{\"kind\":\"image\",\"name\":\"app\","
		  "\"base\":{\"version\":\"1\",\"digest\":\"d1\"},"
		  "\"head\":{\"version\":\"2\",\"digest\":\"d3\"}}],"
		  "\"added\":[{\"kind\":\"binary\",\"name\":\"cli\",\"version\":\"2\",\"digest\":\"d4\"}],"
		  "\"removed\":[],\"unchanged\":2}");
	assert_true(json_equal(arts, want));
	json_decref(want);

	/* ci: the same status (another reason) is no change; staging only on
	 * base, feedback only on head */
	json_t *gates = json_object_get(o, "gates");
	want = js("[{\"gate\":\"artifacts\",\"title\":\"A\",\"base\":{\"status\":\"failed\","
		  "\"reason\":\"x\"},\"head\":{\"status\":\"passed\",\"reason\":\"y\"}},"
		  "{\"gate\":\"feedback\",\"title\":\"F\",\"base\":null,"
		  "\"head\":{\"status\":\"passed\",\"reason\":\"f\"}},"
		  "{\"gate\":\"staging\",\"title\":\"S\",\"base\":{\"status\":\"pending\","
		  "\"reason\":\"s\"},\"head\":null}]");
	assert_true(json_equal(gates, want));
	json_decref(want);

	/* carried over: Ann's block (re-checked: her newest feedback on head,
	 * her address in another case) and Dee's acknowledged concern; not
	 * an approval, not a resolved concern */
	const json_t *carried = json_object_get(json_object_get(o, "feedback"), "carried_over");
	assert_int_equal(json_array_size(carried), 2);
	const json_t *ann = json_array_get(carried, 0), *dee = json_array_get(carried, 1);
	assert_int_equal(json_integer_value(json_object_get(ann, "id")), 10);
	assert_true(json_is_true(json_object_get(ann, "to_recheck")));
	const json_t *again = json_object_get(ann, "rechecked_on_head");
	assert_int_equal(json_integer_value(json_object_get(again, "id")), 21);
	assert_string_equal(str_at(again, "verdict"), "approve");
	assert_int_equal(json_integer_value(json_object_get(dee, "id")), 13);
	assert_true(json_is_null(json_object_get(dee, "rechecked_on_head")));
	json_decref(o);

	/* head of another target, or an earlier RC: nothing to re-check */
	json_object_set_new(hrc, "target", json_string("v1.1.0"));
	o = rc_answer_compare(&b, &h);
	assert_true(json_is_false(json_object_get(o, "same_target")));
	carried = json_object_get(json_object_get(o, "feedback"), "carried_over");
	assert_true(json_is_false(json_object_get(json_array_get(carried, 0), "to_recheck")));
	json_decref(o);
	json_object_set_new(hrc, "target", json_string("v1.0.0"));
	json_object_set_new(hrc, "version", json_string("v1.0.0-rc.0"));
	o = rc_answer_compare(&b, &h);
	carried = json_object_get(json_object_get(o, "feedback"), "carried_over");
	assert_true(json_is_false(json_object_get(json_array_get(carried, 0), "to_recheck")));
	json_decref(o);

	json_t *all[] = {brc, hrc, bprs, hprs, barts, harts, bready, hready, bfb, hfb};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		json_decref(all[i]);
}

static const char config_text[] =
	"teams:\n"
	"  - name: sales\n"
	"    members: [\"ann@example.com\", \"Ben@example.com\", \"*@sales.example.com\"]\n"
	"  - name: support\n"
	"    members: [\"sue@example.com\"]\n"
	"  - name: engineering\n"
	"    members: [\"*@eng.example.com\", \"zed@sales.example.com\"]\n"
	"releases:\n"
	"  gates:\n"
	"    approvals:\n"
	"      - {team: sales, min: 2}\n"
	"      - {team: support, min: 1}\n";

static char *no_env(const char *name)
{
	(void)name;
	return NULL;
}

static void untried_names_members_and_people_seen_before(void **state)
{
	(void)state;
	struct config_error err;
	struct config *cfg = config_load_string("t.yaml", config_text, strlen(config_text), no_env,
						&err);
	if (!cfg)
		fail_msg("%s", err.message);
	/* seen newest first; zed is named in engineering (an address beats a
	 * pattern), yan matches sales' pattern, carl is engineering's */
	json_t *seen = js("[{\"author\":\"yan@sales.example.com\",\"version\":\"v1-rc.2\","
			  "\"given_at\":\"2026-03-04T10:00:00Z\"},"
			  "{\"author\":\"ben@example.com\",\"version\":\"v1-rc.1\","
			  "\"given_at\":\"2026-03-03T10:00:00Z\"},"
			  "{\"author\":\"zed@sales.example.com\",\"version\":\"v1-rc.1\","
			  "\"given_at\":\"2026-03-02T10:00:00Z\"},"
			  "{\"author\":\"old@sales.example.com\",\"version\":\"v0-rc.1\","
			  "\"given_at\":\"2026-01-02T10:00:00Z\"},"
			  "{\"author\":\"carl@eng.example.com\",\"version\":\"v1-rc.1\","
			  "\"given_at\":\"2026-03-01T10:00:00Z\"},"
			  "{\"author\":\"Sales Person\",\"version\":\"v1-rc.1\","
			  "\"given_at\":\"2026-03-01T10:00:00Z\"}]");
	/* on this RC: ANN (another case) twice, old@sales */
	json_t *given = js("[{\"author\":\"ANN@example.com\",\"verdict\":\"concern\","
			   "\"given_at\":\"2026-03-05T09:00:00Z\"},"
			   "{\"author\":\"old@sales.example.com\",\"verdict\":\"approve\","
			   "\"given_at\":\"2026-03-05T09:30:00Z\"},"
			   "{\"author\":\"ANN@example.com\",\"verdict\":\"approve\","
			   "\"given_at\":\"2026-03-05T10:00:00Z\"}]");
	json_t *o = rc_answer_untried(cfg, json_pack("{s:i}", "id", 7), seen, given);
	json_t *want = js(
		"{\"release_candidate\":{\"id\":7},\"teams\":["
		"{\"team\":\"sales\",\"min\":2,"
		"\"untried\":[{\"person\":\"Ben@example.com\",\"named\":true,"
		"\"seen\":{\"version\":\"v1-rc.1\",\"given_at\":\"2026-03-03T10:00:00Z\"}},"
		"{\"person\":\"yan@sales.example.com\",\"named\":false,"
		"\"seen\":{\"version\":\"v1-rc.2\",\"given_at\":\"2026-03-04T10:00:00Z\"}}],"
		"\"tried\":[{\"person\":\"ANN@example.com\",\"verdict\":\"approve\","
		"\"given_at\":\"2026-03-05T10:00:00Z\"},"
		"{\"person\":\"old@sales.example.com\",\"verdict\":\"approve\","
		"\"given_at\":\"2026-03-05T09:30:00Z\"}]},"
		"{\"team\":\"support\",\"min\":1,"
		"\"untried\":[{\"person\":\"sue@example.com\",\"named\":true,\"seen\":null}],"
		"\"tried\":[]}]}");
	if (!json_equal(o, want)) {
		char *got = json_dumps(o, JSON_COMPACT);
		fail_msg("untried: %s", got);
	}
	json_decref(want);
	json_decref(o);
	json_decref(seen);
	json_decref(given);
	config_free(cfg);
}

static void a_request_waits_out_the_interval(void **state)
{
	(void)state;
	const int64_t s = 1000000, t0 = 1770000000 * s;
	assert_int_equal(rc_feedback_request_wait(0, t0), 0);
	assert_int_equal(rc_feedback_request_wait(t0, t0), RC_FEEDBACK_REQUEST_INTERVAL_S);
	assert_int_equal(rc_feedback_request_wait(t0, t0 + 1), RC_FEEDBACK_REQUEST_INTERVAL_S);
	assert_int_equal(rc_feedback_request_wait(t0, t0 + 60 * s), 840);
	assert_int_equal(rc_feedback_request_wait(t0, t0 + RC_FEEDBACK_REQUEST_INTERVAL_S * s - 1),
			 1);
	assert_int_equal(rc_feedback_request_wait(t0, t0 + RC_FEEDBACK_REQUEST_INTERVAL_S * s), 0);
	/* a clock set back: still waits, never more than the interval and a bit */
	assert_true(rc_feedback_request_wait(t0, t0 - 10 * s) > RC_FEEDBACK_REQUEST_INTERVAL_S);
}

static void the_summary_of_changes_counts_groups(void **state)
{
	(void)state;
	json_t *changes = js("{\"count\":5,\"previous_release\":{\"version\":\"v0.9.0\"},"
			     "\"groups\":{\"enhancement\":[{},{}],\"ui\":[],\"bug\":[{}],"
			     "\"test\":[],\"dependencies\":[],\"uncategorised\":[{},{}]},"
			     "\"since_previous_rc\":{\"release_candidate\":{\"version\":\"v1.0.0-rc.1\"},"
			     "\"added\":[{}],\"removed\":[]}}");
	char *s = rc_changes_summary(changes);
	assert_string_equal(s, "5 changes since v0.9.0: 2 Enhancements, 1 Bugs, 2 Uncategorized; "
			       "1 new since v1.0.0-rc.1");
	free(s);
	json_decref(changes);
	changes = js("{\"count\":1,\"previous_release\":null,\"groups\":{\"bug\":[{}]},"
		     "\"since_previous_rc\":null}");
	s = rc_changes_summary(changes);
	assert_string_equal(s, "1 change: 1 Bugs");
	free(s);
	json_decref(changes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(compare_matches_artifacts_by_kind_and_name_and_gates_by_key),
		cmocka_unit_test(untried_names_members_and_people_seen_before),
		cmocka_unit_test(a_request_waits_out_the_interval),
		cmocka_unit_test(the_summary_of_changes_counts_groups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
