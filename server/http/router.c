/*
 * router.c — matching a method and path against the route table, and the
 * checks every parameter and JSON field gets before a handler runs.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shiplog/clock.h"
#include "shiplog/hex.h"
#include "shiplog/http.h"

/* Matches one pattern; fills values/names on success.  path_buf is a
 * scratch copy of path that values point into. */
static bool pattern_match(const char *pattern, const char *path, char *path_buf,
			  char *values[HTTP_MAX_PATH_PARAMS],
			  const char *names[HTTP_MAX_PATH_PARAMS], size_t *n_values)
{
	static __thread char name_store[HTTP_MAX_PATH_PARAMS][64];
	const char *p = pattern;
	const char *s = path;
	char *out = path_buf;
	size_t n = 0;

	while (*p && *s) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			if (!close || n >= HTTP_MAX_PATH_PARAMS)
				return false;
			bool greedy = close[-1] == '+'; /* {name+}: one or more segments */
			size_t nl = (size_t)(close - p - 1) - (greedy ? 1 : 0);
			if (nl >= sizeof name_store[0])
				return false;
			memcpy(name_store[n], p + 1, nl);
			name_store[n][nl] = '\0';
			size_t vl;
			if (greedy) {
				/* the value runs up to where the rest of the pattern
				 * (which must hold no parameters) matches the end */
				const char *rest = close + 1;
				size_t rl = strlen(rest), sl = strlen(s);
				if (strchr(rest, '{') || sl <= rl || strcmp(s + sl - rl, rest) != 0)
					return false;
				vl = sl - rl;
			} else {
				const char *end = strchr(s, '/');
				vl = end ? (size_t)(end - s) : strlen(s);
			}
			if (vl == 0)
				return false;
			if (greedy && (s[0] == '/' || s[vl - 1] == '/' || memmem(s, vl, "//", 2)))
				return false;
			memcpy(out, s, vl);
			out[vl] = '\0';
			values[n] = out;
			names[n] = name_store[n];
			n++;
			out += vl + 1;
			s += vl;
			p = close + 1;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	if (*p || *s)
		return false;
	*n_values = n;
	return true;
}

enum route_match http_route_find(const struct route *table, const char *method, const char *path,
				 const struct route **out, char *path_buf,
				 char *values[HTTP_MAX_PATH_PARAMS],
				 const char *names[HTTP_MAX_PATH_PARAMS], size_t *n_values,
				 char *allow, size_t allow_size)
{
	bool path_known = false;
	bool head = strcmp(method, "HEAD") == 0;
	size_t al = 0;
	if (allow_size)
		allow[0] = '\0';
	*n_values = 0;
	for (const struct route *r = table; r->method; r++) {
		size_t nv = 0;
		if (!pattern_match(r->pattern, path, path_buf, values, names, &nv))
			continue;
		if (strcmp(r->method, method) == 0 || (head && strcmp(r->method, "GET") == 0)) {
			*out = r;
			*n_values = nv;
			return ROUTE_FOUND;
		}
		path_known = true;
		if (al < allow_size) {
			int w = snprintf(allow + al, allow_size - al, "%s%s", al ? ", " : "",
					 r->method);
			if (w > 0)
				al += (size_t)w;
			if (strcmp(r->method, "GET") == 0 && al < allow_size) {
				w = snprintf(allow + al, allow_size - al, ", HEAD");
				if (w > 0)
					al += (size_t)w;
			}
		}
	}
	if (!path_known)
		return ROUTE_NOT_FOUND;
	if (strcmp(method, "OPTIONS") == 0) {
		/* the dispatcher answers OPTIONS itself from `allow` */
		*out = NULL;
	}
	if (al < allow_size)
		snprintf(allow + al, allow_size - al, "%sOPTIONS", al ? ", " : "");
	return ROUTE_WRONG_METHOD;
}

static bool is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Valid UTF-8 with no control characters other than tab, CR and LF. */
static bool text_ok(const char *s, size_t *chars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	while (*p) {
		unsigned c = *p;
		size_t len;
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
				return false;
			len = 1;
		} else if ((c & 0xe0) == 0xc0 && c >= 0xc2) {
			len = 2;
		} else if ((c & 0xf0) == 0xe0) {
			/* no overlong forms (E0 80..9F) and no surrogates (ED A0..BF) */
			if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0))
				return false;
			len = 3;
		} else if ((c & 0xf8) == 0xf0 && c <= 0xf4) {
			/* no overlong forms (F0 80..8F), nothing above U+10FFFF (F4 90..) */
			if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
				return false;
			len = 4;
		} else {
			return false;
		}
		for (size_t i = 1; i < len; i++)
			if ((p[i] & 0xc0) != 0x80)
				return false;
		p += len;
		n++;
	}
	*chars = n;
	return true;
}

