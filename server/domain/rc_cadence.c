/*
 * rc_cadence.c — calendar days and the release cadence (see rc.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/rc.h"
#include "shiplog/clock.h"

bool rc_parse_date(const char *s, int64_t *days)
{
	int y, m, d;
	char tail;
	if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return false;
	if (s[4] != '-' || s[7] != '-' || m < 1 || m > 12 || d < 1)
		return false;
	if (d > clock_days_in_month(y, m))
		return false;
	*days = clock_days_from_civil(y, m, d);
	return true;
}

void rc_format_date(int64_t days, char *buf, size_t size)
{
	int y, m, d;
	clock_civil_from_days(days, &y, &m, &d);
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
	while (clock_weekday_of_days(day) != c->weekday)
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
