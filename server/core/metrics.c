/*
 * metrics.c — Prometheus exposition (see metrics.h).
 *
 * Counters are fixed arrays of atomics indexed by route and a small status
 * table, so recording a request takes no lock.
 */
#include "shiplog/metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/sse.h"
#include "shiplog/db.h"
#include "shiplog/http.h"
#include "shiplog/xalloc.h"

#define MAX_ROUTES 256
static const unsigned tracked_status[] = {200, 201, 202, 204, 206, 301, 302, 304, 400, 401,
					  403, 404, 405, 406, 409, 413, 414, 415, 422, 429,
					  500, 503, 0 /* other */};
#define N_STATUS (sizeof tracked_status / sizeof tracked_status[0])
static const double buckets_s[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
				   0.25,  0.5,   1,    2.5,   5,    10};
#define N_BUCKETS (sizeof buckets_s / sizeof buckets_s[0])

/* slot MAX_ROUTES collects unrouted requests (404s, static files) */
static _Atomic uint64_t requests[MAX_ROUTES + 1][N_STATUS];
static _Atomic uint64_t latency[MAX_ROUTES + 1][N_BUCKETS + 1];
static _Atomic uint64_t latency_sum_ms[MAX_ROUTES + 1];
static atomic_int in_flight;
static atomic_long spool_pending_gauge;

void metrics_set_spool_pending(long n)
{
	atomic_store(&spool_pending_gauge, n);
}

static _Atomic uint64_t webhook_stored_queued, webhook_applied, webhook_apply_failed;
static atomic_long webhook_queue_gauge;

void metrics_webhook_queued(uint64_t n)
{
	atomic_fetch_add(&webhook_stored_queued, n);
}

void metrics_webhook_applied(uint64_t n, uint64_t failed)
{
	atomic_fetch_add(&webhook_applied, n >= failed ? n - failed : 0);
	atomic_fetch_add(&webhook_apply_failed, failed);
}

void metrics_set_webhook_queue(long n)
{
	atomic_store(&webhook_queue_gauge, n);
}

static const char *const retention_kinds[] = {"delivery_bodies", "deliveries", "events",
					      "notifications", "sessions", "audit",
					      "failed_sign_ins"};
static const char *const retention_results[] = {"done", "skipped", "failed"};
#define N_RETENTION_KINDS (sizeof retention_kinds / sizeof retention_kinds[0])
#define N_RETENTION_RESULTS (sizeof retention_results / sizeof retention_results[0])
static _Atomic uint64_t retention_pruned[N_RETENTION_KINDS], retention_runs[N_RETENTION_RESULTS];

static void add_named(const char *const *names, _Atomic uint64_t *counters, size_t n,
		      const char *name, uint64_t by)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			atomic_fetch_add(&counters[i], by);
}

void metrics_retention_pruned(const char *what, uint64_t n)
{
	add_named(retention_kinds, retention_pruned, N_RETENTION_KINDS, what, n);
}

void metrics_retention_run(const char *result)
{
	add_named(retention_results, retention_runs, N_RETENTION_RESULTS, result, 1);
}

static size_t status_slot(unsigned status)
{
	for (size_t i = 0; i + 1 < N_STATUS; i++)
		if (tracked_status[i] == status)
			return i;
	return N_STATUS - 1;
}

void metrics_request(int route_index, unsigned status, int64_t duration_ms)
{
	size_t r = route_index < 0 || route_index >= MAX_ROUTES ? MAX_ROUTES : (size_t)route_index;
	atomic_fetch_add_explicit(&requests[r][status_slot(status)], 1, memory_order_relaxed);
	size_t b = 0;
	while (b < N_BUCKETS && (double)duration_ms / 1000.0 > buckets_s[b])
		b++;
	atomic_fetch_add_explicit(&latency[r][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&latency_sum_ms[r], (uint64_t)(duration_ms < 0 ? 0 : duration_ms),
				  memory_order_relaxed);
}

void metrics_in_flight_add(int delta)
{
	atomic_fetch_add(&in_flight, delta);
}

struct buf {
	char *p;
	size_t len, cap;
};

static void __attribute__((format(printf, 2, 3))) bprintf(struct buf *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap * 2 + (size_t)n;
		b->p = xrealloc(b->p, b->cap);
	}
}

static void route_label(size_t r, char *out, size_t size)
{
	size_t n = 0;
	while (n < MAX_ROUTES && http_routes[n].method)
		n++;
	if (r < n)
		snprintf(out, size, "method=\"%s\",route=\"%s\"", http_routes[r].method,
			 http_routes[r].pattern);
	else
		snprintf(out, size, "method=\"\",route=\"other\"");
}

