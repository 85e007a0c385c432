/*
 * release_candidates_compare.c — GET /api/v1/release-candidates/compare
 * (two RCs of one repository side by side: PRs, artifacts, gates, the
 * feedback carried over) and GET /api/v1/release-candidates/{id}/untried
 * (per team with a required sign-off, who has not given feedback yet).
 * The answers are domain/rc_compare.h's; the facts
 * db/release_candidates_compare.h's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "db/release_candidates.h"
#include "db/release_candidates_compare.h"
#include "domain/rc_compare.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "webhooks/gh_rc.h"

/* The repository of the RC named by parameter `param`, or a reply made
 * (false). */
static bool repository_or_reply(struct http_request *r, struct db_conn *c, const char *param,
				int64_t id, char *repo, size_t size)
{
	int n = db_rc_repository_of(c, id, repo, size);
	if (n < 0) {
		http_reply_db_failure(r, "could not read the release candidates");
		return false;
	}
	if (n == 0) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "%s: no release candidate %lld", param,
				   (long long)id);
		return false;
	}
	return true;
}

struct side {
	json_t *summary, *artifacts, *feedback, *readiness, *prs;
};

static void side_free(struct side *s)
{
	json_decref(s->summary);
	json_decref(s->artifacts);
	json_decref(s->feedback);
	json_decref(s->readiness);
	json_decref(s->prs);
}

static int side_load(struct db_conn *c, const struct config *cfg, int64_t id, struct side *s)
{
	int n = db_rc_compare_side(c, id, &s->summary, &s->artifacts, &s->feedback);
	if (n <= 0)
		return n < 0 ? n : DB_HARD_ERROR; /* it was there a moment ago */
	n = db_rc_readiness(c, cfg, id, clock_now_us(), &s->readiness);
	return n <= 0 ? (n < 0 ? n : DB_HARD_ERROR) : 1;
}

void api_rc_compare(struct http_request *r)
{
	int64_t base_id = http_param_int(r, "base", 0), head_id = http_param_int(r, "head", 0);
	if (base_id == head_id) {
		http_reply_field_problem(r, PROBLEM_INVALID_PARAMETER, "head",
					 "the same release candidate as base (%lld); compare two",
					 (long long)base_id);
		return;
	}
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	const struct config *cfg = r->app->cfg;
	rc_settle(c, cfg);
	char base_repo[256], head_repo[256];
	if (!repository_or_reply(r, c, "base", base_id, base_repo, sizeof base_repo) ||
	    !repository_or_reply(r, c, "head", head_id, head_repo, sizeof head_repo))
		return;
	if (strcasecmp(base_repo, head_repo)) {
		http_reply_field_problem(r, PROBLEM_INVALID_PARAMETER, "head",
					 "release candidate %lld is of %s and base %lld of %s: "
					 "only two release candidates of one repository compare",
					 (long long)head_id, head_repo, (long long)base_id, base_repo);
		return;
	}
	struct side base = {0}, head = {0};
	int n;
	if ((n = side_load(c, cfg, base_id, &base)) < 0 ||
	    (n = side_load(c, cfg, head_id, &head)) < 0 ||
	    (n = db_rc_compare_prs(c, base_id, head_id, &base.prs, &head.prs)) <= 0) {
		side_free(&base);
		side_free(&head);
		http_reply_db_failure(r, "could not compare the release candidates");
		return;
	}
	const struct rc_compare_side b = {base.summary, base.prs, base.artifacts, base.readiness,
					  base.feedback};
	const struct rc_compare_side h = {head.summary, head.prs, head.artifacts, head.readiness,
					  head.feedback};
	http_reply_json(r, 200, rc_answer_compare(&b, &h));
	side_free(&base);
	side_free(&head);
}

void api_rc_untried(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	rc_settle(c, r->app->cfg);
	int64_t id = http_param_int(r, "id", 0);
	json_t *summary = NULL, *seen = NULL, *given = NULL;
	int n = db_rc_untried_facts(c, id, &summary, &seen, &given);
	if (n < 0) {
		http_reply_db_failure(r, "could not read who has tried the release candidate");
		return;
	}
	if (n == 0) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no release candidate %lld",
				   (long long)id);
		return;
	}
	http_reply_json(r, 200, rc_answer_untried(r->app->cfg, summary, seen, given));
	json_decref(seen);
	json_decref(given);
}
