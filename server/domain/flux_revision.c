/*
 * flux_revision.c — parsing Flux revisions and reasons (see the header for
 * the formats).  Pure: no I/O, no allocation.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "domain/flux_revision.h"
#include "shiplog/crypto.h"
#include "shiplog/hex.h"

/* A ref must be printable, without spaces; empty is allowed (no ref). */
static bool ref_ok(const char *s, size_t n)
{
	if (n >= sizeof((struct flux_revision *)0)->ref)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return true;
}

/* "<algo>:<hex>" of a content digest; the hex length must fit the algorithm. */
static bool digest_ok(const char *s, size_t n, bool *is_sha1)
{
	static const struct {
		const char *algo;
		size_t hex;
	} algos[] = {{"sha1", 40}, {"sha256", 64}, {"sha384", 96}, {"sha512", 128}, {"blake3", 64}};
	*is_sha1 = false;
	const char *colon = memchr(s, ':', n);
	if (!colon)
		return false;
	size_t al = (size_t)(colon - s), hl = n - al - 1;
	for (size_t i = 0; i < sizeof algos / sizeof algos[0]; i++) {
		if (al == strlen(algos[i].algo) && strncasecmp(s, algos[i].algo, al) == 0 &&
		    hl == algos[i].hex && hex_is_hex(colon + 1, hl)) {
			*is_sha1 = i == 0;
			return true;
		}
	}
	return false;
}

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '-';
}

/* dot-separated non-empty identifiers of [0-9A-Za-z-]; in a pre-release
 * (`prerelease`), a numeric identifier has no leading zero (SemVer 2.0.0,
 * item 9: "1.0.0-01" is not a version; build metadata may say "+001") */
static bool semver_idents(const char *s, size_t n, bool prerelease)
{
	if (n == 0)
		return false;
	size_t run = 0;
	bool digits = true;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (run == 0 || (prerelease && digits && run > 1 && s[i - run] == '0'))
				return false;
			run = 0;
			digits = true;
		} else if (ident_char(s[i])) {
			run++;
			digits = digits && isdigit((unsigned char)s[i]);
		} else {
			return false;
		}
	}
	return true;
}

bool flux_is_semver(const char *s)
{
	if (!s)
		return false;
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof((struct flux_revision *)0)->version)
		return false;
	size_t i = 0;
	for (int part = 0; part < 3; part++) {
		size_t start = i;
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
		if (i == start || (i - start > 1 && s[start] == '0'))
			return false;
		if (part < 2) {
			if (i >= n || s[i] != '.')
				return false;
			i++;
		}
	}
	if (i < n && s[i] == '-') {
		const char *plus = memchr(s + i + 1, '+', n - i - 1);
		size_t end = plus ? (size_t)(plus - s) : n;
		if (!semver_idents(s + i + 1, end - i - 1, true))
			return false;
		i = end;
	}
	if (i < n && s[i] == '+') {
		if (!semver_idents(s + i + 1, n - i - 1, false))
			return false;
		i = n;
	}
	return i == n;
}

enum flux_rev_kind flux_revision_parse(const char *text, struct flux_revision *out)
{
	memset(out, 0, sizeof *out);
	if (!text)
		return FLUX_REV_INVALID;
	size_t n = strlen(text);
	if (n == 0 || n > 1024)
		return FLUX_REV_INVALID;
	bool sha1;

