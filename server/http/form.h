/*
 * http/form.h — application/x-www-form-urlencoded.
 */
#ifndef SHIPLOG_HTTP_FORM_H
#define SHIPLOG_HTTP_FORM_H

#include <stddef.h>

/*
 * Finds `name` in a form body and decodes its value into a new buffer
 * (*value, caller frees; it may contain NUL bytes, see *value_len).
 * Returns 1 when found, 0 when absent, -1 for a broken %-escape.
 */
int http_form_value(const char *body, size_t len, const char *name, char **value,
		    size_t *value_len);

#endif
