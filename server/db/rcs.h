/*
 * db/rcs.h — the statements of release candidates (tables
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
#ifndef SHIPLOG_DB_RCS_H
#define SHIPLOG_DB_RCS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* ---- writing ---- */

/* The repository `full_name` (any case), recorded if it is new: 1 and *id. */
int db_rc_repository_ensure(struct db_conn *c, const char *full_name, int64_t *id);

#endif
