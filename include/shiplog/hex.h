/*
 * hex.h — hex digits and commit SHAs, in one place.
 *
 * shiplog keys commits by their 40-digit SHA in lowercase; what arrives
 * (webhook payloads, request bodies, paths) may be in either case.  These
 * read and validate such text; none allocates.  ASCII only, whatever the
 * locale.
 */
#ifndef SHIPLOG_HEX_H
#define SHIPLOG_HEX_H

#include <stdbool.h>
#include <stddef.h>

/* The digits of a full commit SHA. */
#define HEX_SHA_LEN 40

/* Are the first n bytes of s hex digits (either case)?  true for n = 0. */
bool hex_is_hex(const char *s, size_t n);

/* Is s exactly 40 hex digits (either case)?  false for NULL. */
bool hex_is_sha(const char *s);

/* Is s exactly 40 lowercase hex digits (a SHA as shiplog stores it)? */
bool hex_is_lower_sha(const char *s);

/* Reads a full SHA in either case into out, lowercased; false (out
 * untouched or partly written) if s is NULL or not exactly 40 hex digits. */
bool hex_read_sha(const char *s, char out[HEX_SHA_LEN + 1]);

/* Copies at most n bytes of src (stopping at its NUL; NULL copies nothing)
 * into dst with ASCII letters lowercased, and terminates it: dst must hold
 * n + 1 bytes.  Returns the length copied. */
size_t hex_lower_copy(char *dst, const char *src, size_t n);

#endif
