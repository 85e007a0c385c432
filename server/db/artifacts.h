/*
 * db/artifacts.h — the statements of artifacts (table artifacts): build
 * outputs published through the API or reported by GitHub's package
 * webhooks.  Immutable: kind + name + version has one digest forever (what
 * an offer of the same artifact again means is decided by
 * artifact_offer_verdict() in domain/deployments.h).
 *
 * Contract: every function runs on a connection the caller holds (in the
 * caller's transaction, when it has one) and returns what db_query returns
 * — rows found or changed (>= 0), or a negative enum db_status (logged with
 * its SQLSTATE).  A json_t handed out through an out-parameter belongs to
 * the caller (json_decref) and is set only on success.
 */
#ifndef SHIPLOG_DB_ARTIFACTS_H
#define SHIPLOG_DB_ARTIFACTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/page.h"
#include "shiplog/db.h"

/* An artifact as reported (strings borrowed; NULL: not known). */
struct db_artifact {
	const char *kind, *name, *version, *digest, *uri;
	const char *size;            /* integer text */
	int64_t repository_id;       /* 0: unknown */
	const char *commit;
	const char *run_external_id; /* the CI run's own id (API only) */
	const char *labels;          /* JSON object text; NULL: {} */
};

/* Stores a new artifact published through the API (source 'api'): 1 and
 * its id (integer text), or 0 when kind + name + version exists. */
int db_artifact_insert_api(struct db_conn *c, const struct db_artifact *a, const char *actor,
			   char id[24]);

/* The same for an artifact GitHub reported (source 'github', no run id). */
int db_artifact_insert_github(struct db_conn *c, const struct db_artifact *a, const char *actor,
			      char id[24]);

/* The stored artifact of kind + name + version, locked for the caller's
 * transaction: 1, its id and its digest ("" with *has_digest false when it
 * has none; cut at 159 bytes), or 0. */
struct db_artifact_stored {
	char id[24];
	bool has_digest;
	char digest[160];
};
int db_artifact_lock(struct db_conn *c, const char *kind, const char *name, const char *version,
		     struct db_artifact_stored *out);

/* Fills what artifact `id` did not know (digest, uri, size, repository,
 * commit, run) from a, never overwriting: 1 when something was learnt. */
int db_artifact_fill(struct db_conn *c, const char *id, const struct db_artifact *a);

/* Sets the digest of artifact `id` if it has none: 1 when it was set. */
int db_artifact_learn_digest(struct db_conn *c, const char *id, const char *digest);

/* ---- reading ---- */

/* Filters of the artifacts list (NULL: any). */
struct db_artifacts_filter {
	const char *kind, *name, *version, *digest, *commit_prefix, *repository;
};

/* Artifacts, newest first: a page of GET /api/v1/artifacts objects, keyed
 * by id. */
int db_artifacts_page(struct db_conn *c, const struct db_artifacts_filter *f,
		      const struct db_page_query *q, struct db_page *page);

/* Artifact `id` (integer text) as GET /api/v1/artifacts/{id} shows it, with
 * "commit_detail", "run" and "environments" (each null when unknown): 1 and
 * *out, or 0.  On 1, *out is NULL when the database's rendering does not
 * parse. */
int db_artifact_get(struct db_conn *c, const char *id, json_t **out);

#endif
