/*
 * config_reload.c — the keys a reload does not apply (see config_reload.h).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shiplog/config_reload.h"
#include "shiplog/xalloc.h"

enum key_type { KEY_STR, KEY_U16, KEY_UINT, KEY_SIZE, KEY_BOOL };

struct restart_key {
	const char *name;
	size_t offset;
	enum key_type type;
};

#define KEY(n, field, t) { n, offsetof(struct config, field), t }

/* Read once at start-up: the daemon's socket and limits, the pool, the
 * secrets derived at start, the webhook appliers and the retention thread. */
static const struct restart_key restart_keys[] = {
	KEY("server.listen", listen_host, KEY_STR),
	KEY("server.listen", listen_port, KEY_U16),
	KEY("server.threads", threads, KEY_UINT),
	KEY("server.db_connections", db_connections, KEY_UINT),
	KEY("server.max_connections", max_connections, KEY_UINT),
	KEY("server.per_ip_connections", per_ip_connections, KEY_UINT),
	KEY("server.connection_timeout", connection_timeout, KEY_UINT),
	KEY("server.api_body_limit", api_body_limit, KEY_SIZE),
	KEY("server.webhook_body_limit", webhook_body_limit, KEY_SIZE),
	KEY("server.body_memory_limit", body_memory_limit, KEY_SIZE),
	KEY("server.per_ip_body_memory", per_ip_body_memory, KEY_SIZE),
	KEY("server.base_url", base_url, KEY_STR),
	KEY("server.base_url", base_url_derived, KEY_BOOL),
	KEY("server.web_dir", web_dir, KEY_STR),
	KEY("server.data_dir", data_dir, KEY_STR),
	KEY("database.url", database_url, KEY_STR),
	KEY("database.timeout_ms", db_timeout_ms, KEY_UINT),
	KEY("SHIPLOG_ADMIN_TOKEN", admin_token, KEY_STR),
	KEY("SHIPLOG_SESSION_SECRET", session_secret, KEY_STR),
	KEY("webhooks.processing", webhook_queued, KEY_BOOL),
	KEY("webhooks.workers", webhook_workers, KEY_UINT),
	KEY("retention.delivery_bodies_days", retention.delivery_bodies_days, KEY_UINT),
	KEY("retention.deliveries_days", retention.deliveries_days, KEY_UINT),
	KEY("retention.events_days", retention.events_days, KEY_UINT),
	KEY("retention.notifications_days", retention.notifications_days, KEY_UINT),
	KEY("retention.audit_days", retention.audit_days, KEY_UINT),
	KEY("retention.interval_seconds", retention.interval_seconds, KEY_UINT),
	KEY("retention.batch_size", retention.batch_size, KEY_UINT),
};

#define N_KEYS (sizeof restart_keys / sizeof restart_keys[0])

static bool same(const struct restart_key *k, const struct config *a, const struct config *b)
{
	const char *pa = (const char *)a + k->offset, *pb = (const char *)b + k->offset;

	switch (k->type) {
	case KEY_STR: {
		const char *sa = *(char *const *)(const void *)pa;
		const char *sb = *(char *const *)(const void *)pb;
		return sa == sb || (sa && sb && !strcmp(sa, sb));
	}
	case KEY_U16:
		return !memcmp(pa, pb, sizeof(uint16_t));
	case KEY_UINT:
		return !memcmp(pa, pb, sizeof(unsigned));
	case KEY_SIZE:
		return !memcmp(pa, pb, sizeof(size_t));
	case KEY_BOOL:
		return !memcmp(pa, pb, sizeof(bool));
	}
	return true;
}

size_t config_restart_keys_changed(const struct config *running, const struct config *next,
				   const char **changed, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < N_KEYS; i++) {
		if (same(&restart_keys[i], running, next))
			continue;
		/* one name per key, even when it has two fields */
		if (n > 0 && n <= max && !strcmp(changed[n - 1], restart_keys[i].name))
			continue;
		if (n < max)
			changed[n] = restart_keys[i].name;
		n++;
	}
	return n;
}

void config_keep_restart_keys(struct config *next, const struct config *running)
{
	for (size_t i = 0; i < N_KEYS; i++) {
		const struct restart_key *k = &restart_keys[i];
		char *dst = (char *)next + k->offset;
		const char *src = (const char *)running + k->offset;

		switch (k->type) {
		case KEY_STR: {
			char **d = (char **)(void *)dst;
			const char *s = *(char *const *)(const void *)src;
			free(*d);
			*d = s ? xstrdup(s) : NULL;
			break;
		}
		case KEY_U16:
			memcpy(dst, src, sizeof(uint16_t));
			break;
		case KEY_UINT:
			memcpy(dst, src, sizeof(unsigned));
			break;
		case KEY_SIZE:
			memcpy(dst, src, sizeof(size_t));
			break;
		case KEY_BOOL:
			memcpy(dst, src, sizeof(bool));
			break;
		}
	}
}
