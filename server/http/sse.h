/*
 * http/sse.h — server-sent events: one hub per process owns every open
 * stream under one lock, and one listener thread turns PostgreSQL
 * NOTIFYs on "shiplog_events" into events for all of them — so a change made
 * through any replica reaches the clients of every replica.
 *
 * The same thread sends those NOTIFYs: a committing transaction only flags
 * that it wrote events (db_set_notify_hook) and the listener, woken at once,
 * sends one NOTIFY on its own connection for every commit flagged since its
 * last one — under load many commits share one, and no request spends a
 * round trip on it.
 *
 * Streams are suspended libmicrohttpd connections while they have nothing to
 * send, so they do not pin a worker thread; they count against the
 * connection limits and are capped (max_streams).  libmicrohttpd does not
 * watch a suspended connection: a watcher thread does, and a stream whose
 * client closes it ends at once, freeing its slot.  A heartbeat every 15 s
 * (below the connection timeout) keeps proxies from closing idle streams and
 * finds a client that vanished without closing.
 */
#ifndef SHIPLOG_SSE_H
#define SHIPLOG_SSE_H

#include <stdbool.h>
#include <stdint.h>

#include "shiplog/http.h"

struct app;

/* Starts the hub and its listener thread (own PostgreSQL connection).
 * 0 picks the defaults: 256 streams, a heartbeat every 15 s. */
bool sse_start(struct app *app, unsigned max_streams, unsigned heartbeat_ms);
/* Ends every stream (resuming suspended ones, as libmicrohttpd requires
 * before it stops) and stops the listener. Call before MHD_stop_daemon. */
void sse_close_all(void);
void sse_stop(void);

/* Turns the request into an event stream, replaying events after
 * `last_event_id` (minus a small window, so events whose transactions
 * committed out of id order are not missed; clients drop ids they have seen). */
void sse_open(struct http_request *r, int64_t last_event_id);

/* Open streams (for /metrics and tests). */
unsigned sse_stream_count(void);

#endif
