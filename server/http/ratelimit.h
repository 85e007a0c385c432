/*
 * http/ratelimit.h — per-client rate limits for what attackers repeat:
 * failed authentication (401) and feedback posts.
 *
 * The client is the peer address, or — only when the peer is one of the
 * configured trusted proxies — the address its X-Forwarded-For names (the
 * right-most hop that is not itself a trusted proxy), so a client cannot
 * pick its own key by sending the header.
 *
 * Fixed one-minute windows in a fixed-size table (memory does not grow with
 * the number of clients; under a flood of distinct addresses old entries are
 * evicted).  Limits per minute: SHIPLOG_RATE_AUTH_FAILURES (default 30) and
 * SHIPLOG_RATE_FEEDBACK (default 20), read at start; 0 turns a limit off.
 *
 * Past the failed-authentication limit credentials are still checked and only
 * failures are refused (429): the dispatcher does that, see run_route().
 */
#ifndef SHIPLOG_RATELIMIT_H
#define SHIPLOG_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "shiplog/config.h"
#include "shiplog/http.h"

enum rate_class { RATE_AUTH_FAILURE, RATE_FEEDBACK, RATE__COUNT };

void ratelimit_init(unsigned auth_failures_per_minute, unsigned feedback_per_minute);

/* The client's key (an address) for request r, into out. */
void ratelimit_client(const struct config *cfg, const char *peer, const char *forwarded_for,
		      char *out, size_t size);

/* Is the client over its limit for this class?  *retry_after: seconds. */
bool ratelimit_over(enum rate_class c, const char *client, unsigned *retry_after);
/* Counts one more; true when that goes over the limit. */
bool ratelimit_hit(enum rate_class c, const char *client, unsigned *retry_after);

/* The class a route is limited under (its `rate` in the route table), or -1. */
int ratelimit_route_class(const struct route *route);

#endif
