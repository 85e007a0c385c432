/*
 * db/release_candidates.h — the statements of release candidates (tables
 * release_candidates, rc_state_changes, shipped_releases as releases are
 * shipped, rc_facts_applied): listing and reading them, loading the facts
 * their answers are assembled from (server/domain/rc*.c), cutting and
 * moving them.
 *
 * Contract: every function runs on a connection the caller holds, in the
 * caller's transaction unless it says otherwise, and returns what db_query
 * returns — rows found or changed (>= 0; 1 or 0 for "the one X"), or a
 * negative enum db_status (logged with its SQLSTATE).  A json_t handed out
 * through an out-parameter is new (the caller json_decrefs it) and set
 * only on success; strings in a loaded struct are copies the struct owns
 * (freed with its _free function).
 */
#ifndef SHIPLOG_DB_RELEASE_CANDIDATES_H
#define SHIPLOG_DB_RELEASE_CANDIDATES_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/rc.h"
#include "shiplog/config.h"
#include "shiplog/db.h"

/* ---- listing ---- */

/*
 * A page of RCs, newest first (by id), filtered by repository (full name,
 * any case), state and target (each NULL: any), with ids below before_id.
 * Reads limit + 1 rows and returns how many: *items the RC summaries of the
 * first `limit`, *last_id the id of the last one shown when there are more.
 */
int db_rcs_page(struct db_conn *c, const char *repo, const char *state, const char *target,
		int64_t before_id, int limit, json_t **items, int64_t *last_id);

/* Is there an RC `rc_id`?  1 or 0. */
int db_rc_exists(struct db_conn *c, int64_t rc_id);

/* The newest (by version) open RC (draft, testing, approved) of repository
 * `repo_id`: *rc_id, 0 when there is none. */
int db_rc_newest_open(struct db_conn *c, int64_t repo_id, int64_t *rc_id);

/* ---- reading (the answers are assembled by domain/rc_answers.h) ---- */

/* One RC as JSON (with artifacts, history, allowed transitions, feedback
 * counts and the feedback to re-check): 1, or 0 when there is none. */
int db_rc_json(struct db_conn *c, int64_t rc_id, json_t **out);

/* What the RC runs on, for feedback: its artifact digests and the staging
 * environment's current deployment.  1, or 0 when there is no such RC. */
int db_rc_running_now(struct db_conn *c, const struct config *cfg, int64_t rc_id, json_t **out);

/* Readiness: {release_candidate, verdict, ready, evaluated_at, gates[]},
 * from the facts of the gates the configuration evaluates.  1, or 0 when
 * there is no such RC. */
int db_rc_readiness(struct db_conn *c, const struct config *cfg, int64_t rc_id, int64_t now_us,
		    json_t **out);

/* Changes: the PRs merged on the default branch after the previous release
 * up to the RC's commit, grouped, and the difference to the previous RC of
 * the same target (bounds: server/domain/rc_changes.c).  1, or 0 when
 * there is no such RC. */
int db_rc_changes(struct db_conn *c, int64_t rc_id, json_t **out);

/* The PRs merged on `repo_id`'s default branch since its latest release
 * (up to its head): for the train.  New array in *out. */
int db_rc_changes_since_last_release(struct db_conn *c, int64_t repo_id, json_t **out);

/*
 * For the journey and "where is my change" (server/api/journey.c): the RCs
 * and releases of `repo_id` that contain commit `sha` (40 hex, or a prefix
 * of at least 7), oldest first.  Containment: the RC's (release's) commit
 * is the commit, or comes at or after it on the default branch
 * (branch_sequence).  Appends to the caller's arrays:
 *   out_rcs:      {"id", "version", "target", "state", "commit",
 *                  "cut_at", "feedback": {"count", "first_at", "last_at",
 *                  "approve", "concern", "block"}}
 *   out_releases: {"id", "version", "tag", "released_at", "rc_id", "commit",
 *                  "url"}
 * Either array may be NULL.  Read-only; call rc_settle() first for fresh
 * GitHub facts.
 */
int rc_containing_commit(struct db_conn *c, int64_t repo_id, const char *sha, json_t *out_rcs,
			 json_t *out_releases);

/*
 * The journey's last steps for commit `sha` of `repo_id` (the merge commit
 * of a PR), appended to `steps` in the journey's step format
 * {"step", "title", "status" done|pending, "at", "detail"}.  They are about
 * the release that shipped the change — the first release containing it —
 * and its candidates: the RCs of that release's target that contain the
 * change, up to the RC it was released from (not released yet: the RCs of
 * the first containing RC's target):
 *   "in_rc"     In RC <version>   — the first of those candidates (cut_at);
 *                                   detail.release_candidates: all of them
 *   "feedback"  Feedback          — the first feedback on those candidates;
 *                                   detail: counts by verdict
 *   "released"  Released in <v>   — the first release containing it
 * Steps not reached are "pending" with "at" null.  The RCs and releases
 * that merely contain it too (later ones, other targets) go to `also_in`
 * (an object): "release_candidates" and "releases", oldest first, in the
 * formats of rc_containing_commit().  Loads with rc_containing_commit();
 * the steps are rc_answer_journey() (domain/rc_answers.h).
 */
int rc_journey_steps(struct db_conn *c, int64_t repo_id, const char *sha, json_t *steps,
		     json_t *also_in);

/* ---- cutting and changing RCs ---- */

