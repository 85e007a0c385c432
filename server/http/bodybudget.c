/*
 * bodybudget.c — the request-body memory budget (see bodybudget.h).
 *
 * One lock guards the total and the clients' table: it is taken a few times
 * per request (when a body starts, when its buffer grows, when it ends),
 * never per byte.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "http/bodybudget.h"

#define SLOTS 1024
#define PROBES 16

struct client_slot {
	char client[64];
	size_t bytes;
	unsigned claims; /* requests holding bytes here; 0 = free */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static size_t limit_total, limit_client;
static size_t in_use;
static struct client_slot slots[SLOTS];

void body_budget_init(size_t total, size_t per_client)
{
	pthread_mutex_lock(&lock);
	limit_total = total;
	limit_client = per_client;
	pthread_mutex_unlock(&lock);
}

static size_t home_of(const char *client)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)client; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return (size_t)(h % SLOTS);
}

/* The client's entry within its probe window, or NULL; *free_slot: the
 * first free one there.  Every entry of a client lies in its window, so
 * looking at all of it before taking a free slot never makes two. */
static struct client_slot *find(const char *client, struct client_slot **free_slot)
{
	size_t home = home_of(client);
	*free_slot = NULL;
	for (size_t i = 0; i < PROBES; i++) {
		struct client_slot *s = &slots[(home + i) % SLOTS];
		if (s->claims && !strcmp(s->client, client))
			return s;
		if (!s->claims && !*free_slot)
			*free_slot = s;
	}
	return NULL;
}

static bool over(size_t have, size_t more, size_t limit)
{
	return limit && (have > limit || more > limit - have);
}

enum body_verdict body_budget_claim(struct body_claim *c, const char *client, size_t bytes)
{
	if (bytes <= c->bytes)
		return BODY_ADMITTED;
	size_t more = bytes - c->bytes;
	bool free_pass = bytes <= BODY_BUDGET_FREE;
	enum body_verdict v = BODY_ADMITTED;
	pthread_mutex_lock(&lock);
	struct client_slot *s = c->slot ? &slots[c->slot - 1] : NULL;
	if (!s && !c->bytes) { /* a claim that found no room stays without */
		struct client_slot *empty;
		s = find(client, &empty);
		if (!s && empty) {
			snprintf(empty->client, sizeof empty->client, "%s", client);
			empty->bytes = 0;
			s = empty;
		}
		/* no room: the client is held to the total only */
	}
	if (!free_pass && over(in_use, more, limit_total))
		v = BODY_OVER_TOTAL;
	else if (!free_pass && s && over(s->bytes, more, limit_client))
		v = BODY_OVER_CLIENT;
	if (v == BODY_ADMITTED) {
		in_use += more;
		c->bytes = bytes;
		if (s) {
			if (!c->slot) {
				s->claims++;
				c->slot = (int)(s - slots) + 1;
			}
			s->bytes += more;
		}
	}
	pthread_mutex_unlock(&lock);
	return v;
}

void body_budget_release(struct body_claim *c)
{
	if (!c->bytes && !c->slot)
		return;
	pthread_mutex_lock(&lock);
	in_use -= c->bytes;
	if (c->slot) {
		struct client_slot *s = &slots[c->slot - 1];
		s->bytes -= c->bytes;
		s->claims--;
	}
	pthread_mutex_unlock(&lock);
	c->bytes = 0;
	c->slot = 0;
}

size_t body_budget_in_use(void)
{
	pthread_mutex_lock(&lock);
	size_t n = in_use;
	pthread_mutex_unlock(&lock);
	return n;
}

size_t body_budget_client_in_use(const char *client)
{
	pthread_mutex_lock(&lock);
	struct client_slot *empty, *s = find(client, &empty);
	size_t n = s ? s->bytes : 0;
	pthread_mutex_unlock(&lock);
	return n;
}
