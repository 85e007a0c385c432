/*
 * webhooks/github_events.h — one mapper per GitHub event (gh_*.c).
 *
 * Each takes the delivery's context (payload, database connection inside
 * the delivery's transaction) and returns WH_OK, WH_IGNORED, WH_BAD_PAYLOAD
 * (with ctx->error naming the field) or a negative db_status.  Mappers are
 * idempotent (a replay changes nothing) and order-independent (see the
 * merge rule in ARCHITECTURE.md).
 */
#ifndef SHIPLOG_GITHUB_EVENTS_H
#define SHIPLOG_GITHUB_EVENTS_H

#include "shiplog/http.h"
#include "webhooks/webhook.h"

int gh_on_ping(struct webhook_ctx *ctx);
int gh_on_push(struct webhook_ctx *ctx);
int gh_on_create(struct webhook_ctx *ctx);
int gh_on_delete(struct webhook_ctx *ctx);
int gh_on_pull_request(struct webhook_ctx *ctx);
int gh_on_workflow_run(struct webhook_ctx *ctx);
int gh_on_workflow_job(struct webhook_ctx *ctx);
int gh_on_check_suite(struct webhook_ctx *ctx);
int gh_on_check_run(struct webhook_ctx *ctx);
int gh_on_release(struct webhook_ctx *ctx);
int gh_on_package(struct webhook_ctx *ctx);
int gh_on_deployment(struct webhook_ctx *ctx);
int gh_on_deployment_status(struct webhook_ctx *ctx);

/* Shared by the webhook endpoints (github.c). */
json_t *webhook_kept_headers(struct http_request *r);
void webhook_reply(struct http_request *r, const struct webhook_result *res);
/* Stores and processes an authenticated delivery and replies; while the
 * database is unreachable, spools it durably (202) or answers 503. */
void webhook_accept(struct http_request *r, const struct webhook_delivery *d);
void api_webhook_github(struct http_request *r);
void api_webhook_flux(struct http_request *r);

#endif
