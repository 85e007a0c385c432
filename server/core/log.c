/*
 * log.c — JSON log lines on stderr (see log.h).  One fputs per line under a
 * lock, so lines from different threads never interleave.
 */
#include "shiplog/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "shiplog/clock.h"

static enum log_level log_min = LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level min)
{
	log_min = min;
}

void log_fields(enum log_level level, const char *msg, const json_t *fields)
{
	if (level < log_min)
		return;
	char ts[40];
	clock_format_rfc3339(clock_now_us(), ts, sizeof ts);
	json_t *o = json_object();
	json_object_set_new(o, "ts", json_string(ts));
	json_object_set_new(o, "level", json_string(level_names[level]));
	json_object_set_new(o, "msg", json_string(msg ? msg : ""));
	if (fields)
		json_object_update(o, (json_t *)(uintptr_t)fields);
	char *line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	if (!line)
		return;
	pthread_mutex_lock(&log_lock);
	fputs(line, stderr);
	fputc('\n', stderr);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
	free(line);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level < log_min)
		return;
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	log_fields(level, buf, NULL);
}
