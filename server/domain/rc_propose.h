/*
 * domain/rc_propose.h — the version proposed for a repository's next release
 * candidate (GET /api/v1/release-candidates/proposal).  Pure; unit-tested in
 * tests/unit/test_rc_propose.c.
 *
 * THE PREVIOUS RELEASE is the highest (SemVer precedence, rc_version_compare)
 * of the repository's shipped releases; versions that are not SemVer are left
 * out.
 *
 * THE TARGET is the release being prepared: the highest target (rc_target_of
 * under the RC pattern) of the repository's RCs above the previous release — a
 * release in progress gets its next RC — else the previous release with its
 * minor number raised and patch 0 (v0.37.0 → v0.38.0, keeping a leading "v"),
 * else, with nothing released and no RC, v0.1.0.
 *
 * THE VERSION follows the pattern P0*P1*P2 (an fnmatch glob with two '*' and
 * none of '?', '[', '\\'): P0, the target's numbers (the target without P0,
 * or without its leading "v"), P1, N, P2, where N is one more than the highest
 * N of the RCs of that target written that way (1 for the first): previous
 * release v0.37.0, pattern v*-rc.* → v0.38.0-rc.1; with v0.38.0-rc.1 cut →
 * v0.38.0-rc.2.  A pattern with one '*' (P0*P1) has one RC per release: P0,
 * the numbers, P1 — nothing when that RC exists.  Any other pattern proposes
 * nothing.
 */
#ifndef SHIPLOG_DOMAIN_RC_PROPOSE_H
#define SHIPLOG_DOMAIN_RC_PROPOSE_H

#include <stdbool.h>
#include <stddef.h>

struct rc_proposal {
	char version[192];  /* "" when none can be proposed */
	char target[128];   /* the release being prepared */
	char previous[128]; /* the previous release, "" when none */
};

/* The proposal for a repository whose shipped releases are released[0..nr)
 * and whose RC versions (any state) are rcs[0..nc), under rc_pattern (NULL:
 * "v*-rc.*").  True when out->version holds a version; out->target and
 * out->previous are filled either way. */
bool rc_propose(const char *const *released, size_t nr, const char *const *rcs, size_t nc,
		const char *rc_pattern, struct rc_proposal *out);

#endif
