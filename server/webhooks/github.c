/*
 * github.c — POST /webhooks/github: signature first, then store, then
 * process through the event table.
 *
 * The signature (X-Hub-Signature-256, HMAC-SHA256 of the raw body) is
 * checked against every configured secret — the global one and each
 * repository's — before a byte of the body is parsed.  A delivery signed
 * with a repository's secret must then be about that repository.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/crypto.h"
#include "shiplog/db.h"
#include "shiplog/http.h"
#include "shiplog/log.h"
#include "webhooks/gh_rc.h"
#include "webhooks/github_events.h"
#include "webhooks/queue.h"
#include "webhooks/spool.h"
#include "webhooks/webhook.h"

static const struct {
	const char *event;
	int (*handle)(struct webhook_ctx *ctx);
} github_events[] = {
	{"ping", gh_on_ping},
	{"push", gh_on_push},
	{"create", gh_on_create},
	{"delete", gh_on_delete},
	{"pull_request", gh_on_pull_request},
	{"workflow_run", gh_on_workflow_run},
	{"workflow_job", gh_on_workflow_job},
	{"check_suite", gh_on_check_suite},
	{"check_run", gh_on_check_run},
	{"release", gh_on_release},
	{"registry_package", gh_on_package},
	{"package", gh_on_package},
	{"deployment", gh_on_deployment},
	{"deployment_status", gh_on_deployment_status},
};

int github_process(struct webhook_ctx *ctx)
{
	for (size_t i = 0; i < sizeof github_events / sizeof github_events[0]; i++) {
		if (strcmp(github_events[i].event, ctx->d->event) != 0)
			continue;
		if (ctx->d->signed_repo) {
			const char *full = wj_str(ctx->payload, "repository.full_name");
			if (!full || strcasecmp(full, ctx->d->signed_repo) != 0)
				return webhook_bad(ctx,
						   "repository.full_name: the delivery was signed with the "
						   "secret of %s but is about %s",
						   ctx->d->signed_repo, full ? full : "no repository");
		}
		int rc = github_events[i].handle(ctx);
		/* release candidates and releases follow tags and GitHub releases */
		return rc == WH_OK ? rc_on_github_event(ctx) : rc;
	}
	return WH_IGNORED;
}

int gh_on_ping(struct webhook_ctx *ctx)
{
	/* a ping may come from an organisation hook: no repository then */
	if (wj_get(ctx->payload, "repository.full_name")) {
		int rc = webhook_repo(ctx);
		if (rc < 0)
			return rc;
	}
	return WH_OK;
}

/* Headers worth keeping with a delivery (never the Authorization). */
static const char *const kept_headers[] = {
	"X-GitHub-Event", "X-GitHub-Delivery", "X-GitHub-Hook-ID",
	"X-GitHub-Hook-Installation-Target-Type", "X-GitHub-Hook-Installation-Target-ID",
	"X-Hub-Signature-256", "User-Agent", "Content-Type", "Content-Length",
	"Gotk-Component", "X-Signature", "X-Forwarded-For", NULL,
};

json_t *webhook_kept_headers(struct http_request *r)
{
	json_t *h = json_object();
	for (const char *const *name = kept_headers; *name; name++) {
		const char *v = http_header(r, *name);
		if (!v)
			continue;
		char lower[64];
		size_t n = strlen(*name);
		for (size_t i = 0; i <= n && i < sizeof lower; i++)
			lower[i] = (char)((*name)[i] >= 'A' && (*name)[i] <= 'Z' ? (*name)[i] + 32
										 : (*name)[i]);
		json_t *s = json_stringn(v, strnlen(v, 512));
		if (s)
			json_object_set_new(h, lower, s);
	}
	return h;
}

/*
 * A delivery whose payload cannot be processed: 400 naming the member at
 * fault.  The mappers say what is wrong as "PATH: reason", PATH the member
 * in dotted form ("workflow_job.run_id"), "body" for the body itself and
 * "payload" for a form body's field; it becomes the JSON Pointer of the
 * problem's errors member ("/workflow_job/run_id", "", "/payload").
 */
