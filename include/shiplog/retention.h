/*
 * retention.h — the pruning job that keeps stored data within the configured
 * retention (the `retention:` section of the config, struct config_retention).
 *
 * What goes, and what is kept:
 *  1. Delivery bodies.  The raw body of a delivery received more than
 *     delivery_bodies_days ago is set to NULL; the row (event, action,
 *     delivery id, repository, headers, size, SHA-256, status, error) stays.
 *     Kept: the body of a delivery that failed (or was left "received")
 *     while no attempt of the same delivery id has succeeded — it is the
 *     only copy of an event that was never applied, and replaying it needs
 *     the body.  It goes with its row (rule 2).
 *  2. Deliveries.  Rows received more than deliveries_days ago are deleted
 *     whole.  Kept: a row that a younger replay points at (replay_of); it
 *     goes once its replays have.  deliveries_days is at least 7 (config
 *     check): the row of a delivery id that succeeded is what makes a
 *     redelivery of it a duplicate, and GitHub offers redelivery for 3 days.
 *  3. Domain events older than events_days are deleted.  The live-event hub
 *     re-reads only the newest ids, and a stream that reconnects catches up
 *     from its Last-Event-ID: a client away longer than events_days misses
 *     what no longer exists.
 *  4. Sent notifications.  Rows of the outbox table `notifications` whose
 *     sent_at is older than notifications_days are deleted; unsent ones
 *     (sent_at NULL) never are.  Pruned only when that table exists with the
 *     columns id and sent_at, so this works before and after the outbox
 *     migration.  Notifications are pruned before events, and an outbox must
 *     not hold a plain foreign key to events (ON DELETE CASCADE or SET NULL
 *     is fine): a batch that a foreign key refuses stops that kind of
 *     pruning for the run, and is logged.
 *  5. Browser sessions that ended (expired or revoked) more than
 *     RETENTION_SESSIONS_DAYS ago are deleted: nothing can use them again.
 *  6. The audit trail (audit_log) and the failed sign-in counts older than
 *     audit_days (default 730: two years).  This is the only path that may
 *     delete audit rows: the table's trigger refuses a DELETE unless its
 *     transaction set shiplog.audit_prune, which only this batch does.
 *  A days value of 0 keeps that kind of data forever.
 *
 * "Now": the cutoff is least(shiplog's clock, the database's clock) minus
 * the days.  shiplog's clock (clock_now_us, pinned by SHIPLOG_NOW) stamps
 * deliveries; the database's stamps events.  Taking the earlier of the two
 * means nothing that either clock considers young is pruned: a clock pinned
 * in the past prunes relative to that past, and one pinned in the future
 * (a demo) cannot erase rows the database stamped today.
 *
 * Several replicas: each run takes the session advisory lock
 * RETENTION_LOCK_KEY with pg_try_advisory_lock on one pooled connection; a
 * replica that does not get it skips the run.  The work is done in batches
 * of batch_size rows, each batch its own short transaction, so no lock is
 * held for long and ingest is never blocked behind the job.  Each statement
 * re-checks its condition on the rows it changes, so the counts stay exact
 * even if two runs ever overlapped.
 *
 * Metrics: shiplog_retention_pruned_total{what="delivery_bodies"|
 * "deliveries"|"events"|"notifications"|"sessions"|"audit"|"failed_sign_ins"} and
 * shiplog_retention_runs_total{result="done"|"skipped"|"failed"}.
 */
#ifndef SHIPLOG_RETENTION_H
#define SHIPLOG_RETENTION_H

#include <stdbool.h>
#include <stdint.h>

#include "shiplog/config.h"

struct app;
struct db_pool;

/* The advisory lock key that one pruning run holds (pg_try_advisory_lock). */
#define RETENTION_LOCK_KEY "7305681502235709"

/* What one run pruned. */
struct retention_counts {
	long long delivery_bodies;
	long long deliveries;
	long long events;
	long long notifications;
	long long sessions;
	long long audit;
	long long failed_sign_ins;
};

/* Ended sessions (expired, signed out, their token revoked) are deleted this
 * many days after they ended. */
#define RETENTION_SESSIONS_DAYS 7

enum retention_result {
	RETENTION_DONE,	   /* ran to the end (possibly pruning nothing) */
	RETENTION_SKIPPED, /* another replica holds the lock */
	RETENTION_FAILED,  /* no connection, or a statement failed (logged) */
};

/*
 * Runs one pruning pass with `now_us` as shiplog's "now" (see above) on a
 * connection from `pool`.  `out` gets what was pruned (also when it failed
 * half-way: what was committed before).  Counts the run and what it pruned
 * in the metrics, and logs it.
 */
enum retention_result retention_run(struct db_pool *pool, const struct config_retention *cfg,
				    int64_t now_us, struct retention_counts *out);

/* The background thread: a run at start, then every interval_seconds.
 * retention_stop() wakes it, lets a batch in progress finish and joins it. */
bool retention_start(struct app *app);
void retention_stop(void);

#endif
