/*
 * json_scan.c — a validating JSON scanner that builds nothing (json_scan.h).
 *
 * The queued mode answers a delivery once it is stored; it must still refuse
 * a body that is not JSON with a 400 there and then.  Parsing an 8.8 KB
 * workflow_job into a jansson tree only to throw it away was half of the
 * accepting thread's CPU, so the body is checked here in one pass, without
 * allocating, against the grammar of RFC 8259 and the limits jansson
 * applies (json_loadb with JSON_ALLOW_NUL, as webhook_delivery_json parses):
 *   - UTF-8 as jansson's utf8.c checks it: no overlong forms, no encoded
 *     surrogates, nothing above U+10FFFF;
 *   - \u escapes: surrogates only in high-low pairs; \u0000 is allowed in
 *     strings (JSON_ALLOW_NUL) but not in object keys;
 *   - integers must fit in 64 bits, reals must not overflow a double;
 *   - nesting is limited (jansson stops at 2048; this scanner at 512);
 *   - nothing but whitespace after the top-level value.
 * Its verdict may only err on the side of "no": the caller then takes the
 * inline path, where jansson decides (fuzz_json_scan checks that everything
 * accepted here is accepted by jansson, with the same action and
 * repository).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "webhooks/json_scan.h"

#define MAX_DEPTH 512

struct scan {
	const unsigned char *p, *end;
	int depth;
};

/* What a string is copied into (NULL: only checked), a U+0000 as U+FFFD (as
 * webhook_delivery_json stores it, wj_replace_nul); copying stops when full
 * (then `overflow`). */
struct sink {
	char *buf;
	size_t size, len;
	bool overflow;
};

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* Empties a sink: a later duplicate key replaces the earlier value. */
static void sink_reset(struct sink *k)
{
	k->len = 0;
	k->buf[0] = '\0';
	k->overflow = false;
}

static void sink_put(struct sink *k, const char *bytes, size_t n)
{
	if (!k)
		return;
	if (k->len + n >= k->size) {
		k->overflow = true;
		return;
	}
	memcpy(k->buf + k->len, bytes, n);
	k->len += n;
	k->buf[k->len] = '\0';
}