static void reply_bad_payload(struct http_request *r, const struct webhook_result *res)
{
	const char *sep = strstr(res->error, ": ");
	size_t len = sep ? (size_t)(sep - res->error) : 0;
	bool path =
		len > 0 && len < 200 &&
		strspn(res->error,
		       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") == len;
	if (!path) {
		http_reply_problem(r, PROBLEM_INVALID_FIELD, "%s (stored as delivery %lld)",
				   res->error, (long long)res->row_id);
		return;
	}
	char pointer[256] = "", member[200];
	if (strncmp(res->error, "body", len) || len != 4) {
		for (const char *p = res->error; p < sep;) {
			size_t n = strcspn(p, ".");
			if (p + n > sep)
				n = (size_t)(sep - p);
			snprintf(member, sizeof member, "%.*s", (int)n, p);
			http_json_pointer_push(pointer, sizeof pointer, member);
			p += n + 1;
		}
	}
	http_reply_field_problem(r, PROBLEM_INVALID_FIELD, pointer, "%s (stored as delivery %lld)",
				 sep + 2, (long long)res->row_id);
}

void webhook_reply(struct http_request *r, const struct webhook_result *res)
{
	json_t *o = json_pack("{s:I}", "delivery", (json_int_t)res->row_id);
	switch (res->outcome) {
	case WEBHOOK_PROCESSED:
		json_object_set_new(o, "status", json_string("processed"));
		http_reply_json(r, 200, o);
		return;
	case WEBHOOK_DUPLICATE:
		json_object_set_new(o, "status", json_string("duplicate"));
		http_reply_json(r, 200, o);
		return;
	case WEBHOOK_IGNORED:
		json_object_set_new(o, "status", json_string("ignored"));
		http_reply_json(r, 202, o);
		return;
	case WEBHOOK_UNMATCHED:
		json_object_set_new(o, "status", json_string("unmatched"));
		http_reply_json(r, 202, o);
		return;
	case WEBHOOK_QUEUED:
		/* the delivery's status until an applier takes it */
		json_object_set_new(o, "status", json_string("received"));
		http_reply_json(r, 202, o);
		return;
	case WEBHOOK_BAD_PAYLOAD:
		json_decref(o);
		reply_bad_payload(r, res);
		return;
	case WEBHOOK_FAILED:
		json_decref(o);
		http_reply_problem(r, PROBLEM_INTERNAL,
				   "processing failed; stored as delivery %lld for replay",
				   (long long)res->row_id);
		return;
	case WEBHOOK_DB_ERROR:
		break;
	}
	json_decref(o);
	http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "the delivery could not be stored; retry");
	http_reply_header(r, "Retry-After", "5");
}

void webhook_accept(struct http_request *r, const struct webhook_delivery *d)
{
	struct webhook_result res = {0};
	if (r->app->cfg->webhook_queued && webhook_enqueue(r->app, d, &res)) {
		if (res.outcome != WEBHOOK_DB_ERROR) {
			webhook_reply(r, &res);
			return;
		}
	} else {
		struct db_conn *c = db_acquire(r->app->db);
		if (c) {
			webhook_ingest(c, r->app->cfg, d, &res);
			db_release(c);
			if (res.outcome != WEBHOOK_DB_ERROR) {
				webhook_reply(r, &res);
				return;
			}
		}
	}
	/* The database is unreachable (or went away mid-transaction): keep the
	 * delivery on disk and apply it when the database is back.  If the
	 * transaction did commit, the replay is recorded as a duplicate. */
	char why[512];
	if (!spool_write(r->app->cfg->data_dir, d, why, sizeof why)) {
		log_msg(LOG_ERROR, "delivery %s could not be spooled: %s", d->delivery_id, why);
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE,
				   "the database is unreachable and the delivery could not be "
				   "spooled; retry");
		http_reply_header(r, "Retry-After", "5");
		return;
	}
	log_msg(LOG_WARN, "database unreachable: delivery %s spooled", d->delivery_id);
	http_reply_json(r, 202, json_pack("{s:s, s:s}", "status", "spooled", "delivery_id",
					  d->delivery_id));
}

