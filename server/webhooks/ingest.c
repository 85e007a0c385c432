/*
 * ingest.c — storing deliveries and processing each exactly once.
 *
 * One transaction per attempt:
 *   1. an advisory lock on (source, delivery id), so two replicas given the
 *      same delivery at the same moment take turns;
 *   2. if that delivery id already succeeded: record a "duplicate" attempt
 *      (no body) and stop — no second effect;
 *   3. process under a savepoint: a failure rolls back only the effects;
 *   4. insert the attempt with its raw body (bytea: real payloads may hold
 *      \u0000, which text and jsonb refuse) and its outcome — a failed one
 *      keeps its error, never lost, replayable — in the same transaction.
 *      One INSERT with the final status, not an insert then an update: an
 *      update of `status` (an indexed column) would write every index of
 *      the table twice per delivery.
 * A partial unique index (deliveries_one_success) backs step 2 up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/result.h"
#include "http/form.h"
#include "shiplog/clock.h"
#include "shiplog/crypto.h"
#include "shiplog/log.h"
#include "webhooks/webhook.h"

int webhook_repo(struct webhook_ctx *ctx)
{
	const char *full = wj_str(ctx->payload, "repository.full_name");
	if (!full || !*full || !strchr(full, '/') || strlen(full) >= sizeof ctx->repo_name)
		return webhook_bad(ctx, "repository.full_name: missing or not owner/name");
	const char *branch = wj_str(ctx->payload, "repository.default_branch");
	const struct config_repository *cr = config_find_repository(ctx->cfg, full);
	if (cr && cr->default_branch)
		branch = cr->default_branch;
	if (!branch || !*branch)
		branch = NULL;
	char gid[32];
	const char *github_id = wj_int_text(ctx->payload, "repository.id", gid, sizeof gid);
	const char *p[4] = {full, branch, github_id, wj_str(ctx->payload, "repository.html_url")};
	PGresult *res = NULL;
	/* Usually the repository is known and nothing about it changed: read it
	 * without taking its row lock, which every delivery of a busy repository
	 * would otherwise queue on until its transaction ends. */
	int n = db_query(ctx->db,
			 "SELECT id, full_name, default_branch FROM repositories "
			 "WHERE lower(full_name) = lower($1) "
			 "AND ($2::text IS NULL OR default_branch = $2) "
			 "AND ($3::bigint IS NULL OR github_id = $3) "
			 "AND ($4::text IS NULL OR html_url = $4)",
			 4, p, &res);
	if (n == 0) {
		PQclear(res);
		res = NULL;
		n = db_query(ctx->db,
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
	ctx->repo_id = db_get_i64(res, 0, 0);
	snprintf(ctx->repo_name, sizeof ctx->repo_name, "%s", PQgetvalue(res, 0, 1));
	snprintf(ctx->default_branch, sizeof ctx->default_branch, "%s", PQgetvalue(res, 0, 2));
	PQclear(res);
	return WH_OK;
}

json_t *webhook_delivery_json(const struct webhook_delivery *d, char *why, size_t why_size)
{
	const char *text = d->body;
	size_t len = d->body_len;
	char *decoded = NULL;
	if (d->content_type && strncmp(d->content_type, "application/x-www-form-urlencoded", 33) == 0) {
		int found = http_form_value(d->body, d->body_len, "payload", &decoded, &len);
		if (found <= 0) {
			snprintf(why, why_size, found < 0 ? "payload: broken %%-escape in the form body"
							  : "payload: the form body has no payload field");
			return NULL;
		}
		text = decoded;
	}
	json_error_t err;
	/* JSON_ALLOW_NUL: a real delivery is never refused for a \u0000 */
	json_t *j = json_loadb(text, len, JSON_ALLOW_NUL, &err);
	free(decoded);
	if (!j) {
		snprintf(why, why_size, "body: not valid JSON (line %d, column %d: %s)", err.line,
			 err.column, err.text);
	} else if (json_is_object(j)) {
		wj_replace_nul(j); /* stored as U+FFFD; the raw body keeps \u0000 */
	} else {
		snprintf(why, why_size, "body: expected a JSON object");
		json_decref(j);
		j = NULL;
	}
	return j;
}

struct ingest_tx {
	const struct config *cfg;
	const struct webhook_delivery *d;
	int64_t replay_of;
	bool check_duplicate;
	struct webhook_result *out;
	int64_t queued_row; /* the stored row of a queued delivery: updated, not inserted */
};

static const char *outcome_status(int rc)
{
	switch (rc) {
	case WH_IGNORED:
		return "ignored";
	case WH_UNMATCHED:
		return "unmatched";
	default:
		return "processed";
	}
}

/* The row of one attempt: `status` is final ("duplicate" and "rejected"
 * rows have no body and were not processed). */
struct attempt_row {
	const char *status;
	bool with_body;
	int64_t replay_of;
	const char *action, *repo, *error;
	bool processed; /* processed_at = now() */
};

static int insert_attempt(struct db_conn *c, const struct webhook_delivery *d,
			  const struct attempt_row *a, int64_t *row_id)
{
	unsigned char sha[32];
	crypto_sha256(d->body, d->body_len, sha);
	char received[40], size[24], replay[24];
	clock_format_rfc3339_us(d->received_us, received, sizeof received);
	snprintf(size, sizeof size, "%zu", d->body_len);
	snprintf(replay, sizeof replay, "%lld", (long long)a->replay_of);
	char *headers = d->headers ? json_dumps(d->headers, JSON_COMPACT) : NULL;
	const char *p[16] = {d->source,
			     d->event ? d->event : "",
			     a->action ? a->action : "",
			     d->delivery_id,
			     d->hook_id,
			     a->repo,
			     received,
			     headers ? headers : "{}",
			     a->with_body ? d->body : NULL,
			     size,
			     (const char *)sha,
			     d->signature,
			     a->status,
			     a->replay_of ? replay : NULL,
			     a->error,
			     a->processed ? "t" : "f"};
	int lengths[16] = {0, 0, 0, 0, 0, 0, 0, 0, a->with_body ? (int)d->body_len : 0, 0, 32};
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

/* A queued delivery's row gets its outcome (a duplicate loses its body, as
 * an inline duplicate is stored without one). */
static int update_attempt(struct db_conn *c, int64_t row, const struct attempt_row *a)
{
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)row);
	const char *p[6] = {id, a->status, a->action ? a->action : "", a->repo, a->error,
			    a->processed ? "t" : "f"};
	int n = db_query(c,
			 "UPDATE deliveries SET status = $2, action = $3, "
			 " repository = coalesce($4, repository), error = $5, "
			 " processed_at = CASE WHEN $6::boolean THEN now() END, "
			 " body = CASE WHEN $2 = 'duplicate' THEN NULL ELSE body END "
			 "WHERE id = $1::bigint",
			 6, p, NULL);
	return n < 0 ? n : DB_OK;
}

