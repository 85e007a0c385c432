/*
 * test_flux_signature.c — the verdict /webhooks/flux stores for an event's
 * X-Signature: the upstream notification-controller vector (its forwarder
 * test, over the byte-exact fixture: tests/fixtures/README.md), sha384 and
 * sha512, wrong keys, tampered bodies, malformed headers, no secret; and the
 * delivery id Flux events get (the body's SHA-256).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/flux_revision.h"
#include "shiplog/crypto.h"

#define FLUX_KEY "7152fed34dd6149a7c75a276c510da27cb6f82b0"
#define FLUX_FILE SHIPLOG_FIXTURES "/flux/upstream-test-vector.generic-hmac.body.json"
#define FLUX_SIG "sha256=65b018549b1254e7226d1c08f9567ee45bc9de0fc4e7b1a40253f9a018b08be7"

static char *body;
static size_t body_len;

static int load(void **state)
{
	(void)state;
	FILE *f = fopen(FLUX_FILE, "rb");
	if (!f)
		return -1;
	body = malloc(4096);
	body_len = fread(body, 1, 4096, f);
	fclose(f);
	return 0;
}

static int unload(void **state)
{
	(void)state;
	free(body);
	return 0;
}

/* "<algo>=<hex>" of HMAC(key, body) */
static void sign(enum crypto_digest d, const char *algo, const char *key, const char *data,
		 size_t len, char *out, size_t size)
{
	unsigned char mac[64];
	size_t n = crypto_hmac(d, key, strlen(key), data, len, mac);
	char hex[129];
	crypto_hex(mac, n, hex);
	snprintf(out, size, "%s=%s", algo, hex);
}

static void upstream_vector_is_valid(void **state)
{
	(void)state;
	assert_int_equal(body_len, 295);
	assert_string_equal(flux_signature_verdict(FLUX_KEY, FLUX_SIG, body, body_len), "valid");
}

static void sha384_and_sha512_signatures_are_valid(void **state)
{
	(void)state;
	char sig[160];
	sign(CRYPTO_SHA384, "sha384", FLUX_KEY, body, body_len, sig, sizeof sig);
	assert_int_equal(strlen(sig), 7 + 96);
	assert_string_equal(flux_signature_verdict(FLUX_KEY, sig, body, body_len), "valid");
	sign(CRYPTO_SHA512, "sha512", FLUX_KEY, body, body_len, sig, sizeof sig);
	assert_int_equal(strlen(sig), 7 + 128);
	assert_string_equal(flux_signature_verdict(FLUX_KEY, sig, body, body_len), "valid");
	/* a sha512 MAC labelled sha384 (or the other way) is not valid */
	char wrong[160];
	snprintf(wrong, sizeof wrong, "sha384=%s", sig + 7);
	assert_string_equal(flux_signature_verdict(FLUX_KEY, wrong, body, body_len), "invalid");
}

static void wrong_key_or_tampered_body_is_invalid(void **state)
{
	(void)state;
	assert_string_equal(flux_signature_verdict("another-token", FLUX_SIG, body, body_len),
			    "invalid");
	char *copy = malloc(body_len);
	memcpy(copy, body, body_len);
	copy[body_len - 2] ^= 1; /* one bit of the last field */
	assert_string_equal(flux_signature_verdict(FLUX_KEY, FLUX_SIG, copy, body_len), "invalid");
	/* one byte more (a trailing newline) is another body */
	char *longer = malloc(body_len + 1);
	memcpy(longer, body, body_len);
	longer[body_len] = '\n';
	assert_string_equal(flux_signature_verdict(FLUX_KEY, FLUX_SIG, longer, body_len + 1),
			    "invalid");
	free(copy);
	free(longer);
}

static void malformed_headers_are_invalid_and_absent_is_missing(void **state)
{
	(void)state;
	const char *bad[] = {
		"",
		"sha256",
		"sha256=",
		"65b018549b1254e7226d1c08f9567ee45bc9de0fc4e7b1a40253f9a018b08be7",
		"sha1=65b018549b1254e7226d1c08f9567ee45bc9de0fc4e7b1a40253f9a018b08be7",
		"md5=65b018549b1254e7226d1c08f9567ee45bc9de0fc4e7b1a40253f9a018b08be7",
		"sha256=65b018549b1254e7226d1c08f9567ee45bc9de0fc4e7b1a40253f9a018b08be",
		"sha256=65b018549b1254e7226d1c08f9567ee45bc9de0fc4e7b1a40253f9a018b08be7a",
		"sha256=zzb018549b1254e7226d1c08f9567ee45bc9de0fc4e7b1a40253f9a018b08be7",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (strcmp(flux_signature_verdict(FLUX_KEY, bad[i], body, body_len), "invalid") != 0)
			fail_msg("\"%s\" was not refused", bad[i]);
	assert_string_equal(flux_signature_verdict(FLUX_KEY, NULL, body, body_len), "missing");
}

static void without_a_secret_nothing_is_checked(void **state)
{
	(void)state;
	assert_string_equal(flux_signature_verdict(NULL, NULL, body, body_len), "not-configured");
	assert_string_equal(flux_signature_verdict("", NULL, body, body_len), "not-configured");
	assert_string_equal(flux_signature_verdict(NULL, "sha256=00", body, body_len),
			    "not-configured");
}

static void delivery_id_is_the_body_sha256(void **state)
{
	(void)state;
	char id[65];
	flux_delivery_id("", 0, id);
	assert_string_equal(id, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	flux_delivery_id("abc", 3, id);
	assert_string_equal(id, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	char again[65];
	flux_delivery_id(body, body_len, id);
	flux_delivery_id(body, body_len, again);
	assert_string_equal(id, again);
	assert_int_equal(strlen(id), 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(upstream_vector_is_valid),
		cmocka_unit_test(sha384_and_sha512_signatures_are_valid),
		cmocka_unit_test(wrong_key_or_tampered_body_is_invalid),
		cmocka_unit_test(malformed_headers_are_invalid_and_absent_is_missing),
		cmocka_unit_test(without_a_secret_nothing_is_checked),
		cmocka_unit_test(delivery_id_is_the_body_sha256),
	};
	return cmocka_run_group_tests(tests, load, unload);
}
