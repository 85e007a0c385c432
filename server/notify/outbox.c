/*
 * notify/outbox.c — the outbox in the database: the copy of the configured
 * sinks the trigger reads, claiming due messages, recording attempts (the
 * statements are in db/notifications.c).  See shiplog/notify.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/notifications.h"
#include "notify/notify_internal.h"
#include "shiplog/crypto.h"
#include "shiplog/log.h"
#include "shiplog/notify.h"
#include "shiplog/xalloc.h"

void notify_msg_clear(struct notify_msg *m)
{
	json_decref(m->data);
	json_decref(m->detail);
	free(m->url);
	free(m->body);
	for (size_t i = 0; i < m->n_headers; i++)
		free(m->headers[i]);
	memset(m, 0, sizeof *m);
}

double notify_backoff_seconds(double base, int failed, double jitter01)
{
	double d = base > 0 ? base : 1;
	for (int i = 1; i < failed && d < 3600; i++)
		d *= 2;
	if (d > 3600)
		d = 3600;
	if (jitter01 < 0)
		jitter01 = 0;
	if (jitter01 >= 1)
		jitter01 = 0.999999;
	return d / 2 + d / 2 * jitter01;
}

void notify_truncate_utf8(char *s, size_t max_chars)
{
	size_t chars = 0, i = 0, cut = 0;
	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) == 0x80)
			continue; /* a continuation byte */
		if (chars == max_chars - 1)
			cut = i; /* where "…" goes if the text is longer */
		if (chars == max_chars) {
			memcpy(s + cut, "\xE2\x80\xA6", 4); /* "…" and its NUL */
			return;
		}
		chars++;
	}
}

/* ---- the sinks the trigger reads ---- */

static int sync_tx(struct db_conn *c, void *arg)
{
	const struct config *cfg = arg;
	const struct config_notifications *nc = &cfg->notifications;
	const char **names = xcalloc(nc->n_sinks + 1, sizeof *names);
	for (size_t i = 0; i < nc->n_sinks; i++)
		names[i] = nc->sinks[i].name;
	int n = db_notification_sinks_keep(c, names, nc->n_sinks);
	free(names);
	for (size_t i = 0; n >= 0 && i < nc->n_sinks; i++) {
		const struct config_notify_sink *s = &nc->sinks[i];
		n = db_notification_sink_put(c, s->name, s->type, (const char *const *)s->events,
					     s->n_events);
	}
	return n < 0 ? n : DB_OK;
}

int notify_sync_sinks(struct db_conn *c, const struct config *cfg)
{
	return db_transaction(c, sync_tx, (void *)(uintptr_t)cfg);
}

/* ---- claiming ---- */

int notify_claim(struct db_conn *c, const char *replica, double lease_seconds,
		 struct notify_msg *out, int max)
{
	unsigned char raw[12];
	char token[32];
	crypto_random(raw, sizeof raw);
	crypto_hex(raw, sizeof raw, token);
	struct db_notification_claimed *got = xcalloc((size_t)(max > 0 ? max : 1), sizeof *got);
	int n = db_notifications_claim(c, token, lease_seconds, replica, max, got);
	for (int i = 0; i < n; i++) {
		struct notify_msg *m = &out[i];
		const struct db_notification_claimed *g = &got[i];
		memset(m, 0, sizeof *m);
		m->id = g->id;
		snprintf(m->sink, sizeof m->sink, "%s", g->sink);
		snprintf(m->sink_type, sizeof m->sink_type, "%s", g->sink_type);
		snprintf(m->kind, sizeof m->kind, "%s", g->kind);
		m->data = g->data; /* handed over */
		m->attempts = g->attempts;
		m->retry_base = g->retry_base;
		snprintf(m->occurred_at, sizeof m->occurred_at, "%s", g->occurred_at);
		snprintf(m->claim_token, sizeof m->claim_token, "%s", g->claim_token);
	}
	free(got);
	return n;
}

/* ---- recording ---- */

struct record_tx {
	const struct config *cfg;
	const char *replica;
	struct notify_msg *m;
	char status[16]; /* what it became; "" when the claim was lost */
};

/* 4xx answers that retrying cannot fix (408 timeout and 429 rate limit can
 * be retried). */
static bool permanent(long code)
{
	return code >= 400 && code < 500 && code != 408 && code != 429;
}