bool http_param_check(const struct param_spec *spec, const char *value, char *err,
		      size_t err_size)
{
	size_t len = strlen(value);
	size_t chars = 0;
	if (!text_ok(value, &chars)) {
		snprintf(err, err_size, "%s: must be valid UTF-8 text without control characters",
			 spec->name);
		return false;
	}
	switch (spec->type) {
	case PARAM_STRING:
	case PARAM_CURSOR: {
		size_t max = spec->max ? (size_t)spec->max : 256;
		if (chars > max) {
			snprintf(err, err_size, "%s: at most %zu characters", spec->name, max);
			return false;
		}
		if (chars < (size_t)spec->min || (spec->min == 0 && spec->required && len == 0)) {
			snprintf(err, err_size, "%s: must not be empty", spec->name);
			return false;
		}
		return true;
	}
	case PARAM_INT:
	case PARAM_ID: {
		char *end;
		errno = 0;
		long long v = strtoll(value, &end, 10);
		int64_t lo = spec->type == PARAM_ID ? 1 : spec->min;
		int64_t hi = spec->type == PARAM_ID ? INT64_MAX : spec->max;
		if (len == 0 || *end || errno || isspace((unsigned char)value[0]) ||
		    value[0] == '+' || v < lo || v > hi) {
			snprintf(err, err_size, "%s: expected an integer from %" PRId64 " to %" PRId64,
				 spec->name, lo, hi);
			return false;
		}
		return true;
	}
	case PARAM_BOOL:
		if (strcmp(value, "true") && strcmp(value, "false") && strcmp(value, "1") &&
		    strcmp(value, "0")) {
			snprintf(err, err_size, "%s: expected true or false", spec->name);
			return false;
		}
		return true;
	case PARAM_ENUM:
		for (const char *const *e = spec->enum_values; e && *e; e++)
			if (strcmp(*e, value) == 0)
				return true;
		{
			size_t o = (size_t)snprintf(err, err_size, "%s: expected one of", spec->name);
			for (const char *const *e = spec->enum_values; e && *e && o < err_size; e++)
				o += (size_t)snprintf(err + o, err_size - o, "%s %s",
						      e == spec->enum_values ? "" : ",", *e);
		}
		return false;
	case PARAM_SHA:
		if (len < 7 || len > 40 || !hex_is_hex(value, len)) {
			snprintf(err, err_size, "%s: expected a commit SHA (7 to 40 hex digits)",
				 spec->name);
			return false;
		}
		return true;
	case PARAM_TIME: {
		int64_t us;
		char why[96];
		if (!clock_parse_rfc3339_why(value, &us, why, sizeof why)) {
			snprintf(err, err_size, "%s: %s", spec->name, why);
			return false;
		}
		return true;
	}
	case PARAM_REPO: {
		const char *slash = strchr(value, '/');
		bool ok = slash && slash != value && slash[1] && !strchr(slash + 1, '/') && len <= 200 &&
			  value[0] != '.' && slash[1] != '.';
		for (size_t i = 0; ok && i < len; i++) {
			char c = value[i];
			ok = isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.' || c == '/';
		}
		if (!ok) {
			snprintf(err, err_size, "%s: expected a repository as owner/name", spec->name);
			return false;
		}
		return true;
	}
	case PARAM_DIGEST:
		if (len != 71 || strncmp(value, "sha256:", 7) || !is_lower_hex(value + 7, 64)) {
			snprintf(err, err_size, "%s: expected a digest sha256:<64 hex digits>",
				 spec->name);
			return false;
		}
		return true;
	case PARAM_ARRAY:
	case PARAM_OBJECT:
		break;
	}
	snprintf(err, err_size, "%s: not accepted here", spec->name);
	return false;
}

static const char *json_type_word(enum param_type t)
{
	switch (t) {
	case PARAM_INT:
	case PARAM_ID:
		return "an integer";
	case PARAM_BOOL:
		return "true or false";
	case PARAM_ARRAY:
		return "an array";
	case PARAM_OBJECT:
		return "an object";
	default:
		return "a string";
	}
}

void http_field_name(const char *pointer, char *buf, size_t size)
{
	size_t n = 0;
	if (!size)
		return;
	buf[0] = '\0';
	for (const char *p = pointer; *p == '/' && n + 1 < size;) {
		const char *seg = p + 1, *end = strchr(seg, '/');
		size_t len = end ? (size_t)(end - seg) : strlen(seg);
		bool index = len > 0 && strspn(seg, "0123456789") >= len;
		if (index)
			n += (size_t)snprintf(buf + n, size - n, "[%.*s]", (int)len, seg);
		else if (n)
			n += (size_t)snprintf(buf + n, size - n, ".");
		for (size_t i = 0; !index && i < len && n + 1 < size; i++) {
			/* RFC 6901: ~1 is '/', ~0 is '~' */
			if (seg[i] == '~' && i + 1 < len &&
			    (seg[i + 1] == '0' || seg[i + 1] == '1'))
				buf[n++] = seg[++i] == '1' ? '/' : '~';
			else
				buf[n++] = seg[i];
		}
		if (n >= size)
			n = size - 1;
		buf[n] = '\0';
		p = seg + len;
	}
}

