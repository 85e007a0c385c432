/*
 * domain/deployments.h — recording deployments whatever reports them
 * (Flux events, GitHub deployment statuses, POST /api/v1/deployments) and
 * resolving what they deployed.
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
 *
 * Every function runs inside the caller's transaction unless it says
 * otherwise, and records "deployment.updated" for what it changed.
 */
#ifndef SHIPLOG_DEPLOYMENTS_H
#define SHIPLOG_DEPLOYMENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shiplog/db.h"

struct db_pool;

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

/* Records a report: upsert + status history + resolution of the artifact
 * and repository it names.  *id and *created may be NULL. */
int deployments_record(struct db_conn *c, const struct deployment_fact *f, const char *actor,
		       int64_t *id, bool *created);

/* Links deployments whose chart version or digest names an artifact now
 * known, and finds the repository of deployed commits from the
 * default-branch sequence.  Cheap when nothing is pending. */
int deployments_resolve(struct db_conn *c, const char *actor);

/*
 * Brings deployments up to date before a read, in its own transaction:
 * folds GitHub deployments/statuses of environments with the same name into
 * deployments, and resolves what deployments_resolve resolves (which also
 * covers artifacts written by the GitHub package mapper).  Skips the work
 * when another replica is doing it at the same moment.
 */
int deployments_settle(struct db_conn *c);

/* The id of repository "owner/name", created when unknown (in the caller's
 * transaction). */
int deployments_repository_id(struct db_conn *c, const char *full_name, int64_t *id);

#endif
