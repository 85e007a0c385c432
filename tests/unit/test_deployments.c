/*
 * test_deployments.c — the decisions of recording a deployment
 * (domain/deployments.h), without a database: what a fact is written as
 * (rank, tiebreak, start and end), when a report counts as a change, when
 * a reported deployment was true, what a GitHub deployment or status
 * becomes, and what an artifact offered again means.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "domain/deployments.h"
#include "domain/flux_revision.h"
#include "domain/tiebreak.h"

#define SHA "07a684d59d1bc9a58e0c0d07ed480812b2b9a29e"
#define SHA_UPPER "07A684D59D1BC9A58E0C0D07ED480812B2B9A29E"
#define T1 "2026-03-01T10:00:00Z"
#define T2 "2026-03-01T10:05:00Z"
#define NOW "2026-03-01T11:00:00Z"
#define DIGEST_A "sha256:4f0b7e4d2a1f9c3b8e6d5a4c3b2a1908f7e6d5c4b3a29180706f5e4d3c2b1a09"
#define DIGEST_B "sha256:0000000000000000000000000000000000000000000000000000000000000001"

static struct deployment_fact fact(const char *status)
{
	return (struct deployment_fact){.status = status, .event_at = T1, .revision_key = SHA};
}

static void a_fact_without_rank_time_or_key_is_not_written(void **state)
{
	(void)state;
	struct deployment_write w;
	struct deployment_fact f = fact("pending"); /* GitHub's word, not a status */
	assert_false(deployment_write_plan(&f, &w));
	f = fact(NULL);
	assert_false(deployment_write_plan(&f, &w));
	f = fact("success");
	f.event_at = NULL;
	assert_false(deployment_write_plan(&f, &w));
	f = fact("success");
	f.revision_key = NULL;
	assert_false(deployment_write_plan(&f, &w));
	f = fact("queued");
	assert_true(deployment_write_plan(&f, &w));
	assert_int_equal(w.rank, 1);
}

static void a_final_status_ends_at_its_event_unless_told(void **state)
{
	(void)state;
	struct deployment_write w;
	struct deployment_fact f = fact("in_progress");
	assert_true(deployment_write_plan(&f, &w));
	assert_int_equal(w.rank, 2);
	assert_string_equal(w.started_at, T1);
	assert_null(w.finished_at); /* not final: no end */

	f = fact("failure");
	assert_true(deployment_write_plan(&f, &w));
	assert_int_equal(w.rank, 3);
	assert_string_equal(w.started_at, T1);
	assert_string_equal(w.finished_at, T1);

	f = fact("success");
	f.started_at = "2026-03-01T09:00:00Z";
	f.finished_at = T2;
	assert_true(deployment_write_plan(&f, &w));
	assert_string_equal(w.started_at, "2026-03-01T09:00:00Z");
	assert_string_equal(w.finished_at, T2);

	/* an explicit end is kept even for a status that is not final (the API
	 * refuses that before; the plan does not second-guess it) */
	f = fact("queued");
	f.finished_at = T2;
	assert_true(deployment_write_plan(&f, &w));
	assert_string_equal(w.finished_at, T2);
}

static void the_tiebreak_hashes_status_reason_and_message(void **state)
{
	(void)state;
	struct deployment_write w, w2;
	struct deployment_fact f = fact("success");
	f.reason = "ReconciliationSucceeded";
	f.message = "Release reconciliation succeeded";
	assert_true(deployment_write_plan(&f, &w));
	char expected[65];
	tiebreak_hash("success|ReconciliationSucceeded|Release reconciliation succeeded", expected);
	assert_string_equal(w.tiebreak, expected);

	/* no reason, no message: empty parts */
	f = fact("failure");
	assert_true(deployment_write_plan(&f, &w));
	tiebreak_hash("failure||", expected);
	assert_string_equal(w.tiebreak, expected);

	/* the tiebreak depends on the status, not on times */
	f = fact("failure");
	f.event_at = T2;
	assert_true(deployment_write_plan(&f, &w2));
	assert_string_equal(w.tiebreak, w2.tiebreak);
	f = fact("error");
	assert_true(deployment_write_plan(&f, &w2));
	assert_string_not_equal(w.tiebreak, w2.tiebreak);
}

