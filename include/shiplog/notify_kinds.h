/*
 * shiplog/notify_kinds.h — the notification kinds, one table
 * (server/notify/kinds.c).
 *
 * From it come: the kinds a sink may subscribe to (the configuration's
 * notifications.sinks[].events, server/core/config_schema.c), what a message of
 * each kind says (server/notify/sinks.c), the `kind` filter of
 * GET /api/v1/notifications (server/api/routes_notifications.h) and the
 * enum of Notification.kind in the OpenAPI document (server/api/openapi.c).
 * The kinds the database trigger enqueues (migrations/009_notifications.sql,
 * or a later migration that replaces its functions) are checked against it
 * by tests/unit/test_notify_kinds.c.
 */
#ifndef SHIPLOG_NOTIFY_KINDS_H
#define SHIPLOG_NOTIFY_KINDS_H

#include <jansson.h>
#include <stdbool.h>

/* The sink, sink type and kind of the readiness watcher's GitHub commit
 * statuses (server/notify/readiness.c): not a configured sink, and not an
 * event a sink may subscribe to. */
#define GITHUB_STATUS_SINK "github_status"

struct notify_kind {
	const char *name; /* "rc.cut": the outbox's kind, a sink's event */
	/* One line saying what happened (new string), from the message's data;
	 * NULL: the kind's name */
	char *(*summary)(const json_t *data);
	const char *emoji; /* before the summary in a Slack message */
	bool run_link;	   /* the message links the run (data.run_id) */
	bool event;	   /* a sink may subscribe to it (else it has a section of its own) */
	bool by_trigger;   /* enqueued by the database trigger (else by shiplogd) */
	bool form_link;	   /* the message links the RC's feedback form (data.rc_id) */
};

/* Every kind, in the documented order; ends with {.name = NULL}. */
extern const struct notify_kind notify_kinds[];
/* Their names, in the same order, NULL-terminated (for PARAM_ENUM). */
extern const char *const notify_kind_names[];

/* The kind called `name`, or NULL. */
const struct notify_kind *notify_kind_find(const char *name);

#endif
