/*
 * db/retention.h — the statements of the pruning job (core/retention.c runs
 * the job; shiplog/retention.h says what goes and what is kept).
 *
 * Contract: every function runs on a connection the caller holds and
 * returns what db_query returns — rows found or changed (>= 0), or a
 * negative enum db_status (logged with its SQLSTATE; db_last_error says
 * more).  Nothing is handed over to free.
 */
#ifndef SHIPLOG_DB_RETENTION_H
#define SHIPLOG_DB_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shiplog/db.h"

/* Tries the session advisory lock RETENTION_LOCK_KEY: *locked says if this
 * connection got it.  Give it back (db_retention_unlock) before the
 * connection goes back to the pool. */
int db_retention_try_lock(struct db_conn *c, bool *locked);
int db_retention_unlock(struct db_conn *c);

/* The cutoff base: least(now_us, the database's now), as timestamptz text
 * in base (truncated to size). */
int db_retention_base(struct db_conn *c, int64_t now_us, char *base, size_t size);

/* Does the outbox table exist with the columns id and sent_at (before its
 * migration it does not)?  1: yes, 0: no. */
int db_retention_has_notifications(struct db_conn *c);

/* What a batch prunes (rules 1-5 of shiplog/retention.h). */
enum db_prune {
	DB_PRUNE_DELIVERY_BODIES,
	DB_PRUNE_DELIVERIES,
	DB_PRUNE_EVENTS,
	DB_PRUNE_NOTIFICATIONS, /* only where db_retention_has_notifications */
	DB_PRUNE_SESSIONS,
	DB_PRUNE_AUDIT,		 /* the only statement that may delete audit rows */
	DB_PRUNE_FAILED_SIGN_INS,
};

/* One batch, in its own short transaction (a statement timeout bounds it):
 * at most batch_size rows of `what` older than `days` before `base`.
 * Returns the rows pruned (0: none left). */
int db_retention_prune_batch(struct db_conn *c, enum db_prune what, const char *base, unsigned days,
			     unsigned batch_size);

#endif
