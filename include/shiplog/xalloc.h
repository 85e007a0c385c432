/*
 * xalloc.h — the one out-of-memory path.
 *
 * shiplog does not half-handle a failed allocation: these wrappers either
 * return memory or print "shiplog: out of memory" to stderr and abort(), so
 * their callers never check for NULL.  A size of 0 still returns a unique
 * pointer.  xalloc_init_json() (called first thing by shiplogd's and the
 * CLI's main) makes jansson allocate through xmalloc too, so json_object(),
 * json_string(), json_pack() ... cannot return NULL for want of memory: an
 * unchecked jansson constructor is only wrong when its arguments are (a NULL
 * string, invalid UTF-8, a bad format).
 */
#ifndef SHIPLOG_XALLOC_H
#define SHIPLOG_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* asprintf() that aborts on failure. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Makes jansson use xmalloc/free (json_set_alloc_funcs); before any JSON. */
void xalloc_init_json(void);

#endif
