/*
 * db/deliveries.c — the statements of stored webhook deliveries (see
 * db/deliveries.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/deliveries.h"
#include "db/result.h"
#include "db/sql_time.h"
#include "shiplog/clock.h"
#include "shiplog/crypto.h"
#include "shiplog/xalloc.h"

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

/* ---- ingestion: storing and processing one delivery (webhooks/ingest.c) ---- */

int db_delivery_repository(struct db_conn *c, const struct db_delivery_repository_in *in,
			   struct db_delivery_repository *out)
{
	const char *p[4] = {in->full_name, in->default_branch, in->github_id, in->html_url};
	PGresult *res = NULL;
	/* Usually the repository is known and nothing about it changed: read it
	 * without taking its row lock, which every delivery of a busy repository
	 * would otherwise queue on until its transaction ends. */
	int n = db_query(c,
			 "SELECT id, full_name, default_branch FROM repositories "
			 "WHERE lower(full_name) = lower($1) "
			 "AND ($2::text IS NULL OR default_branch = $2) "
			 "AND ($3::bigint IS NULL OR github_id = $3) "
			 "AND ($4::text IS NULL OR html_url = $4)",
			 4, p, &res);
	if (n == 0) {
		PQclear(res);
		res = NULL;
		n = db_query(c,
			     "INSERT INTO repositories (full_name, default_branch, github_id, html_url) "
			     "VALUES ($1, coalesce($2, 'main'), $3, $4) "
			     "ON CONFLICT (lower(full_name)) DO UPDATE SET "
			     " default_branch = coalesce($2, repositories.default_branch),"
			     " github_id = coalesce($3, repositories.github_id),"
			     " html_url = coalesce($4, repositories.html_url), updated_at = now() "
			     "RETURNING id, full_name, default_branch",
			     4, p, &res);
	}
	if (n <= 0) {
		PQclear(res);
		return n < 0 ? n : DB_HARD_ERROR;
	}
	out->id = db_get_i64(res, 0, 0);
	snprintf(out->full_name, sizeof out->full_name, "%s", PQgetvalue(res, 0, 1));
	snprintf(out->default_branch, sizeof out->default_branch, "%s", PQgetvalue(res, 0, 2));
	PQclear(res);
	return DB_OK;
}

int db_delivery_lock(struct db_conn *c, const char *source, const char *delivery_id)
{
	const char *lp[2] = {source, delivery_id};
	int n = db_query(c, "SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))", 2,
			 lp, NULL);
	return n < 0 ? n : DB_OK;
}

int db_delivery_succeeded_before(struct db_conn *c, const char *source, const char *delivery_id,
				 bool *done)
{
	const char *lp[2] = {source, delivery_id};
	/* Every attempt of this delivery id, counted (a handful): no LIMIT,
	 * whose fast-start costing can favour the list's (source, event,
	 * status, id) index over (source, delivery_id). */
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT count(*) FILTER (WHERE status IN ('processed', 'ignored', "
			 "'unmatched')) FROM deliveries WHERE source = $1 AND delivery_id = $2",
			 2, lp, &res);
	*done = n > 0 && db_get_i64(res, 0, 0) != 0;
	PQclear(res);
	return n;
}

void db_delivery_process_begin(struct db_conn *c)
{
	db_defer(c, "SAVEPOINT process");
}

void db_delivery_process_end(struct db_conn *c, bool keep)
{
	db_defer(c, keep ? "RELEASE SAVEPOINT process" : "ROLLBACK TO SAVEPOINT process");
}

int db_delivery_insert_attempt(struct db_conn *c, const struct db_delivery_new *d,
			       const struct db_delivery_outcome *o, int64_t *row_id)
{
	unsigned char sha[32];
	crypto_sha256(d->body, d->body_len, sha);
	char received[40], size[24], replay[24];
	clock_format_rfc3339_us(d->received_us, received, sizeof received);
	snprintf(size, sizeof size, "%zu", d->body_len);
	snprintf(replay, sizeof replay, "%lld", (long long)o->replay_of);
	char *headers = d->headers ? json_dumps(d->headers, JSON_COMPACT) : NULL;
	const char *p[16] = {d->source,
			     d->event ? d->event : "",
			     o->action ? o->action : "",
			     d->delivery_id,
			     d->hook_id,
			     o->repository,
			     received,
			     headers ? headers : "{}",
			     o->with_body ? d->body : NULL,
			     size,
			     (const char *)sha,
			     d->signature,
			     o->status,
			     o->replay_of ? replay : NULL,
			     o->error,
			     o->processed ? "t" : "f"};
	int lengths[16] = {0, 0, 0, 0, 0, 0, 0, 0, o->with_body ? (int)d->body_len : 0, 0, 32};
	int formats[16] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1};
	PGresult *res = NULL;
	int n = db_query_bin(c,
			     "INSERT INTO deliveries (source, event, action, delivery_id, hook_id, "
			     " repository, received_at, headers, body, body_size, body_sha256, "
			     " signature, status, replay_of, error, processed_at) "
			     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13, $14,"
			     " $15, CASE WHEN $16::boolean THEN now() END) "
			     "RETURNING id",
			     16, p, lengths, formats, &res);
	free(headers);
	if (n > 0)
		*row_id = db_get_i64(res, 0, 0);
	PQclear(res);
	return n < 0 ? n : DB_OK;
}