static int record_attempt(struct db_conn *c, const struct ingest_tx *x, const struct attempt_row *a,
			  int64_t *row_id)
{
	if (!x->queued_row)
		return insert_attempt(c, x->d, a, row_id);
	*row_id = x->queued_row;
	return update_attempt(c, x->queued_row, a);
}

static int ingest_body(struct db_conn *c, void *arg)
{
	struct ingest_tx *x = arg;
	const struct webhook_delivery *d = x->d;
	struct webhook_result *out = x->out;
	const char *lp[2] = {d->source, d->delivery_id};
	int n = db_query(c, "SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))", 2,
			 lp, NULL);
	if (n < 0)
		return n;
	if (x->check_duplicate) {
		/* Every attempt of this delivery id, counted (a handful): no
		 * LIMIT, whose fast-start costing can favour the list's (source,
		 * event, status, id) index over (source, delivery_id). */
		PGresult *res = NULL;
		n = db_query(c,
			     "SELECT count(*) FILTER (WHERE status IN ('processed', 'ignored', "
			     "'unmatched')) FROM deliveries WHERE source = $1 AND delivery_id = $2",
			     2, lp, &res);
		if (n < 0) {
			PQclear(res);
			return n;
		}
		bool done_before = n > 0 && strcmp(PQgetvalue(res, 0, 0), "0") != 0;
		PQclear(res);
		if (done_before) {
			out->outcome = WEBHOOK_DUPLICATE;
			struct attempt_row dup = {.status = "duplicate"};
			return record_attempt(c, x, &dup, &out->row_id);
		}
	}

	char why[512] = "";
	struct webhook_ctx ctx = {0};
	ctx.db = c;
	ctx.cfg = x->cfg;
	ctx.d = d;
	ctx.error = why;
	ctx.error_size = sizeof why;
	clock_format_rfc3339(d->received_us, ctx.received_at, sizeof ctx.received_at);
	ctx.payload = webhook_delivery_json(d, why, sizeof why);
	int rc;
	if (!ctx.payload) {
		rc = WH_BAD_PAYLOAD;
	} else {
		ctx.action = wj_str(ctx.payload, "action");
		if (!ctx.action)
			ctx.action = "";
		const char *login = wj_str(ctx.payload, "sender.login");
		snprintf(ctx.actor, sizeof ctx.actor, "%s:%s", d->source, login ? login : "webhook");
		/* the savepoint commands travel with the next statement (db_defer):
		 * SAVEPOINT with processing's first, RELEASE or ROLLBACK TO with
		 * the delivery's insert */
		db_defer(c, "SAVEPOINT process");
		rc = strcmp(d->source, "flux") == 0 ? flux_process(&ctx) : github_process(&ctx);
		if (rc == DB_SOFT_ERROR) {
			json_decref(ctx.payload);
			return rc; /* retry the whole transaction */
		}
		if (rc < 0) {
			if (rc != WH_BAD_PAYLOAD && !why[0])
				snprintf(why, sizeof why, "processing failed: %s", db_last_error(c));
			db_defer(c, "ROLLBACK TO SAVEPOINT process");
		} else {
			db_defer(c, "RELEASE SAVEPOINT process");
		}
	}
	snprintf(out->action, sizeof out->action, "%s", ctx.action ? ctx.action : "");
	const char *repo = ctx.repo_name[0] ? ctx.repo_name : wj_str(ctx.payload, "repository.full_name");
	char repo_copy[256];
	snprintf(repo_copy, sizeof repo_copy, "%s", repo ? repo : "");
	json_decref(ctx.payload);
	struct attempt_row row = {.with_body = true,
				  .replay_of = x->replay_of,
				  .action = out->action,
				  .repo = repo_copy[0] ? repo_copy : NULL,
				  .processed = true};
	if (rc < 0) {
		out->outcome = rc == WH_BAD_PAYLOAD ? WEBHOOK_BAD_PAYLOAD : WEBHOOK_FAILED;
		snprintf(out->error, sizeof out->error, "%s", why);
		row.status = "failed";
		row.error = why;
	} else {
		out->outcome = rc == WH_IGNORED	  ? WEBHOOK_IGNORED
			       : rc == WH_UNMATCHED ? WEBHOOK_UNMATCHED
						    : WEBHOOK_PROCESSED;
		row.status = outcome_status(rc);
	}
	n = record_attempt(c, x, &row, &out->row_id);
	return n < 0 ? n : DB_OK;
}

