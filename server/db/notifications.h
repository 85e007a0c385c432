/*
 * db/notifications.h — the statements of notifications: for now those of
 * the readiness watcher (notify/readiness.c) and its table
 * notification_rc_watch, which remembers what was last announced of each
 * release candidate.
 *
 * Contract: every function runs on a connection the caller holds and
 * returns what db_query returns — rows found or changed (>= 0), or a
 * negative enum db_status (logged with its SQLSTATE).  Strings are copied
 * into the caller's structs (truncated to their buffers); nothing is handed
 * over to free.
 */
#ifndef SHIPLOG_DB_NOTIFICATIONS_H
#define SHIPLOG_DB_NOTIFICATIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "shiplog/db.h"

/* What a release candidate's status is made from. */
struct db_rc_status_facts {
	char repository[256];
	char version[160];
	char commit[48]; /* "" when not known */
	char state[16];
	char reject_reason[500]; /* of its latest rejection; "" if none */
};

/* 1 and *out, or 0: no such release candidate. */
int db_rc_status_facts(struct db_conn *c, int64_t rc_id, struct db_rc_status_facts *out);

/* In a transaction: tries the transaction lock that lets one replica
 * evaluate at a time; *locked says if this one got it. */
int db_rc_watch_lock(struct db_conn *c, bool *locked);

/* The open release candidates, and those watched before whose state changed
 * since, newest first, at most max (DB_RC_WATCH_MAX): their ids in ids. */
#define DB_RC_WATCH_MAX 200
int db_rc_watch_candidates(struct db_conn *c, int64_t *ids, int max);

/* What was last recorded of a release candidate ("" / 0 when nothing). */
struct db_rc_watch {
	char rc_state[16];
	char commit[48];
	char verdict[16];
	char gh_state[16];
	char gh_description[600];
	int ready_count, status_count;
};

/* In a transaction: the watch row of rc_id (made if missing), locked until
 * the transaction ends: 1 and *out, or 0. */
int db_rc_watch_row(struct db_conn *c, int64_t rc_id, struct db_rc_watch *out);

/* Enqueues rc.ready for rc_id, the ready_count-th time it became ready
 * (the outbox's dedupe key). */
int db_rc_watch_enqueue_ready(struct db_conn *c, int64_t rc_id, int ready_count);

/* Enqueues a GitHub commit status (data: what the sink posts), the
 * status_count-th for rc_id (the dedupe key); one already there is kept. */
int db_rc_watch_enqueue_status(struct db_conn *c, int64_t rc_id, int status_count,
			       const json_t *data);

/* Records what was evaluated now: the row's state, commit (NULL when ""),
 * verdict (NULL when "") and counts, and gh_state and gh_description only
 * when `posted`. */
int db_rc_watch_update(struct db_conn *c, int64_t rc_id, const struct db_rc_watch *now,
		       bool posted);

#endif
