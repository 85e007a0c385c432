/*
 * gh_pulls.c — pull_request events → pull_requests and pull_request_shas.
 *
 * Every action carries the whole pull request, so every action (opened,
 * synchronize, closed, reopened, edited, labeled, unlabeled,
 * ready_for_review...) is the same update.  Order independence (the merge
 * rule): the descriptive and state fields are replaced only when the
 * event's (updated_at, tiebreak) is greater than the stored pair; tiebreak
 * is the hex SHA-256 of a canonical string of the event's fields (compared
 * bytewise), so two events with the same updated_at resolve the same way
 * whatever the order.
 * A losing event may still fill a field the row does not know yet (never a
 * known value with NULL).  `merged` only ever goes from false to true.  The
 * head-SHA history is added to by every event, winner or not: head.sha, and
 * synchronize's `after`.  One upsert statement per row (db/pulls.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/pulls.h"
#include "domain/tiebreak.h"
#include "shiplog/db.h"
#include "shiplog/hex.h"
#include "shiplog/xalloc.h"
#include "webhooks/github_events.h"
#include "webhooks/webhook.h"

/* The label names, in payload order; NULL when the payload has no list. */
static json_t *label_names(const json_t *pr)
{
	const json_t *labels = wj_get(pr, "labels");
	if (!json_is_array(labels))
		return NULL;
	json_t *out = json_array();
	size_t i;
	const json_t *l;
	json_array_foreach(labels, i, l) {
		const char *name = wj_str(l, "name");
		if (name)
			json_array_append_new(out, json_string(name));
	}
	return out;
}

int gh_on_pull_request(struct webhook_ctx *ctx)
{
	const json_t *pr = wj_get(ctx->payload, "pull_request");
	if (!json_is_object(pr))
		return webhook_bad(ctx, "pull_request: missing or not an object");
	int64_t number;
	if (!wj_int(pr, "number", &number) && !wj_int(ctx->payload, "number", &number))
		return webhook_bad(ctx, "pull_request.number: missing");
	if (number < 1 || number > 2147483647)
		return webhook_bad(ctx, "pull_request.number: out of range");
	int rc = webhook_repo(ctx);
	if (rc < 0)
		return rc;

	char gid[24], head_sha[HEX_SHA_LEN + 1], merge_sha[HEX_SHA_LEN + 1];
	char opened[40], closed[40], merged_at[40], updated[40];
	const char *github_id = wj_int_text(pr, "id", gid, sizeof gid);
	const char *title = wj_str(pr, "title");
	const char *author = wj_str(pr, "user.login");
	const char *state = wj_str(pr, "state");
	if (state && strcmp(state, "open") != 0 && strcmp(state, "closed") != 0)
		state = NULL;
	int draft = wj_bool(pr, "draft");
	const char *merged_at_p = wj_time(pr, "merged_at", merged_at, sizeof merged_at);
	int merged = wj_bool(pr, "merged");
	if (merged < 0)
		merged = merged_at_p ? 1 : 0;
	json_t *labels = label_names(pr);
	char *labels_text = labels ? json_dumps(labels, JSON_COMPACT) : NULL;
	const char *head_ref = wj_str(pr, "head.ref");
	const char *base_ref = wj_str(pr, "base.ref");
	const char *head = hex_read_sha(wj_str(pr, "head.sha"), head_sha) ? head_sha : NULL;
	const char *merge = hex_read_sha(wj_str(pr, "merge_commit_sha"), merge_sha) ? merge_sha : NULL;
	const char *url = wj_str(pr, "html_url");
	const char *opened_p = wj_time(pr, "created_at", opened, sizeof opened);
	const char *closed_p = wj_time(pr, "closed_at", closed, sizeof closed);
	const char *updated_p = wj_time(pr, "updated_at", updated, sizeof updated);

	/* the tiebreak: a canonical string of what the event says */
	char *canon = xasprintf("%s|%d|%d|%s|%s|%s|%s|%s|%s|%s|%s|%s", state ? state : "", draft,
				merged, title ? title : "", labels_text ? labels_text : "",
				head ? head : "", head_ref ? head_ref : "", base_ref ? base_ref : "",
				merge ? merge : "", closed_p ? closed_p : "",
				merged_at_p ? merged_at_p : "", author ? author : "");
	char tiebreak[65];
	tiebreak_hash(canon, tiebreak);
	free(canon);

	struct db_pull_event e = {.number = number,
				  .github_id = github_id,
				  .title = title,
				  .author = author,
				  .state = state,
				  .draft = draft,
				  .merged = merged,
				  .labels_json = labels_text,
				  .head_ref = head_ref,
				  .head_sha = head,
				  .base_ref = base_ref,
				  .merge_commit_sha = merge,
				  .html_url = url,
				  .opened_at = opened_p,
				  .closed_at = closed_p,
				  .merged_at = merged_at_p,
				  .updated_at = updated_p,
				  .tiebreak = tiebreak};
	struct db_pull_row row;
	int n = db_pulls_upsert(ctx->db, ctx->repo_id, &e, &row);
	free(labels_text);
	json_decref(labels);
	if (n <= 0)
		return n < 0 ? n : DB_HARD_ERROR;
	char pr_id[24];
	snprintf(pr_id, sizeof pr_id, "%lld", (long long)row.id);

	/* the head-SHA history: always added to */
	const char *seen = updated_p ? updated_p : ctx->received_at;
	bool added = false;
	if (head && (rc = db_pulls_add_sha(ctx->db, row.id, head, seen, &added)) < 0)
		return rc;
	char after[HEX_SHA_LEN + 1];
	if (strcmp(ctx->action, "synchronize") == 0 &&
	    hex_read_sha(wj_str(ctx->payload, "after"), after) &&
	    (!head || strcmp(after, head) != 0) &&
	    (rc = db_pulls_add_sha(ctx->db, row.id, after, seen, &added)) < 0)
		return rc;
	if (!row.changed && !added)
		return WH_OK;
	json_t *ev = json_pack("{s:s, s:I, s:s, s:s, s:b}", "repository", ctx->repo_name, "number",
			       (json_int_t)number, "action", ctx->action, "state", row.state,
			       "merged", row.merged);
	json_object_set_new(ev, "head_sha",
			    row.head_sha[0] ? json_string(row.head_sha) : json_null());
	rc = db_event_record(ctx->db, "pull_request.updated", "pull_request", pr_id, ctx->actor, ev);
	json_decref(ev);
	return rc < 0 ? rc : WH_OK;
}