static void the_tiebreak_reads_500_of_the_reason_and_600_of_the_message(void **state)
{
	(void)state;
	char reason[700], reason2[700], message[900], message2[900];
	memset(reason, 'r', sizeof reason - 1);
	reason[sizeof reason - 1] = '\0';
	memcpy(reason2, reason, sizeof reason);
	memset(message, 'm', sizeof message - 1);
	message[sizeof message - 1] = '\0';
	memcpy(message2, message, sizeof message);
	struct deployment_write w, w2;
	struct deployment_fact f = fact("success");
	f.reason = reason;
	f.message = message;
	assert_true(deployment_write_plan(&f, &w));
	/* past the parts the tiebreak reads: the same tiebreak */
	reason2[500] = 'X';
	message2[600] = 'X';
	f.reason = reason2;
	f.message = message2;
	assert_true(deployment_write_plan(&f, &w2));
	assert_string_equal(w.tiebreak, w2.tiebreak);
	/* within them: another one */
	reason2[499] = 'X';
	assert_true(deployment_write_plan(&f, &w2));
	assert_string_not_equal(w.tiebreak, w2.tiebreak);
	reason2[499] = 'r';
	message2[599] = 'X';
	assert_true(deployment_write_plan(&f, &w2));
	assert_string_not_equal(w.tiebreak, w2.tiebreak);
}

static void a_report_changes_what_it_creates_moves_or_completes(void **state)
{
	(void)state;
	struct deployment_state none = {0};
	struct deployment_state queued = {.exists = true, .status = "queued"};
	struct deployment_state queued_commit = {.exists = true, .status = "queued",
						 .has_commit = true};
	struct deployment_state success = {.exists = true, .status = "success"};
	/* new row */
	assert_true(deployment_changed(&none, &queued, true));
	assert_true(deployment_changed(&none, &queued, false));
	/* a repeat */
	assert_false(deployment_changed(&queued, &queued, false));
	/* a later status */
	assert_true(deployment_changed(&queued, &success, false));
	/* a late "in progress" the merge rule kept out changes nothing */
	assert_false(deployment_changed(&success, &success, false));
	/* the commit learnt */
	assert_true(deployment_changed(&queued, &queued_commit, false));
	assert_false(deployment_changed(&queued_commit, &queued_commit, false));
}

static void a_report_is_true_at_its_end_now_or_its_start(void **state)
{
	(void)state;
	struct deployment_fact f = fact("success");
	f.event_at = NULL;
	f.started_at = T1;
	f.finished_at = T2;
	assert_string_equal(deployment_report_event_at(&f, NOW), T2);
	f.finished_at = NULL; /* final without an end: true now */
	assert_string_equal(deployment_report_event_at(&f, NOW), NOW);
	f.status = "in_progress";
	assert_string_equal(deployment_report_event_at(&f, NOW), T1);
	f.started_at = NULL;
	assert_string_equal(deployment_report_event_at(&f, NOW), NOW);
	f.status = "queued";
	f.finished_at = T2; /* an end wins whatever the status */
	assert_string_equal(deployment_report_event_at(&f, NOW), T2);
}

static void github_states_map_to_statuses(void **state)
{
	(void)state;
	assert_string_equal(deployment_github_status("pending"), "queued");
	static const char *const same[] = {"queued", "in_progress", "success", "failure",
					   "error", "inactive"};
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
		assert_string_equal(deployment_github_status(same[i]), same[i]);
	assert_null(deployment_github_status("waiting"));
	assert_null(deployment_github_status("SUCCESS"));
	assert_null(deployment_github_status(""));
}

static struct github_deployment_row github_row(char kind, const char *state)
{
	return (struct github_deployment_row){.kind = kind,
					      .state = state,
					      .event_at = T1,
					      .description = "deploy to staging",
					      .url = "https://example.com/log",
					      .sha = SHA,
					      .ref = "main",
					      .github_id = 12345678901LL,
					      .repository_id = 7,
					      .environment_id = 3};
}

static void a_github_status_becomes_a_fact(void **state)
{
	(void)state;
	char origin[80];
	struct deployment_fact f;
	struct github_deployment_row row = github_row('s', "success");
	assert_true(deployment_fact_from_github(&row, origin, sizeof origin, &f));
	assert_string_equal(origin, "github:7:12345678901");
	assert_ptr_equal(f.origin_key, origin);
	assert_string_equal(f.source, "github");
	assert_int_equal(f.environment_id, 3);
	assert_int_equal(f.repository_id, 7);
	assert_string_equal(f.revision, SHA);
	assert_string_equal(f.revision_kind, "git");
	assert_string_equal(f.revision_key, SHA);
	assert_string_equal(f.commit_sha, SHA);
	assert_string_equal(f.ref, "main");
	assert_string_equal(f.status, "success");
	assert_string_equal(f.event_at, T1);
	assert_string_equal(f.message, "deploy to staging");
	assert_string_equal(f.url, "https://example.com/log");
	assert_string_equal(f.reason, "success"); /* a status's reason: its state */
	assert_null(f.chart_version);
	assert_int_equal(f.n_artifact_digests, 0);

	/* the deployment itself: queued, reason "deployment" */
	row = github_row('d', "queued");
	assert_true(deployment_fact_from_github(&row, origin, sizeof origin, &f));
	assert_string_equal(f.status, "queued");
	assert_string_equal(f.reason, "deployment");
	row = github_row('s', "pending");
	assert_true(deployment_fact_from_github(&row, origin, sizeof origin, &f));
	assert_string_equal(f.status, "queued");
	assert_string_equal(f.reason, "pending");
}

