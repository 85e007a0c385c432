/*
 * metrics.h — Prometheus counters and histograms, lock-free on the hot path.
 */
#ifndef SHIPLOG_METRICS_H
#define SHIPLOG_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* Records one finished request. route_index < 0 for unrouted requests. */
void metrics_request(int route_index, unsigned status, int64_t duration_ms);
void metrics_in_flight_add(int delta);
void metrics_set_spool_pending(long n);
/* Queued webhook processing: deliveries stored for it, applied (and of
 * those, failed), and the waiting backlog. */
void metrics_webhook_queued(uint64_t n);
void metrics_webhook_applied(uint64_t n, uint64_t failed);
void metrics_set_webhook_queue(long n);
/* The retention job: rows pruned by kind ("delivery_bodies", "deliveries",
 * "events", "notifications"), and runs by result ("done", "skipped",
 * "failed"); other names are ignored. */
void metrics_retention_pruned(const char *what, uint64_t n);
void metrics_retention_run(const char *result);

/* Renders the exposition text (caller frees). */
char *metrics_render(size_t *len);

#endif
