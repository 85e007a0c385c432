/*
 * form.c — application/x-www-form-urlencoded decoding and URL encoding.
 */
#include <stdlib.h>
#include <string.h>

#include "http/form.h"
#include "http/internal.h"
#include "shiplog/xalloc.h"

static int hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes in[0..len) ('+' is a space, %XX a byte); returns the length or -1
 * for a broken escape.  out must hold len + 1 bytes. */
static long form_decode(const char *in, size_t len, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		if (c == '+') {
			out[o++] = ' ';
		} else if (c == '%') {
			if (i + 2 >= len)
				return -1;
			int hi = hexdigit(in[i + 1]), lo = hexdigit(in[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[o++] = c;
		}
	}
	out[o] = '\0';
	return (long)o;
}

int http_form_value(const char *body, size_t len, const char *name, char **value,
		    size_t *value_len)
{
	size_t nl = strlen(name);
	size_t i = 0;
	*value = NULL;
	*value_len = 0;
	while (i <= len) {
		const char *start = body + i;
		const char *amp = memchr(start, '&', len - i);
		size_t pl = amp ? (size_t)(amp - start) : len - i;
		const char *eq = memchr(start, '=', pl);
		size_t kl = eq ? (size_t)(eq - start) : pl;
		if (kl == nl && memcmp(start, name, nl) == 0) {
			const char *v = eq ? eq + 1 : start + pl;
			size_t vl = eq ? pl - kl - 1 : 0;
			char *out = xmalloc(vl + 1);
			long n = form_decode(v, vl, out);
			if (n < 0) {
				free(out);
				return -1;
			}
			*value = out;
			*value_len = (size_t)n;
			return 1;
		}
		if (!amp)
			break;
		i += pl + 1;
	}
	return 0;
}

char *http_url_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = xmalloc(3 * n + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}
