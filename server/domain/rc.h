/*
 * domain/rc.h — release candidates: the pure rules (no database), unit-
 * tested in tests/unit/test_rc_*.c.  The database side is db/release_candidates.h.
 *
 * VERSIONS.  An RC's version is a tag name such as v0.38.0-rc.2; its target
 * release is derived from it with the RC pattern (releases.rc_pattern, an
 * fnmatch glob, default "v*-rc.*"): the literal text after the pattern's
 * first '*' ("-rc.") marks where the RC suffix begins, so v0.38.0-rc.2 →
 * v0.38.0.  A version without that marker loses its SemVer pre-release part
 * instead (a GitHub pre-release tagged v0.38.0-beta.1 → v0.38.0), and a
 * plain version is its own target (the pre-release v0.38.0 that is later
 * ticked "released").  Versions compare by SemVer precedence (a leading
 * "v" ignored, numeric pre-release identifiers numerically: rc.10 > rc.9).
 *
 * STATES.  draft → testing → approved | rejected → released, plus
 * superseded.  Manual changes (PATCH) follow the table in rc_state.c;
 * facts from GitHub (tag created, pre-release published, release published,
 * tag deleted) and superseding are applied whatever the table says and are
 * recorded with their source.  released, rejected and superseded are closed:
 * no more feedback.
 *
 * CUTTING AND FOLDING.  A new RC of a target starts open unless a newer
 * RC of that target exists (then it is superseded by the newest) or the
 * target was released (then it is that release's RC when it is the
 * released commit and the release has none yet, else superseded); an open
 * RC supersedes the older open ones of its target.  A published release
 * ships the pre-release of its tag, else the RC of the released commit,
 * else the newest open RC, else the newest not rejected (rc_fold.c; the
 * statements are db/release_candidates.c, the GitHub facts webhooks/gh_rc.c).
 *
 * FEEDBACK STATUS.  open → acknowledged → resolved (open → resolved too);
 * resolved → open reopens.
 *
 * CADENCE.  Planned release days are anchor + k × every_days (k any
 * integer).  Without an anchor the first `weekday` of 1970 is the anchor.
 * Days are counted from 1970-01-01 (UTC).
 *
 * GATES.  Each gate is a pure function of facts the store loaded; it gives
 * passed / failed / pending, a human reason and evidence (a JSON object).
 */
#ifndef SHIPLOG_RC_H
#define SHIPLOG_RC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shiplog/config.h"

/* ---- versions ---- */

struct rc_semver {
	long major, minor, patch;
	char pre[128]; /* pre-release identifiers, "" when none */
};

/* Parses [v]MAJOR.MINOR.PATCH[-pre][+build]; false when it is not SemVer. */
bool rc_semver_parse(const char *version, struct rc_semver *out);

/* <0, 0, >0 by SemVer precedence; a non-SemVer version sorts before any
 * SemVer one, and two non-SemVer versions compare as strings. */
int rc_version_compare(const char *a, const char *b);

/* The index of the highest of n versions below `below` (NULL: of all), the
 * first of equal ones; -1 when there is none. */
int rc_version_highest(const char *const *versions, size_t n, const char *below);

/* The target release of `version` under `rc_pattern` (NULL: "v*-rc.*"),
 * into out.  False only when out is too small or version empty. */
bool rc_target_of(const char *version, const char *rc_pattern, char *out, size_t size);

/* ---- states ---- */

enum rc_state {
	RC_DRAFT,
	RC_TESTING,
	RC_APPROVED,
	RC_REJECTED,
	RC_RELEASED,
	RC_SUPERSEDED,
	RC_STATE__COUNT
};

const char *rc_state_name(enum rc_state s);
int rc_state_parse(const char *s); /* -1 when unknown */
/* May a person move an RC from `from` to `to` (PATCH)? */
bool rc_state_allows(enum rc_state from, enum rc_state to);
/* The states a person may move `from` to, in table order; returns how many. */
size_t rc_state_allowed(enum rc_state from, enum rc_state *out, size_t max);
/* Closed RCs take no more feedback. */
bool rc_state_closed(enum rc_state s);

/*
 * READINESS IS ENFORCED.  A person's move to approved or released needs the
 * RC ready (every gate passed); otherwise it is refused (409 not-ready,
 * listing the gates not passed) unless the request overrides it with a
 * reason (who may: the release scope, checked by the API).  An override of
 * a ready RC is no override: nothing is recorded.  GitHub's facts are
 * applied whatever the gates say (a release is marked when it was not
 * ready).
 */
bool rc_state_needs_readiness(enum rc_state to);

enum rc_readiness_rule {
	RC_READINESS_GO,       /* no readiness needed, or ready */
	RC_READINESS_OVERRIDE, /* not ready, overridden: record the override */
	RC_READINESS_REFUSE,   /* not ready, no override: refuse */
};
enum rc_readiness_rule rc_readiness_rule(enum rc_state from, enum rc_state to, bool ready,
					 bool override_given);

