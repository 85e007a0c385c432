/*
 * http/bodybudget.h — how many bytes of request bodies the process holds.
 *
 * A webhook body must be read whole before its signature can be checked, so
 * an unauthenticated client can make shiplog hold up to the body limit per
 * connection.  The budget bounds that: every request claims the memory its
 * body takes (from Content-Length up front, or as the buffer grows) and gives
 * it back when it is done.  A claim is refused when it would take the
 * process's total over `total` or the client's over `per_client`; the
 * client is the rate limits' key (http/ratelimit.h).
 *
 * The first BODY_BUDGET_FREE bytes of every body are admitted even over the
 * budget (still counted), so small API calls keep working while large bodies
 * fill it; the connection limits bound what that admits.  0 turns a limit
 * off.  Clients are counted in a fixed-size table: a client that finds no
 * room in it is held to the total only.
 */
#ifndef SHIPLOG_BODYBUDGET_H
#define SHIPLOG_BODYBUDGET_H

#include <stddef.h>

#define BODY_BUDGET_FREE ((size_t)64 * 1024)

/* What one request holds; zero-initialised before its first claim. */
struct body_claim {
	size_t bytes; /* claimed in all */
	int slot;     /* its client's entry + 1; 0 = none */
};

enum body_verdict {
	BODY_ADMITTED,
	BODY_OVER_TOTAL,      /* the process holds too much */
	BODY_OVER_CLIENT,     /* this client holds too much */
};

void body_budget_init(size_t total, size_t per_client);

/* Raises c to `bytes` in all (nothing when it holds as much already).
 * Refused: c is unchanged. */
enum body_verdict body_budget_claim(struct body_claim *c, const char *client, size_t bytes);

/* Gives back everything c holds; c may be released again (a no-op). */
void body_budget_release(struct body_claim *c);

/* Bytes claimed now, by everyone / by one client. */
size_t body_budget_in_use(void);
size_t body_budget_client_in_use(const char *client);

#endif
