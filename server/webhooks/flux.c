/*
 * flux.c — Flux notification-controller events.  The endpoint and the
 * mapping to environments and deployments arrive with the environments
 * work; until then no route leads here and a Flux delivery (which cannot
 * reach this function) would be kept as ignored.
 */
#include "webhooks/webhook.h"

int flux_process(struct webhook_ctx *ctx)
{
	(void)ctx;
	return WH_IGNORED;
}
