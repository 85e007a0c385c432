/*
 * rc_propose.c — the version proposed for the next release candidate (the
 * rule is the comment of rc_propose.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "domain/rc.h"
#include "domain/rc_propose.h"

/* The pattern split at its '*': P0, P1, P2 and how many '*' (1 or 2); false
 * for any other shape. */
struct pattern_parts {
	char p0[64], p1[64], p2[64];
	int stars;
};

static bool pattern_split(const char *pattern, struct pattern_parts *pp)
{
	memset(pp, 0, sizeof *pp);
	if (strpbrk(pattern, "?[\\"))
		return false;
	char *parts[3] = {pp->p0, pp->p1, pp->p2};
	const char *p = pattern;
	for (int i = 0; i < 3; i++) {
		size_t n = strcspn(p, "*");
		if (n >= sizeof pp->p0)
			return false;
		memcpy(parts[i], p, n);
		parts[i][n] = '\0';
		p += n;
		if (!*p)
			break;
		p++; /* the '*' */
		pp->stars++;
	}
	if (*p || pp->stars < 1 || pp->stars > 2)
		return false;
	/* the RC number needs a literal between the two '*' */
	return pp->stars == 1 || pp->p1[0];
}

/* The target's numbers: without P0 when it starts with it, else without a
 * leading "v". */
static const char *numbers_of(const char *target, const char *p0)
{
	size_t n = strlen(p0);
	if (n && !strncmp(target, p0, n))
		return target + n;
	return *target == 'v' || *target == 'V' ? target + 1 : target;
}

/* N of an RC written P0 numbers P1 N P2, or 0 when it is not written so. */
static long rc_number(const char *version, const char *head, const char *p2)
{
	size_t n = strlen(head);
	if (strncmp(version, head, n))
		return 0;
	const char *d = version + n;
	long v = 0;
	size_t k = 0;
	while (isdigit((unsigned char)d[k]) && k < 9)
		v = v * 10 + (d[k++] - '0');
	if (k == 0 || strcmp(d + k, p2))
		return 0;
	return v;
}

bool rc_propose(const char *const *released, size_t nr, const char *const *rcs, size_t nc,
		const char *rc_pattern, struct rc_proposal *out)
{
	const char *pattern = rc_pattern && *rc_pattern ? rc_pattern : "v*-rc.*";
	struct rc_semver sv;
	memset(out, 0, sizeof *out);

	for (size_t i = 0; i < nr; i++)
		if (rc_semver_parse(released[i], &sv) &&
		    (!out->previous[0] || rc_version_compare(released[i], out->previous) > 0))
			snprintf(out->previous, sizeof out->previous, "%s", released[i]);

	/* a release in progress: the highest RC target above the previous release */
	for (size_t i = 0; i < nc; i++) {
		char t[sizeof out->target];
		if (!rc_target_of(rcs[i], pattern, t, sizeof t) || !rc_semver_parse(t, &sv))
			continue;
		if (out->previous[0] && rc_version_compare(t, out->previous) <= 0)
			continue;
		if (!out->target[0] || rc_version_compare(t, out->target) > 0)
			memcpy(out->target, t, sizeof t);
	}
	if (!out->target[0]) {
		if (out->previous[0]) {
			rc_semver_parse(out->previous, &sv);
			bool v = out->previous[0] == 'v' || out->previous[0] == 'V';
			snprintf(out->target, sizeof out->target, "%s%ld.%ld.0", v ? "v" : "",
				 sv.major, sv.minor + 1);
		} else {
			snprintf(out->target, sizeof out->target, "v0.1.0");
		}
	}

	struct pattern_parts pp;
	if (!pattern_split(pattern, &pp))
		return false;
	char head[sizeof out->version];
	int w = snprintf(head, sizeof head, "%s%s%s", pp.p0, numbers_of(out->target, pp.p0), pp.p1);
	if (w < 0 || (size_t)w >= sizeof head)
		return false;
	if (pp.stars == 1) {
		for (size_t i = 0; i < nc; i++)
			if (!strcmp(rcs[i], head))
				return false;
		memcpy(out->version, head, sizeof head);
		return true;
	}
	long next = 1;
	for (size_t i = 0; i < nc; i++) {
		long n = rc_number(rcs[i], head, pp.p2);
		if (n >= next)
			next = n + 1;
	}
	w = snprintf(out->version, sizeof out->version, "%s%ld%s", head, next, pp.p2);
	if (w < 0 || (size_t)w >= sizeof out->version) {
		out->version[0] = '\0';
		return false;
	}
	return true;
}
