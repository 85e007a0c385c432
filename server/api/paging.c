/*
 * paging.c — keyset pagination cursors: base64url of "id" or "time|id".
 * Opaque to clients; checked strictly, since they come back from them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "shiplog/clock.h"
#include "shiplog/crypto.h"
#include "shiplog/xalloc.h"

char *api_cursor_make(int64_t id, const char *time)
{
	char raw[96];
	int n = time ? snprintf(raw, sizeof raw, "%.40s|%lld", time, (long long)id)
		     : snprintf(raw, sizeof raw, "%lld", (long long)id);
	char *out = xmalloc(4 * sizeof raw / 3 + 4);
	crypto_b64url_encode((const unsigned char *)raw, (size_t)n, out);
	return out;
}

bool api_page_parse(struct http_request *r, struct api_page *p)
{
	memset(p, 0, sizeof *p);
	p->limit = (int)http_param_int(r, "limit", 50);
	const char *c = http_param(r, "cursor");
	if (!c || !*c)
		return true;
	unsigned char raw[160];
	size_t cl = strlen(c);
	long n = cl < 200 ? crypto_b64url_decode(c, cl, raw) : -1;
	if (n <= 0 || n >= (long)sizeof raw)
		goto bad;
	raw[n] = '\0';
	char *bar = strchr((char *)raw, '|');
	const char *idtext = (const char *)raw;
	if (bar) {
		*bar = '\0';
		int64_t us;
		if (!clock_parse_rfc3339((const char *)raw, &us) ||
		    strlen((const char *)raw) >= sizeof p->before_time)
			goto bad;
		snprintf(p->before_time, sizeof p->before_time, "%s", (const char *)raw);
		idtext = bar + 1;
	}
	char *end;
	long long id = strtoll(idtext, &end, 10);
	if (*end || end == idtext || id <= 0)
		goto bad;
	p->before_id = id;
	p->has_cursor = true;
	return true;
bad:
	http_reply_field_problem(r, PROBLEM_INVALID_PARAMETER, "cursor",
				 "not a cursor this server made; use the next link of a page");
	return false;
}
