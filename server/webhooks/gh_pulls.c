/* PLACEHOLDER: being written; replaced by the real mapper. */
#include "webhooks/github_events.h"
int gh_on_pull_request(struct webhook_ctx *ctx)
{
	(void)ctx;
	return WH_IGNORED;
}
