/*
 * hex.c — hex digits and commit SHAs (see shiplog/hex.h).
 */
#include "shiplog/hex.h"

#include <string.h>

static bool is_hex_digit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool hex_is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_hex_digit(s[i]))
			return false;
	return true;
}

bool hex_is_sha(const char *s)
{
	return s && strlen(s) == HEX_SHA_LEN && hex_is_hex(s, HEX_SHA_LEN);
}

bool hex_is_lower_sha(const char *s)
{
	if (!s || strlen(s) != HEX_SHA_LEN)
		return false;
	for (size_t i = 0; i < HEX_SHA_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool hex_read_sha(const char *s, char out[HEX_SHA_LEN + 1])
{
	if (!hex_is_sha(s))
		return false;
	hex_lower_copy(out, s, HEX_SHA_LEN);
	return true;
}

size_t hex_lower_copy(char *dst, const char *src, size_t n)
{
	size_t i = 0;
	for (; src && i < n && src[i]; i++)
		dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] - 'A' + 'a' : src[i]);
	dst[i] = '\0';
	return i;
}
