/*
 * test_crypto.c — webhook signature verification against the upstream
 * vectors (GitHub X-Hub-Signature-256, Flux X-Signature), hex and base64url
 * coding, constant-time comparison.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shiplog/crypto.h"

#ifndef SHIPLOG_FIXTURES
#define SHIPLOG_FIXTURES "tests/fixtures"
#endif

/* ---- vectors: GH1 from GitHub's documentation ("Validating webhook
 * deliveries"), GH2 from octokit/webhooks-methods.js's tests, FLUX from
 * fluxcd/notification-controller's forwarder test (tests/fixtures/README.md)
 * ---- */

#define GH1_SECRET "It's a Secret to Everybody"
#define GH1_BODY   "Hello, World!"
#define GH1_SIG	   "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
#define GH1_SHA1   "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59"
/* computed with `openssl dgst -sha384/-sha512 -hmac` over the same input */
#define GH1_SHA384                                                                           \
	"sha384="                                                                            \
	"8ae941e23ce94331d5a5986b762bbdb2039fec41c133145da82908f381ba612379307f45738b252be3" \
	"79438ef60839c2"
#define GH1_SHA512                                                                           \
	"sha512="                                                                            \
	"11ed355a617e98134e842012a7944ccf59c10256cb182357bd7e3a42013ff07c376f8c14cf5cc1923d" \
	"a20b51d64256b2fb8ebbf100aa67a61326f61fea8111bc"

#define GH2_SECRET "mysecret"
#define GH2_BODY   "{\n  \"foo\": \"bar\"\n}\n"
#define GH2_SIG	   "sha256=e3eccac34c43c7dc1cbb905488b1b81347fcc700a7b025697a9d07862256023f"

#define FLUX_KEY  "7152fed34dd6149a7c75a276c510da27cb6f82b0"
#define FLUX_FILE SHIPLOG_FIXTURES "/flux/upstream-test-vector.generic-hmac.body.json"
#define FLUX_SIG  "sha256=65b018549b1254e7226d1c08f9567ee45bc9de0fc4e7b1a40253f9a018b08be7"

static bool verify(const char *header, const char *secret, const char *body, bool family)
{
	return crypto_verify_signature_header(header, secret, body, strlen(body), family);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fail_msg("cannot open %s", path);
		return NULL;
	}
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	*len = n;
	return buf;
}

static void github_vector_1_verifies(void **state)
{
	(void)state;
	assert_int_equal(strlen(GH1_BODY), 13);
	assert_true(verify(GH1_SIG, GH1_SECRET, GH1_BODY, false));
	assert_true(verify(GH1_SIG, GH1_SECRET, GH1_BODY, true));
}

static void github_vector_2_verifies(void **state)
{
	(void)state;
	assert_int_equal(strlen(GH2_BODY), 19);
	assert_true(verify(GH2_SIG, GH2_SECRET, GH2_BODY, false));
}

static void flux_vector_3_verifies_over_the_fixture_bytes(void **state)
{
	(void)state;
	size_t len = 0;
	char *body = read_file(FLUX_FILE, &len);
	assert_int_equal(len, 295);
	assert_true(crypto_verify_signature_header(FLUX_SIG, FLUX_KEY, body, len, false));
	assert_true(crypto_verify_signature_header(FLUX_SIG, FLUX_KEY, body, len, true));
	/* one byte more (a trailing newline an editor might add) breaks it */
	char *longer = malloc(len + 1);
	assert_non_null(longer);
	memcpy(longer, body, len);
	longer[len] = '\n';
	assert_false(crypto_verify_signature_header(FLUX_SIG, FLUX_KEY, longer, len + 1, false));
	free(longer);
	free(body);
}

static void flipped_hex_digit_is_refused(void **state)
{
	(void)state;
	char sig[] = GH1_SIG;
	size_t start = strlen("sha256=");
	for (size_t i = start; i < strlen(sig); i++) {
		char saved = sig[i];
		sig[i] = saved == '0' ? '1' : '0';
		if (verify(sig, GH1_SECRET, GH1_BODY, true))
			fail_msg("accepted with digit %zu changed: %s", i - start, sig);
		sig[i] = saved;
	}
	assert_true(verify(sig, GH1_SECRET, GH1_BODY, false));
}

static void wrong_secret_or_body_is_refused(void **state)
{
	(void)state;
	assert_false(verify(GH1_SIG, GH2_SECRET, GH1_BODY, false));
	assert_false(verify(GH1_SIG, "It's a secret to everybody", GH1_BODY, false));
	assert_false(verify(GH1_SIG, "", GH1_BODY, false));
	assert_false(verify(GH1_SIG, GH1_SECRET, "Hello, World", false));
	assert_false(verify(GH2_SIG, GH1_SECRET, GH2_BODY, false));
}