/* The repository `full_name` (any case), recorded if it is new: 1 and *id. */
int db_rc_repository_ensure(struct db_conn *c, const char *full_name, int64_t *id);

/*
 * Every change records a domain event ("rc.created", "rc.updated",
 * "rc.state_changed", "release.shipped"; feedback's are db/feedback.h's)
 * and every state change a row of rc_state_changes (from, to, reason,
 * source api|github|shiplog, fact, actor, time).  Cutting and releasing a
 * target serialise on an advisory lock of (repository, target).  These
 * return DB_OK (or another status >= 0) on success.
 */

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
int db_rc_cut(struct db_conn *c, const struct config *cfg, const struct rc_cut *cut, int64_t *rc_id,
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
int db_rc_transition(struct db_conn *c, int64_t rc_id, enum rc_state to, const struct rc_change *why,
		     bool manual, enum rc_state *from, bool *allowed, bool *found);

/*
 * A person's state change (PATCH), readiness enforced.  The RC's row is
 * locked (FOR UPDATE) first, so what is checked below is what the write
 * changes: a concurrent change waits, then finds the state this one left.
 * In order:
 *   no such RC                                       RC_MOVE_NOT_FOUND
 *   m->expected >= 0 and the RC is in another state  RC_MOVE_STATE_CHANGED
 *   a transition rc_state_allows() refuses           RC_MOVE_ILLEGAL
 *   to approved or released: readiness evaluated now, in this transaction
 *   (db_rc_readiness, the answer of GET .../readiness); out->gates the gates
 *   not passed (rc_readiness_unready).  Not ready (rc_readiness_rule):
 *     without an override_reason                     RC_MOVE_NOT_READY
 *     with one: moved, the override recorded (rc_overrides, its history
 *     entry's) and rc.overridden enqueued            RC_MOVE_DONE, overridden
 *   else moved                                       RC_MOVE_DONE
 * Nothing changes unless it is RC_MOVE_DONE.  Moving to released records the
 * release like db_rc_transition.  Whether the caller may override (the
 * release scope) is the caller's to check.  out->gates is new (the caller
 * json_decrefs it; NULL when readiness was not needed); out must start
 * zeroed — a retried transaction frees what the attempt before left.
 */
struct rc_move {
	int64_t rc_id;
	enum rc_state to;
	int expected;		     /* enum rc_state the caller saw; -1: not given */
	const char *override_reason; /* NULL: no override */
	struct rc_change why;
	int64_t now_us; /* when readiness is evaluated */
};

enum rc_move_outcome {
	RC_MOVE_DONE,
	RC_MOVE_NOT_FOUND,
	RC_MOVE_STATE_CHANGED,
	RC_MOVE_ILLEGAL,
	RC_MOVE_NOT_READY,
};

struct rc_move_result {
	enum rc_move_outcome outcome;
	enum rc_state from; /* the state it was in (not RC_MOVE_NOT_FOUND) */
	json_t *gates;	    /* [{name, status, reason}] not passed */
	bool overridden;
};

int db_rc_move(struct db_conn *c, const struct config *cfg, const struct rc_move *m,
	       struct rc_move_result *out);

/* ---- GitHub facts (folded by server/webhooks/gh_rc.c) ---- */

/* Rejects the RCs named by a deleted tag / pre-release (prerelease_id 0:
 * none) when no GitHub source of theirs is left. */
int db_rc_github_gone(struct db_conn *c, int64_t repo_id, const char *tag, int64_t prerelease_id,
		      const char *fact, const char *actor, const char *at);

/* A published release of `tag` (its commit `sha`, may be NULL): records the
 * release of its target (the release name under the configuration's RC
 * pattern), the RC it ships released (rc_release_pick) and the target's
 * other open RCs superseded.  An RC it moves to released while not ready
 * (readiness evaluated now, as GET .../readiness) is released all the same
 * — GitHub is the truth of what shipped — and marked: released_unready_at
 * (`at`) and the gates not passed (the RC's released_without_readiness). */
int db_rc_github_released(struct db_conn *c, const struct config *cfg, int64_t repo_id,
			  const char *tag, const char *sha, int64_t github_release_id,
			  const char *url, const char *fact, const char *actor, const char *at);

/* A GitHub fact not folded yet (strings borrowed from the facts' result). */
struct db_rc_fact {
	const char *fact; /* its key in rc_facts_applied */
	const char *kind; /* tag, tag-sha, tag-deleted, prerelease, release,
			   * prerelease-deleted */
	int64_t repository_id;
	const char *name; /* the tag */
	const char *sha;  /* NULL when unknown */
	const char *at;	  /* RFC 3339 with microseconds */
	int64_t release_id; /* releases.id, 0: none */
	const char *url;    /* may be NULL */
};

struct db_rc_facts {
	struct db_rc_fact *v;
	size_t n;
	PGresult *res;
};

/* The facts not folded yet of repository `repo_id` (0: every one), oldest
 * first, at most 500: their number.  Free with db_rc_facts_free (also after
 * a failure). */
int db_rc_facts_pending(struct db_conn *c, int64_t repo_id, struct db_rc_facts *out);
void db_rc_facts_free(struct db_rc_facts *f);

/* Waits for the advisory lock the folders take turns on (until the end of
 * the transaction). */
int db_rc_sync_lock(struct db_conn *c);

/* Records that a fact has been folded. */
int db_rc_fact_applied(struct db_conn *c, const char *fact);

#endif
