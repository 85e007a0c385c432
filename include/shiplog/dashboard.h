/*
 * dashboard.h — the dashboard pages that shiplog links to from outside: Slack
 * messages, generic webhooks, GitHub commit statuses.
 *
 * One table (server/core/dashboard.c) holds their paths, the same paths the
 * dashboard's router serves (web/js/app.js, PAGES); every sender builds its
 * links here, and tests/browser/links.test.mjs opens each link a message
 * carries in a browser.
 */
#ifndef SHIPLOG_DASHBOARD_H
#define SHIPLOG_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>

enum dashboard_page {
	DASHBOARD_RELEASE_CANDIDATE, /* key: the RC's id */
	DASHBOARD_RUN,		     /* key: the run's id */
	DASHBOARD_ENVIRONMENT,	     /* key: the environment's name */
	DASHBOARD_FEEDBACK_FORM,     /* key: the RC's id (the feedback form) */
	DASHBOARD__COUNT
};

/* The page's path before its key, e.g. "/release-candidates/" (static). */
const char *dashboard_path(enum dashboard_page page);

/*
 * Writes base_url + the page's path + key (percent-encoded as one path
 * segment) into buf; base_url has no trailing '/' (config.c strips it).
 * Returns false, with buf holding "", when it does not fit.
 */
bool dashboard_link(char *buf, size_t size, const char *base_url, enum dashboard_page page,
		    const char *key);

#endif
