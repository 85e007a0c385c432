/*
 * fuzz_router — route lookup and path/query parameter checks, as the
 * dispatcher (server/http/dispatch.c) runs them over the real route table.
 *
 * Input: an HTTP request line without the version, "METHOD TARGET"
 * ("GET /api/v1/runs?repo=a/b&limit=5"); without a space the whole input is
 * the target of a GET.  What libmicrohttpd does before shiplog sees a
 * request is replayed here: the target is split at '?', the path is
 * %-decoded, query keys and values get '+' -> ' ' and %-decoding.  What the
 * dispatcher refuses before routing (a URL over HTTP_MAX_URL, "%00" in the
 * path) is skipped, like it is there.
 */
#include "fuzz.h"

#include "shiplog/http.h"

/* libmicrohttpd's MHD_http_unescape: %XX with two hex digits becomes the
 * byte, anything else is kept as it is.  In place; returns the new length. */
static size_t mhd_unescape(char *s)
{
	char *r = s, *w = s;
	while (*r) {
		if (r[0] == '%' && r[1] && r[2]) {
			char hex[3] = {r[1], r[2], '\0'};
			char *end;
			unsigned long v = strtoul(hex, &end, 16);
			if (*end == '\0' && hex[0] != '-' && hex[0] != '+' && hex[0] != ' ' &&
			    hex[0] != '\t') {
				*w++ = (char)v;
				r += 3;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* libmicrohttpd's MHD_unescape_plus, applied to query keys and values. */
static void unescape_plus(char *s)
{
	for (; *s; s++)
		if (*s == '+')
			*s = ' ';
}

static const struct param_spec *find_spec(const struct route *rt, enum param_in in,
					  const char *name)
{
	for (const struct param_spec *s = rt->params; s && s->name; s++)
		if (s->in == in && strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

/* Every distinct path/query spec in the table, to check values against all
 * of them (more than the dispatcher does: it reaches every checker from any
 * input, not only from one that names the right route and key). */
#define MAX_SPECS 512
static const struct param_spec *all_specs[MAX_SPECS];
static size_t n_all_specs;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (const struct route *rt = http_routes; rt->method; rt++)
		for (const struct param_spec *s = rt->params; s && s->name; s++) {
			bool seen = false;
			for (size_t i = 0; i < n_all_specs && !seen; i++)
				seen = all_specs[i] == s;
			if (!seen && n_all_specs < MAX_SPECS)
				all_specs[n_all_specs++] = s;
		}
	return 0;
}

static void check_value(const struct param_spec *s, const char *value)
{
	char err[512];
	err[0] = '\0';
	bool ok = http_param_check(s, value, err, sizeof err);
	FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL);
	/* a refusal always says which parameter and why */
	FUZZ_CHECK(ok || (err[0] && strncmp(err, s->name, strlen(s->name)) == 0));
}

/* The dispatcher's check_query_arg over every key=value pair (it stops at
 * the first refusal); returns false on a refusal. */
static bool check_query(const struct route *rt, char *query)
{
	char *save = NULL;
	/* strtok_r skips empty pieces ("a=1&&b=2"), as libmicrohttpd does */
	for (char *arg = strtok_r(query, "&", &save); arg; arg = strtok_r(NULL, "&", &save)) {
		static char none[1];
		char *eq = strchr(arg, '=');
		char *value = none; /* "key" without '=': the dispatcher reads "" */
		if (eq) {
			*eq = '\0';
			value = eq + 1;
		}
		unescape_plus(arg);
		mhd_unescape(arg);
		unescape_plus(value);
		mhd_unescape(value);
		const struct param_spec *s = find_spec(rt, PARAM_QUERY, arg);
		if (!s)
			return false; /* unknown query parameter: 400 */
		char err[512];
		if (!http_param_check(s, value, err, sizeof err))
			return false;
	}
	return true;
}

static void route_once(const char *method, const char *path, char *query, size_t allow_size)
{
	size_t plen = strlen(path);
	/* exactly the sizes the contract asks for, so ASan sees any overrun */
	char *path_buf = malloc(plen + 1);
	char *allow = malloc(allow_size ? allow_size : 1);
	if (!path_buf || !allow)
		abort();
	char *values[HTTP_MAX_PATH_PARAMS];
	const char *names[HTTP_MAX_PATH_PARAMS];
	size_t n_values = 99;
	const struct route *rt = NULL;

	enum route_match m = http_route_find(http_routes, method, path, &rt, path_buf, values,
					     names, &n_values, allow, allow_size);
	switch (m) {
	case ROUTE_FOUND:
		FUZZ_CHECK(rt != NULL && rt->method != NULL);
		FUZZ_CHECK(strcmp(rt->method, method) == 0 ||
			   (strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0));
		FUZZ_CHECK(n_values <= HTTP_MAX_PATH_PARAMS);
		for (size_t i = 0; i < n_values; i++) {
			FUZZ_CHECK(values[i] >= path_buf && values[i] < path_buf + plen + 1);
			FUZZ_CHECK(values[i][0] != '\0');
			FUZZ_CHECK(names[i] != NULL && names[i][0] != '\0');
			/* as check_params: a path value is checked against its spec */
			const struct param_spec *s = find_spec(rt, PARAM_PATH, names[i]);
			if (s)
				check_value(s, values[i]);
		}
		if (query && allow_size >= 128) {
			size_t ql = strlen(query);
			char *q = malloc(ql + 1);
			if (!q)
				abort();
			memcpy(q, query, ql + 1);
			if (check_query(rt, q)) {
				/* then the required ones (http_param needs a live
				 * request; nothing more to run here) */
			}
			free(q);
		}
		break;
	case ROUTE_WRONG_METHOD:
		FUZZ_CHECK(n_values == 0 || n_values <= HTTP_MAX_PATH_PARAMS);
		if (allow_size) {
			FUZZ_CHECK(memchr(allow, '\0', allow_size) != NULL);
			if (allow_size >= 128)
				FUZZ_CHECK(strstr(allow, "OPTIONS") != NULL);
		}
		break;
	case ROUTE_NOT_FOUND:
		break;
	default:
		FUZZ_CHECK(m == ROUTE_FOUND || m == ROUTE_WRONG_METHOD || m == ROUTE_NOT_FOUND);
	}
	free(path_buf);
	free(allow);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fuzz_cstr(data, size);
	const char *method = "GET";
	char *target = line;
	char *sp = strchr(line, ' ');
	if (sp) {
		*sp = '\0';
		method = line;
		target = sp + 1;
	}
	/* dispatcher: URL over HTTP_MAX_URL -> 414 before routing */
	if (strlen(target) > HTTP_MAX_URL) {
		free(line);
		return 0;
	}
	char *query = strchr(target, '?');
	if (query)
		*query++ = '\0';
	/* dispatcher (on_uri): "%00" in the raw path -> 400 before routing */
	if (strstr(target, "%00")) {
		free(line);
		return 0;
	}
	mhd_unescape(target);

	/* the dispatcher's buffer size, then a small one for the truncation paths */
	route_once(method, target, query, 128);
	route_once(method, target, NULL, (size_t)(size % 24));

	/* every checker, fed the first query value (or the path) */
	char *probe = strdup(query ? query : target);
	if (!probe)
		abort();
	char *val = probe;
	if (query) {
		char *amp = strchr(probe, '&');
		if (amp)
			*amp = '\0';
		char *eq = strchr(probe, '=');
		if (eq)
			val = eq + 1;
		unescape_plus(val);
		mhd_unescape(val);
	}
	for (size_t i = 0; i < n_all_specs; i++)
		check_value(all_specs[i], val);
	free(probe);
	free(line);
	return 0;
}
