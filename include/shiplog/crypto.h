/*
 * crypto.h — thin wrappers over OpenSSL libcrypto.  Nothing here is
 * hand-rolled cryptography: HMAC and SHA-2 come from EVP, randomness from
 * RAND_bytes, comparison from CRYPTO_memcmp.
 */
#ifndef SHIPLOG_CRYPTO_H
#define SHIPLOG_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRYPTO_SHA256_LEN 32

enum crypto_digest { CRYPTO_SHA256, CRYPTO_SHA384, CRYPTO_SHA512 };

/* out must hold 32 bytes. */
void crypto_sha256(const void *data, size_t len, unsigned char out[CRYPTO_SHA256_LEN]);

/* HMAC over data; out must hold 64 bytes; returns the length written. */
size_t crypto_hmac(enum crypto_digest d, const void *key, size_t key_len, const void *data,
		   size_t len, unsigned char *out);

/* Fills buf with cryptographically strong random bytes; aborts if the RNG fails. */
void crypto_random(void *buf, size_t len);

/* Constant-time equality of two equal-length buffers. */
bool crypto_equal(const void *a, const void *b, size_t len);

/* Lower-case hex; out must hold 2*len+1. */
void crypto_hex(const unsigned char *in, size_t len, char *out);
/* Parses exactly 2*out_len hex digits; false on anything else. */
bool crypto_unhex(const char *hex, size_t hex_len, unsigned char *out, size_t out_len);

/* base64url without padding; out must hold 4*((len+2)/3)+1. Returns length. */
size_t crypto_b64url_encode(const unsigned char *in, size_t len, char *out);
/* Returns decoded length or -1; out must hold 3*len/4+3 bytes. */
long crypto_b64url_decode(const char *in, size_t len, unsigned char *out);

/*
 * Verifies a "ALGO=hex" signature header (GitHub X-Hub-Signature-256, Flux
 * X-Signature) over body with secret, in constant time.  Accepts sha256,
 * and sha384/sha512 when allow_sha2_family is set.
 */
bool crypto_verify_signature_header(const char *header, const char *secret, const void *body,
				    size_t len, bool allow_sha2_family);

#endif
