/*
 * shiplog/validate.h — the checks of names, URLs and other strings that the
 * configuration (server/core/config_schema.c) and the API (environments)
 * both accept, so a value is held to one rule wherever it comes from.
 *
 * Every validate_*() returns NULL when s is fine, else what was expected, as
 * a phrase for an error message ("expected a Kubernetes name (...)"): a
 * static string, never freed.  s must not be NULL unless the function says
 * so.  Pure functions: no allocation, no global state.
 */
#ifndef SHIPLOG_VALIDATE_H
#define SHIPLOG_VALIDATE_H

#include <stdbool.h>

/* GitHub "owner/name": owner 1-39 letters, digits, '-' (not first); name
 * 1-100 letters, digits, '.', '_', '-', neither "." nor "..". */
const char *validate_repo_name(const char *s);

/* A git branch name: no space or control character, no leading '-', no
 * "..". */
const char *validate_branch(const char *s);

/* "http://" or "https://", a host (not empty, not starting with '/'), and
 * no space or control character (DEL included) anywhere.  NULL and ""
 * are refused. */
const char *validate_http_url(const char *s);

/* A PostgreSQL URL (postgresql://, postgres://) or a key=value connection
 * string. */
const char *validate_database_url(const char *s);

/* An HTTP header name: letters, digits, '-' and '_'. */
const char *validate_header_name(const char *s);

/* A simple identifier that shows up in URLs (environment, team and sink
 * names): one or more letters, digits, '.', '_' or '-'.  NULL and "" are
 * refused. */
const char *validate_slug(const char *s);

/* A Kubernetes object name or namespace (DNS-1123): 1-253 lower-case
 * letters, digits, '-' and '.', not starting with '-' or '.'.  NULL and ""
 * are refused. */
const char *validate_k8s_name(const char *s);

/* Something other than spaces and tabs. */
const char *validate_not_blank(const char *s);

/* A trusted proxy: an IP address or CIDR, not a /0. */
const char *validate_proxy(const char *s);

/* A team member: "name@domain" or "*@domain". */
const char *validate_member(const char *s);

/* A required artifact: "kind:name", kind one of image, chart, npm, binary,
 * other. */
const char *validate_artifact(const char *s);

/* The name of an environment variable (letters, digits, '_', not starting
 * with a digit) that holds a secret. */
const char *validate_env_name(const char *s);

/* A host name: 1-253 letters, digits, '.' and '-'. */
bool validate_is_hostname(const char *s);

/* Does s hold a space, a control character or DEL? */
bool validate_has_space_or_control(const char *s);

/* An IP address or CIDR: true with its prefix length (the address's full
 * length without one) in *bits and that full length (32 or 128) in *max. */
bool validate_parse_cidr(const char *s, long *bits, long *max);

#endif
