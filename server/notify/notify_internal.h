/*
 * notify/notify_internal.h — what the files of server/notify/ share (see
 * shiplog/notify.h for the design).
 *
 *   outbox.c    the outbox: sinks copy, claim, record, put back (its
 *               statements: db/notifications.c)
 *   readiness.c release candidates' readiness → rc.ready and github_status
 *   kinds.c     the notification kinds: what each says (shiplog/notify_kinds.h)
 *   sinks.c     the requests: Slack, generic webhook, GitHub status
 *   sender.c    the thread and the parallel HTTP transfers (libcurl)
 */
#ifndef SHIPLOG_NOTIFY_INTERNAL_H
#define SHIPLOG_NOTIFY_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shiplog/config.h"
#include "shiplog/db.h"

#define NOTIFY_BATCH	   16
#define NOTIFY_MAX_HEADERS 10

/* One claimed message, its request and its outcome. */
struct notify_msg {
	int64_t id;
	char sink[128];
	char sink_type[16];
	char kind[32];
	json_t *data; /* owned */
	int attempts; /* counting this one */
	int retry_base;
	char occurred_at[40];
	char claim_token[40];

	/* the request (sinks.c) */
	char *url;			   /* owned */
	char *headers[NOTIFY_MAX_HEADERS]; /* "Name: value", owned */
	size_t n_headers;
	char *body;	      /* owned */
	json_t *detail;	      /* what was sent, kept with the attempt (owned) */
	char prep_error[300]; /* set: not sent, the attempt fails with this */
	/* set: not sent, and not needed: the sink already shows what it would
	 * say (a GitHub status equal to the last one posted); ends 'superseded' */
	char superseded[300];

	/* the outcome (sender.c) */
	bool done;	  /* an answer or an error came */
	bool aborted;	  /* stopped before it finished: put back, not counted */
	long status_code; /* 0 when no answer */
	char error[600];
	double retry_after; /* seconds, from a Retry-After answer; 0 = none */
	char started_at[40];
	int64_t started_ms, duration_ms;
};

void notify_msg_clear(struct notify_msg *m);

/* ---- kinds.c (the table itself: shiplog/notify_kinds.h) ---- */

/* data[key] when it is a non-empty string (borrowed), else fallback. */
const char *notify_data_str(const json_t *data, const char *key, const char *fallback);

/* ---- outbox.c ---- */

/* Copies the configured slack/webhook sinks into notification_sinks. */
int notify_sync_sinks(struct db_conn *c, const struct config *cfg);
/* Claims up to `max` due messages (or ones whose lease ended) for this
 * replica; returns how many (>= 0) or a db_status. */
int notify_claim(struct db_conn *c, const char *replica, double lease_seconds,
		 struct notify_msg *out, int max);
/* Records the outcome of a sent (or unsendable) message. */
int notify_record(struct db_conn *c, const struct config *cfg, const char *replica,
		  struct notify_msg *m);
/* Puts an abandoned message back (not counted as an attempt). */
int notify_put_back(struct db_conn *c, const struct notify_msg *m);

/* ---- readiness.c ---- */

/* What a release candidate's GitHub commit status should say now. */
struct notify_rc_status {
	char repository[256];
	char version[160];
	char commit[48]; /* "" when not known */
	char rc_state[16];
	char verdict[16];      /* ready | failed | pending; "" for a closed RC */
	char gh_state[16];     /* pending | success | failure; "" = post nothing */
	char description[600]; /* at most 140 characters */
};

/* *found false when there is no such RC. */
int notify_rc_status(struct db_conn *c, const struct config *cfg, int64_t rc_id,
		     struct notify_rc_status *out, bool *found);

/* Evaluates the open RCs and enqueues what changed.  Returns the number of
 * RCs evaluated, 0 when another replica is at it, or a db_status. */
int notify_watch(struct db_conn *c, const struct config *cfg, bool want_ready, bool want_status);

/* Does any sink subscribe to `event`? */
bool notify_cfg_wants(const struct config *cfg, const char *event);
/* Is posting commit statuses configured (with a token)? */
bool notify_cfg_github(const struct config *cfg);

/* ---- sinks.c ---- */

/* Builds m's request (url, headers, body, detail) or sets m->prep_error.
 * github_status needs the database (state computed at send time). */
int notify_prepare(struct db_conn *c, const struct config *cfg, struct notify_msg *m);

#endif
