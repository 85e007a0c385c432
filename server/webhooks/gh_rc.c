/*
 * gh_rc.c — GitHub facts (tags, pre-releases, releases) folded into
 * release candidates and releases (see gh_rc.h): which fact does what; the
 * statements are db/release_candidates.c's, the decisions domain/rc_fold.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/release_candidates.h"
#include "db/deployments.h"
#include "shiplog/log.h"
#include "webhooks/gh_rc.h"
#include "webhooks/webhook.h"

static int apply_fact(struct db_conn *c, const struct config *cfg, const struct db_rc_fact *f,
		      const char *actor)
{
	const char *kind = f->kind;
	int64_t repo_id = f->repository_id;
	const char *name = f->name;
	const char *sha = f->sha;
	const char *at = f->at;
	int64_t release_id = f->release_id;
	const char *url = f->url;
	char fact[400];
	struct rc_cut cut = {0};
	cut.repository_id = repo_id;
	cut.version = name;
	cut.commit = sha;
	cut.at = at;
	cut.actor = actor;
	cut.fact = fact;
	int64_t rc_id;
	enum rc_cut_outcome outcome;
	char why[200];
	if (!strcmp(kind, "tag") || !strcmp(kind, "tag-sha")) {
		snprintf(fact, sizeof fact,
			 !strcmp(kind, "tag") ? "tag %.300s created"
					      : "tag %.300s points at its commit",
			 name);
		cut.source = RC_SOURCE_TAG;
		cut.tag_name = name;
		return db_rc_cut(c, cfg, &cut, &rc_id, &outcome, why, sizeof why);
	}
	if (!strcmp(kind, "prerelease")) {
		snprintf(fact, sizeof fact, "pre-release %.300s published", name);
		cut.source = RC_SOURCE_PRERELEASE;
		cut.prerelease_id = release_id;
		cut.html_url = url;
		return db_rc_cut(c, cfg, &cut, &rc_id, &outcome, why, sizeof why);
	}
	if (!strcmp(kind, "release")) {
		snprintf(fact, sizeof fact, "release %.300s published", name);
		return db_rc_github_released(c, cfg, repo_id, name, sha, release_id, url, fact,
					     actor, at);
	}
	if (!strcmp(kind, "tag-deleted")) {
		snprintf(fact, sizeof fact, "tag %.300s deleted", name);
		return db_rc_github_gone(c, repo_id, name, 0, fact, actor, at);
	}
	if (!strcmp(kind, "prerelease-deleted")) {
		snprintf(fact, sizeof fact, "pre-release %.300s deleted", name);
		return db_rc_github_gone(c, repo_id, name, release_id, fact, actor, at);
	}
	return DB_OK;
}

int rc_sync(struct db_conn *c, const struct config *cfg, int64_t repo_id, const char *actor)
{
	struct db_rc_facts facts;
	int n = db_rc_facts_pending(c, repo_id, &facts);
	db_rc_facts_free(&facts);
	if (n <= 0)
		return n;
	/* one folder at a time; then look again (another may have done it) */
	n = db_rc_sync_lock(c);
	if (n < 0)
		return n;
	n = db_rc_facts_pending(c, repo_id, &facts);
	const char *who = actor && *actor ? actor : "github";
	for (size_t i = 0; n >= 0 && i < facts.n; i++) {
		n = apply_fact(c, cfg, &facts.v[i], who);
		if (n >= 0)
			n = db_rc_fact_applied(c, facts.v[i].fact);
	}
	db_rc_facts_free(&facts);
	return n < 0 ? n : DB_OK;
}

struct settle_ctx {
	const struct config *cfg;
};

static int settle_tx(struct db_conn *c, void *arg)
{
	struct settle_ctx *x = arg;
	return rc_sync(c, x->cfg, 0, "github");
}

void rc_settle(struct db_conn *c, const struct config *cfg)
{
	/* the staging gate reads deployments: GitHub's are folded into them
	 * first, as for every other read of deployments */
	if (db_deployments_settle(c) < 0)
		log_msg(LOG_WARN, "release candidates: could not bring deployments up to date: %s",
			db_last_error(c));
	struct settle_ctx x = {cfg};
	if (db_transaction(c, settle_tx, &x) < 0)
		log_msg(LOG_WARN, "release candidates: could not fold GitHub facts: %s",
			db_last_error(c));
}

int rc_on_github_event(struct webhook_ctx *ctx)
{
	static const char *const events[] = {"push", "create", "delete", "release"};
	bool wanted = false;
	for (size_t i = 0; i < sizeof events / sizeof events[0]; i++)
		if (ctx->d && ctx->d->event && !strcmp(ctx->d->event, events[i]))
			wanted = true;
	if (!wanted || ctx->repo_id == 0)
		return WH_OK;
	int n = rc_sync(ctx->db, ctx->cfg, ctx->repo_id, ctx->actor);
	return n < 0 ? n : WH_OK;
}
