/*
 * array.c — one-dimensional PostgreSQL arrays in binary form (db.h).
 *
 * The wire format (array_send/array_recv in PostgreSQL's arrayfuncs.c):
 * int32 ndim, int32 flags (1 if any element is NULL), uint32 element type
 * OID, then per dimension int32 size and int32 lower bound, then per element
 * int32 length (-1 = NULL) and the element's own binary form — for text and
 * bytea, its bytes.  All integers big-endian.  The header is reserved at the
 * start and written by db_array_finish(), once the count is known.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shiplog/db.h"
#include "shiplog/xalloc.h"

#define HEADER 20 /* ndim, flags, oid, size, lower bound */

static void put32(char *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static void reserve(struct db_array *a, size_t more)
{
	if (a->len + more <= a->cap)
		return;
	size_t cap = a->cap ? a->cap : 256;
	while (cap < a->len + more)
		cap *= 2;
	char *buf = xrealloc(a->buf, cap);
	a->buf = buf;
	a->cap = cap;
}

void db_array_init(struct db_array *a, uint32_t elem_oid)
{
	memset(a, 0, sizeof *a);
	a->elem_oid = elem_oid;
	reserve(a, HEADER);
	a->len = HEADER;
}

void db_array_add(struct db_array *a, const void *data, int len)
{
	if (!data || len < 0) {
		reserve(a, 4);
		put32(a->buf + a->len, UINT32_MAX); /* -1: NULL */
		a->len += 4;
		a->has_null = true;
	} else {
		reserve(a, 4 + (size_t)len);
		put32(a->buf + a->len, (uint32_t)len);
		memcpy(a->buf + a->len + 4, data, (size_t)len);
		a->len += 4 + (size_t)len;
	}
	a->count++;
}

void db_array_add_text(struct db_array *a, const char *s)
{
	db_array_add(a, s, s ? (int)strlen(s) : -1);
}

const char *db_array_finish(struct db_array *a)
{
	if (a->count == 0) {
		/* an empty array has no dimensions */
		put32(a->buf, 0);
		put32(a->buf + 4, 0);
		put32(a->buf + 8, a->elem_oid);
		a->len = 12;
		return a->buf;
	}
	put32(a->buf, 1);
	put32(a->buf + 4, a->has_null ? 1 : 0);
	put32(a->buf + 8, a->elem_oid);
	put32(a->buf + 12, a->count);
	put32(a->buf + 16, 1);
	return a->buf;
}

void db_array_free(struct db_array *a)
{
	free(a->buf);
	memset(a, 0, sizeof *a);
}

char *db_text_array_literal(const char *const *v, size_t n)
{
	size_t cap = 3;
	for (size_t i = 0; i < n; i++)
		cap += 2 * strlen(v[i]) + 3;
	char *out = xmalloc(cap);
	size_t o = 0;
	out[o++] = '{';
	for (size_t i = 0; i < n; i++) {
		if (i)
			out[o++] = ',';
		out[o++] = '"';
		for (const char *p = v[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				out[o++] = '\\';
			out[o++] = *p;
		}
		out[o++] = '"';
	}
	out[o++] = '}';
	out[o] = '\0';
	return out;
}
