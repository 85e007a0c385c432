/* PLACEHOLDER: being written; replaced by the real mapper. */
#include "webhooks/github_events.h"
int gh_on_workflow_run(struct webhook_ctx *ctx)
{
	(void)ctx;
	return WH_IGNORED;
}
int gh_on_workflow_job(struct webhook_ctx *ctx)
{
	(void)ctx;
	return WH_IGNORED;
}