int db_delivery_record_outcome(struct db_conn *c, int64_t row,
			       const struct db_delivery_outcome *o)
{
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)row);
	const char *p[6] = {id, o->status, o->action ? o->action : "", o->repository, o->error,
			    o->processed ? "t" : "f"};
	int n = db_query(c,
			 "UPDATE deliveries SET status = $2, action = $3, "
			 " repository = coalesce($4, repository), error = $5, "
			 " processed_at = CASE WHEN $6::boolean THEN now() END, "
			 " body = CASE WHEN $2 = 'duplicate' THEN NULL ELSE body END "
			 "WHERE id = $1::bigint",
			 6, p, NULL);
	return n < 0 ? n : DB_OK;
}

int db_delivery_fail_queued(struct db_conn *c, int64_t row, const char *error)
{
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)row);
	const char *p[2] = {id, error};
	int n = db_query(c,
			 "UPDATE deliveries SET status = 'failed', error = $2, processed_at = now() "
			 "WHERE id = $1::bigint AND status = 'received'",
			 2, p, NULL);
	return n < 0 ? n : DB_OK;
}

/* The columns of a stored delivery that processing needs, as replay and the
 * appliers read them (stored_set() takes them in this order). */
#define STORED_DELIVERY_COLUMNS                                                              \
	"source, event, delivery_id, hook_id, headers->>'content-type', signature, body, " \
	"(extract(epoch from received_at) * 1000000)::bigint"

/* Fills s from the n rows of res: STORED_DELIVERY_COLUMNS from column `col`
 * on, after the row id when col > 0, then the headers when `headers`. */
static void stored_set(struct db_stored_deliveries *s, PGresult *res, int n, int col,
		       bool headers)
{
	s->res = res;
	s->col = col;
	s->n = n > 0 ? (size_t)n : 0;
	s->v = s->n ? xcalloc(s->n, sizeof *s->v) : NULL;
	for (size_t k = 0; k < s->n; k++) {
		int i = (int)k;
		s->v[k] = (struct db_stored_delivery){
			.id = col > 0 ? db_get_i64(res, i, 0) : 0,
			.source = PQgetvalue(res, i, col),
			.event = PQgetvalue(res, i, col + 1),
			.delivery_id = PQgetvalue(res, i, col + 2),
			.hook_id = db_get_text_or_null(res, i, col + 3),
			.content_type = db_get_text_or_null(res, i, col + 4),
			.signature = PQgetvalue(res, i, col + 5),
			.has_body = !PQgetisnull(res, i, col + 6),
			.received_us = db_get_i64(res, i, col + 7),
			.headers = headers ? PQgetvalue(res, i, col + 8) : NULL,
		};
	}
}

int db_delivery_read(struct db_conn *c, int64_t id, struct db_stored_deliveries *out)
{
	memset(out, 0, sizeof *out);
	char text[24];
	snprintf(text, sizeof text, "%lld", (long long)id);
	const char *p[1] = {text};
	PGresult *res = NULL;
	int n = db_query_bin(c,
			     "SELECT " STORED_DELIVERY_COLUMNS ", headers::text "
			     "FROM deliveries WHERE id = $1",
			     1, p, NULL, NULL, &res);
	if (n < 0) {
		PQclear(res);
		return n;
	}
	stored_set(out, res, n, 0, true);
	for (size_t k = 0; k < out->n; k++)
		out->v[k].id = id;
	return n;
}

int db_deliveries_claim_received(struct db_conn *c, unsigned limit,
				 struct db_stored_deliveries *out)
{
	memset(out, 0, sizeof *out);
	char text[16];
	snprintf(text, sizeof text, "%u", limit);
	const char *p[1] = {text};
	PGresult *res = NULL;
	/* oldest first; rows another applier holds are skipped, not waited for */
	int n = db_query(c,
			 "SELECT id, " STORED_DELIVERY_COLUMNS " "
			 "FROM deliveries WHERE status = 'received' ORDER BY id LIMIT $1::integer "
			 "FOR UPDATE SKIP LOCKED",
			 1, p, &res);
	if (n < 0) {
		PQclear(res);
		return n;
	}
	stored_set(out, res, n, 1, false);
	return n;
}

unsigned char *db_stored_delivery_body(const struct db_stored_deliveries *s, size_t i,
				       size_t *len)
{
	*len = 0;
	if (i >= s->n || !s->v[i].has_body)
		return NULL;
	/* bytea arrives in text form ("\x..."): decode it */
	return PQunescapeBytea((const unsigned char *)PQgetvalue(s->res, (int)i, s->col + 6), len);
}