char *metrics_render(size_t *len)
{
	struct buf b = {xmalloc(8192), 0, 8192};
	char label[512];
	bprintf(&b, "# HELP shiplog_http_requests_total HTTP requests by route and status.\n"
		    "# TYPE shiplog_http_requests_total counter\n");
	for (size_t r = 0; r <= MAX_ROUTES; r++) {
		for (size_t s = 0; s < N_STATUS; s++) {
			uint64_t v = atomic_load_explicit(&requests[r][s], memory_order_relaxed);
			if (!v)
				continue;
			route_label(r, label, sizeof label);
			if (tracked_status[s])
				bprintf(&b, "shiplog_http_requests_total{%s,status=\"%u\"} %llu\n",
					label, tracked_status[s], (unsigned long long)v);
			else
				bprintf(&b, "shiplog_http_requests_total{%s,status=\"other\"} %llu\n",
					label, (unsigned long long)v);
		}
	}
	bprintf(&b, "# HELP shiplog_http_request_duration_seconds Request latency.\n"
		    "# TYPE shiplog_http_request_duration_seconds histogram\n");
	for (size_t r = 0; r <= MAX_ROUTES; r++) {
		uint64_t total = 0;
		for (size_t i = 0; i <= N_BUCKETS; i++)
			total += atomic_load_explicit(&latency[r][i], memory_order_relaxed);
		if (!total)
			continue;
		route_label(r, label, sizeof label);
		uint64_t cum = 0;
		for (size_t i = 0; i < N_BUCKETS; i++) {
			cum += atomic_load_explicit(&latency[r][i], memory_order_relaxed);
			bprintf(&b, "shiplog_http_request_duration_seconds_bucket{%s,le=\"%g\"} %llu\n",
				label, buckets_s[i], (unsigned long long)cum);
		}
		bprintf(&b, "shiplog_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n",
			label, (unsigned long long)total);
		bprintf(&b, "shiplog_http_request_duration_seconds_sum{%s} %.3f\n", label,
			(double)atomic_load(&latency_sum_ms[r]) / 1000.0);
		bprintf(&b, "shiplog_http_request_duration_seconds_count{%s} %llu\n", label,
			(unsigned long long)total);
	}
	bprintf(&b, "# HELP shiplog_http_requests_in_flight Requests being handled.\n"
		    "# TYPE shiplog_http_requests_in_flight gauge\n"
		    "shiplog_http_requests_in_flight %d\n",
		atomic_load(&in_flight));
	bprintf(&b, "# HELP shiplog_db_errors_total Failed database statements.\n"
		    "# TYPE shiplog_db_errors_total counter\nshiplog_db_errors_total %llu\n",
		(unsigned long long)db_metric_errors());
	bprintf(&b, "# HELP shiplog_db_reconnects_total Database reconnections.\n"
		    "# TYPE shiplog_db_reconnects_total counter\nshiplog_db_reconnects_total %llu\n",
		(unsigned long long)db_metric_reconnects());
	bprintf(&b, "# HELP shiplog_event_streams Open server-sent event streams.\n"
		    "# TYPE shiplog_event_streams gauge\nshiplog_event_streams %u\n",
		sse_stream_count());
	bprintf(&b, "# HELP shiplog_spool_pending Webhook deliveries spooled during a database "
		    "outage, waiting to be applied.\n"
		    "# TYPE shiplog_spool_pending gauge\nshiplog_spool_pending %ld\n",
		atomic_load(&spool_pending_gauge));
	bprintf(&b, "# HELP shiplog_webhook_queued_total Webhook deliveries stored for queued "
		    "processing by this replica.\n"
		    "# TYPE shiplog_webhook_queued_total counter\nshiplog_webhook_queued_total %llu\n",
		(unsigned long long)atomic_load(&webhook_stored_queued));
	/* two counters, so a scrape between their updates never underflows */
	uint64_t done = atomic_load(&webhook_applied), failed = atomic_load(&webhook_apply_failed);
	bprintf(&b, "# HELP shiplog_webhook_applied_total Queued deliveries applied by this "
		    "replica's appliers, by result (failed: stored with the error, replayable).\n"
		    "# TYPE shiplog_webhook_applied_total counter\n"
		    "shiplog_webhook_applied_total{result=\"done\"} %llu\n"
		    "shiplog_webhook_applied_total{result=\"failed\"} %llu\n",
		(unsigned long long)done, (unsigned long long)failed);
	bprintf(&b, "# HELP shiplog_webhook_queue Queued deliveries waiting to be applied (all "
		    "replicas; counted by this replica's appliers at most once a second).\n"
		    "# TYPE shiplog_webhook_queue gauge\nshiplog_webhook_queue %ld\n",
		atomic_load(&webhook_queue_gauge));
	bprintf(&b, "# HELP shiplog_retention_pruned_total Rows pruned by the retention job "
		    "(delivery_bodies: bodies set to NULL).\n"
		    "# TYPE shiplog_retention_pruned_total counter\n");
	for (size_t i = 0; i < N_RETENTION_KINDS; i++)
		bprintf(&b, "shiplog_retention_pruned_total{what=\"%s\"} %llu\n", retention_kinds[i],
			(unsigned long long)atomic_load(&retention_pruned[i]));
	bprintf(&b, "# HELP shiplog_retention_runs_total Retention runs by result (skipped: "
		    "another replica held the lock).\n"
		    "# TYPE shiplog_retention_runs_total counter\n");
	for (size_t i = 0; i < N_RETENTION_RESULTS; i++)
		bprintf(&b, "shiplog_retention_runs_total{result=\"%s\"} %llu\n",
			retention_results[i], (unsigned long long)atomic_load(&retention_runs[i]));
	*len = b.len;
	return b.p;
}
