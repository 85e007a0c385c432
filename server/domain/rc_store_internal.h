/*
 * domain/rc_store_internal.h — helpers shared by the release-candidate code:
 * rc_store.c, rc_read.c, rc_changes.c and, in api/, release_candidates.c,
 * feedback.c, releases.c and train.c.
 */
#ifndef SHIPLOG_RC_STORE_INTERNAL_H
#define SHIPLOG_RC_STORE_INTERNAL_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/rcs_internal.h"
#include "db/sql_time.h"

/* The staging environment the gates look at and its current deployment,
 * compared with an RC's commit on the repository's default branch. */
struct rcs_staging {
	bool found;
	char environment[128];
	bool has_deployment;
	int64_t deployment_id;
	char revision[300];
	char commit[48];
	char status[32];
	char reason[200];
	int64_t healthy_since_us;
	bool rc_seq_known, deployed_seq_known;
	int64_t rc_seq, deployed_seq, commits_between;
	bool digest_overlap;
};

struct db_conn;
struct config;
int rcs_load_staging(struct db_conn *c, const struct config *cfg, int64_t repo_id,
		     const char *branch, const char *commit, const char *digests_literal,
		     struct rcs_staging *out);

#endif
