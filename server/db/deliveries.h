/*
 * db/deliveries.h — the statements of stored webhook deliveries (table
 * deliveries): storing and processing one (webhooks/ingest.c), the queued
 * mode's group commit and its appliers (webhooks/queue.c), and the audit
 * trail (api/deliveries.c).
 *
 * Contract: every function that takes a connection runs on one the caller
 * holds and returns what db_query returns — rows found or stored (>= 0),
 * or a negative enum db_status (logged with its SQLSTATE; db_last_error
 * says more).  Nothing is handed over to free but what a batch holds
 * (db_delivery_batch_free), and what the audit trail's functions hand out
 * through out-parameters (set only on success).
 */
#ifndef SHIPLOG_DB_DELIVERIES_H
#define SHIPLOG_DB_DELIVERIES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shiplog/db.h"

/* A delivery to store as "received" (borrowed strings). */
struct db_delivery_new {
	const char *source, *event, *action, *delivery_id, *hook_id, *repository;
	int64_t received_us;
	const json_t *headers; /* NULL: {} */
	const char *body;
	size_t body_len;
	const char *signature;
};

/* What storing made of it: its row, and whether it was a duplicate (a
 * delivery id that already succeeded: stored without its body). */
struct db_delivery_stored {
	int64_t id;
	bool duplicate;
};

/* Deliveries gathered for one statement (built without a connection). */
#define DB_DELIVERY_COLUMNS 12
struct db_delivery_batch {
	struct db_array cols[DB_DELIVERY_COLUMNS];
	size_t n;
};

void db_delivery_batch_init(struct db_delivery_batch *b);
/* Copies what it needs of d. */
void db_delivery_batch_add(struct db_delivery_batch *b, const struct db_delivery_new *d);
void db_delivery_batch_free(struct db_delivery_batch *b);

/* Stores the batch with one statement (one round trip); out[i] for the
 * batch's i-th delivery, filled when every one was stored (the result is
 * b->n). */
int db_delivery_batch_insert(struct db_conn *c, struct db_delivery_batch *b,
			     struct db_delivery_stored *out);

/* How many deliveries wait to be applied (status "received"): 1 and
 * *count, or a failure. */
int db_deliveries_backlog(struct db_conn *c, long *count);

/* ---- ingestion: storing and processing one delivery (webhooks/ingest.c) ---- */

/* The repository a delivery names, as stored: created, or updated where the
 * delivery says more (default_branch, github_id, html_url: NULL for "not
 * said"); a known repository that nothing changes is read without taking
 * its row lock. */
struct db_delivery_repository_in {
	const char *full_name;
	const char *default_branch;
	const char *github_id; /* decimal */
	const char *html_url;
};
struct db_delivery_repository {
	int64_t id;
	char full_name[256];
	char default_branch[256];
};
/* DB_OK and *out, or a failure. */
int db_delivery_repository(struct db_conn *c, const struct db_delivery_repository_in *in,
			   struct db_delivery_repository *out);

/* Takes the transaction's advisory lock on (source, delivery id), so two
 * replicas given the same delivery take turns. */
int db_delivery_lock(struct db_conn *c, const char *source, const char *delivery_id);

/* Did an attempt of this delivery id succeed already (processed, ignored,
 * unmatched)?  Rows read (1) and *done, or a failure. */
int db_delivery_succeeded_before(struct db_conn *c, const char *source, const char *delivery_id,
				 bool *done);

/* Processing's savepoint: begun before the first statement of processing,
 * then ended by keeping (RELEASE) or undoing (ROLLBACK TO) its effects.
 * Each travels with the next statement (db_defer): no round trip. */
void db_delivery_process_begin(struct db_conn *c);
void db_delivery_process_end(struct db_conn *c, bool keep);

/* What an attempt came to (borrowed strings). */
struct db_delivery_outcome {
	const char *status;     /* final: processed, ignored, unmatched, failed,
				 * duplicate, rejected */
	const char *action;     /* NULL: "" */
	const char *repository; /* NULL: not known */
	const char *error;      /* or NULL */
	bool processed;         /* processed_at = now() */
	bool with_body;         /* an insert stores the body (else only its size and hash) */
	int64_t replay_of;      /* an insert: the row it replays, or 0 */
};

