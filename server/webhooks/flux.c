/*
 * flux.c — POST /webhooks/flux: Flux notification-controller events
 * (provider generic, or generic-hmac with X-Signature), stored and
 * processed like GitHub deliveries (webhook_ingest), and mapped to
 * deployments.
 *
 * Flux sends no delivery id: the id is the SHA-256 of the body, so the same
 * event sent twice is one delivery.  A retry with a new timestamp is a new
 * delivery but lands on the same deployment, keyed by (environment, Flux
 * object, revision).
 *
 * What an event becomes:
 *   - a source object (GitRepository, OCIRepository, HelmRepository,
 *     HelmChart, Bucket) or any kind that does not deploy: ignored (202);
 *   - a Kustomization / HelmRelease that no environment claims: unmatched
 *     (202, visible in the deliveries);
 *   - a reason that says nothing about a deployment, or no revision:
 *     ignored (202);
 *   - otherwise a deployment report (200).
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/deployments.h"
#include "db/environments.h"
#include "domain/deployments.h"
#include "domain/flux_revision.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/crypto.h"
#include "shiplog/http.h"
#include "shiplog/log.h"
#include "webhooks/github_events.h"
#include "webhooks/webhook.h"

static const char *string_value(const json_t *v)
{
	if (!json_is_string(v))
		return NULL;
	const char *s = json_string_value(v);
	/* a revision with a NUL in it is not one */
	return *s && strlen(s) == json_string_length(v) ? s : NULL;
}

/* metadata.revision, else the older "<group>/revision" key (the object's
 * API group first, then any *.toolkit.fluxcd.io group). */
static const char *event_revision(const json_t *payload)
{
	const json_t *md = json_object_get(payload, "metadata");
	if (!json_is_object(md))
		return NULL;
	const char *rev = string_value(json_object_get(md, "revision"));
	if (rev)
		return rev;
	const char *api = wj_str(payload, "involvedObject.apiVersion");
	const char *slash = api ? strchr(api, '/') : NULL;
	if (slash && slash - api < 200) {
		char key[256];
		snprintf(key, sizeof key, "%.*s/revision", (int)(slash - api), api);
		if ((rev = string_value(json_object_get(md, key))))
			return rev;
	}
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)(uintptr_t)md, key, v)
	{
		size_t n = strlen(key);
		static const char suffix[] = ".toolkit.fluxcd.io/revision";
		if (n > sizeof suffix - 1 && strcmp(key + n - (sizeof suffix - 1), suffix) == 0 &&
		    (rev = string_value(v)))
			return rev;
	}
	return NULL;
}

int flux_process(struct webhook_ctx *ctx)
{
	const json_t *p = ctx->payload;
	const char *kind = wj_str(p, "involvedObject.kind");
	const char *name = wj_str(p, "involvedObject.name");
	const char *ns = wj_str(p, "involvedObject.namespace");
	if (!kind || !*kind)
		return webhook_bad(ctx, "involvedObject.kind: missing or empty");
	if (!name || !*name)
		return webhook_bad(ctx, "involvedObject.name: missing or empty");
	if (!ns)
		ns = "";
	const char *controller = wj_str(p, "reportingController");
	snprintf(ctx->actor, sizeof ctx->actor, "flux:%.200s",
		 controller && *controller ? controller : "notification-controller");
	if (!flux_is_deployer_kind(kind))
		return WH_IGNORED; /* sources fetch; they do not deploy */

	int64_t env_id = 0;
	int n = db_environment_by_flux(ctx->db, kind, ns, name, &env_id);
	if (n < 0)
		return n;
	if (n == 0)
		return WH_UNMATCHED;

	const char *reason = wj_str(p, "reason");
	const char *severity = wj_str(p, "severity");
	const char *status = flux_reason_status(reason, severity);
	if (!status)
		return WH_IGNORED;
	const char *revision = event_revision(p);
	if (!revision)
		return WH_IGNORED; /* nothing to key a deployment by */
	if (strlen(revision) > 1024)
		return webhook_bad(ctx, "metadata.revision: longer than 1024 characters");

	char when[40];
	const char *event_at = wj_time(p, "timestamp", when, sizeof when);
	char origin[600];
	snprintf(origin, sizeof origin, "%s/%.250s/%.250s", kind, ns, name);
	struct flux_revision parsed;
	struct deployment_fact f = {0};
	deployment_fact_revision(&f, revision, &parsed);
	f.environment_id = env_id;
	f.source = "flux";
	f.origin_key = origin;
	f.object_kind = kind;
	f.object_namespace = ns;
	f.object_name = name;
	f.status = status;
	f.event_at = event_at ? event_at : ctx->received_at;
	f.reason = reason;
	f.message = wj_str(p, "message");
	n = db_deployments_record(ctx->db, &f, ctx->actor, NULL, NULL);
	return n < 0 ? n : WH_OK;
}

void api_webhook_flux(struct http_request *r)
{
	const char *ct = http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!ct || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] && ct[16] != ';' && ct[16] != ' ')) {
		http_reply_problem(r, PROBLEM_UNSUPPORTED_MEDIA_TYPE,
				   "Content-Type: expected application/json, got %.80s",
				   ct ? ct : "none");
		return;
	}
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	const char *body = r->body ? r->body : "";
	const char *secret = r->app->cfg->flux_webhook_secret;
	const char *sig = http_header(r, "X-Signature");
	const char *verdict = flux_signature_verdict(secret, sig, body, r->body_len);
	char delivery[65];
	flux_delivery_id(body, r->body_len, delivery);
	json_t *headers = webhook_kept_headers(r);
	struct webhook_delivery d = {
		.source = "flux",
		.event = "flux",
		.delivery_id = delivery,
		.hook_id = NULL,
		.content_type = "application/json",
		.signature = verdict,
		.signed_repo = NULL,
		.body = body,
		.body_len = r->body_len,
		.headers = headers,
		.received_us = clock_now_us(),
	};
	if (strcmp(verdict, "valid") && strcmp(verdict, "not-configured")) {
		/* past the client's failed-authentication limit: not recorded */
		if (!r->auth_throttled && webhook_record_rejected(c, &d, verdict) < 0)
			log_msg(LOG_ERROR, "could not record a rejected Flux event %s", delivery);
		json_decref(headers);
		http_reply_problem(r, PROBLEM_BAD_SIGNATURE,
				   "X-Signature: %s; it must be sha256=HMAC-SHA256(token, body) "
				   "(sha384 and sha512 are accepted too)",
				   sig ? "does not match" : "missing");
		return;
	}
	struct webhook_result res;
	webhook_ingest(c, r->app->cfg, &d, &res);
	json_decref(headers);
	webhook_reply(r, &res);
}
