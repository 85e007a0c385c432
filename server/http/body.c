/*
 * body.c — body-size decisions (see http/internal.h).  Content-Length is
 * checked before a byte is read; chunked bodies have none and are counted.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "http/internal.h"

enum body_precheck http_body_precheck(const char *content_length, size_t limit)
{
	if (!content_length)
		return BODY_PRECHECK_OK;
	const char *p = content_length;
	if (!isdigit((unsigned char)*p))
		return BODY_PRECHECK_MALFORMED;
	errno = 0;
	char *end;
	unsigned long long n = strtoull(p, &end, 10);
	if (*end)
		return BODY_PRECHECK_MALFORMED;
	if (errno == ERANGE || n > limit)
		return BODY_PRECHECK_TOO_LARGE;
	return BODY_PRECHECK_OK;
}

bool http_body_fits(size_t have, size_t more, size_t limit)
{
	return have <= limit && more <= limit - have;
}