	/* <ref>@<algo>:<hex> — the ref may hold '@' itself only before the last one */
	const char *at = strrchr(text, '@');
	if (at) {
		size_t rl = (size_t)(at - text), dl = n - rl - 1;
		if (!ref_ok(text, rl) || !digest_ok(at + 1, dl, &sha1))
			return FLUX_REV_INVALID;
		memcpy(out->ref, text, rl);
		out->ref[rl] = '\0';
		if (sha1) {
			hex_lower_copy(out->sha, at + 1 + 5, 40);
			return out->kind = FLUX_REV_GIT;
		}
		hex_lower_copy(out->digest, at + 1, dl);
		if (flux_is_semver(out->ref)) /* shorter than version[]: checked */
			memcpy(out->version, out->ref, strlen(out->ref) + 1);
		return out->kind = FLUX_REV_DIGEST;
	}
	/* <algo>:<hex> without a ref */
	if (digest_ok(text, n, &sha1)) {
		if (sha1) {
			hex_lower_copy(out->sha, text + 5, 40);
			return out->kind = FLUX_REV_GIT;
		}
		hex_lower_copy(out->digest, text, n);
		return out->kind = FLUX_REV_DIGEST;
	}
	/* a bare commit */
	if (n == 40 && hex_is_hex(text, 40)) {
		hex_lower_copy(out->sha, text, 40);
		return out->kind = FLUX_REV_GIT;
	}
	/* the older <ref>/<sha> */
	const char *slash = strrchr(text, '/');
	if (slash) {
		size_t rl = (size_t)(slash - text);
		if (n - rl - 1 == 40 && hex_is_hex(slash + 1, 40) && rl > 0 && ref_ok(text, rl)) {
			memcpy(out->ref, text, rl);
			out->ref[rl] = '\0';
			hex_lower_copy(out->sha, slash + 1, 40);
			return out->kind = FLUX_REV_GIT;
		}
		return FLUX_REV_INVALID;
	}
	if (flux_is_semver(text)) { /* shorter than version[]: checked */
		memcpy(out->version, text, n + 1);
		return out->kind = FLUX_REV_CHART;
	}
	return FLUX_REV_INVALID;
}

const char *flux_revision_key(const struct flux_revision *rev)
{
	switch (rev->kind) {
	case FLUX_REV_GIT:
		return rev->sha;
	case FLUX_REV_DIGEST:
		return rev->digest;
	case FLUX_REV_CHART:
		return rev->version;
	case FLUX_REV_INVALID:
		break;
	}
	return "";
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

const char *flux_reason_status(const char *reason, const char *severity)
{
	static const struct {
		const char *reason;
		const char *status;
	} table[] = {
		/* kustomize-controller and helm-controller reasons */
		{"Progressing", "in_progress"},
		{"ProgressingWithRetry", "in_progress"},
		{"DependencyNotReady", "queued"},
		{"ReconciliationSucceeded", "success"},
		{"InstallSucceeded", "success"},
		{"UpgradeSucceeded", "success"},
		{"TestSucceeded", "success"},
		/* a rollback means the upgrade to this revision did not hold */
		{"RollbackSucceeded", "failure"},
		{"UninstallSucceeded", "inactive"},
	};
	if (reason) {
		for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
			if (strcmp(reason, table[i].reason) == 0)
				return table[i].status;
		/* ReconciliationFailed, HealthCheckFailed, UpgradeFailed,
		 * ArtifactFailed, BuildFailed, ValidationFailed, ... */
		if (ends_with(reason, "Failed") && strlen(reason) > 6)
			return "failure";
	}
	if (severity && strcmp(severity, "error") == 0)
		return "failure";
	return NULL;
}

static bool in_set(const char *s, const char *const *set)
{
	if (!s)
		return false;
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

bool flux_is_source_kind(const char *kind)
{
	static const char *const kinds[] = {"GitRepository", "OCIRepository", "HelmRepository",
					    "HelmChart", "Bucket", NULL};
	return in_set(kind, kinds);
}

bool flux_is_deployer_kind(const char *kind)
{
	static const char *const kinds[] = {"Kustomization", "HelmRelease", NULL};
	return in_set(kind, kinds);
}

int deployment_status_rank(const char *status)
{
	static const char *const done[] = {"success", "failure", "error", "inactive", NULL};
	if (!status)
		return 0;
	if (strcmp(status, "queued") == 0)
		return 1;
	if (strcmp(status, "in_progress") == 0)
		return 2;
	return in_set(status, done) ? 3 : 0;
}

const char *flux_signature_verdict(const char *secret, const char *header, const void *body,
				   size_t len)
{
	if (!secret || !*secret)
		return "not-configured";
	if (!header)
		return "missing";
	return crypto_verify_signature_header(header, secret, body, len, true) ? "valid"
										: "invalid";
}

void flux_delivery_id(const void *body, size_t len, char out[65])
{
	unsigned char sha[CRYPTO_SHA256_LEN];
	crypto_sha256(body, len, sha);
	crypto_hex(sha, sizeof sha, out);
}