/* Why an override reason will not do (for a 400), or NULL: it must say
 * something — not only spaces, tabs and line breaks. */
const char *rc_override_reason_problem(const char *reason);

enum feedback_status { FEEDBACK_OPEN, FEEDBACK_ACKNOWLEDGED, FEEDBACK_RESOLVED, FEEDBACK__COUNT };

const char *rc_feedback_status_name(enum feedback_status s);
int rc_feedback_status_parse(const char *s); /* -1 when unknown */
bool rc_feedback_status_allows(enum feedback_status from, enum feedback_status to);
size_t rc_feedback_status_allowed(enum feedback_status from, enum feedback_status *out, size_t max);

/* Who may acknowledge, resolve or reopen a piece of feedback: the identity
 * that gave it (created_by), a member of that identity's team (the config's
 * team map), whoever holds the release scope (release managers: a token, or
 * a role of the configuration), or an admin.  Holding the feedback scope is
 * not enough. */
enum feedback_right {
	FEEDBACK_RIGHT_NONE,
	FEEDBACK_RIGHT_AUTHOR,
	FEEDBACK_RIGHT_TEAM,
	FEEDBACK_RIGHT_ADMIN,
	FEEDBACK_RIGHT_RELEASE,
};
struct auth_identity;
enum feedback_right rc_feedback_right(const struct config *cfg, const struct auth_identity *who,
				      const char *created_by);
/* Why `who` may not (for a 403): "only the author (X), their team (T), a
 * release manager or an admin may <verb> this feedback". */
void rc_feedback_refusal(const struct config *cfg, const char *created_by, const char *verb,
			 char *buf, size_t size);

/* ---- cutting and folding ---- */

/* Is `state` (text) an open state (draft, testing, approved)? */
bool rc_state_is_open(const char *state);

/* Another RC of the same target, as stored (commit NULL when unknown). */
struct rc_sibling {
	int64_t id;
	const char *version, *state, *commit;
};

/* The release of a target, as stored: found, whether an RC is linked to
 * it, its commit (NULL when unknown). */
struct rc_release_fact {
	bool found, has_rc;
	const char *commit;
};

/*
 * Where a new RC starts, given the other RCs of its target (`sib`) and the
 * target's release (`rel`, may be NULL: none):
 *   released   the target was released from this commit (and no RC is
 *              linked to the release yet): the RC is that release's;
 *   superseded a newer RC of the target was cut (`newer`: the newest of
 *              them, which supersedes it), or the target was released;
 *   open       else (it then supersedes the older open RCs, rc_supersedes).
 * `reason` says why for the first two.
 */
enum rc_arrives { RC_ARRIVES_OPEN, RC_ARRIVES_RELEASED, RC_ARRIVES_SUPERSEDED };
struct rc_arrival {
	enum rc_arrives arrives;
	int newer; /* index into sib, -1: none */
	char reason[300];
};
void rc_arrival_decide(const char *version, const char *target, const char *commit,
		       const struct rc_sibling *sib, size_t n, const struct rc_release_fact *rel,
		       struct rc_arrival *out);

/* Does a new RC of `version` supersede `older` (open, and an earlier
 * version)? */
bool rc_supersedes(const char *version, const struct rc_sibling *older);

/* Does an API cut of RC `version` conflict with the RC stored: another
 * commit than the stored one, or other digests (`other_digests`, the
 * stored ones listed in stored_digests)?  `why` names the field. */
bool rc_cut_conflicts(const char *version, const char *stored_commit, const char *commit,
		      bool other_digests, const char *stored_digests, char *why, size_t why_size);

/* The RC a published release of `tag` (its commit `sha`, may be NULL)
 * ships, among the RCs of that version or target: the pre-release of the
 * tag itself, else the RC of the released commit (not rejected), else the
 * newest RC still open, else the newest not rejected; -1 when none fits. */
int rc_release_pick(const char *tag, const char *sha, const struct rc_sibling *rcs, size_t n);

/* ---- calendar and cadence ---- */

/* Day arithmetic (days from civil and back, weekdays): shiplog/clock.h. */
/* "YYYY-MM-DD" → days; false when malformed. */
bool rc_parse_date(const char *s, int64_t *days);
/* days → "YYYY-MM-DD" (buf ≥ 11). */
void rc_format_date(int64_t days, char *buf, size_t size);

/* The first planned release day on or after `day`; false without a cadence. */
bool rc_cadence_next(const struct config_cadence *c, int64_t day, int64_t *out);
/* The last planned release day on or before `day`; false without a cadence. */
bool rc_cadence_previous(const struct config_cadence *c, int64_t day, int64_t *out);

/* ---- readiness gates ---- */

enum rc_gate_status { RC_GATE_PASSED, RC_GATE_FAILED, RC_GATE_PENDING };

