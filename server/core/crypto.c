/*
 * crypto.c — OpenSSL wrappers (see crypto.h).  No hand-rolled primitives.
 */
#include "shiplog/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void crypto_sha256(const void *data, size_t len, unsigned char out[CRYPTO_SHA256_LEN])
{
	unsigned int n = 0;
	if (!EVP_Digest(data, len, out, &n, EVP_sha256(), NULL))
		abort();
}

static const EVP_MD *digest_md(enum crypto_digest d)
{
	switch (d) {
	case CRYPTO_SHA384:
		return EVP_sha384();
	case CRYPTO_SHA512:
		return EVP_sha512();
	case CRYPTO_SHA256:
	default:
		return EVP_sha256();
	}
}

size_t crypto_hmac(enum crypto_digest d, const void *key, size_t key_len, const void *data,
		   size_t len, unsigned char *out)
{
	unsigned int n = 0;
	static const unsigned char empty;
	/* HMAC() rejects a NULL key even with length 0 */
	if (!HMAC(digest_md(d), key_len ? key : &empty, (int)key_len, data ? data : &empty, len,
		  out, &n))
		abort();
	return n;
}

void crypto_random(void *buf, size_t len)
{
	if (RAND_bytes(buf, (int)len) != 1) {
		fputs("shiplog: the random number generator failed\n", stderr);
		abort();
	}
}

bool crypto_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

void crypto_hex(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool crypto_unhex(const char *hex, size_t hex_len, unsigned char *out, size_t out_len)
{
	if (hex_len != 2 * out_len)
		return false;
	for (size_t i = 0; i < out_len; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t crypto_b64url_encode(const unsigned char *in, size_t len, char *out)
{
	size_t o = 0, i = 0;
	for (; i + 2 < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
		out[o++] = b64url[v & 63];
	}
	if (len - i == 1) {
		unsigned v = (unsigned)in[i] << 16;
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
	} else if (len - i == 2) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
	}
	out[o] = '\0';
	return o;
}

static int b64val(char c)
{
	const char *p = c ? strchr(b64url, c) : NULL;
	return p ? (int)(p - b64url) : -1;
}

long crypto_b64url_decode(const char *in, size_t len, unsigned char *out)
{
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;
	if (len % 4 == 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = b64val(in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits & 0xff);
		}
	}
	/* leftover bits must be zero, so each value has one encoding */
	if (bits && (acc & ((1u << bits) - 1)))
		return -1;
	return (long)o;
}

bool crypto_verify_signature_header(const char *header, const char *secret, const void *body,
				    size_t len, bool allow_sha2_family)
{
	if (!header || !secret)
		return false;
	const char *eq = strchr(header, '=');
	if (!eq)
		return false;
	size_t alg_len = (size_t)(eq - header);
	enum crypto_digest d;
	size_t mac_len;
	if (alg_len == 6 && strncasecmp(header, "sha256", 6) == 0) {
		d = CRYPTO_SHA256;
		mac_len = 32;
	} else if (allow_sha2_family && alg_len == 6 && strncasecmp(header, "sha384", 6) == 0) {
		d = CRYPTO_SHA384;
		mac_len = 48;
	} else if (allow_sha2_family && alg_len == 6 && strncasecmp(header, "sha512", 6) == 0) {
		d = CRYPTO_SHA512;
		mac_len = 64;
	} else {
		return false;
	}
	unsigned char given[64], want[64];
	const char *hex = eq + 1;
	if (!crypto_unhex(hex, strlen(hex), given, mac_len))
		return false;
	size_t n = crypto_hmac(d, secret, strlen(secret), body, len, want);
	return n == mac_len && crypto_equal(given, want, mac_len);
}
