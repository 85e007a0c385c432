/*
 * log.h — structured logs: one JSON object per line on stderr.
 */
#ifndef SHIPLOG_LOG_H
#define SHIPLOG_LOG_H

#include <jansson.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level min);
/* A message with printf-style text. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A message with extra fields (borrowed, may be NULL). */
void log_fields(enum log_level level, const char *msg, const json_t *fields);

#endif
