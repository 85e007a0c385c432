/*
 * domain/rc_store.h — release candidates, releases and feedback in the
 * database: cutting and merging RCs, state changes with their history,
 * folding GitHub facts in, readiness, changes, and what contains a commit.
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
 * (deployments_settle()): the staging gate reads them.  It is idempotent and order-independent:
 * an RC cut after a newer one of the same target starts superseded, an RC
 * cut after its target was released is linked to that release when it is
 * the released commit, else superseded.  rc_sync serialises on one advisory
 * lock while it has work; with nothing pending it is one query.
 *
 * Every change records a domain event ("rc.created", "rc.updated",
 * "rc.state_changed", "release.shipped", "feedback.created",
 * "feedback.updated") and every state change a row of rc_state_changes
 * (from, to, reason, source api|github|shiplog, fact, actor, time).
 *
 * All functions run in the caller's transaction unless they say otherwise
 * and return a db_status (>= 0 success).
 */
#ifndef SHIPLOG_RC_STORE_H
#define SHIPLOG_RC_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/rcs.h"
#include "domain/rc.h"
#include "shiplog/config.h"
#include "shiplog/db.h"

struct webhook_ctx;

/* ---- GitHub facts ---- */

/* Folds the GitHub facts not yet applied (repo_id 0: every repository). */
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

/* ---- cutting and changing RCs ---- */

enum rc_source { RC_SOURCE_TAG, RC_SOURCE_PRERELEASE, RC_SOURCE_API };

struct rc_cut {
	int64_t repository_id;
	const char *version;
	const char *commit; /* 40 hex or NULL */
	enum rc_source source;
	const char *tag_name;	    /* may be NULL */
	int64_t prerelease_id;	    /* releases.id, 0 = none */
	const char *html_url;	    /* may be NULL */
	const char *const *digests; /* API: artifact digests given */
	size_t n_digests;
	const char *notes; /* may be NULL */
	const char *at;	   /* RFC 3339: when it was cut */
	const char *actor;
	const char *fact; /* "tag v1.2.0-rc.1 created", NULL for the API */
};

enum rc_cut_outcome { RC_CUT_CREATED, RC_CUT_MERGED, RC_CUT_CONFLICT };

/* Creates the RC of (repository, version) or merges this source into it.
 * RC_CUT_CONFLICT (nothing changed; `why` says which field) when an API cut
 * names another commit or other digests than the RC has. */
int rc_cut(struct db_conn *c, const struct config *cfg, const struct rc_cut *cut, int64_t *rc_id,
	   enum rc_cut_outcome *outcome, char *why, size_t why_size);

struct rc_change {
	const char *reason; /* may be NULL */
	const char *source; /* "api" | "github" | "shiplog" */
	const char *fact;   /* may be NULL */
	const char *actor;
	const char *at; /* RFC 3339 */
};

/*
 * Moves an RC to `to`.  manual: only a transition rc_state_allows() permits
 * (else *allowed = false and nothing changes).  Moving to released also
 * records the release (version = the RC's target) unless one exists.
 * *from gets the state it was in; *found false when there is no such RC.
 */
int rc_transition(struct db_conn *c, int64_t rc_id, enum rc_state to, const struct rc_change *why,
		  bool manual, enum rc_state *from, bool *allowed, bool *found);

#endif
