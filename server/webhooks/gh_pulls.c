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
 * synchronize's `after`.  One upsert statement per row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/result.h"
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

/* The event wins over the stored row (see the file comment). */
#define PR_WINS                                                                                  \
	"((coalesce(EXCLUDED.updated_at, '-infinity'::timestamptz), "                            \
	"EXCLUDED.tiebreak COLLATE \"C\") > "                                                     \
	"(coalesce(t.updated_at, '-infinity'::timestamptz), t.tiebreak COLLATE \"C\"))"
#define PR_DESCRIPTIVE(col)                                                                      \
	col " = CASE WHEN " PR_WINS " THEN coalesce(EXCLUDED." col ", t." col ") "              \
	    "ELSE coalesce(t." col ", EXCLUDED." col ") END"

static int add_sha(struct webhook_ctx *ctx, const char *pr_id, const char *sha, const char *when,
		   bool *added)
{
	const char *p[3] = {pr_id, sha, when};
	PGresult *res = NULL;
	int n = db_query(ctx->db,
			 "INSERT INTO pull_request_shas AS s (pull_request_id, sha, seen_at) "
			 "VALUES ($1, $2, $3) "
			 "ON CONFLICT (pull_request_id, sha) DO UPDATE SET seen_at = EXCLUDED.seen_at "
			 "WHERE EXCLUDED.seen_at < s.seen_at "
			 "RETURNING xmax = 0",
			 3, p, &res);
	if (n > 0 && db_get_bool(res, 0, 0))
		*added = true;
	PQclear(res);
	return n < 0 ? n : WH_OK;
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

	char rid[24], num[24], gid[24], head_sha[HEX_SHA_LEN + 1], merge_sha[HEX_SHA_LEN + 1];
	char opened[40], closed[40], merged_at[40], updated[40];
	snprintf(rid, sizeof rid, "%lld", (long long)ctx->repo_id);
	snprintf(num, sizeof num, "%lld", (long long)number);
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

	const char *p[19] = {rid,
			     num,
			     github_id,
			     title,
			     author,
			     state,
			     draft < 0 ? NULL : draft ? "true" : "false",
			     merged ? "true" : "false",
			     labels_text,
			     head_ref,
			     head,
			     base_ref,
			     merge,
			     url,
			     opened_p,
			     closed_p,
			     merged_at_p,
			     updated_p,
			     tiebreak};
	PGresult *res = NULL;
	int n = db_query(
		ctx->db,
		"WITH old AS (SELECT updated_at, tiebreak FROM pull_requests "
		" WHERE repository_id = $1 AND number = $2), "
		"up AS (INSERT INTO pull_requests AS t (repository_id, number, github_id, title, "
		" author, state, draft, merged, labels, head_ref, head_sha, base_ref, "
		" merge_commit_sha, html_url, opened_at, closed_at, merged_at, updated_at, tiebreak) "
		"VALUES ($1, $2, $3, $4, $5, $6, coalesce($7::boolean, false), $8::boolean, "
		" coalesce($9::jsonb, '[]'), $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) "
		"ON CONFLICT (repository_id, number) DO UPDATE SET "
		" github_id = coalesce(EXCLUDED.github_id, t.github_id), " PR_DESCRIPTIVE("title")
		", " PR_DESCRIPTIVE("author") ", " PR_DESCRIPTIVE("head_ref") ", " PR_DESCRIPTIVE(
			"head_sha") ", " PR_DESCRIPTIVE("base_ref") ", " PR_DESCRIPTIVE("html_url")
		", opened_at = coalesce(t.opened_at, EXCLUDED.opened_at),"
		" state = CASE WHEN " PR_WINS " THEN coalesce(EXCLUDED.state, t.state) "
		"  ELSE coalesce(t.state, EXCLUDED.state) END,"
		" draft = CASE WHEN " PR_WINS " THEN coalesce($7::boolean, t.draft) ELSE t.draft END,"
		" labels = CASE WHEN " PR_WINS " THEN coalesce($9::jsonb, t.labels) ELSE t.labels END,"
		" closed_at = CASE WHEN " PR_WINS " THEN EXCLUDED.closed_at ELSE t.closed_at END,"
		" merged = t.merged OR EXCLUDED.merged,"
		" merged_at = CASE WHEN " PR_WINS " THEN coalesce(EXCLUDED.merged_at, t.merged_at) "
		"  ELSE coalesce(t.merged_at, EXCLUDED.merged_at) END,"
		" merge_commit_sha = CASE "
		"  WHEN EXCLUDED.merged AND NOT t.merged THEN coalesce(EXCLUDED.merge_commit_sha, "
		"   t.merge_commit_sha) "
		"  WHEN t.merged AND NOT EXCLUDED.merged THEN coalesce(t.merge_commit_sha, "
		"   EXCLUDED.merge_commit_sha) "
		"  WHEN " PR_WINS " THEN coalesce(EXCLUDED.merge_commit_sha, t.merge_commit_sha) "
		"  ELSE coalesce(t.merge_commit_sha, EXCLUDED.merge_commit_sha) END,"
		" updated_at = CASE WHEN " PR_WINS " THEN EXCLUDED.updated_at ELSE t.updated_at END,"
		" tiebreak = CASE WHEN " PR_WINS " THEN EXCLUDED.tiebreak ELSE t.tiebreak END "
		"RETURNING id, state, merged, head_sha, updated_at, tiebreak) "
		"SELECT up.id, up.state, up.merged, up.head_sha, "
		" NOT EXISTS (SELECT 1 FROM old) OR ((SELECT tiebreak FROM old) <> up.tiebreak "
		"  OR (SELECT updated_at FROM old) IS DISTINCT FROM up.updated_at) "
		"FROM up",
		19, p, &res);
	free(labels_text);
	json_decref(labels);
	if (n <= 0) {
		PQclear(res);
		return n < 0 ? n : DB_HARD_ERROR;
	}
	char pr_id[24], stored_state[16], stored_head[HEX_SHA_LEN + 1];
	snprintf(pr_id, sizeof pr_id, "%s", PQgetvalue(res, 0, 0));
	snprintf(stored_state, sizeof stored_state, "%s", PQgetvalue(res, 0, 1));
	bool stored_merged = db_get_bool(res, 0, 2);
	snprintf(stored_head, sizeof stored_head, "%s", PQgetvalue(res, 0, 3));
	bool changed = db_get_bool(res, 0, 4);
	PQclear(res);

	/* the head-SHA history: always added to */
	const char *seen = updated_p ? updated_p : ctx->received_at;
	bool added = false;
	if (head && (rc = add_sha(ctx, pr_id, head, seen, &added)) < 0)
		return rc;
	char after[HEX_SHA_LEN + 1];
	if (strcmp(ctx->action, "synchronize") == 0 &&
	    hex_read_sha(wj_str(ctx->payload, "after"), after) &&
	    (!head || strcmp(after, head) != 0) && (rc = add_sha(ctx, pr_id, after, seen, &added)) < 0)
		return rc;
	if (!changed && !added)
		return WH_OK;
	json_t *ev = json_pack("{s:s, s:I, s:s, s:s, s:b}", "repository", ctx->repo_name, "number",
			       (json_int_t)number, "action", ctx->action, "state", stored_state,
			       "merged", stored_merged);
	json_object_set_new(ev, "head_sha", stored_head[0] ? json_string(stored_head) : json_null());
	rc = db_event_record(ctx->db, "pull_request.updated", "pull_request", pr_id, ctx->actor, ev);
	json_decref(ev);
	return rc < 0 ? rc : WH_OK;
}
