/* PLACEHOLDER: being written; replaced by the real mapper. */
#include "webhooks/github_events.h"
int gh_on_check_suite(struct webhook_ctx *ctx)
{
	(void)ctx;
	return WH_IGNORED;
}
int gh_on_check_run(struct webhook_ctx *ctx)
{
	(void)ctx;
	return WH_IGNORED;
}
int gh_on_release(struct webhook_ctx *ctx)
{
	(void)ctx;
	return WH_IGNORED;
}
int gh_on_package(struct webhook_ctx *ctx)
{
	(void)ctx;
	return WH_IGNORED;
}
int gh_on_deployment(struct webhook_ctx *ctx)
{
	(void)ctx;
	return WH_IGNORED;
}
int gh_on_deployment_status(struct webhook_ctx *ctx)
{
	(void)ctx;
	return WH_IGNORED;
}
