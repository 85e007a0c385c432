/*
 * webhooks/json_scan.h — checks that a delivery body is a JSON object
 * jansson would accept, without building it (see json_scan.c).
 */
#ifndef SHIPLOG_JSON_SCAN_H
#define SHIPLOG_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True only if body is a JSON object that json_loadb(JSON_ALLOW_NUL)
 * accepts; false for anything else (and for a few valid documents it does
 * not vouch for, e.g. nesting deeper than 512 or number texts over 63
 * characters: parse those with jansson).  On true, action and repo hold the
 * top-level "action" and "repository.full_name" as wj_str reads them
 * from webhook_delivery_json's tree (U+0000 as U+FFFD; the last of
 * duplicate keys), or "" when absent, not strings or longer than their
 * buffer.
 */
bool json_scan_delivery(const char *body, size_t len, char *action, size_t action_size,
			char *repo, size_t repo_size);

#endif
