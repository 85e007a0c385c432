/*
 * json_access.c — reading untrusted payloads (see webhook.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shiplog/clock.h"
#include "shiplog/xalloc.h"
#include "webhooks/webhook.h"

const json_t *wj_get(const json_t *root, const char *path)
{
	const json_t *cur = root;
	const char *p = path;
	while (cur && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		char key[128];
		if (n >= sizeof key || !json_is_object(cur))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		cur = json_object_get(cur, key);
		p += n + (dot ? 1 : 0);
	}
	return cur;
}

size_t wj_replace_nul(json_t *root)
{
	size_t changed = 0;
	if (json_is_string(root)) {
		const char *s = json_string_value(root);
		size_t len = json_string_length(root), nuls = 0;
		for (size_t i = 0; i < len; i++)
			nuls += s[i] == '\0';
		if (!nuls)
			return 0;
		char *out = xmalloc(len + 2 * nuls + 1);
		size_t o = 0;
		for (size_t i = 0; i < len; i++) {
			if (s[i]) {
				out[o++] = s[i];
				continue;
			}
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
		}
		/* valid UTF-8 with a valid character for each NUL: cannot fail */
		if (json_string_setn(root, out, o) != 0)
			abort();
		free(out);
		return 1;
	}
	if (json_is_array(root)) {
		size_t i;
		json_t *v;
		json_array_foreach(root, i, v)
			changed += wj_replace_nul(v);
	} else if (json_is_object(root)) {
		const char *k;
		json_t *v;
		json_object_foreach(root, k, v)
			changed += wj_replace_nul(v);
	}
	return changed;
}

const char *wj_str(const json_t *root, const char *path)
{
	const json_t *v = wj_get(root, path);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

bool wj_int(const json_t *root, const char *path, int64_t *out)
{
	const json_t *v = wj_get(root, path);
	if (!json_is_integer(v))
		return false;
	*out = (int64_t)json_integer_value(v);
	return true;
}

const char *wj_int_text(const json_t *root, const char *path, char *buf, size_t size)
{
	int64_t v;
	if (!wj_int(root, path, &v))
		return NULL;
	snprintf(buf, size, "%lld", (long long)v);
	return buf;
}

int wj_bool(const json_t *root, const char *path)
{
	const json_t *v = wj_get(root, path);
	if (!json_is_boolean(v))
		return -1;
	return json_is_true(v) ? 1 : 0;
}

const char *wj_time(const json_t *root, const char *path, char *buf, size_t size)
{
	const json_t *v = wj_get(root, path);
	int64_t us;
	if (json_is_string(v)) {
		if (!clock_parse_rfc3339(json_string_value(v), &us))
			return NULL;
	} else if (json_is_integer(v)) {
		/* some GitHub payloads (push repository.pushed_at) use Unix seconds */
		json_int_t s = json_integer_value(v);
		if (s < 0 || s > 253402300799LL)
			return NULL;
		us = (int64_t)s * 1000000;
	} else {
		return NULL;
	}
	clock_format_rfc3339(us, buf, size);
	return buf;
}

int webhook_status_rank(const char *status)
{
	static const struct {
		const char *name;
		int rank;
	} ranks[] = {
		{"requested", 1}, {"queued", 1}, {"pending", 1},  {"waiting", 2},
		{"in_progress", 2}, {"completed", 3},
	};
	if (!status)
		return 0;
	for (size_t i = 0; i < sizeof ranks / sizeof ranks[0]; i++)
		if (strcmp(ranks[i].name, status) == 0)
			return ranks[i].rank;
	return 0;
}

int webhook_bad(struct webhook_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx->error, ctx->error_size, fmt, ap);
	va_end(ap);
	return WH_BAD_PAYLOAD;
}
