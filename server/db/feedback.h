/*
 * db/feedback.h — the statements of feedback on release candidates (table
 * feedback).  Who may change it and which status changes are allowed are
 * rules of server/domain/rc_feedback_access.c and rc_state.c.
 *
 * Contract: every function runs on a connection the caller holds, in the
 * caller's transaction, and returns what db_query returns — rows found or
 * changed (>= 0; 1 or 0 for "the one X"), or a negative enum db_status
 * (logged with its SQLSTATE).  A json_t handed out through an out-parameter
 * is new (the caller json_decrefs it) and set only on success; the strings
 * of the structs passed in are borrowed.
 */
#ifndef SHIPLOG_DB_FEEDBACK_H
#define SHIPLOG_DB_FEEDBACK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "shiplog/db.h"

/* One feedback as its JSON object: 1, or 0 when there is none. */
int db_feedback_get(struct db_conn *c, int64_t id, json_t **out);

/*
 * A page of the feedback on RC `rc_id`, newest first (by id), filtered by
 * verdict, status and team (any case; each NULL: any), with ids below
 * before_id.  Reads limit + 1 rows and returns how many: *items the first
 * `limit`, *last_id the id of the last one shown when there are more.
 */
int db_feedback_page(struct db_conn *c, int64_t rc_id, const char *verdict, const char *status,
		     const char *team, int64_t before_id, int limit, json_t **items,
		     int64_t *last_id);

/* The RC feedback is given on, locked FOR SHARE (it cannot close while the
 * feedback is stored): its state, the version that superseded it ("" when
 * none) and whether given_at (NULL: now) is before it was cut.  1 or 0. */
struct db_feedback_rc {
	char state[16];
	char successor[200];
	bool given_too_early;
};
int db_feedback_rc_share(struct db_conn *c, int64_t rc_id, const char *given_at,
			 struct db_feedback_rc *out);

/* New feedback (given_at NULL: now; running NULL: {}). */
struct db_feedback_new {
	int64_t rc_id;
	const char *author, *team;
	bool verified;
	const char *verdict, *severity, *area, *comment;
	const json_t *running;
	const char *created_by, *now, *given_at;
};

/* Stores it and records "feedback.created": 1 and *id. */
int db_feedback_insert(struct db_conn *c, const struct db_feedback_new *f, int64_t *id);

/* A feedback locked FOR UPDATE: its status, its RC's repository, who gave
 * it, and whether RC `fixed_in` (0: none) is of the same repository.  The RCs
 * whose readiness reads it (its own and the others of its target: their
 * feedback gate counts its open concerns and blocks) are locked FOR SHARE, in
 * id order: a change of its status waits for an approval or release of one of
 * them that is under way, and such a change waits for it, so readiness never
 * judges a status that changes before it commits. */
struct db_feedback_row {
	char status[16];
	char repository[256];
	char created_by[256];
	bool fixed_in_ok;
};
int db_feedback_lock(struct db_conn *c, int64_t id, int64_t fixed_in, struct db_feedback_row *out);

/* Moves feedback `id` from status `from` to `to` (resolution and fixed_in
 * kept only when resolved; fixed_in 0: unchanged) and records
 * "feedback.updated". */
int db_feedback_set_status(struct db_conn *c, int64_t id, const char *from, const char *to,
			   const char *resolution, int64_t fixed_in, const char *actor,
			   const char *now);

#endif
