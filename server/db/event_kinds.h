/*
 * db/event_kinds.h — every kind of domain event shiplog records, and the
 * scope that may read it.
 *
 * An event tells its readers about its subject (names, owners, payload), so
 * it is for whoever may read that subject through the API: token.* events
 * are for admins, like GET /api/v1/tokens; the others are for the read
 * scope, like the runs, repositories, artifacts, environments, deployments,
 * release candidates and feedback they are about.  The event stream
 * (GET /api/v1/events, live and replayed) sends each client only the events
 * its scopes allow.  A kind missing from the table is for admins only (and
 * db_event_record logs it): add every new kind here
 * (tests/unit/test_event_kinds.c checks the emitters against the table).
 */
#ifndef SHIPLOG_DB_EVENT_KINDS_H
#define SHIPLOG_DB_EVENT_KINDS_H

#include <stdbool.h>
#include <stddef.h>

#include "shiplog/auth.h"

struct event_kind {
	const char *kind;
	enum auth_scope scope; /* the scope that may read it (auth_allows) */
};

/* The table, and how many entries it has. */
extern const struct event_kind event_kinds[];
extern const size_t event_kinds_count;

/* Is `kind` in the table? */
bool event_kind_known(const char *kind);
/* The scope that may read events of `kind`: admin when not in the table. */
enum auth_scope event_kind_scope(const char *kind);

#endif
