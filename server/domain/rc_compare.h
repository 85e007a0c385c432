/*
 * domain/rc_compare.h — two release candidates compared, who has not tried
 * one yet, and asking for feedback: pure functions of the read models
 * db/release_candidates_compare.h and db/feedback_requests.h load (no
 * database), unit-tested in tests/unit/test_rc_compare.c.
 *
 * COMPARE.  Two RCs of one repository, `base` and `head` (any two: the
 * same target or not, either older):
 *   pull_requests  added: the PRs head contains and base does not; removed:
 *                  the other way round (matched by number).  Each side's PRs
 *                  are those merged on the default branch up to its commit
 *                  since one common place (the release before the lower of
 *                  the two targets), so a PR both contain is in neither list.
 *   artifacts      matched by kind and name (an artifact shiplog does not
 *                  know by its digest), the newest of each on each side (an
 *                  RC known by its commit ships every build of it: main's,
 *                  the RC tag's, the release's): changed (both have it,
 *                  other digests), added (only head), removed (only base);
 *                  `unchanged` counts the rest.
 *   gates          the readiness gates whose status differs (a gate only one
 *                  side evaluates has null on the other), in head's order.
 *   feedback       carried over: base's concerns and blocks that are not
 *                  resolved, each with `to_recheck` (head is a later RC of
 *                  the same target: the RC page lists it to re-check) and
 *                  `rechecked_on_head` (the newest feedback its author gave
 *                  on head, or null).
 *
 * UNTRIED.  Per team with a required sign-off (releases.gates.approvals):
 * its explicitly named members (teams[].members that are addresses, not
 * "*@domain" patterns) and the people seen before (authors of feedback on
 * the repository's other RCs whom the configuration maps to that team),
 * without those who gave feedback on this RC; each person once per team,
 * named members first (in configuration order), then the others by when
 * they were last seen (newest first).  Addresses compare in any case.
 *
 * ASKING FOR FEEDBACK.  An RC may be asked about again
 * RC_FEEDBACK_REQUEST_INTERVAL_S seconds after the last request (a flood of
 * messages to every sink is refused with 429 and Retry-After); the message
 * names the RC, a one-line summary of its changes and the feedback form.
 */
#ifndef SHIPLOG_RC_COMPARE_H
#define SHIPLOG_RC_COMPARE_H

#include <jansson.h>
#include <stdint.h>

#include "shiplog/config.h"

/* One side of a comparison, as loaded (all borrowed). */
struct rc_compare_side {
	const json_t *rc;	 /* the RC's summary object */
	const json_t *prs;	 /* [{number, title, ...}] (see COMPARE) */
	const json_t *artifacts; /* [{digest, id, kind, name, version}] */
	const json_t *readiness; /* {verdict, gates: [{gate, title, status, reason}]} */
	const json_t *feedback;	 /* every feedback on it, as Feedback objects, oldest first */
};

/* {base, head, same_target, pull_requests {added, removed}, artifacts
 * {changed, added, removed, unchanged}, gates, feedback {carried_over}}
 * (new object; base and head are copies of the summaries with "verdict"). */
json_t *rc_answer_compare(const struct rc_compare_side *base, const struct rc_compare_side *head);

/* {release_candidate, teams: [{team, min, untried: [{person, named, seen}],
 * tried: [{person, verdict, given_at}]}]} for the RC `summary` (the
 * reference is taken).  `seen`: [{author, version, given_at}] of feedback
 * on the repository's other RCs, newest first; `given`: the feedback on
 * this RC [{author, verdict, given_at}], oldest first. */
json_t *rc_answer_untried(const struct config *cfg, json_t *summary, const json_t *seen,
			  const json_t *given);

/* How long a request for feedback on an RC last asked at `last_us` (0:
 * never) must wait at `now_us`: 0 when it may go now, else whole seconds
 * (rounded up). */
#define RC_FEEDBACK_REQUEST_INTERVAL_S 900
long rc_feedback_request_wait(int64_t last_us, int64_t now_us);

/* "14 changes since v0.36.0: 6 Enhancements, 4 Bugs, 4 Uncategorized;
 * 2 new since v0.37.0-rc.1" from a changes answer (rc_answer_changes):
 * a new string. */
char *rc_changes_summary(const json_t *changes);

#endif