const char *rc_gate_status_name(enum rc_gate_status s);

struct rc_gate {
	enum rc_gate_status status;
	char reason[600];
	json_t *evidence; /* new reference, owned by the gate (rc_gate_clear) */
};

void rc_gate_clear(struct rc_gate *g);

/* One job of the latest attempt of a run on the RC's commit; a run with no
 * jobs reported is one entry with name NULL (its run-level state counts). */
struct rc_job_fact {
	int64_t run_id;
	const char *workflow;
	int attempt;
	int64_t job_id;		/* 0 for a run-level entry */
	const char *name;	/* NULL: the run itself */
	const char *status;	/* queued, in_progress, waiting, completed (may be NULL) */
	const char *conclusion; /* when completed */
	bool required;
	bool e2e;
	const char *completed_at; /* RFC 3339 or NULL */
};

/* Is a completed conclusion a pass (success, skipped, neutral)? */
bool rc_conclusion_passes(const char *conclusion);

/* CI green: every required job of the latest attempts passed.  The e2e
 * stage is the smoke gate's (so each gate fails on its own) unless
 * include_e2e (when the smoke gate is switched off). */
void rc_gate_ci(const struct rc_job_fact *jobs, size_t n, const char *sha, bool include_e2e,
		struct rc_gate *out);
/* Smoke tests: the required e2e jobs passed (optional ones never fail it). */
void rc_gate_smoke(const struct rc_job_fact *jobs, size_t n, const char *sha, struct rc_gate *out);

/* An artifact the RC ships (kind, name, version, digest may be NULL). */
struct rc_artifact_fact {
	int64_t id;
	const char *kind, *name, *version, *digest;
};

/* Artifacts complete: each "kind:name" of `required` is among `have` with a
 * digest.  Missing ones are pending while CI is still running on the
 * commit (`ci_settled` false), failed once it is not. */
void rc_gate_artifacts(char *const *required, size_t n_required,
		       const struct rc_artifact_fact *have, size_t n_have, bool ci_settled,
		       struct rc_gate *out);

enum rc_revision_relation {
	RC_REV_SAME,	   /* staging runs the RC's commit */
	RC_REV_DESCENDANT, /* a later commit of the default branch */
	RC_REV_ANCESTOR,   /* an earlier one: the RC is not deployed yet */
	RC_REV_UNKNOWN,	   /* not comparable (not on the default branch, a chart...) */
};

struct rc_staging_fact {
	const char *environment; /* its name */
	bool has_deployment;
	int64_t deployment_id;
	const char *revision;	     /* as reported */
	const char *deployed_commit; /* may be NULL */
	enum rc_revision_relation relation;
	long commits_after;	  /* RC_REV_DESCENDANT: how many commits later */
	const char *status;	  /* the deployment's status */
	const char *reason;	  /* its reason, may be NULL */
	int64_t healthy_since_us; /* 0: not healthy */
	int64_t now_us;
	unsigned soak_seconds;
	bool descendant_counts;
};

void rc_gate_staging(const struct rc_staging_fact *f, struct rc_gate *out);

struct rc_team_count {
	const char *team;
	int min;
	int have; /* distinct verified approvers of that team */
};

struct rc_block_fact {
	int64_t feedback_id;
	const char *author, *team, *rc_version, *area;
	bool carried_over; /* given on an earlier RC of the same target */
};

void rc_gate_feedback(const struct rc_team_count *teams, size_t n_teams,
		      const struct rc_block_fact *blocks, size_t n_blocks, struct rc_gate *out);

/* "ready" when every gate passed, "failed" when one failed, else "pending". */
const char *rc_verdict(const struct rc_gate *gates, size_t n);

/* "2 h 5 min", "45 s" ... (buf ≥ 32). */
void rc_format_duration(int64_t seconds, char *buf, size_t size);

/* ---- release notes ---- */

/* The categories of release notes, in the order they are printed. */
struct rc_note_category {
	const char *key;     /* JSON group key: enhancement, ui, bug, test, dependencies,
			      * uncategorised */
	const char *heading; /* Markdown heading: Enhancements, UI, ... Uncategorized */
};

#define RC_NOTE_CATEGORIES 6
extern const struct rc_note_category rc_note_categories[RC_NOTE_CATEGORIES];

/* The category index of a PR with these labels (names, any case), or -1
 * when it is labelled "exclude from release notes". */
int rc_note_category_of(const char *const *labels, size_t n);

/*
 * Markdown release notes from changes grouped as the changes endpoint
 * groups them: `groups` is an object {category key: [{number, title}...]}.
 * `since` (may be NULL) names the previous release.  Returns a new string
 * (caller frees).  Each line is "- PR: #N - TITLE"; control characters in
 * titles become spaces.
 */
char *rc_notes_markdown(const char *version, const char *since, const json_t *groups);

#endif
