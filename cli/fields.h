/*
 * fields.h — tables that map command-line options to JSON body fields and
 * query parameters, so that a command says *which* options become *which*
 * fields instead of copying them one by one.
 *
 * Ownership: cli_body_from_args returns a new JSON object (json_decref).
 */
#ifndef SHIPLOG_CLI_FIELDS_H
#define SHIPLOG_CLI_FIELDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "http.h"

enum cli_field_type {
	CLI_FIELD_STRING,
	CLI_FIELD_INT,	/* the option is CLI_OPT_INT */
	CLI_FIELD_TIME, /* RFC 3339 as given, or "now" */
};

struct cli_field {
	const char *opt;   /* option name */
	const char *field; /* JSON field / query parameter */
	enum cli_field_type type;
};

/* {field: value} for every option in `fields` (a {0}-terminated table) that
 * was given. */
json_t *cli_body_from_args(const struct cli_args *a, const struct cli_field *fields);
/* Adds "field=value" to the query for every given option in `fields`. */
void cli_query_from_args(struct cli_url *u, const struct cli_args *a,
			 const struct cli_field *fields);
/* "now" → the current UTC time in RFC 3339; anything else as given. */
const char *cli_time_arg(const char *value, char *buf, size_t size);

/* Splits "owner/name" into two buffers of `size` bytes; false when it is
 * not that shape (or too long). */
bool cli_repo_split(const char *repo, char *owner, char *name, size_t size);

#endif
