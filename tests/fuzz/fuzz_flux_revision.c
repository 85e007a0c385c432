/*
 * fuzz_flux_revision — the Flux revision parser and the other pure pieces of
 * a Flux event (server/domain/flux_revision.h): reasons, kinds, status
 * ranks, the X-Signature verdict and the delivery id.
 *
 * Input: lines; the first is a revision ("main@sha1:<40 hex>"), then a
 * reason, a severity, an object kind and an X-Signature header; whatever
 * follows the fifth newline is the event body that is signed.  Missing lines
 * are absent (NULL).
 */
#include "fuzz.h"

#include <ctype.h>

#include "domain/flux_revision.h"
#include "shiplog/crypto.h"

/* The key of the upstream test vector (notification-controller's forwarder test). */
static const char secret[] = "7152fed34dd6149a7c75a276c510da27cb6f82b0";

static bool lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[n] == '\0';
}

static void check_revision(const char *text)
{
	struct flux_revision rev;
	memset(&rev, 0x55, sizeof rev);
	enum flux_rev_kind k = flux_revision_parse(text, &rev);
	FUZZ_CHECK(k == rev.kind);
	FUZZ_CHECK(memchr(rev.ref, '\0', sizeof rev.ref) && memchr(rev.sha, '\0', sizeof rev.sha) &&
		   memchr(rev.digest, '\0', sizeof rev.digest) &&
		   memchr(rev.version, '\0', sizeof rev.version));
	const char *key = flux_revision_key(&rev);
	FUZZ_CHECK(key != NULL);
	for (const char *p = rev.ref; *p; p++)
		FUZZ_CHECK((unsigned char)*p > ' ' && *p != 0x7f);
	switch (k) {
	case FLUX_REV_INVALID:
		FUZZ_CHECK(key[0] == '\0');
		return;
	case FLUX_REV_GIT:
		FUZZ_CHECK(key == rev.sha && lower_hex(rev.sha, 40));
		break;
	case FLUX_REV_DIGEST: {
		FUZZ_CHECK(key == rev.digest);
		const char *colon = strchr(rev.digest, ':');
		FUZZ_CHECK(colon && colon > rev.digest && lower_hex(colon + 1, strlen(colon + 1)));
		FUZZ_CHECK(rev.version[0] == '\0' || flux_is_semver(rev.version));
		break;
	}
	case FLUX_REV_CHART:
		FUZZ_CHECK(key == rev.version && flux_is_semver(rev.version));
		break;
	default:
		FUZZ_CHECK(k >= FLUX_REV_INVALID && k <= FLUX_REV_CHART);
	}
	FUZZ_CHECK(key[0] != '\0');

	/* what was parsed, written out again in the Flux 2 form, parses the same */
	char again[600];
	if (k == FLUX_REV_GIT)
		snprintf(again, sizeof again, "%s%ssha1:%s", rev.ref, rev.ref[0] ? "@" : "",
			 rev.sha);
	else if (k == FLUX_REV_DIGEST)
		snprintf(again, sizeof again, "%s%s%s", rev.ref, rev.ref[0] ? "@" : "", rev.digest);
	else
		snprintf(again, sizeof again, "%s", rev.version);
	struct flux_revision rev2;
	FUZZ_CHECK(flux_revision_parse(again, &rev2) == k);
	FUZZ_CHECK(strcmp(flux_revision_key(&rev2), key) == 0);
	FUZZ_CHECK(strcmp(rev2.ref, rev.ref) == 0);
}

static void check_signature(const char *header, const char *body, size_t len)
{
	const char *v = flux_signature_verdict(secret, header, body, len);
	FUZZ_CHECK(v != NULL);
	if (!header)
		FUZZ_CHECK(strcmp(v, "missing") == 0);
	else
		FUZZ_CHECK(strcmp(v, "valid") == 0 || strcmp(v, "invalid") == 0);
	FUZZ_CHECK(strcmp(flux_signature_verdict("", header, body, len), "not-configured") == 0);

	/* the right signature of this body is valid, in any hex case; a wrong one is not */
	unsigned char mac[64];
	char hdr[7 + 128 + 1];
	size_t n = crypto_hmac(CRYPTO_SHA256, secret, strlen(secret), body, len, mac);
	FUZZ_CHECK(n == 32);
	memcpy(hdr, "sha256=", 7);
	crypto_hex(mac, n, hdr + 7);
	FUZZ_CHECK(strcmp(flux_signature_verdict(secret, hdr, body, len), "valid") == 0);
	for (char *p = hdr + 7; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	FUZZ_CHECK(strcmp(flux_signature_verdict(secret, hdr, body, len), "valid") == 0);
	hdr[7] = hdr[7] == '0' ? '1' : '0';
	FUZZ_CHECK(strcmp(flux_signature_verdict(secret, hdr, body, len), "invalid") == 0);

	char id[65];
	memset(id, 'x', sizeof id);
	flux_delivery_id(body, len, id);
	FUZZ_CHECK(lower_hex(id, 64));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* split into up to five C strings; the rest (NULs and all) is the body */
	char *copy = malloc(size + 1);
	if (!copy)
		abort();
	if (size)
		memcpy(copy, data, size);
	copy[size] = '\0';
	const char *field[5] = {NULL, NULL, NULL, NULL, NULL};
	size_t pos = 0;
	for (int f = 0; f < 5 && pos <= size; f++) {
		char *nl = memchr(copy + pos, '\n', size - pos);
		field[f] = copy + pos;
		if (!nl) {
			pos = size + 1;
			break;
		}
		*nl = '\0';
		pos = (size_t)(nl - copy) + 1;
	}
	const char *body = pos <= size ? copy + pos : "";
	size_t body_len = pos <= size ? size - pos : 0;

	check_revision(field[0]);
	if (field[0]) {
		FUZZ_CHECK(flux_revision_parse(field[0], &(struct flux_revision){0}) ==
			   flux_revision_parse(field[0], &(struct flux_revision){0}));
		(void)flux_is_semver(field[0]);
	}
	const char *st = flux_reason_status(field[1], field[2]);
	FUZZ_CHECK(st == NULL || deployment_status_rank(st) > 0);
	FUZZ_CHECK(deployment_status_rank(field[1]) >= 0 && deployment_status_rank(field[1]) <= 3);
	FUZZ_CHECK(!(flux_is_source_kind(field[3]) && flux_is_deployer_kind(field[3])));
	check_signature(field[4], body, body_len);
	free(copy);
	return 0;
}
