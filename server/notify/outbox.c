/*
 * notify/outbox.c — the outbox in the database: the copy of the configured
 * sinks the trigger reads, claiming due messages, recording attempts.
 * See shiplog/notify.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/result.h"
#include "db/sql_time.h"
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
	char *all = db_text_array_literal(names, nc->n_sinks);
	free(names);
	const char *dp[1] = {all};
	int n = db_query(c, "DELETE FROM notification_sinks WHERE NOT (name = ANY ($1::text[]))", 1,
			 dp, NULL);
	free(all);
	for (size_t i = 0; n >= 0 && i < nc->n_sinks; i++) {
		const struct config_notify_sink *s = &nc->sinks[i];
		char *events = db_text_array_literal((const char *const *)s->events,
						     s->n_events);
		const char *p[3] = {s->name, s->type, events};
		n = db_query(c,
			     "INSERT INTO notification_sinks (name, type, events)"
			     " VALUES ($1, $2, $3::text[])"
			     " ON CONFLICT (name) DO UPDATE SET type = EXCLUDED.type,"
			     "  events = EXCLUDED.events, updated_at = now()"
			     " WHERE (notification_sinks.type, notification_sinks.events)"
			     "  IS DISTINCT FROM (EXCLUDED.type, EXCLUDED.events)",
			     3, p, NULL);
		free(events);
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
	char token[32], lease[32], limit[16];
	crypto_random(raw, sizeof raw);
	crypto_hex(raw, sizeof raw, token);
	snprintf(lease, sizeof lease, "%.3f", lease_seconds);
	snprintf(limit, sizeof limit, "%d", max);
	const char *p[4] = {lease, token, replica, limit};
	PGresult *res = NULL;
	/* One statement, so one short transaction.  The inner selects use the
	 * partial indexes; the outer condition is checked again on the locked
	 * row, so a message another replica claimed meanwhile is passed over. */
	int n = db_query(
		c,
		"WITH due AS (SELECT id FROM notifications WHERE id IN ("
		"  (SELECT id FROM notifications"
		"   WHERE status = 'pending' AND next_attempt_at <= now()"
		"   ORDER BY next_attempt_at, id LIMIT $4::int)"
		"  UNION ALL"
		"  (SELECT id FROM notifications WHERE status = 'in_flight' AND lease_until < now()"
		"   ORDER BY lease_until LIMIT $4::int))"
		" AND ((status = 'pending' AND next_attempt_at <= now())"
		"  OR (status = 'in_flight' AND lease_until < now()))"
		" ORDER BY id LIMIT $4::int FOR UPDATE SKIP LOCKED) "
		"UPDATE notifications n SET status = 'in_flight', attempts = n.attempts + 1,"
		" lease_until = now() + make_interval(secs => $1::float8),"
		" claim_token = $2 || '-' || n.id, claimed_by = $3, updated_at = now(),"
		" last_error = CASE WHEN n.status = 'in_flight' THEN 'lease expired: '"
		"  || coalesce(n.claimed_by, 'a sender') || ' stopped before recording the result'"
		"  ELSE n.last_error END "
		"FROM due WHERE n.id = due.id "
		"RETURNING n.id, n.sink, n.sink_type, n.kind, n.data::text, n.attempts, "
		"n.retry_base,"
		" " SQL_TS("n.occurred_at") ","
		" n.claim_token",
		4, p, &res);
	if (n <= 0) {
		PQclear(res);
		return n;
	}
	for (int i = 0; i < n; i++) {
		struct notify_msg *m = &out[i];
		memset(m, 0, sizeof *m);
		m->id = db_get_i64(res, i, 0);
		snprintf(m->sink, sizeof m->sink, "%s", PQgetvalue(res, i, 1));
		snprintf(m->sink_type, sizeof m->sink_type, "%s", PQgetvalue(res, i, 2));
		snprintf(m->kind, sizeof m->kind, "%s", PQgetvalue(res, i, 3));
		m->data = json_loads(PQgetvalue(res, i, 4), 0, NULL);
		if (!m->data)
			m->data = json_object();
		m->attempts = (int)db_get_i64(res, i, 5);
		m->retry_base = (int)db_get_i64(res, i, 6);
		snprintf(m->occurred_at, sizeof m->occurred_at, "%s", PQgetvalue(res, i, 7));
		snprintf(m->claim_token, sizeof m->claim_token, "%s", PQgetvalue(res, i, 8));
	}
	PQclear(res);
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
	char id[24], delay_text[32], max[16], code[16], attempt[16], duration[24];
	snprintf(id, sizeof id, "%lld", (long long)m->id);
	snprintf(delay_text, sizeof delay_text, "%.3f", delay);
	snprintf(max, sizeof max, "%u", x->cfg->notifications.max_attempts);
	snprintf(code, sizeof code, "%ld", m->status_code);
	snprintf(attempt, sizeof attempt, "%d", m->attempts);
	snprintf(duration, sizeof duration, "%lld", (long long)m->duration_ms);
	const char *p[9] = {id,
			    m->claim_token,
			    ok ? "true" : "false",
			    permanent(m->status_code) ? "true" : "false",
			    max,
			    delay_text,
			    error,
			    m->status_code ? code : NULL,
			    superseded ? "true" : "false"};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"UPDATE notifications SET"
		" status = CASE WHEN $9::boolean THEN 'superseded' WHEN $3::boolean THEN 'sent'"
		"  WHEN $4::boolean OR attempts - retry_base >= $5::int THEN 'dead' ELSE "
		"'pending' END,"
		/* a superseded message is done too: retention prunes it by sent_at */
		" sent_at = CASE WHEN $3::boolean OR $9::boolean THEN now() END,"
		" next_attempt_at = CASE WHEN $3::boolean OR $9::boolean THEN next_attempt_at"
		"  ELSE now() + make_interval(secs => $6::float8) END,"
		" lease_until = NULL, claim_token = NULL,"
		" last_error = CASE WHEN $3::boolean THEN NULL ELSE $7 END,"
		" last_status_code = $8::int, updated_at = now()"
		" WHERE id = $1::bigint AND claim_token = $2 RETURNING status",
		9, p, &res);
	if (n < 0) {
		PQclear(res);
		return n;
	}
	snprintf(x->status, sizeof x->status, "%s", n > 0 ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	if (ok && n > 0 && !strcmp(m->sink_type, "github_status") && m->detail) {
		/* what GitHub shows now, so that the same is not posted again */
		const json_t *d = m->detail;
		const char *gp[7] = {json_string_value(json_object_get(m->data, "repository")),
				     json_string_value(json_object_get(m->data, "commit")),
				     json_string_value(json_object_get(d, "context")),
				     json_string_value(json_object_get(d, "state")),
				     json_string_value(json_object_get(d, "description")),
				     json_string_value(json_object_get(d, "target_url")),
				     id};
		for (size_t i = 0; i < 6; i++)
			if (!gp[i])
				goto posted_done;
		n = db_query(
			c,
			"INSERT INTO github_status_posted (repository, commit_sha, context, state,"
			" description, target_url, notification_id)"
			" VALUES ($1, $2, $3, $4, $5, $6, $7::bigint)"
			" ON CONFLICT (repository, commit_sha, context) DO UPDATE SET"
			" state = excluded.state, description = excluded.description,"
			" target_url = excluded.target_url,"
			" notification_id = excluded.notification_id, posted_at = now()",
			7, gp, NULL);
		if (n < 0)
			return n;
	}
posted_done:;
	char *detail = m->detail ? json_dumps(m->detail, JSON_COMPACT) : NULL;
	const char *ap[8] = {id,	 attempt, m->started_at[0] ? m->started_at : NULL,
			     duration,	 p[7],	  error,
			     x->replica, detail};
	n = db_query(
		c,
		"INSERT INTO notification_attempts (notification_id, attempt, started_at,"
		" duration_ms, status_code, error, replica, detail)"
		" VALUES ($1::bigint, $2::int, coalesce($3::timestamptz, now()), $4::int, $5::int,"
		"  $6, $7, $8::jsonb)",
		8, ap, NULL);
	free(detail);
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
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)m->id);
	const char *p[2] = {id, m->claim_token};
	return db_query(c,
			"UPDATE notifications SET status = 'pending', attempts = attempts - 1,"
			" lease_until = NULL, claim_token = NULL, next_attempt_at = now(),"
			" updated_at = now() WHERE id = $1::bigint AND claim_token = $2",
			2, p, NULL);
}
