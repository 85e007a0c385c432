/*
 * test_rc_answers.c — the answers about release candidates assembled from
 * loaded facts (domain/rc_answers.h), without a database: one RC, what to
 * re-check, what it runs on, the readiness gate sequence, the changes and
 * the journey's last steps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "domain/rc_answers.h"

#define SHA "0123456789abcdef0123456789abcdef01234567"

static const char *str_at(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void one_rc_gets_its_transitions_and_where_its_artifacts_come_from(void **state)
{
	(void)state;
	json_t *o = rc_answer_rc(json_pack("{s:s, s:[s]}", "version", "v1.0.0-rc.1",
					   "artifact_digests", "sha256:aa"),
				 json_array(), json_array(), "testing", json_array());
	assert_non_null(o);
	assert_string_equal(str_at(o, "artifacts_from"), "digests");
	json_t *allowed = json_object_get(o, "allowed_transitions");
	assert_int_equal(json_array_size(allowed), 2);
	assert_string_equal(json_string_value(json_array_get(allowed, 0)), "approved");
	assert_string_equal(json_string_value(json_array_get(allowed, 1)), "rejected");
	assert_true(json_is_true(json_object_get(o, "feedback_open")));
	assert_true(json_is_array(json_object_get(o, "to_recheck")));
	json_decref(o);

	/* released: closed, nothing allowed; no digests: from the commit */
	o = rc_answer_rc(json_pack("{s:[]}", "artifact_digests"), json_array(), json_array(),
			 "released", json_array());
	assert_string_equal(str_at(o, "artifacts_from"), "commit");
	assert_int_equal(json_array_size(json_object_get(o, "allowed_transitions")), 0);
	assert_true(json_is_false(json_object_get(o, "feedback_open")));
	json_decref(o);

	/* a summary that is not an object is no answer */
	assert_null(rc_answer_rc(json_null(), json_array(), json_array(), "draft", json_array()));
}

static void only_feedback_of_earlier_rcs_is_to_recheck(void **state)
{
	(void)state;
	json_t *carried = json_pack("[{s:s, s:{s:i}}, {s:s, s:{s:i}}, {s:s, s:{s:i}}]", "version",
				    "v1.0.0-rc.9", "feedback", "id", 1, "version", "v1.0.0-rc.11",
				    "feedback", "id", 2, "version", "v1.0.0-rc.10", "feedback",
				    "id", 3);
	json_t *out = rc_answer_recheck("v1.0.0-rc.10", carried);
	/* rc.9 is earlier than rc.10 (numerically); rc.11 and rc.10 itself are not */
	assert_int_equal(json_array_size(out), 1);
	json_t *f = json_array_get(out, 0);
	assert_int_equal(json_integer_value(json_object_get(f, "id")), 1);
	assert_true(json_is_true(json_object_get(f, "to_recheck")));
	json_decref(out);
	json_decref(carried);
}

static void running_shows_the_staging_deployment(void **state)
{
	(void)state;
	struct rc_staging_row st = {0};
	st.found = true;
	st.environment = "staging";
	st.has_deployment = true;
	st.deployment_id = 7;
	st.revision = "v1.0.0-rc.1";
	st.commit = "";
	st.status = "success";
	json_t *o = rc_answer_running("v1.0.0-rc.1", SHA, json_array(), &st);
	assert_string_equal(str_at(o, "rc"), "v1.0.0-rc.1");
	assert_string_equal(str_at(o, "commit"), SHA);
	json_t *s = json_object_get(o, "staging");
	assert_string_equal(str_at(s, "environment"), "staging");
	assert_int_equal(json_integer_value(json_object_get(s, "deployment_id")), 7);
	assert_true(json_is_null(json_object_get(s, "commit"))); /* unknown commit: null */
	json_decref(o);

	st.found = false;
	o = rc_answer_running("v1.0.0-rc.1", "", json_array(), &st);
	assert_true(json_is_null(json_object_get(o, "staging")));
	assert_true(json_is_null(json_object_get(o, "commit"))); /* no commit yet: null */
	json_decref(o);
}

