/*
 * format.c — JSON fields, times, durations, SHAs and colours as text (see
 * format.h).  The server's answers may lack any optional field; every
 * accessor here answers NULL or "-" instead of failing.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "format.h"

json_t *cli_jget(const json_t *o, const char *path)
{
	const json_t *cur = o;
	const char *p = path;
	while (cur && *p) {
		size_t n = strcspn(p, ".");
		char key[128];
		if (n >= sizeof key || !json_is_object(cur))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		cur = json_object_get(cur, key);
		p += n;
		if (*p == '.')
			p++;
	}
	return (json_t *)(uintptr_t)cur; /* jansson's getters take const, give mutable */
}

const char *cli_jstr(const json_t *o, const char *path)
{
	return json_string_value(cli_jget(o, path));
}

const char *cli_jtext(const json_t *o, const char *path, char *buf, size_t size)
{
	const json_t *v = cli_jget(o, path);
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		return json_string_value(v);
	case JSON_INTEGER:
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	case JSON_REAL:
		snprintf(buf, size, "%g", json_real_value(v));
		return buf;
	case JSON_TRUE:
		return "yes";
	case JSON_FALSE:
		return "no";
	default:
		return NULL;
	}
}

const char *cli_jtext_any(const json_t *o, const char *const *paths, char *buf, size_t size)
{
	for (; *paths; paths++) {
		const char *t = cli_jtext(o, *paths, buf, size);
		if (t)
			return t;
	}
	return NULL;
}

/* Reads exactly n digits. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool expect(const char **p, const char *chars)
{
	if (!**p || !strchr(chars, **p))
		return false;
	(*p)++;
	return true;
}

bool cli_time_parse(const char *text, time_t *out)
{
	if (!text)
		return false;
	const char *p = text;
	struct tm tm = {0};
	int sec = 0;
	if (!digits(&p, 4, &tm.tm_year) || !expect(&p, "-") || !digits(&p, 2, &tm.tm_mon) ||
	    !expect(&p, "-") || !digits(&p, 2, &tm.tm_mday) || !expect(&p, "Tt ") ||
	    !digits(&p, 2, &tm.tm_hour) || !expect(&p, ":") || !digits(&p, 2, &tm.tm_min))
		return false;
	if (*p == ':' && (p++, !digits(&p, 2, &sec)))
		return false;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	long offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om;
		if (!digits(&p, 2, &oh) || !expect(&p, ":") || !digits(&p, 2, &om))
			return false;
		offset = sign * (oh * 3600L + om * 60L);
	} else {
		return false;
	}
	if (*p || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || sec > 60)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_sec = sec;
	*out = timegm(&tm) - offset;
	return true;
}

const char *cli_time_format(const char *rfc3339, char *buf, size_t size)
{
	time_t t;
	struct tm tm;
	if (!rfc3339)
		return "-";
	if (!cli_time_parse(rfc3339, &t) || !gmtime_r(&t, &tm))
		return rfc3339;
	strftime(buf, size, "%Y-%m-%d %H:%M", &tm);
	return buf;
}

const char *cli_duration_format(long long s, char *buf, size_t size)
{
	if (s < 0)
		return "-";
	if (s < 60)
		snprintf(buf, size, "%llds", s);
	else if (s < 3600)
		snprintf(buf, size, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, size, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, size, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
	return buf;
}

const char *cli_duration_between(const char *from, const char *to, char *buf, size_t size)
{
	time_t a, b;
	if (!cli_time_parse(from, &a) || !cli_time_parse(to, &b))
		return "-";
	return cli_duration_format((long long)(b - a), buf, size);
}

const char *cli_short_sha(const char *sha, size_t n, char *buf, size_t size)
{
	if (!sha)
		return "-";
	if (strncmp(sha, "sha256:", 7) == 0)
		snprintf(buf, size, "sha256:%.12s", sha + 7);
	else
		snprintf(buf, size, "%.*s", (int)n, sha);
	return buf;
}

static bool is_full_sha(const char *s)
{
	return strlen(s) == 40 && strspn(s, "0123456789abcdef") == 40;
}

const char *cli_short_revision(const char *revision, char *buf, size_t size)
{
	if (!revision)
		return "-";
	if (is_full_sha(revision)) {
		snprintf(buf, size, "%.7s", revision);
		return buf;
	}
	size_t len = strlen(revision);
	if (len > 40 && is_full_sha(revision + len - 40)) {
		const char *sha = revision + len - 40;
		if ((len >= 46 && strncmp(sha - 6, "@sha1:", 6) == 0) || sha[-1] == '/') {
			snprintf(buf, size, "%.*s%.7s", (int)(len - 40), revision, sha);
			return buf;
		}
	}
	return revision;
}

static const struct {
	const char *state;
	const char *color;
} state_colors[] = {
	{"success", "\033[32m"},  {"done", "\033[32m"},	       {"healthy", "\033[32m"},
	{"approve", "\033[32m"},  {"passed", "\033[32m"},      {"failure", "\033[31m"},
	{"failed", "\033[31m"},	  {"error", "\033[31m"},       {"timed_out", "\033[31m"},
	{"block", "\033[31m"},	  {"cancelled", "\033[90m"},   {"skipped", "\033[90m"},
	{"inactive", "\033[90m"}, {"in_progress", "\033[33m"}, {"queued", "\033[33m"},
	{"pending", "\033[33m"},  {"waiting", "\033[33m"},     {"concern", "\033[33m"},
};

const char *cli_state_color(const char *state)
{
	if (!state)
		return NULL;
	for (size_t i = 0; i < sizeof state_colors / sizeof state_colors[0]; i++)
		if (strcmp(state, state_colors[i].state) == 0)
			return state_colors[i].color;
	return NULL;
}

void cli_print_json(FILE *f, const json_t *json)
{
	if (!json) {
		fputs("null\n", f);
		return;
	}
	json_dumpf(json, f, JSON_INDENT(2) | JSON_ENCODE_ANY);
	fputc('\n', f);
}

/* The first line of `text`, at most `max` characters (UTF-8 aware), with
 * "..." when cut; NULL for NULL. */
const char *cli_first_line(const char *text, size_t max, char *buf, size_t size)
{
	if (!text)
		return NULL;
	size_t line = strcspn(text, "\r\n"), end = 0, chars = 0;
	while (end < line) {
		if (((unsigned char)text[end] & 0xC0) != 0x80 && chars++ == max)
			break;
		end++;
	}
	/* room for "..." and the NUL, and never end inside a character */
	while (end > 0 &&
	       (end + 4 > size || (end < line && ((unsigned char)text[end] & 0xC0) == 0x80)))
		end--;
	bool more = end < line || text[line + strspn(text + line, "\r\n \t")];
	snprintf(buf, size, "%.*s%s", (int)end, text, more ? "..." : "");
	return buf;
}
