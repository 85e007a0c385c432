/*
 * db/feedback_requests.h — the statements of asking for feedback on a
 * release candidate (table feedback_requests, migrations/022): the RC
 * locked with its last request, the request recorded with its
 * feedback.requested notification (the outbox: one message per sink that
 * subscribes to it) and its domain event "rc.feedback_requested".  Whether
 * an RC may be asked now is domain/rc_compare.h's rule.
 *
 * Contract: every function runs on a connection the caller holds, in the
 * caller's transaction, and returns what db_query returns — 1 or 0 for
 * "the one X", or a negative enum db_status (logged with its SQLSTATE).
 * Arguments are borrowed.
 */
#ifndef SHIPLOG_DB_FEEDBACK_REQUESTS_H
#define SHIPLOG_DB_FEEDBACK_REQUESTS_H

#include <jansson.h>
#include <stdint.h>

#include "shiplog/db.h"

/* RC `rc_id` locked FOR UPDATE until the transaction ends (requests for
 * one RC take turns): its state, and when it was last asked about
 * (microseconds since the epoch, 0: never).  1, or 0 when there is none. */
struct db_feedback_request_rc {
	char state[16];
	int64_t last_us;
};
int db_feedback_request_lock(struct db_conn *c, int64_t rc_id, struct db_feedback_request_rc *out);

/* A request to record (teams: n_teams names; message may be NULL; data:
 * the notification's data object, to which the outbox's rc fields are
 * added). */
struct db_feedback_request_new {
	int64_t rc_id;
	const char *at; /* RFC 3339 */
	const char *actor;
	const char *const *teams;
	size_t n_teams;
	const char *message;
	const json_t *data;
};

/* Records it, enqueues feedback.requested for every sink subscribed to it
 * and records the event: 1, *id and *notified (how many sinks). */
int db_feedback_request_add(struct db_conn *c, const struct db_feedback_request_new *f,
			    int64_t *id, int *notified);

#endif
