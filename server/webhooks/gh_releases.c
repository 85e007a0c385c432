/*
 * gh_releases.c — release: GitHub releases, kept per (repository, release
 * id), and a domain event per action ("release.published",
 * "release.prereleased", "release.released", "release.deleted", ...) with
 * the tag, on which release candidates are built (a published
 * non-prerelease is a release; a prerelease is an RC).
 *
 * Release payloads carry no reliable updated_at, so the description kept is
 * that of the event with the greatest (release.updated_at or the delivery's
 * receipt time, tiebreak).  A deletion is final: deleted_at, once set, stays.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/releases.h"
#include "domain/tiebreak.h"
#include "webhooks/gh_misc.h"
#include "webhooks/github_events.h"

static const char *const release_actions[] = {
	"published", "prereleased", "released", "created", "edited", "deleted", "unpublished",
};

static const char *bool_text(int b)
{
	return b < 0 ? NULL : b ? "true" : "false";
}

int gh_on_release(struct webhook_ctx *ctx)
{
	const json_t *p = ctx->payload;
	bool known = false;
	for (size_t i = 0; i < sizeof release_actions / sizeof release_actions[0]; i++)
		if (strcmp(ctx->action, release_actions[i]) == 0)
			known = true;
	if (!known)
		return WH_IGNORED;
	if (!json_is_object(wj_get(p, "release")))
		return webhook_bad(ctx, "release: missing or not an object");
	char gid[32];
	const char *github_id = wj_int_text(p, "release.id", gid, sizeof gid);
	if (!github_id)
		return webhook_bad(ctx, "release.id: missing or not an integer");
	const char *tag = wj_str(p, "release.tag_name");
	if (!tag || !*tag)
		return webhook_bad(ctx, "release.tag_name: missing or empty");
	const char *name = wj_str(p, "release.name");
	const char *body = wj_str(p, "release.body");
	int draft = wj_bool(p, "release.draft");
	int prerelease = wj_bool(p, "release.prerelease");
	const char *target = wj_str(p, "release.target_commitish");
	const char *author = wj_str(p, "release.author.login");
	const char *html_url = wj_str(p, "release.html_url");
	char created[40], published[40], updated[40], received[48];
	const char *created_at = wj_time(p, "release.created_at", created, sizeof created);
	const char *published_at = wj_time(p, "release.published_at", published, sizeof published);
	const char *event_at = wj_time(p, "release.updated_at", updated, sizeof updated);
	if (!event_at)
		event_at = gh_received_at_us(ctx, received, sizeof received);
	bool deleted = strcmp(ctx->action, "deleted") == 0;
	int rc = webhook_repo(ctx);
	if (rc < 0)
		return rc;

	char canon[2048], tiebreak[65];
	const char *parts[8] = {
		ctx->action, bool_text(draft), bool_text(prerelease), published_at, tag, name,
		target,	     html_url};
	tiebreak_canon(canon, sizeof canon, parts, 8);
	tiebreak_hash(canon, tiebreak);
	struct db_github_release rel = {
		.repository_id = ctx->repo_id,
		.github_id = github_id,
		.tag = tag,
		.name = name,
		.body = body,
		.draft = bool_text(draft),
		.prerelease = bool_text(prerelease),
		.target = target,
		.author = author,
		.html_url = html_url,
		.created_at = created_at,
		.published_at = published_at,
		.deleted = deleted,
		.action = ctx->action,
		.event_at = event_at,
		.tiebreak = tiebreak,
	};
	struct db_github_release_stored stored;
	int n = db_release_github_upsert(ctx->db, &rel, &stored);
	if (n <= 0)
		return n < 0 ? n : DB_HARD_ERROR;
	char kind[64];
	snprintf(kind, sizeof kind, "release.%s", ctx->action);
	json_t *ev =
		json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "tag", tag, "repository", ctx->repo_name,
			  "github_id", github_id, "name", name, "target_commitish", target);
	/* what this event said, and what the release is now */
	if (prerelease >= 0)
		json_object_set_new(ev, "prerelease", json_boolean(prerelease));
	if (draft >= 0)
		json_object_set_new(ev, "draft", json_boolean(draft));
	json_object_set_new(ev, "deleted", json_boolean(stored.deleted));
	rc = db_event_record(ctx->db, kind, "release", stored.id, ctx->actor, ev);
	json_decref(ev);
	return rc < 0 ? rc : WH_OK;
}