void http_json_pointer_push(char *pointer, size_t size, const char *key)
{
	size_t n = strlen(pointer);
	if (n + 1 >= size)
		return;
	pointer[n++] = '/';
	for (const char *k = key; *k && n + 2 < size; k++) {
		if (*k == '~' || *k == '/') {
			pointer[n++] = '~';
			pointer[n++] = *k == '~' ? '0' : '1';
		} else {
			pointer[n++] = *k;
		}
	}
	pointer[n] = '\0';
}

/* `pointer` is the JSON Pointer of v (its own buffer, POINTER_MAX bytes); on a
 * failure it is left naming the value at fault, which may be an array item. */
#define POINTER_MAX 256
static bool json_value_check(const struct param_spec *spec, const char *name, enum param_type type,
			     const json_t *v, char *pointer, char *err, size_t err_size)
{
	struct param_spec tmp = *spec;
	tmp.name = name;
	tmp.type = type;
	switch (type) {
	case PARAM_INT:
	case PARAM_ID: {
		if (!json_is_integer(v))
			goto wrong_type;
		json_int_t x = json_integer_value(v);
		int64_t lo = type == PARAM_ID ? 1 : spec->min;
		int64_t hi = type == PARAM_ID ? INT64_MAX : spec->max;
		if (x < lo || x > hi) {
			snprintf(err, err_size, "%s: expected an integer from %" PRId64 " to %" PRId64,
				 name, lo, hi);
			return false;
		}
		return true;
	}
	case PARAM_BOOL:
		if (!json_is_boolean(v))
			goto wrong_type;
		return true;
	case PARAM_OBJECT:
		if (!json_is_object(v))
			goto wrong_type;
		return true;
	case PARAM_ARRAY: {
		if (!json_is_array(v))
			goto wrong_type;
		size_t max = spec->max ? (size_t)spec->max : 100;
		if (json_array_size(v) > max) {
			snprintf(err, err_size, "%s: at most %zu items", name, max);
			return false;
		}
		size_t i;
		const json_t *item;
		char iname[128];
		json_array_foreach(v, i, item)
		{
			snprintf(iname, sizeof iname, "%s[%zu]", name, i);
			char index[24];
			size_t at = strlen(pointer);
			snprintf(index, sizeof index, "%zu", i);
			http_json_pointer_push(pointer, POINTER_MAX, index);
			/* items carry no range of their own: the array's min/max
			 * bound its length */
			struct param_spec is = *spec;
			bool numeric = spec->items_type == PARAM_INT;
			is.min = numeric ? INT64_MIN : 0;
			is.max = numeric ? INT64_MAX : 0;
			if (!json_value_check(&is, iname, spec->items_type, item, pointer, err,
					      err_size))
				return false;
			pointer[at] = '\0';
		}
		return true;
	}
	default:
		if (!json_is_string(v))
			goto wrong_type;
		/* a body names a commit fully; only paths and filters take prefixes */
		if (type == PARAM_SHA && strlen(json_string_value(v)) != 40) {
			snprintf(err, err_size, "%s: expected a full 40-digit commit SHA", name);
			return false;
		}
		/* jansson refuses \u0000 in strings at parse time (no JSON_ALLOW_NUL) */
		return http_param_check(&tmp, json_string_value(v), err, err_size);
	}
wrong_type:
	snprintf(err, err_size, "%s: expected %s", name, json_type_word(type));
	return false;
}

bool http_body_check(const struct param_spec *specs, const json_t *body, enum problem_code *code,
		     char *err, size_t err_size, char *pointer, size_t pointer_size)
{
	char at[POINTER_MAX] = "";
	bool ok = false;
	if (!json_is_object(body)) {
		*code = PROBLEM_MALFORMED_JSON;
		snprintf(err, err_size, "the body must be a JSON object");
		goto done;
	}
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)(uintptr_t)body, key, v)
	{
		const struct param_spec *s = specs;
		while (s && s->name && strcmp(s->name, key))
			s++;
		if (!s || !s->name) {
			*code = PROBLEM_UNKNOWN_FIELD;
			snprintf(err, err_size, "%.100s: unknown field", key);
			http_json_pointer_push(at, sizeof at, key);
			goto done;
		}
	}
	for (const struct param_spec *s = specs; s && s->name; s++) {
		const json_t *val = json_object_get(body, s->name);
		at[0] = '\0';
		http_json_pointer_push(at, sizeof at, s->name);
		if (!val || json_is_null(val)) {
			if (s->required) {
				*code = PROBLEM_MISSING_FIELD;
				snprintf(err, err_size, "%s: required", s->name);
				goto done;
			}
			continue;
		}
		if (!json_value_check(s, s->name, s->type, val, at, err, err_size)) {
			*code = PROBLEM_INVALID_FIELD;
			goto done;
		}
	}
	ok = true;
	at[0] = '\0';
done:
	if (pointer && pointer_size)
		snprintf(pointer, pointer_size, "%s", at);
	return ok;
}

const char *http_check_reason(const char *err, const char *name)
{
	size_t n = strlen(name);
	if (n && !strncmp(err, name, n) && err[n] == ':' && err[n + 1] == ' ')
		return err + n + 2;
	return err;
}
