/*
 * webhooks/gh_misc.h — helpers shared by the check, release, package and
 * GitHub deployment mappers (gh_checks.c, gh_releases.c, gh_packages.c,
 * gh_deployments.c), and the pure package description the unit tests use.
 */
#ifndef SHIPLOG_GH_MISC_H
#define SHIPLOG_GH_MISC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "webhooks/webhook.h"

/* An OCI digest: "sha256:" followed by exactly 64 hex digits. */
bool gh_is_sha256_digest(const char *s);

/* When the delivery was received, RFC 3339 UTC with microseconds. */
const char *gh_received_at_us(const struct webhook_ctx *ctx, char *buf, size_t size);

/* What a registry_package / package delivery says was published. */
struct gh_package {
	const char *kind; /* "image", "npm" or "other" (static) */
	char name[512];
	char version[256];
	const char *digest;   /* borrowed from the payload, or NULL */
	char uri[1024];	      /* "" when unknown */
	const char *commit;   /* borrowed: a 40-hex commit SHA, or NULL */
	int64_t size;	      /* -1 when unknown */
	const json_t *labels; /* borrowed object, or NULL */
};

/*
 * Reads payload.registry_package (or payload.package).  Returns NULL on
 * success, else the problem naming the field ("package.name: missing").
 */
const char *gh_package_describe(const json_t *payload, struct gh_package *out);

#endif
