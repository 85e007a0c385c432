/*
 * events.c — GET /api/v1/events: the live stream of domain events
 * (server-sent events), for the dashboard and anyone else.  Each stream
 * gets only the events its scopes may read (db/event_kinds.c).
 */
#include <stdlib.h>

#include "api/api.h"
#include "http/sse.h"

void api_events_stream(struct http_request *r)
{
	/* EventSource sends Last-Event-ID when it reconnects; a first
	 * connection may name a starting point in the query instead */
	int64_t last = http_param_int(r, "last_event_id", 0);
	const char *header = http_header(r, "Last-Event-ID");
	if (header) {
		char *end;
		long long v = strtoll(header, &end, 10);
		if (*end || v < 0) {
			http_reply_problem(r, PROBLEM_BAD_REQUEST,
					   "Last-Event-ID: expected an event id (a number)");
			return;
		}
		last = v;
	}
	sse_open(r, last);
}