/* Tries the global secret and every repository's; NULL secret list = none
 * configured.  Sets *signed_repo to the repository whose secret matched. */
static const char *github_verify(const struct config *cfg, const char *header, const char *body,
				 size_t len, const char **signed_repo, bool *any_secret)
{
	*signed_repo = NULL;
	*any_secret = false;
	if (cfg->github_webhook_secret) {
		*any_secret = true;
		if (crypto_verify_signature_header(header, cfg->github_webhook_secret, body, len, false))
			return "valid";
	}
	for (size_t i = 0; i < cfg->n_repositories; i++) {
		const char *secret = cfg->repositories[i].webhook_secret;
		if (!secret)
			continue;
		*any_secret = true;
		if (crypto_verify_signature_header(header, secret, body, len, false)) {
			*signed_repo = cfg->repositories[i].name;
			return "valid";
		}
	}
	if (!*any_secret)
		return "not-configured";
	return header ? "invalid" : "missing";
}

static bool is_token_char_text(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

void api_webhook_github(struct http_request *r)
{
	const char *ct = http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	bool json = ct && strncasecmp(ct, "application/json", 16) == 0;
	bool form = ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0;
	if (!json && !form) {
		http_reply_problem(r, PROBLEM_UNSUPPORTED_MEDIA_TYPE,
				   "Content-Type: expected application/json or "
				   "application/x-www-form-urlencoded, got %.80s",
				   ct ? ct : "none");
		return;
	}
	const char *event = http_header(r, "X-GitHub-Event");
	const char *delivery = http_header(r, "X-GitHub-Delivery");
	if (!event || !is_token_char_text(event, 64)) {
		http_reply_problem(r, PROBLEM_BAD_REQUEST, "X-GitHub-Event: missing or malformed");
		return;
	}
	if (!delivery || !is_token_char_text(delivery, 128)) {
		http_reply_problem(r, PROBLEM_BAD_REQUEST, "X-GitHub-Delivery: missing or malformed");
		return;
	}
	const char *hook = http_header(r, "X-GitHub-Hook-ID");
	if (hook && !is_token_char_text(hook, 64))
		hook = NULL;
	json_t *headers = webhook_kept_headers(r);
	const char *sig_header = http_header(r, "X-Hub-Signature-256");
	const char *signed_repo;
	bool any_secret;
	const char *verdict = github_verify(r->app->cfg, sig_header, r->body ? r->body : "",
					    r->body_len, &signed_repo, &any_secret);
	struct webhook_delivery d = {
		.source = "github",
		.event = event,
		.delivery_id = delivery,
		.hook_id = hook,
		.content_type = form ? "application/x-www-form-urlencoded" : "application/json",
		.signature = verdict,
		.signed_repo = signed_repo,
		.body = r->body ? r->body : "",
		.body_len = r->body_len,
		.headers = headers,
		.received_us = clock_now_us(),
	};
	if (strcmp(verdict, "valid") && strcmp(verdict, "not-configured")) {
		/* past the client's failed-authentication limit: not recorded
		 * (answered 429 by the dispatcher) */
		if (!r->auth_throttled) {
			struct db_conn *c = db_acquire(r->app->db);
			if (!c || webhook_record_rejected(c, &d, verdict) < 0)
				log_msg(LOG_WARN, "could not record rejected delivery %s", delivery);
			if (c)
				db_release(c);
		}
		json_decref(headers);
		http_reply_problem(r, PROBLEM_BAD_SIGNATURE,
				   "X-Hub-Signature-256: %s; it must be sha256=HMAC-SHA256(secret, body)",
				   sig_header ? "does not match" : "missing");
		return;
	}
	webhook_accept(r, &d);
	json_decref(headers);
}
