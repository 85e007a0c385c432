/*
 * gh_misc.c — helpers shared by the check, release, package and GitHub
 * deployment mappers (see gh_misc.h).
 */
#include "webhooks/gh_misc.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "shiplog/clock.h"

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

bool gh_is_commit_sha(const char *s)
{
	return s && strlen(s) == 40 && all_hex(s, 40);
}

bool gh_is_sha256_digest(const char *s)
{
	return s && strncmp(s, "sha256:", 7) == 0 && strlen(s) == 7 + 64 && all_hex(s + 7, 64);
}

const char *gh_received_at_us(const struct webhook_ctx *ctx, char *buf, size_t size)
{
	clock_format_rfc3339_us(ctx->d->received_us, buf, size);
	return buf;
}
