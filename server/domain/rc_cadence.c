/*
 * rc_cadence.c — calendar days and the release cadence (see rc.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/rc.h"

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t rc_days_from_civil(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void rc_civil_from_days(int64_t days, int *y, int *m, int *d)
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

int rc_weekday_of_days(int64_t days)
{
	/* 1970-01-01 was a Thursday (4) */
	int64_t w = (days % 7 + 7 + 4) % 7;
	return (int)w;
}

bool rc_parse_date(const char *s, int64_t *days)
{
	int y, m, d;
	char tail;
	if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return false;
	if (s[4] != '-' || s[7] != '-' || m < 1 || m > 12 || d < 1)
		return false;
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[m - 1] + (m == 2 && leap))
		return false;
	*days = rc_days_from_civil(y, m, d);
	return true;
}

void rc_format_date(int64_t days, char *buf, size_t size)
{
	int y, m, d;
	rc_civil_from_days(days, &y, &m, &d);
	snprintf(buf, size, "%04d-%02d-%02d", y, m, d);
}

/* The cadence's anchor day: the configured date, else the first `weekday`
 * of 1970. */
static bool cadence_anchor(const struct config_cadence *c, int64_t *anchor)
{
	if (!c || c->every_days <= 0)
		return false;
	if (c->anchor && rc_parse_date(c->anchor, anchor))
		return true;
	if (c->weekday < 0 || c->weekday > 6)
		return false;
	int64_t day = 0;
	while (rc_weekday_of_days(day) != c->weekday)
		day++;
	*anchor = day;
	return true;
}

/* floor(a / b) for b > 0. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && a < 0) ? q - 1 : q;
}

bool rc_cadence_previous(const struct config_cadence *c, int64_t day, int64_t *out)
{
	int64_t anchor;
	if (!cadence_anchor(c, &anchor))
		return false;
	*out = anchor + floor_div(day - anchor, c->every_days) * c->every_days;
	return true;
}

bool rc_cadence_next(const struct config_cadence *c, int64_t day, int64_t *out)
{
	int64_t prev;
	if (!rc_cadence_previous(c, day, &prev))
		return false;
	*out = prev == day ? day : prev + c->every_days;
	return true;
}