static void missing_or_malformed_prefix_is_refused(void **state)
{
	(void)state;
	const char *hex = &GH1_SIG[strlen("sha256=")];
	char buf[200];
	assert_false(verify(hex, GH1_SECRET, GH1_BODY, true));
	snprintf(buf, sizeof buf, "=%s", hex);
	assert_false(verify(buf, GH1_SECRET, GH1_BODY, true));
	snprintf(buf, sizeof buf, "sha256:%s", hex);
	assert_false(verify(buf, GH1_SECRET, GH1_BODY, true));
	snprintf(buf, sizeof buf, "sha-256=%s", hex);
	assert_false(verify(buf, GH1_SECRET, GH1_BODY, true));
	snprintf(buf, sizeof buf, " sha256=%s", hex);
	assert_false(verify(buf, GH1_SECRET, GH1_BODY, true));
	snprintf(buf, sizeof buf, "%s ", GH1_SIG);
	assert_false(verify(buf, GH1_SECRET, GH1_BODY, true));
	snprintf(buf, sizeof buf, "%s\n", GH1_SIG);
	assert_false(verify(buf, GH1_SECRET, GH1_BODY, true));
	assert_false(verify("sha256=", GH1_SECRET, GH1_BODY, true));
	assert_false(verify("", GH1_SECRET, GH1_BODY, true));
	assert_false(crypto_verify_signature_header(NULL, GH1_SECRET, GH1_BODY, 13, true));
	assert_false(crypto_verify_signature_header(GH1_SIG, NULL, GH1_BODY, 13, true));
}

static void truncated_or_extended_hex_is_refused(void **state)
{
	(void)state;
	char buf[200];
	snprintf(buf, sizeof buf, "%.*s", (int)strlen(GH1_SIG) - 1, GH1_SIG);
	assert_false(verify(buf, GH1_SECRET, GH1_BODY, false));
	snprintf(buf, sizeof buf, "%.*s", (int)strlen(GH1_SIG) - 2, GH1_SIG);
	assert_false(verify(buf, GH1_SECRET, GH1_BODY, false));
	snprintf(buf, sizeof buf, "%s0", GH1_SIG);
	assert_false(verify(buf, GH1_SECRET, GH1_BODY, false));
	snprintf(buf, sizeof buf, "%s00", GH1_SIG);
	assert_false(verify(buf, GH1_SECRET, GH1_BODY, false));
	/* a 384-bit MAC under the sha256 label */
	snprintf(buf, sizeof buf, "sha256=%s", &GH1_SHA384[strlen("sha384=")]);
	assert_false(verify(buf, GH1_SECRET, GH1_BODY, true));
}

