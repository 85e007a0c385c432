/*
 * db/deployments.h — the statements of deployments (tables deployments,
 * deployment_statuses, deployment_github_applied), of GitHub's deployments
 * as the webhooks store them (github_deployments,
 * github_deployment_statuses), and of the repository a report names.  What
 * a report means (its rank, tiebreak, times; whether it changed anything;
 * what a GitHub status becomes) is decided in domain/deployments.h.
 *
 * Contract: every function runs on a connection the caller holds, inside
 * the caller's transaction unless it says otherwise, and returns rows found
 * or changed (>= 0), DB_OK, or a negative enum db_status (logged with its
 * SQLSTATE).  Recording functions also record the domain event
 * "deployment.updated" for what they changed.  A json_t handed out through
 * an out-parameter belongs to the caller (json_decref) and is set only on
 * success.  Strings in the structs passed in are borrowed.
 */
#ifndef SHIPLOG_DB_DEPLOYMENTS_H
#define SHIPLOG_DB_DEPLOYMENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/page.h"
#include "domain/deployments.h"
#include "shiplog/db.h"

/* ---- recording ---- */

/* Records a report: upsert + status history + resolution of the artifact
 * and repository it names.  A fact deployment_write_plan() refuses is
 * DB_HARD_ERROR.  *id and *created may be NULL. */
int db_deployments_record(struct db_conn *c, const struct deployment_fact *f, const char *actor,
			  int64_t *id, bool *created);

/* Links deployments whose chart version or digest names an artifact now
 * known, and finds the repository of deployed commits from the
 * default-branch sequence.  Cheap when nothing is pending.  DB_OK or < 0. */
int db_deployments_resolve(struct db_conn *c, const char *actor);

/*
 * Brings deployments up to date before a read, in its own transaction:
 * folds GitHub deployments/statuses of environments with the same name into
 * deployments, and resolves what db_deployments_resolve resolves (which
 * also covers artifacts written by the GitHub package mapper).  Skips the
 * work when another replica is doing it at the same moment.  A failure is
 * logged (the read goes on with what is there).
 */
int db_deployments_settle(struct db_conn *c);

/* The id of repository "owner/name" into *id, created when unknown (in the
 * caller's transaction).  DB_OK or < 0. */
int db_deployments_repository_id(struct db_conn *c, const char *full_name, int64_t *id);

/* ---- GitHub's deployments, as the webhooks report them ---- */

struct db_github_deployment {
	int64_t repository_id;
	const char *github_id; /* integer text */
	const char *environment, *sha, *ref, *task, *creator, *description;
	const char *created_at, *updated_at; /* RFC 3339 or NULL */
	const char *tiebreak;  /* of (environment, sha, ref, task, description) */
};

/* Upserts a GitHub deployment (what the greatest (updated_at, tiebreak)
 * says wins): 1, its row id (integer text, 24 bytes) into row_id and
 * whether it is new into *inserted. */
int db_github_deployment_upsert(struct db_conn *c, const struct db_github_deployment *d,
				char row_id[24], bool *inserted);

struct db_github_deployment_status {
	int64_t repository_id;
	const char *github_id, *deployment_github_id; /* integer text */
	const char *state, *environment, *target_url, *description, *created_at, *log_url;
};

/* Stores a status (an immutable fact: a repeat only fills what was not
 * known): 1 and whether it is new into *inserted. */
int db_github_deployment_status_insert(struct db_conn *c,
				       const struct db_github_deployment_status *s,
				       bool *inserted);

/* ---- reading ---- */

/* Filters of the deployments list (NULL: any). */
struct db_deployments_filter {
	const char *environment, *status, *commit_prefix, *repository, *source;
};

/* Deployments, latest started first: a page of GET /api/v1/deployments
 * objects, keyed by (started_at, id). */
int db_deployments_page(struct db_conn *c, const struct db_deployments_filter *f,
			const struct db_page_query *q, struct db_page *page);

/* Deployment `id` (integer text) as GET /api/v1/deployments/{id} shows it,
 * with "history" (its statuses, oldest first): 1 and *out, or 0.  On 1,
 * *out is NULL when the database's rendering does not parse. */
int db_deployment_get(struct db_conn *c, const char *id, json_t **out);

#endif
