/*
 * ratelimit.c — fixed-window rate limits (see ratelimit.h).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "http/netaddr.h"
#include "http/ratelimit.h"
#include "shiplog/clock.h"
#include "shiplog/crypto.h"

#define SLOTS 4096
#define PROBES 8
#define WINDOW_S 60

struct slot {
	uint64_t key;      /* hash of class + client; 0 = empty */
	int64_t window;    /* start of its minute */
	unsigned count;
};

static struct slot slots[SLOTS];
static pthread_mutex_t locks[16] = {
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER,
};
static unsigned limits[RATE__COUNT] = {30, 20};

void ratelimit_init(unsigned auth_failures_per_minute, unsigned feedback_per_minute)
{
	limits[RATE_AUTH_FAILURE] = auth_failures_per_minute;
	limits[RATE_FEEDBACK] = feedback_per_minute;
}

/* The handlers whose stored writes count towards a per-client limit: keyed by
 * the handler, so an entry cannot name a route that is not there. */
static const struct {
	http_handler handler;
	enum rate_class cls;
} limited_handlers[] = {
	{api_feedback_create, RATE_FEEDBACK}, /* the API and the dashboard's form */
};

int ratelimit_route_class(const struct route *route)
{
	if (!route)
		return -1;
	for (size_t i = 0; i < sizeof limited_handlers / sizeof limited_handlers[0]; i++)
		if (limited_handlers[i].handler == route->handler)
			return (int)limited_handlers[i].cls;
	return -1;
}

static bool trusted(const struct config *cfg, const char *addr, size_t len)
{
	return netaddr_in_list(addr, len, cfg->trusted_proxies, cfg->n_trusted_proxies);
}

void ratelimit_client(const struct config *cfg, const char *peer, const char *forwarded_for,
		      char *out, size_t size)
{
	snprintf(out, size, "%s", peer);
	if (!forwarded_for || !trusted(cfg, peer, strlen(peer)))
		return;
	/* walk the hops right to left; the first that is not a trusted proxy
	 * is the client as far as anyone we trust can tell */
	const char *end = forwarded_for + strlen(forwarded_for);
	while (end > forwarded_for) {
		const char *start = end;
		while (start > forwarded_for && start[-1] != ',')
			start--;
		const char *a = start, *b = end;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b > a && !trusted(cfg, a, (size_t)(b - a))) {
			size_t n = (size_t)(b - a) < size - 1 ? (size_t)(b - a) : size - 1;
			memcpy(out, a, n);
			out[n] = '\0';
			return;
		}
		end = start > forwarded_for ? start - 1 : start;
	}
}

static uint64_t slot_key(enum rate_class c, const char *client)
{
	unsigned char h[32];
	char buf[300];
	int n = snprintf(buf, sizeof buf, "%d|%s", (int)c, client);
	crypto_sha256(buf, (size_t)n, h);
	uint64_t k;
	memcpy(&k, h, sizeof k);
	return k ? k : 1;
}

static bool account(enum rate_class c, const char *client, bool add, unsigned *retry_after)
{
	if (!limits[c])
		return false;
	uint64_t key = slot_key(c, client);
	int64_t now = clock_now_s();
	int64_t window = now - now % WINDOW_S;
	size_t base = (size_t)(key % SLOTS);
	pthread_mutex_t *lock = &locks[base % 16];
	/* probes stay within one lock's stripe */
	pthread_mutex_lock(lock);
	struct slot *hit = NULL, *victim = NULL;
	for (size_t i = 0; i < PROBES; i++) {
		struct slot *s = &slots[(base + 16 * i) % SLOTS];
		if (s->key == key) {
			hit = s;
			break;
		}
		if (!victim || s->key == 0 || s->window < victim->window)
			victim = s;
	}
	if (!hit) {
		hit = victim;
		hit->key = key;
		hit->window = window;
		hit->count = 0;
	}
	if (hit->window != window) {
		hit->window = window;
		hit->count = 0;
	}
	if (add)
		hit->count++;
	bool over = add ? hit->count > limits[c] : hit->count >= limits[c];
	if (retry_after)
		*retry_after = (unsigned)(window + WINDOW_S - now);
	pthread_mutex_unlock(lock);
	return over;
}

bool ratelimit_over(enum rate_class c, const char *client, unsigned *retry_after)
{
	return account(c, client, false, retry_after);
}

bool ratelimit_hit(enum rate_class c, const char *client, unsigned *retry_after)
{
	return account(c, client, true, retry_after);
}
