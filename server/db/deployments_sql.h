/*
 * db/deployments_sql.h — SQL fragments (string literals, so statements
 * stay literals) that render deployments and environments as JSON in the
 * database: one query per list, no per-row round trips.  Shared by
 * db/deployments.c and db/environments.c; not for use outside server/db/.
 */
#ifndef SHIPLOG_DEPLOYMENTS_SQL_H
#define SHIPLOG_DEPLOYMENTS_SQL_H

#include "db/sql_time.h"

/* The artifacts of deployment `d`: the resolved chart/digest artifact,
 * then each digest the deployer named (known or not). */
#define SQL_DEPLOYMENT_ARTIFACTS                                                                \
	"(SELECT coalesce(json_agg(json_build_object('id', x.id, 'kind', x.kind, 'name', x.name," \
	" 'version', x.version, 'digest', x.digest) ORDER BY x.ord), '[]'::json) FROM ("          \
	" SELECT 0::bigint AS ord, a.id, a.kind, a.name, a.version, a.digest FROM artifacts a"   \
	"  WHERE a.id = d.resolved_artifact_id"                                                  \
	" UNION ALL"                                                                             \
	" SELECT u.ord, a.id, a.kind, a.name, a.version, u.dg FROM unnest(d.artifact_digests)"   \
	"  WITH ORDINALITY u(dg, ord) LEFT JOIN LATERAL (SELECT a2.* FROM artifacts a2"          \
	"  WHERE a2.digest = u.dg ORDER BY a2.id LIMIT 1) a ON true"                             \
	"  WHERE a.id IS NULL OR d.resolved_artifact_id IS NULL OR a.id <> d.resolved_artifact_id" \
	") x)"

/* One deployment `d` of environment `e` as a JSON object. */
#define SQL_DEPLOYMENT_JSON                                                                     \
	"json_build_object('id', d.id, 'environment', e.name, 'source', d.source,"               \
	" 'object', CASE WHEN d.object_kind IS NULL THEN NULL ELSE json_build_object("           \
	"  'kind', d.object_kind, 'namespace', d.object_namespace, 'name', d.object_name) END,"   \
	" 'revision', d.revision, 'revision_kind', d.revision_kind, 'ref', d.ref,"               \
	" 'commit', d.commit_sha, 'chart_version', d.chart_version, 'digest', d.revision_digest," \
	" 'repository', (SELECT rp.full_name FROM repositories rp WHERE rp.id = d.repository_id)," \
	" 'artifacts', " SQL_DEPLOYMENT_ARTIFACTS ","                                             \
	" 'status', d.status, 'reason', d.reason, 'message', d.message, 'url', d.url,"           \
	" 'started_at', " SQL_TS("d.started_at") ","                                              \
	" 'finished_at', " SQL_TS("d.finished_at") ","                                            \
	" 'last_event_at', " SQL_TS("d.last_event_at") ","                                        \
	" 'deployed_at', " SQL_TS("(SELECT min(s.event_at) FROM deployment_statuses s"            \
				  " WHERE s.deployment_id = d.id AND s.status = 'success')") ","    \
	" 'healthy_since', CASE WHEN d.status = 'success' THEN " SQL_TS(                         \
		"(SELECT min(s.event_at) FROM deployment_statuses s WHERE s.deployment_id = d.id" \
		" AND s.status = 'success' AND s.event_at > coalesce((SELECT max(f.event_at)"     \
		" FROM deployment_statuses f WHERE f.deployment_id = d.id"                        \
		" AND f.status IN ('failure', 'error')), '-infinity'))") " END,"                 \
	" 'created_at', " SQL_TS("d.created_at") ","                                              \
	" 'updated_at', " SQL_TS("d.updated_at") ")"

/* The current deployment of environment `e`: the latest reported (by its
 * latest event) that is neither only queued nor inactive. */
#define SQL_CURRENT_DEPLOYMENT_JOIN                                                             \
	" LEFT JOIN LATERAL (SELECT d0.* FROM deployments d0 WHERE d0.environment_id = e.id"     \
	"  AND d0.status NOT IN ('queued', 'inactive')"                                          \
	"  ORDER BY d0.last_event_at DESC, d0.id DESC LIMIT 1) d ON true"

/* Environment `e` with its current deployment `d` and how far that is
 * behind the default branch (the commits pushed to it after the deployed
 * one, and since when).  $1 is "now" (timestamptz). */
#define SQL_ENVIRONMENT_JSON                                                                    \
	"json_build_object('name', e.name, 'tier', e.tier, 'url', e.url,"                        \
	" 'description', e.description, 'order', e.sort_order, 'flux', e.flux,"                 \
	" 'managed_by', e.managed_by,"                                                           \
	" 'created_at', " SQL_TS("e.created_at") ", 'updated_at', " SQL_TS("e.updated_at") ","    \
	" 'current_deployment', CASE WHEN d.id IS NULL THEN NULL ELSE " SQL_DEPLOYMENT_JSON " END," \
	" 'behind_default_branch', CASE WHEN pos.seq IS NULL THEN NULL ELSE json_build_object("  \
	"  'repository', pos.full_name, 'branch', pos.branch, 'commits', beh.n,"                 \
	"  'since', " SQL_TS("beh.since") ","                                                     \
	"  'seconds', CASE WHEN beh.since IS NULL THEN 0 ELSE greatest(0,"                       \
	"   floor(extract(epoch FROM ($1::timestamptz - beh.since))))::bigint END) END)::text"

#define SQL_ENVIRONMENT_FROM                                                                    \
	" FROM environments e" SQL_CURRENT_DEPLOYMENT_JOIN                                      \
	" LEFT JOIN LATERAL (SELECT bs.seq, bs.branch, bs.repository_id, r.full_name"           \
	"  FROM branch_sequence bs JOIN repositories r ON r.id = bs.repository_id"               \
	"  AND r.default_branch = bs.branch"                                                     \
	"  WHERE bs.sha = d.commit_sha AND bs.left_at IS NULL"                                   \
	"  AND (d.repository_id IS NULL OR bs.repository_id = d.repository_id)"                 \
	"  ORDER BY bs.repository_id LIMIT 1) pos ON true"                                       \
	" LEFT JOIN LATERAL (SELECT count(*) AS n, min(b2.pushed_at) AS since"                   \
	"  FROM branch_sequence b2 WHERE b2.repository_id = pos.repository_id"                  \
	"  AND b2.branch = pos.branch AND b2.left_at IS NULL AND b2.seq > pos.seq) beh ON true"

#endif