static int record_tx(struct db_conn *c, void *arg)
{
	struct record_tx *x = arg;
	struct notify_msg *m = x->m;
	bool superseded = m->superseded[0] != '\0';
	bool ok = m->status_code >= 200 && m->status_code < 300 && !m->prep_error[0] && !superseded;
	const char *error = ok		       ? NULL
			    : superseded       ? m->superseded
			    : m->prep_error[0] ? m->prep_error
					       : m->error;
	int failed = m->attempts - m->retry_base;
	uint32_t r;
	crypto_random(&r, sizeof r);
	double delay = notify_backoff_seconds(x->cfg->notifications.base_backoff_seconds,
					      failed < 1 ? 1 : failed, (double)r / 4294967296.0);
	if (m->retry_after > delay)
		delay = m->retry_after > 3600 ? 3600 : m->retry_after;
	struct db_notification_outcome o = {.id = m->id,
					    .claim_token = m->claim_token,
					    .sent = ok,
					    .superseded = superseded,
					    .permanent = permanent(m->status_code),
					    .max_attempts = x->cfg->notifications.max_attempts,
					    .retry_in = delay,
					    .error = error,
					    .status_code = m->status_code};
	int n = db_notification_finish(c, &o, x->status, sizeof x->status);
	if (n < 0)
		return n;
	if (ok && n > 0 && !strcmp(m->sink_type, "github_status") && m->detail) {
		/* what GitHub shows now, so that the same is not posted again */
		const json_t *d = m->detail;
		struct db_github_status posted = {
			.repository = json_string_value(json_object_get(m->data, "repository")),
			.commit = json_string_value(json_object_get(m->data, "commit")),
			.context = json_string_value(json_object_get(d, "context")),
			.state = json_string_value(json_object_get(d, "state")),
			.description = json_string_value(json_object_get(d, "description")),
			.target_url = json_string_value(json_object_get(d, "target_url"))};
		if (posted.repository && posted.commit && posted.context && posted.state &&
		    posted.description && posted.target_url) {
			n = db_github_status_posted_put(c, &posted, m->id);
			if (n < 0)
				return n;
		}
	}
	struct db_notification_attempt a = {.notification_id = m->id,
					    .attempt = m->attempts,
					    .started_at = m->started_at[0] ? m->started_at : NULL,
					    .duration_ms = m->duration_ms,
					    .status_code = m->status_code,
					    .error = error,
					    .replica = x->replica,
					    .detail = m->detail};
	n = db_notification_attempt_add(c, &a);
	return n < 0 ? n : DB_OK;
}

int notify_record(struct db_conn *c, const struct config *cfg, const char *replica,
		  struct notify_msg *m)
{
	struct record_tx x = {.cfg = cfg, .replica = replica, .m = m};
	int n = db_transaction(c, record_tx, &x);
	if (n < 0)
		return n;
	json_t *f = json_pack("{s:I, s:s, s:s, s:i, s:s}", "notification", (json_int_t)m->id,
			      "sink", m->sink, "kind", m->kind, "attempt", m->attempts, "status",
			      x.status[0] ? x.status : "claim-lost");
	if (m->status_code)
		json_object_set_new(f, "status_code", json_integer(m->status_code));
	if (m->superseded[0] || m->prep_error[0] || m->error[0])
		json_object_set_new(f, "error",
				    json_string(m->superseded[0]   ? m->superseded
						: m->prep_error[0] ? m->prep_error
								   : m->error));
	enum log_level level = !x.status[0] || !strcmp(x.status, "dead") ? LOG_WARN
			       : !strcmp(x.status, "sent") || !strcmp(x.status, "superseded")
				       ? LOG_DEBUG
				       : LOG_INFO;
	log_fields(level,
		   !x.status[0] ? "notify: the claim on a message was lost (its lease ended)"
		   : !strcmp(x.status, "sent")	     ? "notify: sent"
		   : !strcmp(x.status, "superseded") ? "notify: not needed (superseded)"
		   : !strcmp(x.status, "dead")	     ? "notify: gave up on a message (dead letter)"
						     : "notify: attempt failed; will retry",
		   f);
	json_decref(f);
	return DB_OK;
}

int notify_put_back(struct db_conn *c, const struct notify_msg *m)
{
	return db_notification_put_back(c, m->id, m->claim_token);
}
