/*
 * webhooks/gh_rc.h — GitHub facts folded into release candidates and
 * releases.
 *
 * HOW GITHUB FACTS BECOME RC STATE.  The GitHub mappers (gh_git.c,
 * gh_releases.c) store tags and releases; rc_sync() folds the facts not yet
 * applied into release candidates and releases, each fact once (ledger
 * rc_facts_applied):
 *   - an RC-pattern tag (tags.is_rc)          → the RC of that version (testing)
 *   - a GitHub pre-release (not a draft)       → the RC of its tag (testing)
 *   - the commit of such a tag, learned later  → the RC's commit
 *   - a published non-pre-release release      → a release, and its RC released
 *     (also a pre-release turned into a release)
 *   - an RC tag or pre-release deleted, no GitHub source left → RC rejected
 * rc_sync runs inside the webhook delivery's transaction when the GitHub
 * endpoint calls rc_on_github_event() after the event's mapper, and again
 * (rc_settle(), own transaction) before every release-candidate, release
 * and train read — so the answers are right even for facts stored by a
 * replica that did not fold them.  rc_settle() settles deployments first
 * (db_deployments_settle()): the staging gate reads them.  It is idempotent
 * and order-independent: an RC cut after a newer one of the same target
 * starts superseded, an RC cut after its target was released is linked to
 * that release when it is the released commit, else superseded
 * (rc_arrival_decide, domain/rc.h).  rc_sync serialises on one advisory
 * lock while it has work; with nothing pending it is one query.  The
 * statements are db/release_candidates.h's (included here for the callers' reads).
 */
#ifndef SHIPLOG_GH_RC_H
#define SHIPLOG_GH_RC_H

#include <stdint.h>

#include "db/release_candidates.h"
#include "shiplog/config.h"
#include "shiplog/db.h"

struct webhook_ctx;

/* Folds the GitHub facts not yet applied (repo_id 0: every repository), in
 * the caller's transaction; returns a db_status (>= 0 success). */
int rc_sync(struct db_conn *c, const struct config *cfg, int64_t repo_id, const char *actor);

/* rc_sync in its own transaction, before a read.  Errors are logged and
 * swallowed: a read still answers from what is stored. */
void rc_settle(struct db_conn *c, const struct config *cfg);

/*
 * The hook for the GitHub webhook endpoint: call it from github_process()
 * (server/webhooks/github.c) after the event's mapper returned WH_OK, in the
 * same transaction.  Acts on push, create, delete and release events (the
 * ones that change tags and releases) and ignores the others; returns
 * WH_OK or a negative db_status.
 */
int rc_on_github_event(struct webhook_ctx *ctx);

#endif
