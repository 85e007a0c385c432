/*
 * clock.h — the one source of "now".
 *
 * Everything that compares against the current time (soak times, cadences,
 * token expiry, session expiry) asks clock_now_us().  Tests pin or move time
 * with clock_set_override(); operators may pin it with SHIPLOG_NOW (RFC 3339)
 * for demos.  Thread-safe.
 */
#ifndef SHIPLOG_CLOCK_H
#define SHIPLOG_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Microseconds since the Unix epoch. */
int64_t clock_now_us(void);
static inline int64_t clock_now_s(void) { return clock_now_us() / 1000000; }

/* Pins the clock at `us` (0 = back to the real clock). */
void clock_set_override(int64_t us);

/* Reads SHIPLOG_NOW if set; false with the clock unchanged if it is malformed. */
bool clock_init_from_env(const char *value);

/* RFC 3339 UTC with microseconds trimmed: "2026-11-26T09:00:00Z" (buf ≥ 32). */
void clock_format_rfc3339(int64_t us, char *buf, size_t size);

/* The same with the microseconds: "2026-11-26T09:00:00.250000Z" (buf ≥ 40). */
void clock_format_rfc3339_us(int64_t us, char *buf, size_t size);

/* Parses RFC 3339 ("Z" or ±hh:mm offsets, optional fraction), 1970 to 9999
 * UTC.  Only real instants: each part in its range (no leap second 60, no
 * hour 24, no 30 February), never carried into the next minute or day. */
bool clock_parse_rfc3339(const char *s, int64_t *us_out);
/* The same, with why not in why (for a 400): "expected an RFC 3339 time
 * like …", "not a valid time: second 60", "not a valid date: day 30 of
 * 2026-02", "out of range …". */
bool clock_parse_rfc3339_why(const char *s, int64_t *us_out, char *why, size_t why_size);

/* ---- the calendar: proleptic Gregorian, days counted from 1970-01-01 ---- */

bool clock_is_leap_year(int y);
/* Days in month m (1..12) of year y; 0 for another m. */
int clock_days_in_month(int y, int m);
/* Days since 1970-01-01 of a date (negative before it), and back. */
int64_t clock_days_from_civil(int y, int m, int d);
void clock_civil_from_days(int64_t days, int *y, int *m, int *d);
/* The weekday of a day: 0 = Sunday ... 6 = Saturday. */
int clock_weekday_of_days(int64_t days);

/* Monotonic milliseconds, for durations and timeouts. */
int64_t clock_monotonic_ms(void);

/* The CLOCK_REALTIME instant `ms` from now, as pthread_cond_timedwait wants
 * its deadline (the real clock, not the pinned one: it times waits). */
struct timespec;
void clock_deadline_after_ms(struct timespec *ts, int64_t ms);

#endif
