/*
 * format.h — turning the server's JSON into text for people: field access
 * that tolerates missing or null fields, times as UTC "2026-11-26 09:14",
 * durations as "3m12s", short SHAs and digests, colours for states, and the
 * pretty JSON of --json.
 *
 * Ownership: every function writes into a buffer the caller gives, or
 * returns a string borrowed from the JSON it was given (valid while that
 * JSON lives).  Nothing here allocates for its caller.
 */
#ifndef SHIPLOG_CLI_FORMAT_H
#define SHIPLOG_CLI_FORMAT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

/* A member by dotted path ("current.revision"); NULL when any step is
 * missing or not an object. */
json_t *cli_jget(const json_t *o, const char *path);
/* The string at path, NULL when missing, null or not a string. */
const char *cli_jstr(const json_t *o, const char *path);
/* The value at path as text (strings as is; numbers, booleans printed into
 * buf); NULL when missing or null. */
const char *cli_jtext(const json_t *o, const char *path, char *buf, size_t size);
/* The first of several paths that has a value (alternatives the server may
 * use), as cli_jtext. paths: NULL-terminated. */
const char *cli_jtext_any(const json_t *o, const char *const *paths, char *buf, size_t size);

/* Parses RFC 3339 ("2026-11-26T09:14:03Z", fractions and offsets allowed). */
bool cli_time_parse(const char *text, time_t *out);
/* "2026-11-26 09:14" (UTC); "-" for NULL; the text as is when unparsable. */
const char *cli_time_format(const char *rfc3339, char *buf, size_t size);
/* "45s", "3m12s", "1h02m", "2d03h"; "-" when negative. */
const char *cli_duration_format(long long seconds, char *buf, size_t size);
/* The duration between two RFC 3339 times; "-" when either is missing. */
const char *cli_duration_between(const char *from, const char *to, char *buf, size_t size);
/* The first `n` characters of a SHA ("-" for NULL); "sha256:" digests keep
 * their prefix and 12 hex digits. */
const char *cli_short_sha(const char *sha, size_t n, char *buf, size_t size);

/* A revision for a table: a bare 40-hex SHA, or one after '@sha1:' or '/'
 * (Flux: "main@sha1:<sha>", "main/<sha>"), is cut to 7 digits; other
 * revisions (tags, chart versions) are kept.  "-" for NULL. */
const char *cli_short_revision(const char *revision, char *buf, size_t size);

/* An ANSI colour for a state word (success, failure, pending...), or NULL. */
const char *cli_state_color(const char *state);

/* Prints JSON indented, followed by a newline. */
void cli_print_json(FILE *f, const json_t *json);

/* The first line of `text`, at most `max` characters (UTF-8 aware), with
 * "..." when cut, into buf; NULL for NULL. */
const char *cli_first_line(const char *text, size_t max, char *buf, size_t size);

#endif
