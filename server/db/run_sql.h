/*
 * db/run_sql.h — SQL fragments for a run with its latest attempt, shared by
 * the statements of db/repos.c and db/pulls.c.  String-literal fragments,
 * so a statement built with them stays a literal.
 */
#ifndef SHIPLOG_DB_RUN_SQL_H
#define SHIPLOG_DB_RUN_SQL_H

#include "db/sql_time.h"

/* The latest attempt of run r (alias la). */
#define LATEST_ATTEMPT                                                                           \
	" LEFT JOIN LATERAL (SELECT a.attempt, a.status, a.conclusion, a.html_url, "            \
	"  a.completed_at FROM run_attempts a WHERE a.run_id = r.id "                           \
	"  ORDER BY a.attempt DESC LIMIT 1) la ON true "

/* A run (alias r) with its latest attempt (alias la), as json_build_object arguments. */
#define RUN_FIELDS                                                                               \
	"'id', r.id, 'workflow', r.workflow_name, 'workflow_path', r.workflow_path, "           \
	"'kind', r.kind, 'event', r.event, 'head_branch', r.head_branch, "                      \
	"'head_sha', r.head_sha, 'run_number', r.run_number, "                                  \
	"'attempt', coalesce(la.attempt, r.latest_attempt), "                                   \
	"'status', coalesce(la.status, r.status), "                                             \
	"'conclusion', coalesce(la.conclusion, r.conclusion), "                                 \
	"'url', coalesce(la.html_url, r.html_url), "                                            \
	"'created_at', " SQL_TS("r.created_at") ", "                                                \
	"'completed_at', " SQL_TS("coalesce(la.completed_at, r.completed_at)")

#endif
