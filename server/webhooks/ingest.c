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

#include "db/audit.h"
#include "db/deliveries.h"
#include "http/form.h"
#include "shiplog/clock.h"
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
	struct db_delivery_repository_in in = {
		.full_name = full,
		.default_branch = branch,
		.github_id = wj_int_text(ctx->payload, "repository.id", gid, sizeof gid),
		.html_url = wj_str(ctx->payload, "repository.html_url")};
	struct db_delivery_repository repo;
	int n = db_delivery_repository(ctx->db, &in, &repo);
	if (n < 0)
		return n;
	ctx->repo_id = repo.id;
	snprintf(ctx->repo_name, sizeof ctx->repo_name, "%s", repo.full_name);
	snprintf(ctx->default_branch, sizeof ctx->default_branch, "%s", repo.default_branch);
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
	const struct db_audit_who *audit; /* a replay's: its audit row, in this transaction */
};

/* The audit row of a replay: the delivery replayed, the attempt it made. */
static int audit_replay(struct db_conn *c, const struct ingest_tx *x,
			const struct db_delivery_outcome *row)
{
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)x->replay_of);
	json_t *after = json_pack("{s:I, s:s, s:s?}", "attempt", (json_int_t)x->out->row_id,
				  "status", row->status, "error", row->error);
	int n = db_audit_record(c, x->audit,
				&(struct db_audit_change){.action = "delivery.replayed",
							  .target_type = "delivery",
							  .target_id = id,
							  .after = after});
	json_decref(after);
	return n;
}

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

/* An attempt of d as stored (its row gets the outcome o). */
static int insert_attempt(struct db_conn *c, const struct webhook_delivery *d,
			  const struct db_delivery_outcome *o, int64_t *row_id)
{
	struct db_delivery_new row = {.source = d->source,
				      .event = d->event,
				      .delivery_id = d->delivery_id,
				      .hook_id = d->hook_id,
				      .received_us = d->received_us,
				      .headers = d->headers,
				      .body = d->body,
				      .body_len = d->body_len,
				      .signature = d->signature};
	return db_delivery_insert_attempt(c, &row, o, row_id);
}

/* The attempt's row: inserted, or a queued delivery's row updated (a
 * duplicate loses its body, as an inline duplicate is stored without one). */
static int record_attempt(struct db_conn *c, const struct ingest_tx *x,
			  const struct db_delivery_outcome *a, int64_t *row_id)
{
	if (!x->queued_row)
		return insert_attempt(c, x->d, a, row_id);
	*row_id = x->queued_row;
	return db_delivery_record_outcome(c, x->queued_row, a);
}