void webhook_ingest(struct db_conn *c, const struct config *cfg, const struct webhook_delivery *d,
		    struct webhook_result *out)
{
	memset(out, 0, sizeof *out);
	struct ingest_tx x = {cfg, d, 0, true, out, 0};
	if (db_transaction(c, ingest_body, &x) < 0) {
		out->outcome = WEBHOOK_DB_ERROR;
		snprintf(out->error, sizeof out->error, "%s", db_last_error(c));
	}
}

int webhook_record_rejected(struct db_conn *c, const struct webhook_delivery *d,
			    const char *signature_verdict)
{
	struct webhook_delivery copy = *d;
	copy.signature = signature_verdict;
	int64_t row;
	struct attempt_row rejected = {.status = "rejected"};
	return insert_attempt(c, &copy, &rejected, &row);
}

/* The columns of a stored delivery that processing needs, as replay and the
 * appliers read them (stored_delivery() takes them in this order). */
#define STORED_DELIVERY_COLUMNS                                                              \
	"source, event, delivery_id, hook_id, headers->>'content-type', signature, body, " \
	"(extract(epoch from received_at) * 1000000)::bigint"

/* The delivery in row i of res, STORED_DELIVERY_COLUMNS from column `col` on
 * (the body not NULL).  Returns the decoded body, which d points into (the
 * caller PQfreemem()s it), or NULL if it could not be decoded. */
static unsigned char *stored_delivery(const PGresult *res, int i, int col,
				      struct webhook_delivery *d)
{
	/* bytea arrives in text form ("\x..."): decode it */
	size_t body_len = 0;
	unsigned char *body =
		PQunescapeBytea((const unsigned char *)PQgetvalue(res, i, col + 6), &body_len);
	if (!body)
		return NULL;
	*d = (struct webhook_delivery){
		.source = PQgetvalue(res, i, col),
		.event = PQgetvalue(res, i, col + 1),
		.delivery_id = PQgetvalue(res, i, col + 2),
		.hook_id = db_get_text_or_null(res, i, col + 3),
		.content_type = db_get_text_or_null(res, i, col + 4),
		.signature = PQgetvalue(res, i, col + 5),
		.body = (const char *)body,
		.body_len = body_len,
		.received_us = db_get_i64(res, i, col + 7),
	};
	return body;
}