static struct config gates_config(void)
{
	struct config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.gates.ci = cfg.gates.smoke_tests = cfg.gates.artifacts = cfg.gates.staging = true;
	cfg.gates.soak_seconds = 1800;
	return cfg;
}

static const char *gate_key(const json_t *answer, size_t i)
{
	return str_at(json_array_get(json_object_get(answer, "gates"), i), "gate");
}

static void the_gate_sequence_lists_the_gates_that_apply_in_order(void **state)
{
	(void)state;
	struct config cfg = gates_config();
	struct rc_readiness_facts f = {0};
	f.version = "v1.0.0-rc.1";
	f.commit = "";
	/* no required artifacts, no staging environment: those gates are out */
	assert_false(rc_readiness_gate_on(&cfg, "artifacts"));
	assert_true(rc_readiness_gate_on(&cfg, "feedback"));
	json_t *o = rc_answer_readiness(&cfg, &f, json_pack("{s:i}", "id", 1), 0);
	json_t *gates = json_object_get(o, "gates");
	assert_int_equal(json_array_size(gates), 3);
	assert_string_equal(gate_key(o, 0), "ci");
	assert_string_equal(gate_key(o, 1), "smoke_tests");
	assert_string_equal(gate_key(o, 2), "feedback");
	/* the commit is not known: CI waits */
	assert_string_equal(str_at(json_array_get(gates, 0), "status"), "pending");
	assert_string_equal(str_at(json_array_get(gates, 0), "reason"),
			    "the RC's commit is not known yet");
	assert_string_equal(str_at(o, "verdict"), "pending");
	assert_true(json_is_false(json_object_get(o, "ready")));
	assert_string_equal(str_at(o, "evaluated_at"), "1970-01-01T00:00:00Z");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "release_candidate"),
							   "id")),
			 1);
	json_decref(o);

	/* a named staging environment that does not exist fails its gate; CI
	 * switched off is not listed */
	cfg.gates.ci = false;
	char env[] = "stage";
	cfg.gates.staging_environment = env;
	o = rc_answer_readiness(&cfg, &f, json_object(), 0);
	assert_int_equal(json_array_size(json_object_get(o, "gates")), 3);
	assert_string_equal(gate_key(o, 0), "smoke_tests");
	assert_string_equal(gate_key(o, 1), "staging");
	json_t *stg = json_array_get(json_object_get(o, "gates"), 1);
	assert_string_equal(str_at(stg, "status"), "failed");
	assert_non_null(strstr(str_at(stg, "reason"), "no environment named stage"));
	assert_string_equal(str_at(o, "verdict"), "failed");
	json_decref(o);
}

static void the_gates_not_passed_are_listed_for_a_refusal_or_an_override(void **state)
{
	(void)state;
	struct config cfg = gates_config();
	struct rc_readiness_facts f = {0};
	f.version = "v1.0.0-rc.1";
	f.commit = "";
	json_t *o = rc_answer_readiness(&cfg, &f, json_object(), 0);
	json_t *unready = rc_readiness_unready(o);
	/* ci and smoke tests wait for the commit; feedback passed (no quorum
	 * configured, no block) and is not listed */
	assert_int_equal(json_array_size(unready), 2);
	json_t *g = json_array_get(unready, 0);
	assert_string_equal(str_at(g, "name"), "ci");
	assert_string_equal(str_at(g, "status"), "pending");
	assert_string_equal(str_at(g, "reason"), "the RC's commit is not known yet");
	assert_int_equal(json_object_size(g), 3);
	assert_string_equal(str_at(json_array_get(unready, 1), "name"), "smoke_tests");
	json_decref(unready);
	/* a ready answer lists none */
	json_t *gates = json_object_get(o, "gates");
	size_t i;
	json_t *each;
	json_array_foreach(gates, i, each)
		json_object_set_new(each, "status", json_string("passed"));
	unready = rc_readiness_unready(o);
	assert_int_equal(json_array_size(unready), 0);
	json_decref(unready);
	json_decref(o);
}

