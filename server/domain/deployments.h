/*
 * domain/deployments.h — recording deployments whatever reports them
 * (Flux events, GitHub deployment statuses, POST /api/v1/deployments) and
 * resolving what they deployed: the facts and the decisions, as pure
 * functions (no database; unit-tested in tests/unit/test_deployments.c).
 * The statements that store them are in db/deployments.h.
 *
 * A deployment is keyed by (environment, source, origin, revision key):
 * the origin is the Flux object ("Kind/namespace/name"), the GitHub
 * deployment ("github:<repository id>:<deployment id>") or the API reporter
 * ("api:<owner/name>"); the revision key is the commit, digest or chart
 * version the revision stands for.  Repeats and retries land on the same
 * row.  Its status follows the merge rule: an event replaces the stored
 * status only when (rank, event time, tiebreak) is greater, with rank
 * queued 1 < in_progress 2 < success/failure/error/inactive 3, so a late
 * "Progressing" never undoes a "ReconciliationSucceeded", and of two final
 * events the later one wins.  started_at keeps the earliest event,
 * last_event_at the latest (it orders an environment's deployments to find
 * the current one).
 */
#ifndef SHIPLOG_DEPLOYMENTS_H
#define SHIPLOG_DEPLOYMENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What one report says (all strings borrowed; NULL = not known). */
struct deployment_fact {
	int64_t environment_id;
	const char *source;       /* flux | github | api */
	const char *origin_key;
	const char *revision;     /* as reported */
	const char *revision_kind; /* git | digest | chart | other */
	const char *revision_key;
	const char *ref;
	const char *commit_sha;
	const char *chart_version;
	const char *revision_digest;
	const char *object_kind, *object_namespace, *object_name;
	int64_t repository_id;    /* 0 = unknown */
	const char *const *artifact_digests;
	size_t n_artifact_digests;
	const char *status;       /* queued | in_progress | success | failure | error | inactive */
	const char *event_at;     /* RFC 3339: when the report was true (required) */
	const char *started_at;   /* optional: an explicit start (API) */
	const char *finished_at;  /* optional: an explicit end; else event_at when final */
	const char *reason, *message, *url;
};

/*
 * Fills the revision fields of f from a revision text (Flux syntax; see
 * domain/flux_revision.h).  An unparseable revision is kept as kind
 * "other" keyed by its text.  `buf` must outlive f (it holds the parsed
 * parts); returns false only for an empty revision.
 */
struct flux_revision;
bool deployment_fact_revision(struct deployment_fact *f, const char *text,
			      struct flux_revision *buf);

/* What a fact is written as: its merge-rule rank and tiebreak, and the
 * start and end it gives the deployment (borrowed from the fact). */
struct deployment_write {
	int rank;
	char tiebreak[65];
	const char *started_at;  /* the explicit start, else the event */
	const char *finished_at; /* the explicit end, else the event when final, else NULL */
};

/* Plans the write of f; false when f cannot be recorded (a status without
 * a rank, no event time or no revision key). */
bool deployment_write_plan(const struct deployment_fact *f, struct deployment_write *w);

/* A deployment row as the merge saw it (before or after a report). */
struct deployment_state {
	bool exists;
	char status[32];
	bool has_commit;
};

/* Did a report change what the deployment shows (created it, changed its
 * status or learnt its commit)?  Only then is "deployment.updated"
 * recorded. */
bool deployment_changed(const struct deployment_state *before,
			const struct deployment_state *after, bool created);

/* When a reported deployment (POST /api/v1/deployments) was true: its end
 * when finished, else now for a final status, else its start, else now. */
const char *deployment_report_event_at(const struct deployment_fact *f, const char *now);

/* ---- GitHub deployments folded into deployments ---- */

/* A GitHub deployment (kind 'd': it was created, so it is queued) or one
 * of its statuses (kind 's') that an environment of the same name has not
 * seen yet (strings borrowed; NULL = not known). */
struct github_deployment_row {
	char kind;
	const char *state;       /* GitHub's: pending, queued, in_progress, success, ... */
	const char *event_at;
	const char *description;
	const char *url;
	const char *sha;         /* lower-cased */
	const char *ref;
	int64_t github_id;       /* the deployment's */
	int64_t repository_id;
	int64_t environment_id;
};

/* A GitHub deployment state as a deployment status ("pending" is
 * "queued"), or NULL for a state that is none. */
const char *deployment_github_status(const char *state);

/* The fact a GitHub row reports, its origin written into origin (80 bytes
 * are enough); false when it reports none (a state that is no status, or
 * no lower-case commit SHA). */
bool deployment_fact_from_github(const struct github_deployment_row *row, char *origin,
				 size_t origin_size, struct deployment_fact *f);

/* ---- artifacts ---- */

/* An artifact offered again (same kind, name and version) compared with
 * the stored one: published artifacts are immutable. */
enum artifact_verdict {
	ARTIFACT_SAME,         /* nothing contradicts the stored artifact */
	ARTIFACT_DIGEST_LEARNT, /* the stored one had no digest: the offered one is learnt */
	ARTIFACT_OTHER_DIGEST, /* another digest than the stored one: refused */
};
enum artifact_verdict artifact_offer_verdict(const char *stored_digest, const char *offered_digest);

#endif
