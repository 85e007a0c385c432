/*
 * clock.c — the injectable clock (see clock.h).
 */
#include "shiplog/clock.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static _Atomic int64_t clock_override_us;

int64_t clock_now_us(void)
{
	int64_t o = atomic_load(&clock_override_us);
	if (o)
		return o;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void clock_set_override(int64_t us)
{
	atomic_store(&clock_override_us, us);
}

bool clock_init_from_env(const char *value)
{
	int64_t us;
	if (!value || !*value)
		return true;
	if (!clock_parse_rfc3339(value, &us))
		return false;
	clock_set_override(us);
	return true;
}

int64_t clock_monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_format_rfc3339(int64_t us, char *buf, size_t size)
{
	time_t s = (time_t)(us / 1000000);
	if (us < 0 && us % 1000000)
		s -= 1;
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void clock_format_rfc3339_us(int64_t us, char *buf, size_t size)
{
	int64_t s = us / 1000000, frac = us % 1000000;
	if (frac < 0) {
		frac += 1000000;
		s -= 1;
	}
	time_t t = (time_t)s;
	struct tm tm;
	gmtime_r(&t, &tm);
	char base[32];
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%06ldZ", base, (long)frac);
}

bool clock_is_leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int clock_days_in_month(int y, int m)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12)
		return 0;
	return mdays[m - 1] + (m == 2 && clock_is_leap_year(y));
}

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t clock_days_from_civil(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void clock_civil_from_days(int64_t days, int *y, int *m, int *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t dd = doy - (153 * mp + 2) / 5 + 1;
	int64_t mm = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400 + (mm <= 2));
	*m = (int)mm;
	*d = (int)dd;
}

int clock_weekday_of_days(int64_t days)
{
	/* 1970-01-01 was a Thursday (4) */
	int64_t w = (days % 7 + 7 + 4) % 7;
	return (int)w;
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* Why `s` is not a time, into why (NULL: it is one, in *us_out). */
static bool parse_rfc3339(const char *s, int64_t *us_out, char *why, size_t why_size)
{
	static const char syntax[] = "expected an RFC 3339 time like 2026-01-31T12:00:00Z";
	int y, mo, d, h, mi, sec;
	size_t len = strlen(s);
	if (len < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec)) {
		snprintf(why, why_size, "%s", syntax);
		return false;
	}
	/* each part in its range: timegm() would carry the rest into the next
	 * minute, day or year (23:59:60 on 31 December is the next year) */
	if (mo < 1 || mo > 12) {
		snprintf(why, why_size, "not a valid date: month %d", mo);
		return false;
	}
	if (d < 1 || d > clock_days_in_month(y, mo)) {
		snprintf(why, why_size, "not a valid date: day %d of %04d-%02d", d, y, mo);
		return false;
	}
	if (h > 23 || mi > 59 || sec > 59) {
		const char *part = h > 23 ? "hour" : mi > 59 ? "minute" : "second";
		snprintf(why, why_size, "not a valid time: %s %d", part,
			 h > 23 ? h : mi > 59 ? mi : sec);
		return false;
	}
	if (y < 1970) {
		snprintf(why, why_size, "before 1970");
		return false;
	}
	const char *p = s + 19;
	int64_t frac_us = 0;
	if (*p == '.') {
		p++;
		int n = 0;
		int64_t scale = 100000;
		while (*p >= '0' && *p <= '9') {
			if (n < 6)
				frac_us += (*p - '0') * scale;
			scale /= 10;
			n++;
			p++;
		}
		if (n == 0 || n > 9) {
			snprintf(why, why_size, "%s", syntax);
			return false;
		}
	}
	int offset_s = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59) {
			snprintf(why, why_size, "%s", syntax);
			return false;
		}
		offset_s = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		snprintf(why, why_size, "%s", syntax);
		return false;
	}
	if (*p) {
		snprintf(why, why_size, "%s", syntax);
		return false;
	}
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	/* the range applies to the instant, after the offset */
	int64_t utc = (int64_t)t - offset_s;
	if (t == (time_t)-1 || utc < 0 || utc > 253402300799LL) {
		/* 1970-01-01 .. 9999-12-31T23:59:59Z */
		snprintf(why, why_size, "out of range (1970 to 9999, UTC)");
		return false;
	}
	*us_out = utc * 1000000 + frac_us;
	return true;
}

bool clock_parse_rfc3339(const char *s, int64_t *us_out)
{
	char why[96];
	return parse_rfc3339(s, us_out, why, sizeof why);
}

bool clock_parse_rfc3339_why(const char *s, int64_t *us_out, char *why, size_t why_size)
{
	return parse_rfc3339(s, us_out, why, why_size);
}

void clock_deadline_after_ms(struct timespec *ts, int64_t ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}