void db_stored_body_free(unsigned char *body)
{
	if (body)
		PQfreemem(body);
}

void db_stored_deliveries_free(struct db_stored_deliveries *s)
{
	free(s->v);
	PQclear(s->res);
	memset(s, 0, sizeof *s);
}


/* ---- the audit trail ---- */

#define DELIVERY_COLUMNS                                                                        \
	"id, source, event, action, delivery_id, hook_id, repository, "                         \
	SQL_TS_US("received_at") ", "                                                           \
	"body_size, encode(body_sha256, 'hex'), signature, status, error, "                     \
	SQL_TS_US("processed_at") ", "                                                          \
	"replay_of, body IS NOT NULL"

static json_t *delivery_json(PGresult *res, int i)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:I, s:s, s:s, s:s, s:o, s:o}",
			      "id", (json_int_t)db_get_i64(res, i, 0),
			      "source", PQgetvalue(res, i, 1), "event", PQgetvalue(res, i, 2),
			      "action", PQgetvalue(res, i, 3), "delivery_id", PQgetvalue(res, i, 4),
			      "hook_id", db_get_json_text(res, i, 5), "repository",
			      db_get_json_text(res, i, 6), "received_at", PQgetvalue(res, i, 7),
			      "body_size", (json_int_t)db_get_i64(res, i, 8),
			      "body_sha256", PQgetvalue(res, i, 9), "signature",
			      PQgetvalue(res, i, 10), "status", PQgetvalue(res, i, 11), "error",
			      db_get_json_text(res, i, 12), "processed_at", db_get_json_text(res, i, 13));
	json_object_set_new(o, "replay_of",
			    db_get_json_int(res, i, 14));
	json_object_set_new(o, "body_stored", json_boolean(db_get_bool(res, i, 15)));
	return o;
}

int db_deliveries_list(struct db_conn *c, const struct db_deliveries_filter *f,
		       int64_t before_id, int limit, json_t **rows)
{
	char before[24], lim[16];
	snprintf(before, sizeof before, "%lld", (long long)before_id);
	snprintf(lim, sizeof lim, "%d", limit);
	const char *p[6] = {f->source, f->event, f->status, before, lim, f->repository};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " DELIVERY_COLUMNS " FROM deliveries "
			 "WHERE ($1::text IS NULL OR source = $1) AND ($2::text IS NULL OR event = $2) "
			 "AND ($3::text IS NULL OR status = $3) AND id < $4 "
			 "AND ($6::text IS NULL OR lower(repository) = lower($6)) "
			 "ORDER BY id DESC LIMIT $5",
			 6, p, &res);
	if (n >= 0) {
		*rows = json_array();
		for (int i = 0; i < n; i++)
			json_array_append_new(*rows, delivery_json(res, i));
	}
	PQclear(res);
	return n;
}

int db_delivery_get(struct db_conn *c, int64_t id, json_t **delivery,
		    struct db_delivery_body *body)
{
	char idt[24];
	snprintf(idt, sizeof idt, "%lld", (long long)id);
	const char *p[1] = {idt};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " DELIVERY_COLUMNS ", headers::text, body FROM deliveries WHERE id = $1",
			 1, p, &res);
	if (n > 0) {
		json_t *o = delivery_json(res, 0);
		json_t *headers = json_loads(PQgetvalue(res, 0, 16), 0, NULL);
		json_object_set_new(o, "headers", headers ? headers : json_object());
		memset(body, 0, sizeof *body);
		body->stored = !PQgetisnull(res, 0, 17);
		if (body->stored) {
			size_t len = 0;
			unsigned char *raw =
				PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 17), &len);
			if (raw) {
				body->data = xmalloc(len + 1);
				memcpy(body->data, raw, len);
				body->len = len;
			}
			PQfreemem(raw);
		}
		*delivery = o;
	}
	PQclear(res);
	return n;
}

int db_delivery_attempts(struct db_conn *c, const char *source, const char *delivery_id,
			 json_t **rows)
{
	const char *p[2] = {source, delivery_id};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT id, status, " SQL_TS_US("received_at") ", error FROM deliveries "
			 "WHERE source = $1 AND delivery_id = $2 ORDER BY id",
			 2, p, &res);
	if (n >= 0) {
		*rows = json_array();
		for (int i = 0; i < n; i++)
			json_array_append_new(
				*rows, json_pack("{s:I, s:s, s:s, s:o}", "id",
						 (json_int_t)db_get_i64(res, i, 0), "status",
						 PQgetvalue(res, i, 1), "received_at",
						 PQgetvalue(res, i, 2), "error",
						 db_get_json_text(res, i, 3)));
	}
	PQclear(res);
	return n;
}
