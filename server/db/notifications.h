/*
 * db/notifications.h — the statements of notifications: the outbox
 * (notify/outbox.c, notify/sinks.c, and its admin API api/notifications.c)
 * and the readiness watcher (notify/readiness.c) with its table
 * notification_rc_watch, which remembers what was last announced of each
 * release candidate.
 *
 * Contract: every function runs on a connection the caller holds and
 * returns what db_query returns — rows found or changed (>= 0), or a
 * negative enum db_status (logged with its SQLSTATE).  Strings are copied
 * into the caller's structs (truncated to their buffers); a json_t handed
 * out (an out-parameter, or a field of a struct filled) belongs to the
 * caller (json_decref) and is set only on success.  Arguments are borrowed.
 */
#ifndef SHIPLOG_DB_NOTIFICATIONS_H
#define SHIPLOG_DB_NOTIFICATIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shiplog/db.h"

/* What a release candidate's status is made from. */
struct db_rc_status_facts {
	char repository[256];
	char version[160];
	char commit[48]; /* "" when not known */
	char state[16];
	char reject_reason[500]; /* of its latest rejection; "" if none */
};

/* 1 and *out, or 0: no such release candidate. */
int db_rc_status_facts(struct db_conn *c, int64_t rc_id, struct db_rc_status_facts *out);

/* In a transaction: tries the transaction lock that lets one replica
 * evaluate at a time; *locked says if this one got it. */
int db_rc_watch_lock(struct db_conn *c, bool *locked);

/* The open release candidates, and those watched before whose state changed
 * since, newest first, at most max (DB_RC_WATCH_MAX): their ids in ids. */
#define DB_RC_WATCH_MAX 200
int db_rc_watch_candidates(struct db_conn *c, int64_t *ids, int max);

/* What was last recorded of a release candidate ("" / 0 when nothing). */
struct db_rc_watch {
	char rc_state[16];
	char commit[48];
	char verdict[16];
	char gh_state[16];
	char gh_description[600];
	int ready_count, status_count;
};

/* In a transaction: the watch row of rc_id (made if missing), locked until
 * the transaction ends: 1 and *out, or 0. */
int db_rc_watch_row(struct db_conn *c, int64_t rc_id, struct db_rc_watch *out);

/* Enqueues rc.ready for rc_id, the ready_count-th time it became ready
 * (the outbox's dedupe key). */
int db_rc_watch_enqueue_ready(struct db_conn *c, int64_t rc_id, int ready_count);

/* Enqueues a GitHub commit status (data: what the sink posts), the
 * status_count-th for rc_id (the dedupe key); one already there is kept. */
int db_rc_watch_enqueue_status(struct db_conn *c, int64_t rc_id, int status_count,
			       const json_t *data);

/* Records what was evaluated now: the row's state, commit (NULL when ""),
 * verdict (NULL when "") and counts, and gh_state and gh_description only
 * when `posted`. */
int db_rc_watch_update(struct db_conn *c, int64_t rc_id, const struct db_rc_watch *now,
		       bool posted);

/* ---- the outbox ---- */

/* The copy of the configured sinks that the trigger reads
 * (notification_sinks), made in a transaction of the caller's: removes the
 * sinks not among names[0..n) */
int db_notification_sinks_keep(struct db_conn *c, const char *const *names, size_t n);
/* ... and stores one sink (left alone when it is already so). */
int db_notification_sink_put(struct db_conn *c, const char *name, const char *type,
			     const char *const *events, size_t n_events);

/* A message claimed for sending. */
struct db_notification_claimed {
	int64_t id;
	char sink[128];
	char sink_type[16];
	char kind[32];
	json_t *data; /* an object, {} when unreadable (the caller's) */
	int attempts; /* counting this one */
	int retry_base;
	char occurred_at[40];
	char claim_token[40]; /* token "-" id */
};

/* Claims up to `max` due messages (or ones whose lease ended) for
 * `replica`, leased for lease_seconds, with claim tokens made of `token`:
 * out[0..result). */
int db_notifications_claim(struct db_conn *c, const char *token, double lease_seconds,
			   const char *replica, int max, struct db_notification_claimed *out);

/* What became of an attempt. */
struct db_notification_outcome {
	int64_t id;
	const char *claim_token;
	bool sent;	 /* → sent */
	bool superseded; /* not needed → superseded */
	bool permanent;	 /* a failure that retrying cannot fix → dead */
	unsigned max_attempts; /* failed this often since the last retry → dead */
	double retry_in;       /* seconds until a failed one is due again */
	const char *error;     /* NULL when sent */
	long status_code;      /* 0: no answer */
};

/* Records the outcome of the message still claimed with o->claim_token:
 * 1 and its new status in status[size], or 0 (the claim was lost). */
int db_notification_finish(struct db_conn *c, const struct db_notification_outcome *o,
			   char *status, size_t size);

/* One attempt, kept with its message. */
struct db_notification_attempt {
	int64_t notification_id;
	int attempt;
	const char *started_at; /* NULL: now */
	int64_t duration_ms;
	long status_code; /* 0: no answer */
	const char *error, *replica;
	const json_t *detail; /* what was sent; NULL */
};

int db_notification_attempt_add(struct db_conn *c, const struct db_notification_attempt *a);

/* Puts an abandoned message back (not counted as an attempt), if it is
 * still claimed with claim_token. */
int db_notification_put_back(struct db_conn *c, int64_t id, const char *claim_token);

/* A GitHub commit status. */
struct db_github_status {
	const char *repository, *commit, *context, *state, *description, *target_url;
};

/* Remembers s as what GitHub shows for its repository, commit and context
 * (posted by notification_id). */
int db_github_status_posted_put(struct db_conn *c, const struct db_github_status *s,
				int64_t notification_id);
/* Does GitHub show s already?  1 and the id of the notification that
 * posted it in notification_id[size] ("" if unknown), or 0. */
int db_github_status_posted_find(struct db_conn *c, const struct db_github_status *s,
				 char *notification_id, size_t size);

/* ---- the admin API: each message as a Notification object (with
 * attempts_left counted from max_attempts) ---- */

/* Messages newest first, with id < before_id, at most `limit`, filtered
 * by status, sink and kind (each NULL: any): *rows an array. */
int db_notifications_list(struct db_conn *c, unsigned max_attempts, const char *status,
			  const char *sink, const char *kind, int64_t before_id, int limit,
			  json_t **rows);

/* Makes message `id`, when it is dead or pending, due now with a fresh
 * budget: 1 and *message as the statement left it, or 0 (no such message,
 * or in another status). */
int db_notification_retry(struct db_conn *c, unsigned max_attempts, int64_t id,
			  json_t **message);

/* 1 and message id's status in status[size], or 0: no such message. */
int db_notification_status(struct db_conn *c, int64_t id, char *status, size_t size);

#endif
