/*
 * routes_notifications.h — parameter specs of the notification outbox
 * routes (included by routes.c only).  The kinds: shiplog/notify_kinds.h.
 */
#include "shiplog/notify_kinds.h"

static const char *const notification_statuses[] = {"pending", "in_flight",  "sent",
						    "dead",    "superseded", NULL};

static const struct param_spec notification_list_params[] = {
	{"status", PARAM_QUERY, PARAM_ENUM, false, 0, 0, notification_statuses,
	 "pending (waiting for its next attempt), in_flight, sent or dead (gave up)", 0},
	{"sink", PARAM_QUERY, PARAM_STRING, false, 1, 100, NULL,
	 "Sink name from the configuration (github_status: the commit statuses)", 0},
	{"kind", PARAM_QUERY, PARAM_ENUM, false, 0, 0, notify_kind_names,
	 "What it announces: rc.cut ... feedback.new, or github_status", 0},
	API_PAGE_PARAMS,
	{0},
};
