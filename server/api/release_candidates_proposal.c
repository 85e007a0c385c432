/*
 * release_candidates_proposal.c — GET /api/v1/release-candidates/proposal:
 * what the dashboard offers a release manager who cuts a release candidate.
 *
 * For repository `repo`: the newest green commit of its default branch (the
 * branch's red/green rule, db/release_candidates_proposal.h) with a few more
 * recent green ones to choose from, and the version proposed from the
 * previous release and the RC pattern (domain/rc_propose.h).  Nothing green
 * yet: `commit` is null and `candidates` empty; a pattern that cannot be
 * filled in: `version` is null.  A configured repository shiplog has heard
 * nothing of yet has nothing green, released or cut; any other unknown
 * repository is 404.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "api/api.h"
#include "db/release_candidates_proposal.h"
#include "db/repos.h"
#include "domain/rc_propose.h"
#include "shiplog/app.h"
#include "shiplog/xalloc.h"
#include "webhooks/gh_rc.h"

/* How many green commits are offered. */
#define PROPOSAL_CANDIDATES 5

/* The strings of a JSON array, borrowed from it (free the array, not them). */
static const char **strings_of(const json_t *a, size_t *n)
{
	*n = json_array_size(a);
	const char **out = xcalloc(*n + 1, sizeof *out);
	for (size_t i = 0; i < *n; i++)
		out[i] = json_string_value(json_array_get(a, i));
	return out;
}

void api_rc_proposal(struct http_request *r)
{
	const char *repo = http_param(r, "repo");
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	/* tags and pre-releases not folded yet are RCs too */
	rc_settle(c, r->app->cfg);
	struct db_repo rp;
	int n = db_repos_find(c, repo, &rp);
	if (n < 0) {
		http_reply_db_failure(r, "could not read the repository");
		return;
	}
	const struct config_repository *conf = n ? NULL : config_find_repository(r->app->cfg, repo);
	if (n == 0 && !conf) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "repo: no repository %s", repo);
		return;
	}
	if (conf) {
		/* configured, nothing heard of it yet: nothing released, cut or green */
		rp = (struct db_repo){0};
		snprintf(rp.full_name, sizeof rp.full_name, "%s", conf->name);
		snprintf(rp.default_branch, sizeof rp.default_branch, "%s",
			 conf->default_branch ? conf->default_branch : "main");
	}
	json_t *released = NULL, *rcs = NULL, *green = NULL;
	if (db_rc_proposal_versions(c, rp.id, &released, &rcs) < 0 ||
	    db_rc_proposal_green(c, rp.id, rp.default_branch, PROPOSAL_CANDIDATES, &green) < 0) {
		json_decref(released);
		json_decref(rcs);
		http_reply_db_failure(r, "could not read what the repository released and cut");
		return;
	}
	size_t nr, nc;
	const char **rel = strings_of(released, &nr), **cut = strings_of(rcs, &nc);
	struct rc_proposal p;
	/* the release policy's RC pattern */
	bool have = rc_propose(rel, nr, cut, nc, r->app->cfg->rc_pattern, &p);
	free((void *)rel);
	free((void *)cut);
	json_decref(released);
	json_decref(rcs);
	json_t *o = json_pack(
		"{s:s, s:s, s:O, s:o, s:s, s:o, s:s, s:o}", "repository", rp.full_name,
		"default_branch", rp.default_branch, "commit",
		json_array_size(green) ? json_array_get(green, 0) : json_null(), "version",
		have ? json_string(p.version) : json_null(), "target", p.target, "previous_release",
		p.previous[0] ? json_string(p.previous) : json_null(), "rc_pattern",
		r->app->cfg->rc_pattern ? r->app->cfg->rc_pattern : "v*-rc.*", "candidates", green);
	http_reply_json(r, 200, o);
}
