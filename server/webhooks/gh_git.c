/* PLACEHOLDER: being written; replaced by the real mapper. */
#include "webhooks/github_events.h"
int gh_on_push(struct webhook_ctx *ctx)
{
	(void)ctx;
	return WH_IGNORED;
}
int gh_on_create(struct webhook_ctx *ctx)
{
	(void)ctx;
	return WH_IGNORED;
}
int gh_on_delete(struct webhook_ctx *ctx)
{
	(void)ctx;
	return WH_IGNORED;
}