void webhook_replay(struct db_conn *c, const struct config *cfg, int64_t delivery_row,
		    const char *actor, struct webhook_result *out, bool *found, bool *has_body)
{
	memset(out, 0, sizeof *out);
	*found = *has_body = false;
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)delivery_row);
	const char *p[1] = {id};
	PGresult *res = NULL;
	int n = db_query_bin(c,
			     "SELECT " STORED_DELIVERY_COLUMNS ", headers::text "
			     "FROM deliveries WHERE id = $1",
			     1, p, NULL, NULL, &res);
	if (n < 0) {
		out->outcome = WEBHOOK_DB_ERROR;
		snprintf(out->error, sizeof out->error, "%s", db_last_error(c));
		return;
	}
	if (n == 0) {
		PQclear(res);
		return;
	}
	*found = true;
	if (PQgetisnull(res, 0, 6)) {
		PQclear(res);
		return;
	}
	*has_body = true;
	struct webhook_delivery d;
	unsigned char *body = stored_delivery(res, 0, 0, &d);
	if (!body) {
		out->outcome = WEBHOOK_DB_ERROR;
		snprintf(out->error, sizeof out->error, "the stored body could not be decoded");
		PQclear(res);
		return;
	}
	json_t *headers = json_loads(PQgetvalue(res, 0, 8), 0, NULL);
	d.headers = headers;
	d.received_us = clock_now_us(); /* a replay is received now */
	log_msg(LOG_INFO, "replaying delivery %s for %s", id, actor);
	struct ingest_tx x = {cfg, &d, delivery_row, false, out, 0};
	if (db_transaction(c, ingest_body, &x) < 0) {
		out->outcome = WEBHOOK_DB_ERROR;
		snprintf(out->error, sizeof out->error, "%s", db_last_error(c));
	}
	json_decref(headers);
	PQfreemem(body);
	PQclear(res);
}

/* ---- queued processing (webhooks.processing: queued) ---- */

struct apply_tx {
	const struct config *cfg;
	unsigned limit;
	int64_t first; /* the first row claimed */
	unsigned outcomes[WEBHOOK_DB_ERROR + 1];
};

static int apply_body(struct db_conn *c, void *arg)
{
	struct apply_tx *x = arg;
	memset(x->outcomes, 0, sizeof x->outcomes);
	x->first = 0;
	char limit[16];
	snprintf(limit, sizeof limit, "%u", x->limit);
	const char *p[1] = {limit};
	PGresult *res = NULL;
	/* oldest first; rows another applier holds are skipped, not waited for */
	int n = db_query(c,
			 "SELECT id, " STORED_DELIVERY_COLUMNS " "
			 "FROM deliveries WHERE status = 'received' ORDER BY id LIMIT $1::integer "
			 "FOR UPDATE SKIP LOCKED",
			 1, p, &res);
	if (n <= 0) {
		PQclear(res);
		return n;
	}
	x->first = db_get_i64(res, 0, 0);
	int rc = DB_OK;
	for (int i = 0; i < n && rc >= 0; i++) {
		int64_t row = db_get_i64(res, i, 0);
		struct webhook_result out;
		memset(&out, 0, sizeof out);
		if (PQgetisnull(res, i, 7)) {
			/* retention removed the body of a delivery queued that long */
			struct attempt_row gone = {.status = "failed",
						   .error = "the body was removed before processing"};
			rc = update_attempt(c, row, &gone);
			x->outcomes[WEBHOOK_FAILED]++;
			continue;
		}
		struct webhook_delivery d;
		unsigned char *body = stored_delivery(res, i, 1, &d);
		if (!body) {
			rc = DB_HARD_ERROR;
			break;
		}
		struct ingest_tx t = {x->cfg, &d, 0, true, &out, row};
		rc = ingest_body(c, &t);
		PQfreemem(body);
		if (rc >= 0)
			x->outcomes[out.outcome]++;
	}
	PQclear(res);
	return rc < 0 ? rc : n;
}

int webhook_apply_queued(struct db_conn *c, const struct config *cfg, unsigned limit,
			 int64_t *first, unsigned *failed)
{
	struct apply_tx x = {.cfg = cfg, .limit = limit ? limit : 1};
	int n = db_transaction(c, apply_body, &x);
	*first = x.first;
	*failed = n > 0 ? x.outcomes[WEBHOOK_FAILED] + x.outcomes[WEBHOOK_BAD_PAYLOAD] : 0;
	return n;
}

int webhook_fail_queued(struct db_conn *c, int64_t row, const char *error)
{
	char id[24], why[600];
	snprintf(id, sizeof id, "%lld", (long long)row);
	snprintf(why, sizeof why, "processing failed: %s", error && *error ? error : "unknown");
	const char *p[2] = {id, why};
	int n = db_query(c,
			 "UPDATE deliveries SET status = 'failed', error = $2, processed_at = now() "
			 "WHERE id = $1::bigint AND status = 'received'",
			 2, p, NULL);
	return n < 0 ? n : DB_OK;
}
