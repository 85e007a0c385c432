/*
 * webhooks/spool.h — the outage spool.
 *
 * GitHub does not retry a failed delivery by itself, so while PostgreSQL is
 * unreachable an authenticated delivery is written to a file in
 * <data_dir>/spool, fsync'd (file and folder) before shiplog answers 202,
 * and applied exactly once when the database is back (webhook_ingest is
 * idempotent by delivery id; Flux deliveries are keyed by the body's
 * SHA-256).  A spool that cannot be written makes the reply a 503 — never a
 * 2xx for something that is not durable.
 */
#ifndef SHIPLOG_SPOOL_H
#define SHIPLOG_SPOOL_H

#include <stdbool.h>
#include <stddef.h>

#include "webhooks/webhook.h"

struct app;

/* Writes the delivery durably; false (errno-style message in why) if it
 * could not be made durable. */
bool spool_write(const char *data_dir, const struct webhook_delivery *d, char *why,
		 size_t why_size);

/* Applies every spooled delivery it can; returns how many were applied.
 * Safe to run from several processes on the same folder (each file is
 * locked while it is applied). */
int spool_drain(struct app *app);

/* Number of files waiting (for /metrics and /readyz). */
long spool_pending(const char *data_dir);

/* The background thread that drains the spool once a second. */
bool spool_start(struct app *app);
void spool_stop(void);

#endif