static void uppercase_hex_and_algorithm_are_accepted(void **state)
{
	(void)state;
	char buf[200];
	snprintf(buf, sizeof buf, "%s", GH1_SIG);
	for (char *p = buf + strlen("sha256="); *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	assert_true(verify(buf, GH1_SECRET, GH1_BODY, false));
	memcpy(buf, "SHA256", 6);
	assert_true(verify(buf, GH1_SECRET, GH1_BODY, false));
}

static void sha1_signature_is_refused(void **state)
{
	(void)state;
	/* the legacy X-Hub-Signature of vector 1 is a correct SHA-1 HMAC */
	assert_false(verify(GH1_SHA1, GH1_SECRET, GH1_BODY, false));
	assert_false(verify(GH1_SHA1, GH1_SECRET, GH1_BODY, true));
}

static void sha384_and_sha512_need_allow_sha2_family(void **state)
{
	(void)state;
	assert_true(verify(GH1_SHA384, GH1_SECRET, GH1_BODY, true));
	assert_true(verify(GH1_SHA512, GH1_SECRET, GH1_BODY, true));
	assert_false(verify(GH1_SHA384, GH1_SECRET, GH1_BODY, false));
	assert_false(verify(GH1_SHA512, GH1_SECRET, GH1_BODY, false));
	assert_false(verify(GH1_SHA384, GH2_SECRET, GH1_BODY, true));
	/* label and length must agree */
	char buf[200];
	snprintf(buf, sizeof buf, "sha512=%s", &GH1_SHA384[strlen("sha384=")]);
	assert_false(verify(buf, GH1_SECRET, GH1_BODY, true));
	snprintf(buf, sizeof buf, "sha384=%s", &GH1_SIG[strlen("sha256=")]);
	assert_false(verify(buf, GH1_SECRET, GH1_BODY, true));
	assert_false(verify("sha224=00", GH1_SECRET, GH1_BODY, true));
}

static void hmac_lengths_match_the_digest(void **state)
{
	(void)state;
	unsigned char out[64];
	char hex[129];
	assert_int_equal(
		crypto_hmac(CRYPTO_SHA256, GH1_SECRET, strlen(GH1_SECRET), GH1_BODY, 13, out), 32);
	crypto_hex(out, 32, hex);
	assert_string_equal(hex, &GH1_SIG[strlen("sha256=")]);
	assert_int_equal(
		crypto_hmac(CRYPTO_SHA384, GH1_SECRET, strlen(GH1_SECRET), GH1_BODY, 13, out), 48);
	assert_int_equal(
		crypto_hmac(CRYPTO_SHA512, GH1_SECRET, strlen(GH1_SECRET), GH1_BODY, 13, out), 64);
	/* an empty key and an empty message are allowed */
	assert_int_equal(crypto_hmac(CRYPTO_SHA256, "", 0, NULL, 0, out), 32);
}

static void sha256_matches_the_fips_vector(void **state)
{
	(void)state;
	unsigned char out[CRYPTO_SHA256_LEN];
	char hex[2 * CRYPTO_SHA256_LEN + 1];
	crypto_sha256("abc", 3, out);
	crypto_hex(out, sizeof out, hex);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	crypto_sha256("", 0, out);
	crypto_hex(out, sizeof out, hex);
	assert_string_equal(hex,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* ---- hex ---- */

static void hex_round_trips_every_byte(void **state)
{
	(void)state;
	unsigned char in[256], back[256];
	char hex[513];
	for (int i = 0; i < 256; i++)
		in[i] = (unsigned char)i;
	crypto_hex(in, sizeof in, hex);
	assert_int_equal(strlen(hex), 512);
	assert_memory_equal(hex, "000102030405060708090a0b0c0d0e0f", 32);
	assert_string_equal(hex + 480, "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
	assert_true(crypto_unhex(hex, strlen(hex), back, sizeof back));
	assert_memory_equal(in, back, sizeof in);
	crypto_hex(in, 0, hex);
	assert_string_equal(hex, "");
}

static void unhex_refuses_wrong_length_and_non_hex(void **state)
{
	(void)state;
	unsigned char out[4];
	assert_true(crypto_unhex("DEADbeef", 8, out, 4));
	assert_int_equal(out[0], 0xde);
	assert_int_equal(out[3], 0xef);
	assert_false(crypto_unhex("deadbee", 7, out, 4));
	assert_false(crypto_unhex("deadbeef00", 10, out, 4));
	assert_false(crypto_unhex("deadbeeg", 8, out, 4));
	assert_false(crypto_unhex("dead bef", 8, out, 4));
	assert_false(crypto_unhex("0xdeadbe", 8, out, 4));
	assert_true(crypto_unhex("", 0, out, 0));
}

/* ---- base64url ---- */

static void b64url_matches_rfc4648_vectors(void **state)
{
	(void)state;
	static const struct {
		const char *plain, *enc;
	} v[] = {
		{"", ""},	    {"f", "Zg"},	  {"fo", "Zm8"},	  {"foo", "Zm9v"},
		{"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char out[16];
		size_t n = crypto_b64url_encode((const unsigned char *)v[i].plain,
						strlen(v[i].plain), out);
		assert_int_equal(n, strlen(v[i].enc));
		assert_string_equal(out, v[i].enc);
	}
	/* the url-safe alphabet: 0xfb 0xff -> "-_8" (standard base64: "+/8=") */
	static const unsigned char fb[] = {0xfb, 0xff};
	char out[8];
	crypto_b64url_encode(fb, 2, out);
	assert_string_equal(out, "-_8");
}

static void b64url_round_trips_lengths_0_to_40(void **state)
{
	(void)state;
	for (size_t len = 0; len <= 40; len++) {
		unsigned char in[40];
		for (size_t i = 0; i < len; i++)
			in[i] = (unsigned char)(0xff - 37 * i);
		size_t cap = 4 * ((len + 2) / 3) + 1;
		char *enc = malloc(cap); /* exactly the documented size, for valgrind */
		assert_non_null(enc);
		size_t el = crypto_b64url_encode(in, len, enc);
		assert_int_equal(el, strlen(enc));
		assert_int_equal(el, (4 * len + 2) / 3); /* no padding */
		assert_null(strchr(enc, '='));
		unsigned char *dec = malloc(3 * el / 4 + 3);
		assert_non_null(dec);
		long dl = crypto_b64url_decode(enc, el, dec);
		assert_int_equal(dl, (long)len);
		assert_memory_equal(in, dec, len);
		free(dec);
		free(enc);
	}
}

static void b64url_decode_refuses_bad_characters(void **state)
{
	(void)state;
	unsigned char out[16];
	assert_int_equal(crypto_b64url_decode("Zm9v", 4, out), 3);
	assert_int_equal(crypto_b64url_decode("Zm+v", 4, out), -1);
	assert_int_equal(crypto_b64url_decode("Zm/v", 4, out), -1);
	assert_int_equal(crypto_b64url_decode("Zg==", 4, out), -1);
	assert_int_equal(crypto_b64url_decode("Zm9 ", 4, out), -1);
	assert_int_equal(crypto_b64url_decode("Zm9\n", 4, out), -1);
	assert_int_equal(crypto_b64url_decode("Zm\0v", 4, out), -1);
	assert_int_equal(crypto_b64url_decode("Zm\xc3\xa9", 4, out), -1);
	assert_int_equal(crypto_b64url_decode("Zm9vY", 5, out), -1); /* a lone 6-bit group */
	assert_int_equal(crypto_b64url_decode("", 0, out), 0);
}

static void b64url_decode_refuses_non_canonical_trailing_bits(void **state)
{
	(void)state;
	unsigned char out[16];
	assert_int_equal(crypto_b64url_decode("Zg", 2, out), 1);
	assert_int_equal(out[0], 'f');
	assert_int_equal(crypto_b64url_decode("Zh", 2, out), -1);
	assert_int_equal(crypto_b64url_decode("Zv", 2, out), -1);
	assert_int_equal(crypto_b64url_decode("Zm8", 3, out), 2);
	assert_int_equal(crypto_b64url_decode("Zm9", 3, out), -1);
	assert_int_equal(crypto_b64url_decode("Zm_", 3, out), -1);
	assert_int_equal(crypto_b64url_decode("Zm9vYmF", 7, out), -1);
}

/* ---- comparison and randomness ---- */

static void crypto_equal_compares_every_byte(void **state)
{
	(void)state;
	unsigned char a[32], b[32];
	memset(a, 0x5a, sizeof a);
	memcpy(b, a, sizeof b);
	assert_true(crypto_equal(a, b, sizeof a));
	b[31] ^= 1;
	assert_false(crypto_equal(a, b, sizeof a));
	assert_true(crypto_equal(a, b, 31));
	b[31] = a[31];
	b[0] ^= 0x80;
	assert_false(crypto_equal(a, b, sizeof a));
	assert_true(crypto_equal(a, b, 0));
}

static void random_draws_differ(void **state)
{
	(void)state;
	unsigned char a[32], b[32];
	crypto_random(a, sizeof a);
	crypto_random(b, sizeof b);
	assert_false(crypto_equal(a, b, sizeof a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(github_vector_1_verifies),
		cmocka_unit_test(github_vector_2_verifies),
		cmocka_unit_test(flux_vector_3_verifies_over_the_fixture_bytes),
		cmocka_unit_test(flipped_hex_digit_is_refused),
		cmocka_unit_test(wrong_secret_or_body_is_refused),
		cmocka_unit_test(missing_or_malformed_prefix_is_refused),
		cmocka_unit_test(truncated_or_extended_hex_is_refused),
		cmocka_unit_test(uppercase_hex_and_algorithm_are_accepted),
		cmocka_unit_test(sha1_signature_is_refused),
		cmocka_unit_test(sha384_and_sha512_need_allow_sha2_family),
		cmocka_unit_test(hmac_lengths_match_the_digest),
		cmocka_unit_test(sha256_matches_the_fips_vector),
		cmocka_unit_test(hex_round_trips_every_byte),
		cmocka_unit_test(unhex_refuses_wrong_length_and_non_hex),
		cmocka_unit_test(b64url_matches_rfc4648_vectors),
		cmocka_unit_test(b64url_round_trips_lengths_0_to_40),
		cmocka_unit_test(b64url_decode_refuses_bad_characters),
		cmocka_unit_test(b64url_decode_refuses_non_canonical_trailing_bits),
		cmocka_unit_test(crypto_equal_compares_every_byte),
		cmocka_unit_test(random_draws_differ),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
