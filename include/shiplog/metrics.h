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

/* Renders the exposition text (caller frees). */
char *metrics_render(size_t *len);

#endif
