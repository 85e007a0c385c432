/*
 * db/environments.h — the statements of environments (table environments):
 * declaring the configuration's, the API's changes, and the environments
 * with their current deployment as the API shows them (rendered by the
 * database, see db/deployments_sql.h).
 *
 * Contract: every function runs on a connection the caller holds (in the
 * caller's transaction, when it has one) and returns what db_query returns
 * — rows found or changed (>= 0), or a negative enum db_status (logged with
 * its SQLSTATE).  A json_t handed out through an out-parameter belongs to
 * the caller (json_decref) and is set only on success.  Names are compared
 * ignoring case; only live (not deleted) environments are found.
 */
#ifndef SHIPLOG_DB_ENVIRONMENTS_H
#define SHIPLOG_DB_ENVIRONMENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/page.h"
#include "shiplog/db.h"

/* The first live environment (by sort_order, then id) that lists the Flux
 * object kind/namespace/name among its `flux` objects: 1 and *id, or 0. */
int db_environment_by_flux(struct db_conn *c, const char *kind, const char *ns, const char *name,
			   int64_t *id);

/* Environment `name`: 1 and *id, or 0. */
int db_environment_id(struct db_conn *c, const char *name, int64_t *id);

/* ---- the configuration's environments (at start, in one transaction) ---- */

/* Takes the transaction lock that serialises declaring environments
 * (several servers may start together). */
int db_environments_declare_lock(struct db_conn *c);

/* What an environment is made of (strings borrowed; NULL: none).  On an
 * update, only the fields whose set_ flag is true change. */
struct db_environment_fields {
	const char *name, *tier, *url, *description;
	const char *order; /* integer text */
	const char *flux;  /* canonical JSON array text ({kind, namespace, name}) */
	bool set_tier, set_url, set_description, set_order, set_flux;
};

/* Declares environment f (tier, order and flux required): created, or
 * changed to what the configuration says and managed by it again.  1 with
 * its id (integer text) and whether it is new, or 0 when nothing
 * changed. */
int db_environment_declare(struct db_conn *c, const struct db_environment_fields *f,
			   char id[24], bool *created);

/* Hands the environments the configuration manages but no longer declares
 * (names: the declared ones, an array literal) to the API: *released an
 * array of {"id", "name"}. */
int db_environments_release(struct db_conn *c, const char *names, json_t **released);

/* ---- the API's changes ---- */

/* Another live environment than `name` that claims one of the Flux objects
 * of `flux` (canonical JSON text): 1 and *claim {"environment", "kind",
 * "namespace", "name"}, or 0. */
int db_environment_flux_claim(struct db_conn *c, const char *name, const char *flux,
			      json_t **claim);

/* Creates environment f (tier "other" and the next order when not given),
 * managed by the API: 1 and its id, or 0 when the name is taken. */
int db_environment_insert(struct db_conn *c, const struct db_environment_fields *f,
			  const char *actor, char id[24]);

/* Locks environment `name` for a change: 1 with its id and whether the
 * configuration manages it, or 0. */
int db_environment_lock(struct db_conn *c, const char *name, char id[24], bool *by_config);

/* Changes the fields of environment `id` whose set_ flag is true. */
int db_environment_update(struct db_conn *c, const char *id, const struct db_environment_fields *f);

/* Deletes environment `id` (kept as deleted: its deployments stay). */
int db_environment_delete(struct db_conn *c, const char *id);

/* Environment `id` (deleted or not) as the audit trail keeps it: {name,
 * tier, url, description, order, flux, deleted}: 1 and *out, or 0. */
int db_environment_audit_row(struct db_conn *c, const char *id, json_t **out);

/* ---- reading ---- */

/* Environment `name` as GET /api/v1/environments/{name} shows it, "behind"
 * counted up to `now` (RFC 3339): 1 and *out, or 0.  On 1, *out is NULL
 * when the database's rendering does not parse. */
int db_environment_get(struct db_conn *c, const char *now, const char *name, json_t **out);

/* The environments (of `tier`, NULL: all) in their order: *items an array
 * of objects as db_environment_get's. */
int db_environments_list(struct db_conn *c, const char *now, const char *tier, json_t **items);

/* The deployments of environment `name`, latest started first (keyed by
 * (started_at, id)). */
int db_environment_deployments_page(struct db_conn *c, const char *name,
				    const struct db_page_query *q, struct db_page *page);

#endif