static int hex4(const unsigned char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int c = p[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* One UTF-8 sequence starting at p (its first byte >= 0x80): its length, or
 * 0 when jansson would refuse it. */
static size_t utf8_sequence(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n;
	unsigned long u;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		u = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		u = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		u = c & 0x07;
	} else {
		return 0; /* a continuation byte, 0xC0/0xC1 or 0xF5.. */
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		u = (u << 6) | (p[i] & 0x3F);
	}
	if ((n == 3 && u < 0x800) || (n == 4 && u < 0x10000))
		return 0; /* overlong */
	if (u >= 0xD800 && u <= 0xDFFF)
		return 0; /* a surrogate */
	if (u > 0x10FFFF)
		return 0;
	return n;
}

static void put_codepoint(struct sink *k, unsigned long u)
{
	char b[4];
	size_t n;
	if (u == 0)
		u = 0xFFFD;
	if (u < 0x80) {
		b[0] = (char)u;
		n = 1;
	} else if (u < 0x800) {
		b[0] = (char)(0xC0 | (u >> 6));
		b[1] = (char)(0x80 | (u & 0x3F));
		n = 2;
	} else if (u < 0x10000) {
		b[0] = (char)(0xE0 | (u >> 12));
		b[1] = (char)(0x80 | ((u >> 6) & 0x3F));
		b[2] = (char)(0x80 | (u & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | (u >> 18));
		b[1] = (char)(0x80 | ((u >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((u >> 6) & 0x3F));
		b[3] = (char)(0x80 | (u & 0x3F));
		n = 4;
	}
	sink_put(k, b, n);
}

/* A string (at its opening quote).  *nul: it holds U+0000. */
static bool scan_string(struct scan *s, struct sink *k, bool *nul)
{
	*nul = false;
	s->p++; /* the quote */
	while (s->p < s->end) {
		unsigned c = *s->p;
		if (c == '"') {
			s->p++;
			return true;
		}
		if (c < 0x20)
			return false; /* a control character */
		if (c >= 0x80) {
			size_t n = utf8_sequence(s->p, s->end);
			if (!n)
				return false;
			sink_put(k, (const char *)s->p, n);
			s->p += n;
			continue;
		}
		if (c != '\\') {
			sink_put(k, (const char *)s->p, 1);
			s->p++;
			continue;
		}
		if (s->end - s->p < 2)
			return false;
		char e = (char)s->p[1];
		const char *plain = strchr("\"\\/bfnrt", e);
		if (e && plain) {
			static const char decoded[] = "\"\\/\b\f\n\r\t";
			sink_put(k, &decoded[plain - "\"\\/bfnrt"], 1);
			s->p += 2;
			continue;
		}
		if (e != 'u' || s->end - s->p < 6)
			return false;
		int u = hex4(s->p + 2);
		if (u < 0)
			return false;
		s->p += 6;
		unsigned long cp = (unsigned long)u;
		if (u >= 0xDC00 && u <= 0xDFFF)
			return false; /* a low surrogate first */
		if (u >= 0xD800 && u <= 0xDBFF) {
			if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u')
				return false;
			int lo = hex4(s->p + 2);
			if (lo < 0xDC00 || lo > 0xDFFF)
				return false;
			s->p += 6;
			cp = 0x10000 + (((unsigned long)u - 0xD800) << 10) + ((unsigned long)lo - 0xDC00);
		}
		if (cp == 0)
			*nul = true;
		put_codepoint(k, cp);
	}
	return false; /* unterminated */
}

static bool scan_number(struct scan *s)
{
	const unsigned char *start = s->p;
	bool real = false;
	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (s->p >= s->end)
		return false;
	if (*s->p == '0') {
		s->p++;
	} else if (*s->p >= '1' && *s->p <= '9') {
		while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
			s->p++;
	} else {
		return false;
	}
	if (s->p < s->end && *s->p == '.') {
		real = true;
		s->p++;
		if (s->p >= s->end || *s->p < '0' || *s->p > '9')
			return false;
		while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
			s->p++;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		real = true;
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (s->p >= s->end || *s->p < '0' || *s->p > '9')
			return false;
		while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
			s->p++;
	}
	size_t len = (size_t)(s->p - start);
	if (!real && len <= 18)
		return true; /* fits in 64 bits whatever its digits */
	/* as jansson converts it: strtoll refusing ERANGE, strtod refusing an
	 * infinite result; a longer text than this buffer is refused (safe) */
	char buf[64];
	if (len >= sizeof buf)
		return false;
	memcpy(buf, start, len);
	buf[len] = '\0';
	errno = 0;
	if (!real) {
		(void)strtoll(buf, NULL, 10);
		return errno != ERANGE;
	}
	double v = strtod(buf, NULL);
	return !isinf(v);
}

static bool scan_literal(struct scan *s, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return false;
	s->p += n;
	return true;
}

/* What the top-level object's members are copied into. */
struct wanted {
	struct sink *action, *repo;
};

static bool scan_value(struct scan *s, struct sink *k, const struct wanted *w, bool *is_string);

/* At an opening brace or bracket: -1 too deep, 0 the container is empty
 * (and consumed), 1 members follow. */
static int open_container(struct scan *s, char close)
{
	if (++s->depth > MAX_DEPTH)
		return -1;
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		s->depth--;
		return 0;
	}
	return 1;
}

/* After a member or an element: 1 another follows, 0 the container ended
 * (consumed), -1 malformed. */
static int next_or_close(struct scan *s, char close)
{
	skip_ws(s);
	if (s->p >= s->end)
		return -1;
	if (*s->p == ',') {
		s->p++;
		return 1;
	}
	if (*s->p != close)
		return -1;
	s->p++;
	s->depth--;
	return 0;
}

/* An object (at its brace).  top: the delivery itself, whose "action" and
 * "repository" are wanted; repo_level: the repository, whose "full_name" is. */
static bool scan_object(struct scan *s, const struct wanted *top, struct sink *repo_level)
{
	int more = open_container(s, '}');
	while (more > 0) {
		skip_ws(s);
		if (s->p >= s->end || *s->p != '"')
			return false;
		char key[16];
		struct sink ks = {key, sizeof key, 0, false};
		key[0] = '\0';
		bool nul;
		if (!scan_string(s, &ks, &nul) || nul)
			return false; /* jansson refuses a NUL in a key */
		skip_ws(s);
		if (s->p >= s->end || *s->p != ':')
			return false;
		s->p++;
		skip_ws(s);
		bool known = !ks.overflow;
		struct sink *into = NULL;
		struct wanted sub = {0};
		const struct wanted *pass = NULL;
		if (top && known && strcmp(key, "action") == 0)
			into = top->action;
		else if (repo_level && known && strcmp(key, "full_name") == 0)
			into = repo_level;
		else if (top && known && strcmp(key, "repository") == 0) {
			/* a later "repository" replaces an earlier one, as in jansson */
			sink_reset(top->repo);
			sub.repo = top->repo;
			pass = &sub;
		}
		if (into)
			sink_reset(into);
		bool is_string = false;
		if (!scan_value(s, into, pass, &is_string))
			return false;
		if (into && !is_string)
			into->overflow = true; /* not a string: wj_str gives NULL */
		more = next_or_close(s, '}');
	}
	return more == 0;
}

static bool scan_array(struct scan *s)
{
	int more = open_container(s, ']');
	while (more > 0) {
		skip_ws(s);
		bool is_string;
		if (!scan_value(s, NULL, NULL, &is_string))
			return false;
		more = next_or_close(s, ']');
	}
	return more == 0;
}

/* A value at s->p (whitespace skipped).  k: where a string value goes; w
 * with .repo set: this value is the repository (an object's "full_name"
 * is wanted). */
static bool scan_value(struct scan *s, struct sink *k, const struct wanted *w, bool *is_string)
{
	*is_string = false;
	if (s->p >= s->end)
		return false;
	switch (*s->p) {
	case '{':
		return scan_object(s, NULL, w ? w->repo : NULL);
	case '[':
		return scan_array(s);
	case '"': {
		bool nul;
		*is_string = true;
		return scan_string(s, k, &nul);
	}
	case 't':
		return scan_literal(s, "true");
	case 'f':
		return scan_literal(s, "false");
	case 'n':
		return scan_literal(s, "null");
	default:
		return scan_number(s);
	}
}

bool json_scan_delivery(const char *body, size_t len, char *action, size_t action_size,
			char *repo, size_t repo_size)
{
	struct sink a = {action, action_size, 0, false};
	struct sink r = {repo, repo_size, 0, false};
	action[0] = '\0';
	repo[0] = '\0';
	struct scan s = {(const unsigned char *)body, (const unsigned char *)body + len, 0};
	struct wanted top = {&a, &r};
	skip_ws(&s);
	if (s.p >= s.end || *s.p != '{')
		return false; /* empty, or not an object */
	if (!scan_object(&s, &top, NULL))
		return false;
	skip_ws(&s);
	if (s.p != s.end)
		return false;
	/* a value that did not fit (or was not a string) is not reported */
	if (a.overflow)
		action[0] = '\0';
	if (r.overflow)
		repo[0] = '\0';
	return true;
}
