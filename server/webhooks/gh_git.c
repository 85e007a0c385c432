/*
 * gh_git.c — push, create and delete: commits, branch heads, tags, and the
 * default branch's ordered sequence of commits.
 *
 * The default-branch sequence's rule is the comment in
 * domain/branch_sequence.h (the planner); its statements are in db/git.c.
 *
 * BRANCH HEADS AND TAGS (branches, tags) are order-independent by time: the
 * time of a push/create/delete is repository.pushed_at (when GitHub sends
 * it) or the delivery's receipt time.  A branch head moves to a push's
 * `after` if the push is newer than the stored head (same second: only if
 * it builds on the stored head).  A deletion wins over anything not newer
 * than it; a creation or push newer than a deletion revives the ref.  A tag
 * matching the repository's rc_pattern (domain/policy.h; fnmatch, default
 * "v*-rc.*") has is_rc = true and its creation records a "tag.rc" domain
 * event besides "tag.created".
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/git.h"
#include "domain/branch_sequence.h"
#include "domain/policy.h"
#include "shiplog/db.h"
#include "shiplog/hex.h"
#include "shiplog/xalloc.h"
#include "webhooks/github_events.h"
#include "webhooks/webhook.h"

/* ---- small helpers ---- */

static bool is_zero_sha(const char *s)
{
	return s && *s && strspn(s, "0") == strlen(s);
}

/* The time of a ref change: repository.pushed_at, else the receipt time. */
static void ref_event_time(const struct webhook_ctx *ctx, char *buf, size_t size)
{
	if (!wj_time(ctx->payload, "repository.pushed_at", buf, size))
		snprintf(buf, size, "%s", ctx->received_at);
}

/* `name` matches the RC pattern of the repository's release policy. */
static bool is_rc_tag(const struct webhook_ctx *ctx, const char *name)
{
	struct config_releases pol = {.rc_pattern = NULL};
	if (ctx->cfg)
		policy_of(ctx->cfg, ctx->repo_name, &pol);
	return fnmatch(pol.rc_pattern ? pol.rc_pattern : "v*-rc.*", name, 0) == 0;
}

static int record_event(struct webhook_ctx *ctx, const char *kind, const char *entity_type,
			const char *entity_id, json_t *payload)
{
	json_object_set_new(payload, "repository", json_string(ctx->repo_name));
	int rc = db_event_record(ctx->db, kind, entity_type, entity_id, ctx->actor, payload);
	json_decref(payload);
	return rc < 0 ? rc : WH_OK;
}

/* ---- commits ---- */

static bool list_has(char (*shas)[HEX_SHA_LEN + 1], size_t n, const char *sha)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(shas[i], sha) == 0)
			return true;
	return false;
}

/* Appends a payload commit object to `rows` (for the commits upsert). */
static void commit_row(json_t *rows, const json_t *commit, const char *sha)
{
	char when[40];
	json_t *o = json_object();
	json_object_set_new(o, "sha", json_string(sha));
	const char *v;
	if ((v = wj_str(commit, "message")))
		json_object_set_new(o, "message", json_string(v));
	if ((v = wj_str(commit, "author.name")))
		json_object_set_new(o, "author_name", json_string(v));
	if ((v = wj_str(commit, "author.email")))
		json_object_set_new(o, "author_email", json_string(v));
	if ((v = wj_str(commit, "author.username")))
		json_object_set_new(o, "author_login", json_string(v));
	if (wj_time(commit, "timestamp", when, sizeof when))
		json_object_set_new(o, "committed_at", json_string(when));
	if ((v = wj_str(commit, "url")))
		json_object_set_new(o, "url", json_string(v));
	json_array_append_new(rows, o);
}

/* ---- branches and tags ---- */

/* A branch deletion (push deleted:true or a delete event) at `when`. */
static int branch_deleted(struct webhook_ctx *ctx, const char *name, const char *when)
{
	int n = db_git_branch_deleted(ctx->db, ctx->repo_id, name, when);
	if (n < 0)
		return n;
	if (n == 0)
		return WH_OK;
	char eid[600];
	snprintf(eid, sizeof eid, "%s:%s", ctx->repo_name, name);
	return record_event(ctx, "branch.deleted", "branch", eid,
			    json_pack("{s:s, s:s}", "name", name, "deleted_at", when));
}