static int ingest_body(struct db_conn *c, void *arg)
{
	struct ingest_tx *x = arg;
	const struct webhook_delivery *d = x->d;
	struct webhook_result *out = x->out;
	int n = db_delivery_lock(c, d->source, d->delivery_id);
	if (n < 0)
		return n;
	if (x->check_duplicate) {
		bool done_before;
		n = db_delivery_succeeded_before(c, d->source, d->delivery_id, &done_before);
		if (n < 0)
			return n;
		if (done_before) {
			out->outcome = WEBHOOK_DUPLICATE;
			struct db_delivery_outcome dup = {.status = "duplicate"};
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
		/* the savepoint commands travel with the next statement:
		 * SAVEPOINT with processing's first, RELEASE or ROLLBACK TO with
		 * the delivery's insert */
		db_delivery_process_begin(c);
		rc = strcmp(d->source, "flux") == 0 ? flux_process(&ctx) : github_process(&ctx);
		if (rc == DB_SOFT_ERROR) {
			json_decref(ctx.payload);
			return rc; /* retry the whole transaction */
		}
		if (rc < 0) {
			if (rc != WH_BAD_PAYLOAD && !why[0])
				snprintf(why, sizeof why, "processing failed: %s", db_last_error(c));
			db_delivery_process_end(c, false);
		} else {
			db_delivery_process_end(c, true);
		}
	}
	snprintf(out->action, sizeof out->action, "%s", ctx.action ? ctx.action : "");
	const char *repo = ctx.repo_name[0] ? ctx.repo_name : wj_str(ctx.payload, "repository.full_name");
	char repo_copy[256];
	snprintf(repo_copy, sizeof repo_copy, "%s", repo ? repo : "");
	json_decref(ctx.payload);
	struct db_delivery_outcome row = {.with_body = true,
					  .replay_of = x->replay_of,
					  .action = out->action,
					  .repository = repo_copy[0] ? repo_copy : NULL,
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
	if (n >= 0 && x->audit)
		n = audit_replay(c, x, &row);
	return n < 0 ? n : DB_OK;
}

void webhook_ingest(struct db_conn *c, const struct config *cfg, const struct webhook_delivery *d,
		    struct webhook_result *out)
{
	memset(out, 0, sizeof *out);
	struct ingest_tx x = {cfg, d, 0, true, out, 0, NULL};
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
	struct db_delivery_outcome rejected = {.status = "rejected"};
	return insert_attempt(c, &copy, &rejected, &row);
}

/* The delivery v[i] of a stored set as processing takes it, its body
 * decoded: returns the body, which d points into (the caller frees it with
 * db_stored_body_free), or NULL if it could not be decoded. */
static unsigned char *stored_delivery(const struct db_stored_deliveries *s, size_t i,
				      struct webhook_delivery *d)
{
	size_t body_len = 0;
	unsigned char *body = db_stored_delivery_body(s, i, &body_len);
	if (!body)
		return NULL;
	const struct db_stored_delivery *v = &s->v[i];
	*d = (struct webhook_delivery){
		.source = v->source,
		.event = v->event,
		.delivery_id = v->delivery_id,
		.hook_id = v->hook_id,
		.content_type = v->content_type,
		.signature = v->signature,
		.body = (const char *)body,
		.body_len = body_len,
		.received_us = v->received_us,
	};
	return body;
}

void webhook_replay(struct db_conn *c, const struct config *cfg, int64_t delivery_row,
		    const struct db_audit_who *who, struct webhook_result *out, bool *found,
		    bool *has_body)
{
	memset(out, 0, sizeof *out);
	*found = *has_body = false;
	struct db_stored_deliveries s;
	int n = db_delivery_read(c, delivery_row, &s);
	if (n < 0) {
		out->outcome = WEBHOOK_DB_ERROR;
		snprintf(out->error, sizeof out->error, "%s", db_last_error(c));
		return;
	}
	if (n == 0) {
		db_stored_deliveries_free(&s);
		return;
	}
	*found = true;
	if (!s.v[0].has_body) {
		db_stored_deliveries_free(&s);
		return;
	}
	*has_body = true;
	struct webhook_delivery d;
	unsigned char *body = stored_delivery(&s, 0, &d);
	if (!body) {
		out->outcome = WEBHOOK_DB_ERROR;
		snprintf(out->error, sizeof out->error, "the stored body could not be decoded");
		db_stored_deliveries_free(&s);
		return;
	}
	json_t *headers = json_loads(s.v[0].headers, 0, NULL);
	d.headers = headers;
	d.received_us = clock_now_us(); /* a replay is received now */
	log_msg(LOG_INFO, "replaying delivery %lld for %s", (long long)delivery_row, who->actor);
	struct ingest_tx x = {cfg, &d, delivery_row, false, out, 0, who};
	if (db_transaction(c, ingest_body, &x) < 0) {
		out->outcome = WEBHOOK_DB_ERROR;
		snprintf(out->error, sizeof out->error, "%s", db_last_error(c));
	}
	json_decref(headers);
	db_stored_body_free(body);
	db_stored_deliveries_free(&s);
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
	struct db_stored_deliveries s;
	int n = db_deliveries_claim_received(c, x->limit, &s);
	if (n <= 0) {
		db_stored_deliveries_free(&s);
		return n;
	}
	x->first = s.v[0].id;
	int rc = DB_OK;
	for (size_t i = 0; i < s.n && rc >= 0; i++) {
		int64_t row = s.v[i].id;
		struct webhook_result out;
		memset(&out, 0, sizeof out);
		if (!s.v[i].has_body) {
			/* retention removed the body of a delivery queued that long */
			struct db_delivery_outcome gone = {
				.status = "failed", .error = "the body was removed before processing"};
			rc = db_delivery_record_outcome(c, row, &gone);
			x->outcomes[WEBHOOK_FAILED]++;
			continue;
		}
		struct webhook_delivery d;
		unsigned char *body = stored_delivery(&s, i, &d);
		if (!body) {
			rc = DB_HARD_ERROR;
			break;
		}
		struct ingest_tx t = {x->cfg, &d, 0, true, &out, row, NULL};
		rc = ingest_body(c, &t);
		db_stored_body_free(body);
		if (rc >= 0)
			x->outcomes[out.outcome]++;
	}
	db_stored_deliveries_free(&s);
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
	char why[600];
	snprintf(why, sizeof why, "processing failed: %s", error && *error ? error : "unknown");
	return db_delivery_fail_queued(c, row, why);
}
