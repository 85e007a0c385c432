/*
 * db/releases.h — the statements that read shipped releases (table
 * shipped_releases; writing them is part of cutting and folding release
 * candidates, db/release_candidates.h) and the release train's repository.
 *
 * Contract: every function runs on a connection the caller holds and
 * returns what db_query returns — rows found (>= 0), or a negative enum
 * db_status (logged with its SQLSTATE).  A json_t handed out through an
 * out-parameter is new (the caller json_decrefs it) and set only on
 * success.
 */
#ifndef SHIPLOG_DB_RELEASES_H
#define SHIPLOG_DB_RELEASES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shiplog/db.h"

/* The last row of a page, for the next page's cursor: its id and its time
 * (RFC 3339 with microseconds). */
struct db_page_end {
	int64_t id;
	char time[48];
};

/*
 * A page of releases, newest first (released_at, then id), of repository
 * `repo` (full name, any case; NULL: all) before the cursor (before_time
 * NULL: by id only, before_id).  Reads limit + 1 rows and returns how many:
 * *items the release objects of the first `limit`, *days the UTC day
 * ("YYYY-MM-DD") of each, in the same order, and *last the last one shown
 * when there are more.
 */
int db_releases_page(struct db_conn *c, const char *repo, const char *before_time,
		     int64_t before_id, int limit, json_t **items, json_t **days,
		     struct db_page_end *last);

/* One release (id as text) and its UTC day (day ≥ 11 bytes): 1, or 0 when
 * there is none (*out NULL). */
int db_release_get(struct db_conn *c, const char *id, json_t **out, char *day, size_t day_size);

/* The last 20 releases of repository `repo_id`, newest first: *items
 * {id, version, tag, released_at, release_candidate} and *days their UTC
 * days, in the same order. */
int db_releases_past(struct db_conn *c, int64_t repo_id, json_t **items, json_t **days);

/* The release train's repository: `repo` (full name, any case) when given,
 * else the one with the latest RC or release, else `first_configured`:
 * 1 with *id and name, or 0 (*id 0) when there is none. */
int db_train_repository(struct db_conn *c, const char *repo, const char *first_configured,
			int64_t *id, char *name, size_t name_size);

/* ---- GitHub releases (table releases), as the webhook stores them ---- */

/* A release as one delivery describes it (borrowed strings; draft and
 * prerelease "true", "false" or NULL when the payload does not say). */
struct db_github_release {
	int64_t repository_id;
	const char *github_id, *tag, *name, *body, *draft, *prerelease, *target, *author,
		*html_url, *created_at, *published_at;
	bool deleted;
	const char *action, *event_at, *tiebreak;
};

/* What the release is after the delivery: its id (text) and whether it
 * is deleted. */
struct db_github_release_stored {
	char id[24];
	bool deleted;
};

/* Stores the delivery's description of a release per (repository, GitHub
 * id): each field as said by the event with the greatest (event_at,
 * tiebreak), what one event leaves out kept from the others, a deletion
 * final.  1, or a failure. */
int db_release_github_upsert(struct db_conn *c, const struct db_github_release *r,
			     struct db_github_release_stored *out);

#endif
