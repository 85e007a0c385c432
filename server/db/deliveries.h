/*
 * db/deliveries.h — the statements of stored webhook deliveries (table
 * deliveries) for the queued mode's group commit and its appliers
 * (webhooks/queue.c).
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

/* ---- the audit trail (api/deliveries.c) ---- */

/* Deliveries newest first with id < before_id, at most `limit`, filtered
 * by source, event and status (each NULL: any): *rows an array of
 * Delivery objects (without headers and body). */
int db_deliveries_list(struct db_conn *c, const char *source, const char *event,
		       const char *status, int64_t before_id, int limit, json_t **rows);

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
