/*
 * dashboard.c — the paths of the dashboard pages that messages link to
 * (see shiplog/dashboard.h).
 */
#include <stdio.h>
#include <string.h>

#include "shiplog/dashboard.h"

/* The dashboard's own routes (web/js/app.js, PAGES). */
static const char *const page_paths[DASHBOARD__COUNT] = {
	[DASHBOARD_RELEASE_CANDIDATE] = "/release-candidates/",
	[DASHBOARD_RUN] = "/runs/",
	[DASHBOARD_ENVIRONMENT] = "/environments/",
	[DASHBOARD_FEEDBACK_FORM] = "/feedback/",
};

const char *dashboard_path(enum dashboard_page page)
{
	return page < DASHBOARD__COUNT ? page_paths[page] : "/";
}

/* RFC 3986 unreserved characters stay; everything else is %XX. */
static bool unreserved(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_' || ch == '.' || ch == '~';
}

bool dashboard_link(char *buf, size_t size, const char *base_url, enum dashboard_page page,
		    const char *key)
{
	if (!size)
		return false;
	int n = snprintf(buf, size, "%s%s", base_url ? base_url : "", dashboard_path(page));
	size_t len = n < 0 ? size : (size_t)n;
	for (const unsigned char *k = (const unsigned char *)key; len < size && *k; k++) {
		if (unreserved(*k)) {
			buf[len++] = (char)*k;
		} else if (len + 3 < size) {
			snprintf(buf + len, 4, "%%%02X", *k);
			len += 3;
		} else {
			len = size;
		}
	}
	if (len >= size) {
		buf[0] = '\0';
		return false;
	}
	buf[len] = '\0';
	return true;
}