static void a_github_row_without_status_or_commit_is_no_fact(void **state)
{
	(void)state;
	char origin[80];
	struct deployment_fact f;
	struct github_deployment_row row = github_row('s', "waiting");
	assert_false(deployment_fact_from_github(&row, origin, sizeof origin, &f));
	row = github_row('s', "success");
	row.sha = NULL;
	assert_false(deployment_fact_from_github(&row, origin, sizeof origin, &f));
	row.sha = SHA_UPPER; /* the query lower-cases it: anything else is no commit */
	assert_false(deployment_fact_from_github(&row, origin, sizeof origin, &f));
	row.sha = "07a684d";
	assert_false(deployment_fact_from_github(&row, origin, sizeof origin, &f));
	row.sha = "main";
	assert_false(deployment_fact_from_github(&row, origin, sizeof origin, &f));
}

static void a_written_fact_of_a_revision_keys_what_it_deployed(void **state)
{
	(void)state;
	struct flux_revision buf;
	struct deployment_fact f = {0};
	assert_true(deployment_fact_revision(&f, "main@sha1:" SHA, &buf));
	assert_string_equal(f.revision_kind, "git");
	assert_string_equal(f.revision_key, SHA);
	assert_string_equal(f.commit_sha, SHA);
	assert_string_equal(f.ref, "main");
	f = (struct deployment_fact){0};
	assert_true(deployment_fact_revision(&f, "0.38.1@" DIGEST_A, &buf));
	assert_string_equal(f.revision_kind, "digest");
	assert_string_equal(f.revision_key, DIGEST_A);
	assert_string_equal(f.revision_digest, DIGEST_A);
	assert_string_equal(f.chart_version, "0.38.1");
	f = (struct deployment_fact){0};
	assert_true(deployment_fact_revision(&f, "not a revision", &buf));
	assert_string_equal(f.revision_kind, "other");
	assert_string_equal(f.revision_key, "not a revision");
	f = (struct deployment_fact){0};
	assert_false(deployment_fact_revision(&f, "", &buf));
	assert_false(deployment_fact_revision(&f, NULL, &buf));
}

static void an_artifact_offered_again_keeps_its_digest(void **state)
{
	(void)state;
	assert_int_equal(artifact_offer_verdict(DIGEST_A, DIGEST_A), ARTIFACT_SAME);
	assert_int_equal(artifact_offer_verdict(DIGEST_A, DIGEST_B), ARTIFACT_OTHER_DIGEST);
	assert_int_equal(artifact_offer_verdict(NULL, DIGEST_B), ARTIFACT_DIGEST_LEARNT);
	/* an offer without a digest contradicts nothing */
	assert_int_equal(artifact_offer_verdict(DIGEST_A, NULL), ARTIFACT_SAME);
	assert_int_equal(artifact_offer_verdict(NULL, NULL), ARTIFACT_SAME);
	/* digests compare exactly (they are stored lower-case) */
	assert_int_equal(artifact_offer_verdict("sha256:ab", "sha256:AB"), ARTIFACT_OTHER_DIGEST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_fact_without_rank_time_or_key_is_not_written),
		cmocka_unit_test(a_final_status_ends_at_its_event_unless_told),
		cmocka_unit_test(the_tiebreak_hashes_status_reason_and_message),
		cmocka_unit_test(the_tiebreak_reads_500_of_the_reason_and_600_of_the_message),
		cmocka_unit_test(a_report_changes_what_it_creates_moves_or_completes),
		cmocka_unit_test(a_report_is_true_at_its_end_now_or_its_start),
		cmocka_unit_test(github_states_map_to_statuses),
		cmocka_unit_test(a_github_status_becomes_a_fact),
		cmocka_unit_test(a_github_row_without_status_or_commit_is_no_fact),
		cmocka_unit_test(a_written_fact_of_a_revision_keys_what_it_deployed),
		cmocka_unit_test(an_artifact_offered_again_keeps_its_digest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
