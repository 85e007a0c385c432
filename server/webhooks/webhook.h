/*
 * webhooks/webhook.h — inbound webhook deliveries: storing them, processing
 * them exactly once, and the helpers the per-event mappers share.
 *
 * Processing is a pure function of a stored delivery (source, event,
 * content type, raw body): the HTTP handler, replay and the outage spool
 * all call webhook_ingest()/webhook_replay() with the same inputs and get
 * the same effect.  Mappers must be idempotent and order-independent.
 */
#ifndef SHIPLOG_WEBHOOK_H
#define SHIPLOG_WEBHOOK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shiplog/config.h"
#include "shiplog/db.h"

/* Mapper results beyond enum db_status (>= 0 success, DB_* < 0). */
enum {
	WH_OK = 0,
	WH_IGNORED = 1,       /* stored, not used (answered 202) */
	WH_UNMATCHED = 2,     /* Flux: no environment claims the object (202) */
	WH_BAD_PAYLOAD = -3,  /* the payload lacks what the event needs (400) */
};

/* One delivery as received (all borrowed). */
struct webhook_delivery {
	const char *source;       /* "github" | "flux" */
	const char *event;        /* X-GitHub-Event; Flux: "flux" */
	const char *delivery_id;  /* X-GitHub-Delivery; Flux: hex sha256 of the body */
	const char *hook_id;      /* may be NULL */
	const char *content_type; /* for form-encoded GitHub deliveries */
	const char *signature;    /* "valid" | "not-configured" */
	const char *signed_repo;  /* the repository whose secret matched, or NULL (global) */
	const char *body;
	size_t body_len;
	const json_t *headers;    /* what is kept of the request headers */
	int64_t received_us;
};

enum webhook_outcome {
	WEBHOOK_PROCESSED,
	WEBHOOK_IGNORED,
	WEBHOOK_UNMATCHED,
	WEBHOOK_DUPLICATE,
	WEBHOOK_BAD_PAYLOAD,
	WEBHOOK_FAILED,    /* a processing error that is not the payload's fault */
	WEBHOOK_QUEUED,    /* stored, to be processed by a background applier */
	WEBHOOK_DB_ERROR,  /* nothing could be stored */
};

struct webhook_result {
	enum webhook_outcome outcome;
	int64_t row_id;     /* the deliveries row of this attempt */
	char action[64];
	char error[512];
};

/*
 * Stores the delivery and processes it in one transaction: a processing
 * failure rolls back only the processing (a savepoint), so the delivery and
 * its error are kept.  A delivery id that already succeeded is recorded as
 * a duplicate attempt and not processed again.
 */
void webhook_ingest(struct db_conn *c, const struct config *cfg, const struct webhook_delivery *d,
		    struct webhook_result *out);

/*
 * Queued processing: applies up to `limit` stored deliveries whose status is
 * "received", oldest first, in one transaction (each under its own
 * savepoint, exactly as webhook_ingest would have, its row updated with the
 * outcome).  Rows locked by another applier are skipped.  Returns how many
 * were applied (0: none waiting) or a db_status; *first is the first row
 * claimed (also on failure), *failed how many ended "failed".
 */
int webhook_apply_queued(struct db_conn *c, const struct config *cfg, unsigned limit,
			 int64_t *first, unsigned *failed);
/* Marks a queued row failed (its processing cannot complete; replayable). */
int webhook_fail_queued(struct db_conn *c, int64_t row, const char *error);

/* The JSON document of a delivery: the body, or the payload= field of a
 * form-encoded one (new reference); NULL with why set.  Parsed with
 * JSON_ALLOW_NUL: a real delivery is never refused for a \u0000, which
 * becomes U+FFFD (wj_replace_nul). */
json_t *webhook_delivery_json(const struct webhook_delivery *d, char *why, size_t why_size);

/* Records an unauthenticated attempt: headers, size and body hash only. */
int webhook_record_rejected(struct db_conn *c, const struct webhook_delivery *d,
			    const char *signature_verdict);

/* Re-processes a stored delivery as a new attempt (bypasses the duplicate
 * check), with the audit row of `who` in the same transaction.  outcome
 * WEBHOOK_DB_ERROR with error set if it cannot be found. */
struct db_audit_who;
void webhook_replay(struct db_conn *c, const struct config *cfg, int64_t delivery_row,
		    const struct db_audit_who *who, struct webhook_result *out, bool *found,
		    bool *has_body);

/* ---- what mappers get ---- */

struct webhook_ctx {
	struct db_conn *db;
	const struct config *cfg;
	const struct webhook_delivery *d;
	json_t *payload;   /* parsed body (borrowed) */
	const char *action; /* payload.action or "" */
	char received_at[40];
	int64_t repo_id;   /* 0 until webhook_repo() */
	char repo_name[256];
	char default_branch[256];
	char actor[300];   /* "github:<sender login>" */
	char *error;       /* mappers write payload problems here */
	size_t error_size;
};

/* Per-source processors (github.c, flux.c). */
int github_process(struct webhook_ctx *ctx);
int flux_process(struct webhook_ctx *ctx);

/* Sets ctx->error (printf-style) and returns WH_BAD_PAYLOAD. */
int webhook_bad(struct webhook_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Upserts payload.repository and fills ctx->repo_*; WH_BAD_PAYLOAD when
 * the payload names none. */
int webhook_repo(struct webhook_ctx *ctx);

/* ---- JSON access that never trusts the payload ---- */

/* The string at a dotted path ("repository.full_name"), or NULL. */
const char *wj_str(const json_t *root, const char *path);
/* Replaces every U+0000 in the strings of a parsed payload with U+FFFD
 * (EF BF BD), in place: PostgreSQL text and jsonb cannot hold NUL, and a
 * string cut at it would lose what follows.  Object keys never hold one
 * (jansson refuses it).  Returns how many strings changed. */
size_t wj_replace_nul(json_t *root);
/* Integer at path as decimal text (into buf), or NULL when absent/not a number. */
const char *wj_int_text(const json_t *root, const char *path, char *buf, size_t size);
bool wj_int(const json_t *root, const char *path, int64_t *out);
/* 1 true, 0 false, -1 absent. */
int wj_bool(const json_t *root, const char *path);
const json_t *wj_get(const json_t *root, const char *path);
/* A GitHub timestamp (RFC 3339 string, or Unix seconds) normalised to
 * RFC 3339 UTC in buf; NULL when absent or malformed. */
const char *wj_time(const json_t *root, const char *path, char *buf, size_t size);

/* Status ordering for the merge rule: queued/requested/pending 1,
 * in_progress/waiting 2, completed 3, unknown 0. */
int webhook_status_rank(const char *status);

#endif