static void blocks_of_later_rcs_do_not_hold_an_rc_back(void **state)
{
	(void)state;
	struct config cfg = gates_config();
	cfg.gates.ci = cfg.gates.smoke_tests = false;
	char team[] = "QA";
	struct config_approval need = {team, 1};
	cfg.gates.approvals = &need;
	cfg.gates.n_approvals = 1;
	struct rc_approval_row approvals[] = {{"qa", 1}};
	struct rc_block_fact later = {9, "bob", "qa", "v1.0.0-rc.3", NULL, true};
	struct rc_readiness_facts f = {0};
	f.version = "v1.0.0-rc.2";
	f.commit = SHA;
	f.approvals = approvals;
	f.n_approvals = 1;
	f.blocks = &later;
	f.n_blocks = 1;
	json_t *o = rc_answer_readiness(&cfg, &f, json_object(), 0);
	/* QA's approval counts (any case), the later RC's block does not */
	assert_string_equal(str_at(o, "verdict"), "ready");
	assert_true(json_is_true(json_object_get(o, "ready")));
	json_decref(o);

	/* a block carried over from an earlier RC does */
	struct rc_block_fact earlier = {8, "ann", "qa", "v1.0.0-rc.1", "login", true};
	f.blocks = &earlier;
	o = rc_answer_readiness(&cfg, &f, json_object(), 0);
	assert_string_equal(str_at(o, "verdict"), "failed");
	json_t *g = json_array_get(json_object_get(o, "gates"), 0);
	assert_string_equal(str_at(g, "gate"), "feedback");
	assert_non_null(strstr(str_at(g, "reason"), "ann"));
	json_decref(o);
}

static json_t *pr(int number, const char *label)
{
	return label ? json_pack("{s:i, s:s, s:[s]}", "number", number, "title", "t", "labels",
				 label)
		     : json_pack("{s:i, s:s, s:[]}", "number", number, "title", "t", "labels");
}

static void changes_are_grouped_counted_and_compared(void **state)
{
	(void)state;
	json_t *prs = json_array();
	json_array_append_new(prs, pr(1, "bug"));
	json_array_append_new(prs, pr(2, "exclude from release notes"));
	json_array_append_new(prs, pr(3, NULL));
	json_t *prev = json_array();
	json_array_append_new(prev, pr(1, "bug"));
	json_array_append_new(prev, pr(4, NULL));
	json_t *since = rc_answer_since_rc(5, "v1.0.0-rc.1", "", prs, prev);
	json_t *added = json_object_get(since, "added"), *removed = json_object_get(since, "removed");
	assert_int_equal(json_array_size(added), 2); /* #2 and #3 */
	assert_int_equal(json_integer_value(json_object_get(json_array_get(added, 0), "number")), 2);
	assert_int_equal(json_array_size(removed), 1); /* #4 */
	assert_int_equal(json_integer_value(json_object_get(json_array_get(removed, 0), "number")),
			 4);
	assert_true(
		json_is_null(json_object_get(json_object_get(since, "release_candidate"), "commit")));
	json_decref(prev);

	json_t *o = rc_answer_changes(json_object(), SHA, NULL, prs, since);
	assert_int_equal(json_integer_value(json_object_get(o, "count")), 2); /* not #2 */
	json_t *groups = json_object_get(o, "groups");
	assert_int_equal(json_array_size(json_object_get(groups, "bug")), 1);
	assert_int_equal(json_array_size(json_object_get(groups, "uncategorised")), 1);
	assert_int_equal(json_array_size(json_object_get(o, "excluded")), 1);
	assert_int_equal(json_array_size(json_object_get(o, "pull_requests")), 3);
	assert_true(json_is_null(json_object_get(o, "previous_release")));
	/* grouping labels each PR, also the ones shared with since_previous_rc */
	json_t *first_added = json_array_get(
		json_object_get(json_object_get(o, "since_previous_rc"), "added"), 1);
	assert_string_equal(str_at(first_added, "category"), "uncategorised");
	json_decref(o);
}