/* A tag came to exist (push refs/tags/... or create ref_type tag). */
static int tag_created(struct webhook_ctx *ctx, const char *name, const char *sha,
		       const char *when, bool moved)
{
	bool rc_tag = is_rc_tag(ctx, name);
	bool fresh;
	char stored[HEX_SHA_LEN + 8];
	int n = db_git_tag_created(ctx->db, ctx->repo_id, name, sha, rc_tag, when, moved, &fresh,
				   stored, sizeof stored);
	if (n < 0)
		return n;
	if (!fresh)
		return WH_OK;
	char eid[600];
	snprintf(eid, sizeof eid, "%s:%s", ctx->repo_name, name);
	json_t *pl = json_pack("{s:s, s:b, s:s}", "name", name, "is_rc", rc_tag, "created_at", when);
	json_object_set_new(pl, "sha", stored[0] ? json_string(stored) : json_null());
	int rc = record_event(ctx, "tag.created", "tag", eid, json_deep_copy(pl));
	if (rc >= 0 && rc_tag)
		rc = record_event(ctx, "tag.rc", "tag", eid, json_incref(pl));
	json_decref(pl);
	return rc;
}

static int tag_deleted(struct webhook_ctx *ctx, const char *name, const char *sha,
		       const char *when)
{
	bool fresh;
	int n = db_git_tag_deleted(ctx->db, ctx->repo_id, name, sha, is_rc_tag(ctx, name), when,
				   &fresh);
	if (n < 0)
		return n;
	if (!fresh)
		return WH_OK;
	char eid[600];
	snprintf(eid, sizeof eid, "%s:%s", ctx->repo_name, name);
	return record_event(ctx, "tag.deleted", "tag", eid,
			    json_pack("{s:s, s:s}", "name", name, "deleted_at", when));
}

/* ---- push ---- */

int gh_on_push(struct webhook_ctx *ctx)
{
	int rc = webhook_repo(ctx);
	if (rc < 0)
		return rc;
	const json_t *pl = ctx->payload;
	const char *ref = wj_str(pl, "ref");
	if (!ref || !*ref || strlen(ref) > 1000)
		return webhook_bad(ctx, "ref: missing");
	char before[HEX_SHA_LEN + 1] = "", after[HEX_SHA_LEN + 1];
	if (!hex_read_sha(wj_str(pl, "after"), after))
		return webhook_bad(ctx, "after: missing or not a 40-digit SHA");
	if (!hex_read_sha(wj_str(pl, "before"), before))
		before[0] = '\0';
	bool deleted = wj_bool(pl, "deleted") == 1 || is_zero_sha(after);
	bool created = wj_bool(pl, "created") == 1 || (!deleted && is_zero_sha(before));
	bool forced = wj_bool(pl, "forced") == 1;
	const char *pusher = wj_str(pl, "pusher.name");
	char when[40];
	ref_event_time(ctx, when, sizeof when);

	/* the push's commits, oldest first, then `after`; and their rows */
	const json_t *commits = wj_get(pl, "commits");
	size_t ncommits = json_is_array(commits) ? json_array_size(commits) : 0;
	char(*list)[HEX_SHA_LEN + 1] = xmalloc((ncommits + 2) * sizeof *list);
	size_t n = 0;
	json_t *rows = json_array();
	for (size_t i = 0; i < ncommits; i++) {
		const json_t *cm = json_array_get(commits, i);
		char sha[HEX_SHA_LEN + 1];
		if (!hex_read_sha(wj_str(cm, "id"), sha) || is_zero_sha(sha) ||
		    list_has(list, n, sha))
			continue;
		memcpy(list[n++], sha, sizeof sha);
		commit_row(rows, cm, sha);
	}
	char head[HEX_SHA_LEN + 1];
	if (hex_read_sha(wj_str(pl, "head_commit.id"), head) && !is_zero_sha(head) &&
	    !list_has(list, n, head))
		commit_row(rows, wj_get(pl, "head_commit"), head);
	if (!deleted && !list_has(list, n, after))
		memcpy(list[n++], after, sizeof after);
	rc = db_git_commits_upsert(ctx->db, ctx->repo_id, rows);
	json_decref(rows);
	if (rc < 0)
		goto out;

	const char *branch = strncmp(ref, "refs/heads/", 11) == 0 ? ref + 11 : NULL;
	const char *tag = strncmp(ref, "refs/tags/", 10) == 0 ? ref + 10 : NULL;
	bool on_default = branch && !deleted && strcmp(branch, ctx->default_branch) == 0;

	/* one push per ref at a time, whatever the replica */
	rc = db_git_lock_ref(ctx->db, ctx->repo_id, ref);
	if (rc < 0)
		goto out;
	rc = db_git_push_recorded(ctx->db, ctx->repo_id, ref, before, after, forced, deleted);
	if (rc < 0)
		goto out;
	bool seen = rc > 0;
	struct bseq_plan plan = {0};
	if (on_default) {
		struct bseq_push sp = {before, after, forced, seen};
		rc = db_git_seq_plan(ctx->db, ctx->repo_id, branch, ref, &sp, &plan);
		if (rc < 0)
			goto out;
	}
	bool record = !(seen && plan.act == BSEQ_NONE);
	char push_id[24] = "";
	int64_t push_row = 0;
	if (record) {
		struct db_git_push row = {.delivery_id = ctx->d->delivery_id,
					  .ref = ref,
					  .before = before,
					  .after = after,
					  .forced = forced,
					  .created = created,
					  .deleted = deleted,
					  .pusher = pusher,
					  .commit_count = (int64_t)ncommits,
					  .gap = plan.gap,
					  .rewrote = plan.rewrote,
					  .received_at = ctx->received_at};
		rc = db_git_push_insert(ctx->db, ctx->repo_id, &row, &push_row);
		if (rc < 0)
			goto out;
		if (rc > 0)
			snprintf(push_id, sizeof push_id, "%lld", (long long)push_row);
	}
	size_t appended = 0;
	if (on_default) {
		rc = db_git_seq_apply(ctx->db, ctx->repo_id, branch, &plan, list, n, when, push_row,
				      &appended);
		if (rc < 0)
			goto out;
	}

	/* branch head or tag */
	if (branch) {
		if (deleted) {
			rc = branch_deleted(ctx, branch, when);
		} else {
			bool fresh = false;
			rc = db_git_branch_pushed(ctx->db, ctx->repo_id, branch, before, after,
						  when, &fresh);
			if (rc >= 0 && fresh) {
				char eid[600];
				snprintf(eid, sizeof eid, "%s:%s", ctx->repo_name, branch);
				rc = record_event(ctx, "branch.created", "branch", eid,
						  json_pack("{s:s, s:s}", "name", branch, "sha", after));
			}
		}
	} else if (tag) {
		char target[HEX_SHA_LEN + 1];
		/* an annotated tag's `after` is the tag object; head_commit is the commit */
		const char *sha = hex_read_sha(wj_str(pl, "head_commit.id"), target) ? target : after;
		rc = deleted ? tag_deleted(ctx, tag, before[0] ? before : NULL, when)
			     : tag_created(ctx, tag, sha, when, forced);
	}
	if (rc < 0)
		goto out;

	if (record) {
		json_t *ev = json_pack("{s:s, s:o, s:s, s:b, s:b, s:b, s:b, s:b, s:I}", "ref", ref,
				       "before", before[0] ? json_string(before) : json_null(),
				       "after", after, "forced", forced, "created", created,
				       "deleted", deleted, "gap", plan.gap, "rewrote", plan.rewrote,
				       "appended", (json_int_t)appended);
		rc = record_event(ctx, "push", "push", push_id, ev);
	}
out:
	free(list);
	return rc < 0 ? rc : WH_OK;
}