/* Stores an attempt of d with its outcome, in one INSERT (the final status
 * at once: an update of the indexed status would write every index twice).
 * d->action and d->repository are not used (o's are); a NULL d->event is
 * stored as "".  DB_OK (and *row_id), or a failure. */
int db_delivery_insert_attempt(struct db_conn *c, const struct db_delivery_new *d,
			       const struct db_delivery_outcome *o, int64_t *row_id);

/* Gives a queued row its outcome (a "duplicate" loses its body; a NULL
 * repository keeps the stored one).  DB_OK, or a failure. */
int db_delivery_record_outcome(struct db_conn *c, int64_t row,
			       const struct db_delivery_outcome *o);

/* Marks a queued row ("received") failed with `error`, processed now.
 * DB_OK, or a failure. */
int db_delivery_fail_queued(struct db_conn *c, int64_t row, const char *error);

/* Stored deliveries as processing needs them; the strings are borrowed
 * from the set and live until db_stored_deliveries_free(). */
struct db_stored_delivery {
	int64_t id;
	const char *source, *event, *delivery_id;
	const char *hook_id, *content_type; /* or NULL */
	const char *signature;
	bool has_body; /* false: stored without one, or retention removed it */
	int64_t received_us;
	const char *headers; /* JSON text (db_delivery_read only; else NULL) */
};
struct db_stored_deliveries {
	size_t n;
	struct db_stored_delivery *v;
	PGresult *res; /* private: what v points into */
	int col;       /* private: the result's first delivery column */
};

/* The stored delivery `id`: rows found (0 or 1) with *out filled (free it
 * with db_stored_deliveries_free either way), or a failure. */
int db_delivery_read(struct db_conn *c, int64_t id, struct db_stored_deliveries *out);

/* Claims up to `limit` deliveries waiting to be applied ("received"),
 * oldest first, locked until the transaction ends; rows another applier
 * holds are skipped, not waited for.  Rows claimed (free *out either way),
 * or a failure. */
int db_deliveries_claim_received(struct db_conn *c, unsigned limit,
				 struct db_stored_deliveries *out);

/* The body of s->v[i], decoded: NULL if it has none or it cannot be
 * decoded.  Free it with db_stored_body_free(). */
unsigned char *db_stored_delivery_body(const struct db_stored_deliveries *s, size_t i,
				       size_t *len);
void db_stored_body_free(unsigned char *body);
void db_stored_deliveries_free(struct db_stored_deliveries *s);

/* ---- the audit trail (api/deliveries.c) ---- */

/* What the audit trail's list is filtered by (each NULL: any); the
 * repository is owner/name, compared without regard to case.  No index
 * covers the repository: its pages walk the ids newest first, so a
 * repository with few deliveries among many costs a longer scan (bounded
 * by the statement timeout). */
struct db_deliveries_filter {
	const char *source, *event, *status, *repository;
};

/* Deliveries newest first with id < before_id, at most `limit`, filtered
 * by f: *rows an array of Delivery objects (without headers and body). */
int db_deliveries_list(struct db_conn *c, const struct db_deliveries_filter *f,
		       int64_t before_id, int limit, json_t **rows);

/* A stored body. */
struct db_delivery_body {
	bool stored;	     /* false: not kept (a duplicate, rejected, pruned) */
	unsigned char *data; /* the bytes (free); NULL when stored but unreadable */
	size_t len;
};

/* Delivery `id`: 1, *delivery (a Delivery object with its "headers") and
 * *body, or 0: none. */
int db_delivery_get(struct db_conn *c, int64_t id, json_t **delivery,
		    struct db_delivery_body *body);

/* Every attempt with source's delivery id, oldest first: *rows an array of
 * {id, status, received_at, error}. */
int db_delivery_attempts(struct db_conn *c, const char *source, const char *delivery_id,
			 json_t **rows);

#endif
