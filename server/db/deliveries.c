/*
 * db/deliveries.c — the statements of stored webhook deliveries (see
 * db/deliveries.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/deliveries.h"
#include "shiplog/clock.h"
#include "shiplog/crypto.h"

enum { C_SOURCE, C_EVENT, C_ACTION, C_DELIVERY, C_HOOK, C_REPO, C_RECEIVED, C_HEADERS, C_BODY,
       C_SIZE, C_SHA, C_SIGNATURE, N_COLS };
_Static_assert(N_COLS == DB_DELIVERY_COLUMNS, "one array per column");

void db_delivery_batch_init(struct db_delivery_batch *b)
{
	for (int i = 0; i < N_COLS; i++)
		db_array_init(&b->cols[i], i == C_BODY || i == C_SHA ? DB_OID_BYTEA : DB_OID_TEXT);
	b->n = 0;
}

void db_delivery_batch_add(struct db_delivery_batch *b, const struct db_delivery_new *d)
{
	struct db_array *cols = b->cols;
	char received[40], size[24];
	unsigned char sha[32];
	clock_format_rfc3339_us(d->received_us, received, sizeof received);
	snprintf(size, sizeof size, "%zu", d->body_len);
	crypto_sha256(d->body, d->body_len, sha);
	char *headers = d->headers ? json_dumps(d->headers, JSON_COMPACT) : NULL;
	db_array_add_text(&cols[C_SOURCE], d->source);
	db_array_add_text(&cols[C_EVENT], d->event);
	db_array_add_text(&cols[C_ACTION], d->action);
	db_array_add_text(&cols[C_DELIVERY], d->delivery_id);
	db_array_add_text(&cols[C_HOOK], d->hook_id);
	db_array_add_text(&cols[C_REPO], d->repository);
	db_array_add_text(&cols[C_RECEIVED], received);
	db_array_add_text(&cols[C_HEADERS], headers ? headers : "{}");
	db_array_add(&cols[C_BODY], d->body, (int)d->body_len);
	db_array_add_text(&cols[C_SIZE], size);
	db_array_add(&cols[C_SHA], sha, (int)sizeof sha);
	db_array_add_text(&cols[C_SIGNATURE], d->signature);
	free(headers);
	b->n++;
}

void db_delivery_batch_free(struct db_delivery_batch *b)
{
	for (int i = 0; i < N_COLS; i++)
		db_array_free(&b->cols[i]);
}

int db_delivery_batch_insert(struct db_conn *c, struct db_delivery_batch *b,
			     struct db_delivery_stored *out)
{
	const char *params[N_COLS];
	int lengths[N_COLS], formats[N_COLS];
	for (int i = 0; i < N_COLS; i++) {
		params[i] = db_array_finish(&b->cols[i]);
		lengths[i] = (int)b->cols[i].len;
		formats[i] = 1;
	}
	PGresult *res = NULL;
	/* RETURNING yields the rows in the order they were inserted: the
	 * ORDER BY of the SELECT, i.e. the batch's order */
	int rows = db_query_bin(
		c,
		"INSERT INTO deliveries (source, event, action, delivery_id, hook_id, "
		" repository, received_at, headers, body, body_size, body_sha256, signature, "
		" status) "
		"SELECT u.source, u.event, u.action, u.delivery_id, u.hook_id, u.repository, "
		" u.received_at::timestamptz, u.headers::jsonb, "
		" CASE WHEN k.done THEN NULL ELSE u.body END, u.body_size::integer, "
		" u.body_sha256, u.signature, "
		" CASE WHEN k.done THEN 'duplicate' ELSE 'received' END "
		"FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], "
		" $6::text[], $7::text[], $8::text[], $9::bytea[], $10::text[], $11::bytea[], "
		" $12::text[]) WITH ORDINALITY AS u(source, event, action, delivery_id, "
		" hook_id, repository, received_at, headers, body, body_size, body_sha256, "
		" signature, ord) "
		"CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM deliveries x "
		" WHERE x.source = u.source AND x.delivery_id = u.delivery_id "
		" AND x.status IN ('processed', 'ignored', 'unmatched') "
		" AND x.replay_of IS NULL) AS done) k "
		"ORDER BY u.ord "
		"RETURNING id, status",
		N_COLS, params, lengths, formats, &res);
	if (rows == (int)b->n) {
		for (int k = 0; k < rows; k++) {
			out[k].id = strtoll(PQgetvalue(res, k, 0), NULL, 10);
			out[k].duplicate = strcmp(PQgetvalue(res, k, 1), "duplicate") == 0;
		}
	}
	PQclear(res);
	return rows;
}

int db_deliveries_backlog(struct db_conn *c, long *count)
{
	PGresult *res = NULL;
	int n = db_query(c, "SELECT count(*) FROM deliveries WHERE status = 'received'", 0, NULL,
			 &res);
	if (n > 0)
		*count = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return n;
}
