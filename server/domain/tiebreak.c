/*
 * domain/tiebreak.c — the merge rule's tiebreak (see tiebreak.h).
 */
#include "domain/tiebreak.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shiplog/crypto.h"
#include "shiplog/xalloc.h"

void tiebreak_hash(const char *canonical, char out[65])
{
	unsigned char sha[CRYPTO_SHA256_LEN];
	crypto_sha256(canonical, strlen(canonical), sha);
	crypto_hex(sha, sizeof sha, out);
}

void tiebreak_of(const char *const *parts, size_t n, char out[65])
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += (parts[i] ? strlen(parts[i]) : 0) + 1;
	char *buf = xmalloc(len + 1);
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = parts[i] ? strlen(parts[i]) : 0;
		if (i)
			buf[used++] = '|';
		memcpy(buf + used, parts[i] ? parts[i] : "", l);
		used += l;
	}
	buf[used] = '\0';
	tiebreak_hash(buf, out);
	free(buf);
}

void tiebreak_canon(char *buf, size_t size, const char *const *parts, size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++) {
		int w = snprintf(buf + used, size - used, "%s%s", i ? "|" : "",
				 parts[i] ? parts[i] : "");
		if (w < 0)
			break;
		used += (size_t)w;
	}
}
