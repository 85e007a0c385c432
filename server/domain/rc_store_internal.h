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

#endif
