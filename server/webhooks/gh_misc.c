/*
 * gh_misc.c — helpers shared by the check, release, package and GitHub
 * deployment mappers (see gh_misc.h).
 */
#include "webhooks/gh_misc.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "shiplog/clock.h"
#include "shiplog/hex.h"

bool gh_is_sha256_digest(const char *s)
{
	return s && strncmp(s, "sha256:", 7) == 0 && strlen(s) == 7 + 64 && hex_is_hex(s + 7, 64);
}

const char *gh_received_at_us(const struct webhook_ctx *ctx, char *buf, size_t size)
{
	clock_format_rfc3339_us(ctx->d->received_us, buf, size);
	return buf;
}
