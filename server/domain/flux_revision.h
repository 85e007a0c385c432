/*
 * domain/flux_revision.h — what a Flux event says was deployed, how it
 * went, and whether it is authentic: pure functions (no database),
 * unit-tested in tests/unit/test_flux_revision.c and test_flux_signature.c.
 *
 * Revisions as Flux writes them (metadata.revision, or the older
 * "<group>/revision" key):
 *   main@sha1:<40 hex>        git commit on a branch or tag (Flux >= 2.0)
 *   feature/x@sha1:<40 hex>   the ref may hold slashes (split at the last '@')
 *   sha1:<40 hex>             a commit without a ref
 *   main/<40 hex>             the older "<ref>/<sha>" form (ref may hold slashes)
 *   <40 hex>                  a bare commit
 *   latest@sha256:<64 hex>    an OCI artifact or bucket digest (not a commit;
 *   sha256:<64 hex>           also sha384, sha512, blake3)
 *   0.38.1-v00012-g1a2b3c4d   a chart version (HelmRelease): SemVer 2
 *   0.38.1@sha256:<64 hex>    a chart version with its OCI digest
 * Anything else is FLUX_REV_INVALID.
 */
#ifndef SHIPLOG_FLUX_REVISION_H
#define SHIPLOG_FLUX_REVISION_H

#include <stdbool.h>
#include <stddef.h>

enum flux_rev_kind {
	FLUX_REV_INVALID,
	FLUX_REV_GIT,    /* sha holds the commit */
	FLUX_REV_DIGEST, /* digest holds "<algo>:<hex>"; ref may be a tag or a chart version */
	FLUX_REV_CHART,  /* version holds the chart version */
};

struct flux_revision {
	enum flux_rev_kind kind;
	char ref[256];     /* branch / tag / OCI tag, "" when none */
	char sha[41];      /* FLUX_REV_GIT: 40 lower-case hex */
	char digest[160];  /* FLUX_REV_DIGEST: "sha256:<hex>" lower-case */
	char version[129]; /* FLUX_REV_CHART, or a DIGEST whose ref is a SemVer */
};

/* Parses a revision; returns out->kind (never NULL-dereferences: NULL is invalid). */
enum flux_rev_kind flux_revision_parse(const char *text, struct flux_revision *out);

/* SemVer 2 (MAJOR.MINOR.PATCH[-pre][+build]), as Helm chart versions are. */
bool flux_is_semver(const char *s);

/* The revision's stable identity, used to key a deployment: the commit for
 * git, the digest for digests, the version for charts.  "" for invalid. */
const char *flux_revision_key(const struct flux_revision *rev);

/*
 * A Flux event's reason and severity as a deployment status ("in_progress",
 * "success", "failure", "queued", "inactive"), or NULL when the event says
 * nothing about a deployment (an unknown reason with severity info).
 */
const char *flux_reason_status(const char *reason, const char *severity);

/* Source objects (GitRepository, OCIRepository, HelmRepository, HelmChart,
 * Bucket) fetch; they do not deploy. */
bool flux_is_source_kind(const char *kind);
/* The kinds that deploy: Kustomization and HelmRelease. */
bool flux_is_deployer_kind(const char *kind);

/* Rank of a deployment status for the merge rule: queued 1, in_progress 2,
 * success/failure/error/inactive 3, anything else 0. */
int deployment_status_rank(const char *status);

/*
 * The signature verdict of a Flux event, as stored with the delivery:
 * "not-configured" without a secret (NULL or empty), else "valid" when
 * X-Signature is sha256=, sha384= or sha512= HMAC(secret, body), "missing"
 * without the header, "invalid" otherwise.
 */
const char *flux_signature_verdict(const char *secret, const char *header, const void *body,
				   size_t len);

/* Flux sends no delivery id: it is the lower-case hex SHA-256 of the body. */
void flux_delivery_id(const void *body, size_t len, char out[65]);

#endif