static json_t *rc(int id, const char *version, const char *target, const char *cut,
		  const char *first_feedback, int approve)
{
	return json_pack("{s:i, s:s, s:s, s:s, s:{s:s?, s:i, s:i, s:i}}", "id", id, "version",
			 version, "target", target, "cut_at", cut, "feedback", "first_at",
			 first_feedback, "approve", approve, "concern", 0, "block", 0);
}

static void the_journey_follows_the_release_that_shipped_the_change(void **state)
{
	(void)state;
	json_t *rcs = json_array();
	json_array_append_new(rcs, rc(1, "v1.0.0-rc.1", "v1.0.0", "2026-01-01T00:00:00Z",
				      "2026-01-02T00:00:00Z", 1));
	json_array_append_new(rcs, rc(2, "v1.0.0-rc.2", "v1.0.0", "2026-01-03T00:00:00Z",
				      "2026-01-01T12:00:00Z", 2));
	json_array_append_new(rcs, rc(3, "v1.1.0-rc.1", "v1.1.0", "2026-01-05T00:00:00Z", NULL, 0));
	json_t *releases = json_pack(
		"[{s:i, s:s, s:s, s:i}, {s:i, s:s, s:s, s:i}]", "id", 10, "version", "v1.0.0",
		"released_at", "2026-01-04T00:00:00Z", "rc_id", 2, "id", 11, "version", "v1.1.0",
		"released_at", "2026-01-06T00:00:00Z", "rc_id", 3);
	json_t *steps = json_array(), *also = json_object();
	rc_answer_journey(rcs, releases, steps, also);
	assert_int_equal(json_array_size(steps), 3);
	json_t *in_rc = json_array_get(steps, 0), *fb = json_array_get(steps, 1),
	       *rel = json_array_get(steps, 2);
	assert_string_equal(str_at(in_rc, "title"), "In RC v1.0.0-rc.1");
	assert_string_equal(str_at(in_rc, "status"), "done");
	assert_string_equal(str_at(in_rc, "at"), "2026-01-01T00:00:00Z");
	/* the candidates of v1.0.0 up to the one released: rc.1 and rc.2 */
	assert_int_equal(
		json_array_size(json_object_get(json_object_get(in_rc, "detail"), "release_candidates")),
		2);
	/* feedback: from the first word on any of them, counts summed */
	assert_string_equal(str_at(fb, "at"), "2026-01-01T12:00:00Z");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(fb, "detail"),
							    "approve")),
			 3);
	assert_string_equal(str_at(rel, "title"), "Released in v1.0.0");
	assert_string_equal(str_at(rel, "at"), "2026-01-04T00:00:00Z");
	/* the others only contain it too */
	json_t *also_rcs = json_object_get(also, "release_candidates");
	assert_int_equal(json_array_size(also_rcs), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(also_rcs, 0), "id")), 3);
	assert_int_equal(json_array_size(json_object_get(also, "releases")), 1);
	json_decref(steps);
	json_decref(also);

	/* nothing yet: three pending steps */
	json_t *none = json_array();
	steps = json_array();
	also = json_object();
	rc_answer_journey(none, none, steps, also);
	assert_int_equal(json_array_size(steps), 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(str_at(json_array_get(steps, i), "status"), "pending");
		assert_true(json_is_null(json_object_get(json_array_get(steps, i), "at")));
	}
	assert_string_equal(str_at(json_array_get(steps, 0), "title"), "In a release candidate");
	json_decref(steps);
	json_decref(also);
	json_decref(none);
	json_decref(rcs);
	json_decref(releases);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_rc_gets_its_transitions_and_where_its_artifacts_come_from),
		cmocka_unit_test(only_feedback_of_earlier_rcs_is_to_recheck),
		cmocka_unit_test(running_shows_the_staging_deployment),
		cmocka_unit_test(the_gate_sequence_lists_the_gates_that_apply_in_order),
		cmocka_unit_test(the_gates_not_passed_are_listed_for_a_refusal_or_an_override),
		cmocka_unit_test(blocks_of_later_rcs_do_not_hold_an_rc_back),
		cmocka_unit_test(changes_are_grouped_counted_and_compared),
		cmocka_unit_test(the_journey_follows_the_release_that_shipped_the_change),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
