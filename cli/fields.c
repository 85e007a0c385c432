/*
 * fields.c — options → JSON body fields and query parameters (see fields.h).
 *
 * Values are sent as given: the server checks them and names the field at
 * fault, so the CLI does not keep a second, drifting copy of its rules.
 * Only integers are checked here (by the option parser), since a JSON body
 * needs to know a number from a string.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fields.h"

const char *cli_time_arg(const char *value, char *buf, size_t size)
{
	if (!value || strcmp(value, "now") != 0)
		return value;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

json_t *cli_body_from_args(const struct cli_args *a, const struct cli_field *fields)
{
	json_t *body = json_object(); /* cannot fail: xalloc_init_json() */
	for (const struct cli_field *f = fields; f->opt; f++) {
		const char *v = cli_arg(a, f->opt);
		if (!v)
			continue;
		char buf[40];
		json_t *j;
		switch (f->type) {
		case CLI_FIELD_INT:
			j = json_integer(strtoll(v, NULL, 10));
			break;
		case CLI_FIELD_TIME:
			j = json_string(cli_time_arg(v, buf, sizeof buf));
			break;
		default:
			j = json_string(v);
			break;
		}
		/* json_string refuses invalid UTF-8: send the bytes the server
		 * can at least name in its answer */
		if (!j)
			j = json_stringn_nocheck(v, strlen(v));
		json_object_set_new(body, f->field, j);
	}
	return body;
}

void cli_query_from_args(struct cli_url *u, const struct cli_args *a,
			 const struct cli_field *fields)
{
	for (const struct cli_field *f = fields; f->opt; f++) {
		char buf[40];
		const char *v = cli_arg(a, f->opt);
		cli_url_query(u, f->field,
			      f->type == CLI_FIELD_TIME ? cli_time_arg(v, buf, sizeof buf) : v);
	}
}

bool cli_repo_split(const char *repo, char *owner, char *name, size_t size)
{
	const char *slash = repo ? strchr(repo, '/') : NULL;
	if (!slash || slash == repo || !slash[1] || strchr(slash + 1, '/') ||
	    (size_t)(slash - repo) >= size || strlen(slash + 1) >= size)
		return false;
	snprintf(owner, size, "%.*s", (int)(slash - repo), repo);
	snprintf(name, size, "%s", slash + 1);
	return true;
}