/* ---- create / delete ---- */

static int ref_event(struct webhook_ctx *ctx, bool is_create)
{
	const char *ref_type = wj_str(ctx->payload, "ref_type");
	if (!ref_type)
		return webhook_bad(ctx, "ref_type: missing");
	if (strcmp(ref_type, "tag") != 0 && strcmp(ref_type, "branch") != 0)
		return WH_IGNORED; /* "repository" and whatever comes next */
	int rc = webhook_repo(ctx);
	if (rc < 0)
		return rc;
	const char *ref = wj_str(ctx->payload, "ref");
	if (!ref || !*ref || strlen(ref) > 1000)
		return webhook_bad(ctx, "ref: missing");
	/* GitHub sends the short name; accept a full one too */
	if (strncmp(ref, "refs/heads/", 11) == 0)
		ref += 11;
	else if (strncmp(ref, "refs/tags/", 10) == 0)
		ref += 10;
	char when[40];
	ref_event_time(ctx, when, sizeof when);
	if (strcmp(ref_type, "tag") == 0)
		return is_create ? tag_created(ctx, ref, NULL, when, false)
				 : tag_deleted(ctx, ref, NULL, when);
	if (!is_create)
		return branch_deleted(ctx, ref, when);
	bool fresh = false;
	rc = db_git_branch_created(ctx->db, ctx->repo_id, ref, when, &fresh);
	if (rc < 0 || !fresh)
		return rc < 0 ? rc : WH_OK;
	char eid[600];
	snprintf(eid, sizeof eid, "%s:%s", ctx->repo_name, ref);
	return record_event(ctx, "branch.created", "branch", eid, json_pack("{s:s}", "name", ref));
}

int gh_on_create(struct webhook_ctx *ctx)
{
	return ref_event(ctx, true);
}

int gh_on_delete(struct webhook_ctx *ctx)
{
	return ref_event(ctx, false);
}
