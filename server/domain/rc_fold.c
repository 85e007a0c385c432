/*
 * rc_fold.c — what cutting an RC and folding a GitHub release decide (see
 * rc.h, "CUTTING AND FOLDING"): where a new RC starts, which older RCs it
 * supersedes, when an API cut conflicts with the RC it names, and which RC
 * a published release ships.  db/release_candidates.c runs the statements.
 */
#include <stdio.h>
#include <string.h>

#include "domain/rc.h"

bool rc_state_is_open(const char *state)
{
	int st = rc_state_parse(state);
	return st >= 0 && !rc_state_closed((enum rc_state)st);
}

void rc_arrival_decide(const char *version, const char *target, const char *commit,
		       const struct rc_sibling *sib, size_t n, const struct rc_release_fact *rel,
		       struct rc_arrival *out)
{
	memset(out, 0, sizeof *out);
	out->newer = -1;
	for (size_t i = 0; i < n; i++)
		if (rc_version_compare(sib[i].version, version) > 0 &&
		    (out->newer < 0 || rc_version_compare(sib[i].version, sib[out->newer].version) > 0))
			out->newer = (int)i;
	bool ours = rel && rel->found && !rel->has_rc &&
		    (!rel->commit || (commit && !strcmp(rel->commit, commit)));
	if (ours) {
		out->arrives = RC_ARRIVES_RELEASED;
		snprintf(out->reason, sizeof out->reason,
			 "%.200s was already released from this commit", target);
	} else if ((rel && rel->found) || out->newer >= 0) {
		out->arrives = RC_ARRIVES_SUPERSEDED;
		if (out->newer >= 0)
			snprintf(out->reason, sizeof out->reason, "superseded by %.200s",
				 sib[out->newer].version);
		else
			snprintf(out->reason, sizeof out->reason, "%.200s was already released",
				 target);
	} else {
		out->arrives = RC_ARRIVES_OPEN;
	}
}

bool rc_supersedes(const char *version, const struct rc_sibling *older)
{
	return rc_state_is_open(older->state) && rc_version_compare(older->version, version) < 0;
}

bool rc_cut_conflicts(const char *version, const char *stored_commit, const char *commit,
		      bool other_digests, const char *stored_digests, char *why, size_t why_size)
{
	if (stored_commit && stored_commit[0] && commit && strcmp(stored_commit, commit)) {
		snprintf(why, why_size, "commit: %s is already cut at %s", version, stored_commit);
		return true;
	}
	if (other_digests) {
		snprintf(why, why_size, "artifacts: %s already ships %s", version, stored_digests);
		return true;
	}
	return false;
}

/* How well an RC fits a published release: its own version (4), the
 * released commit (3), still open (2), not rejected (1). */
static int release_rank(const char *tag, const char *sha, const struct rc_sibling *rc)
{
	int st = rc_state_parse(rc->state);
	return !strcmp(rc->version, tag)					   ? 4
	       : sha && rc->commit && !strcmp(rc->commit, sha) && st != RC_REJECTED ? 3
	       : st >= 0 && !rc_state_closed((enum rc_state)st)			   ? 2
	       : st != RC_REJECTED						   ? 1
										   : 0;
}

int rc_release_pick(const char *tag, const char *sha, const struct rc_sibling *rcs, size_t n)
{
	int pick = -1, rank = 0;
	for (size_t i = 0; i < n; i++) {
		int r = release_rank(tag, sha, &rcs[i]);
		if (r > rank || (r == rank && r > 0 && pick >= 0 &&
				 rc_version_compare(rcs[i].version, rcs[pick].version) > 0)) {
			pick = (int)i;
			rank = r;
		}
	}
	return pick;
}
