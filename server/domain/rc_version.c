/*
 * rc_version.c — SemVer parsing and precedence, and the target release of
 * an RC version (see rc.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/rc.h"

/* Digits only, at most 9 of them (no overflow); advances *p. */
static bool read_number(const char **p, long *out)
{
	const char *s = *p;
	size_t n = 0;
	long v = 0;
	while (isdigit((unsigned char)s[n]) && n < 10) {
		v = v * 10 + (s[n] - '0');
		n++;
	}
	if (n == 0 || n > 9)
		return false;
	*out = v;
	*p = s + n;
	return true;
}

static bool ident_chars(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
			return false;
	return s[0] != '.' && s[n - 1] != '.' && !strstr(s, "..");
}

bool rc_semver_parse(const char *version, struct rc_semver *out)
{
	memset(out, 0, sizeof *out);
	if (!version)
		return false;
	const char *p = version;
	if (*p == 'v' || *p == 'V')
		p++;
	if (!read_number(&p, &out->major) || *p++ != '.' || !read_number(&p, &out->minor) ||
	    *p++ != '.' || !read_number(&p, &out->patch))
		return false;
	if (*p == '-') {
		p++;
		const char *end = strchr(p, '+');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		/* identifiers are compared within a buffer of this size */
		if (n >= sizeof out->pre) {
			return false;
		}
		char tmp[sizeof out->pre];
		memcpy(tmp, p, n);
		tmp[n] = '\0';
		if (!ident_chars(tmp, n))
			return false;
		memcpy(out->pre, tmp, n + 1);
		p += n;
	}
	if (*p == '+') {
		p++;
		if (!ident_chars(p, strlen(p)))
			return false;
		p += strlen(p);
	}
	return *p == '\0';
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

/* SemVer §11: identifiers left to right; numeric < alphanumeric. */
static int compare_pre(const char *a, const char *b)
{
	if (!*a || !*b)
		return *a ? -1 : *b ? 1 : 0; /* a pre-release sorts before the release */
	while (*a && *b) {
		size_t na = strcspn(a, "."), nb = strcspn(b, ".");
		bool da = all_digits(a, na), db = all_digits(b, nb);
		int c;
		if (da && db) {
			/* strip leading zeros, then longer is larger */
			while (na > 1 && *a == '0') {
				a++;
				na--;
			}
			while (nb > 1 && *b == '0') {
				b++;
				nb--;
			}
			c = na != nb ? (na < nb ? -1 : 1) : strncmp(a, b, na);
		} else if (da != db) {
			c = da ? -1 : 1;
		} else {
			size_t m = na < nb ? na : nb;
			c = strncmp(a, b, m);
			if (c == 0 && na != nb)
				c = na < nb ? -1 : 1;
		}
		if (c)
			return c < 0 ? -1 : 1;
		a += na;
		b += nb;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

int rc_version_compare(const char *a, const char *b)
{
	struct rc_semver x, y;
	bool sx = rc_semver_parse(a, &x), sy = rc_semver_parse(b, &y);
	if (!sx || !sy) {
		if (sx != sy)
			return sx ? 1 : -1;
		int c = strcmp(a ? a : "", b ? b : "");
		return c < 0 ? -1 : c > 0;
	}
	if (x.major != y.major)
		return x.major < y.major ? -1 : 1;
	if (x.minor != y.minor)
		return x.minor < y.minor ? -1 : 1;
	if (x.patch != y.patch)
		return x.patch < y.patch ? -1 : 1;
	return compare_pre(x.pre, y.pre);
}

int rc_version_highest(const char *const *versions, size_t n, const char *below)
{
	int pick = -1;
	for (size_t i = 0; i < n; i++) {
		if (below && rc_version_compare(versions[i], below) >= 0)
			continue;
		if (pick < 0 || rc_version_compare(versions[i], versions[pick]) > 0)
			pick = (int)i;
	}
	return pick;
}

/* The last occurrence of needle in hay, or NULL. */
static const char *last_strstr(const char *hay, const char *needle)
{
	const char *found = NULL, *p = hay;
	while ((p = strstr(p, needle))) {
		found = p;
		p++;
	}
	return found;
}

bool rc_target_of(const char *version, const char *rc_pattern, char *out, size_t size)
{
	if (!version || !*version || size == 0)
		return false;
	const char *pattern = rc_pattern && *rc_pattern ? rc_pattern : "v*-rc.*";
	size_t cut = strlen(version);
	/* the literal after the pattern's first '*' marks the RC suffix */
	const char *star = strchr(pattern, '*');
	char marker[64] = "";
	if (star) {
		size_t n = strcspn(star + 1, "*?[\\");
		if (n < sizeof marker) {
			memcpy(marker, star + 1, n);
			marker[n] = '\0';
		}
	}
	const char *at = marker[0] ? last_strstr(version, marker) : NULL;
	struct rc_semver sv;
	if (at && at != version) {
		cut = (size_t)(at - version);
	} else if (rc_semver_parse(version, &sv)) {
		/* the core ends where the pre-release or build part begins */
		cut = strcspn(version, "-+");
	}
	if (cut + 1 > size)
		return false;
	memcpy(out, version, cut);
	out[cut] = '\0';
	return true;
}
