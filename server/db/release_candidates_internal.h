/*
 * db/release_candidates_internal.h — what the statements of release candidates, releases
 * and feedback share (db/release_candidates.c, db/release_candidates_read.c,
 * db/release_candidates_changes.c, db/releases.c, db/feedback.c): SQL
 * fragments, the id parameter, a page of JSON rows, the pick of a version.
 * Only for those files.
 */
#ifndef SHIPLOG_DB_RELEASE_CANDIDATES_INTERNAL_H
#define SHIPLOG_DB_RELEASE_CANDIDATES_INTERNAL_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdint.h>

#include "db/sql_time.h"

/* Microseconds since the epoch of a timestamptz expression. */
#define RC_SQL_US(x) "(extract(epoch FROM (" x ")) * 1000000)::bigint"

/* One RC `rc` of repository `rp` as a JSON object (the summary every
 * answer about RCs carries). */
/* clang-format off */
#define RC_SQL_JSON                                                                         \
	"json_build_object('id', rc.id, 'repository', rp.full_name, 'version', rc.version," \
	" 'target', rc.target, 'commit', rc.commit_sha, 'state', rc.state,"                 \
	" 'state_changed_at', " SQL_TS("rc.state_changed_at") ","                           \
	" 'sources', to_json(rc.sources), 'tag', rc.tag_name, 'url', rc.html_url,"          \
	" 'notes', rc.notes, 'artifact_digests', to_json(rc.artifact_digests),"             \
	" 'superseded_by', (SELECT json_build_object('id', s.id, 'version', s.version)"     \
	"  FROM release_candidates s WHERE s.id = rc.superseded_by),"                       \
	" 'release', (SELECT json_build_object('id', sr.id, 'version', sr.version,"         \
	"  'released_at', " SQL_TS("sr.released_at") ") FROM shipped_releases sr"           \
	"  WHERE sr.rc_id = rc.id ORDER BY sr.id LIMIT 1),"                                 \
	" 'feedback', (SELECT json_build_object("                                           \
	"  'approve', count(*) FILTER (WHERE f.verdict = 'approve'),"                       \
	"  'concern', count(*) FILTER (WHERE f.verdict = 'concern'),"                       \
	"  'block', count(*) FILTER (WHERE f.verdict = 'block'),"                           \
	"  'unresolved', count(*) FILTER (WHERE f.verdict <> 'approve'"                     \
	" AND f.status <> 'resolved'))"                                                     \
	"  FROM feedback f WHERE f.rc_id = rc.id),"                                         \
	" 'cut_by', rc.cut_by, 'cut_at', " SQL_TS("rc.cut_at") ","                          \
	" 'created_at', " SQL_TS("rc.created_at") ","                                       \
	" 'updated_at', " SQL_TS("rc.updated_at") ","                                       \
	" 'released_without_readiness', CASE WHEN rc.released_unready_at IS NOT NULL"       \
	"  THEN json_build_object('at', " SQL_TS("rc.released_unready_at") ","              \
	"  'gates', rc.released_unready_gates) END)"
/* clang-format on */

/* The artifacts RC `rc` ships: the digests given when it was cut (each
 * with the artifact it names, when known), else the artifacts built from
 * its commit. */
#define RC_SQL_ARTIFACTS                                                                          \
	"CASE WHEN cardinality(rc.artifact_digests) > 0 THEN (SELECT json_agg(json_build_object(" \
	"  'digest', u.dg, 'id', a.id, 'kind', a.kind, 'name', a.name, 'version', a.version)"     \
	"  ORDER BY u.ord) FROM unnest(rc.artifact_digests) WITH ORDINALITY u(dg, ord)"           \
	"  LEFT JOIN LATERAL (SELECT a2.* FROM artifacts a2 WHERE a2.digest = u.dg"               \
	"  ORDER BY a2.id LIMIT 1) a ON true)"                                                    \
	" ELSE (SELECT coalesce(json_agg(json_build_object('digest', a.digest, 'id', a.id,"       \
	"  'kind', a.kind, 'name', a.name, 'version', a.version) ORDER BY a.kind, a.name, a.id)," \
	"  '[]'::json) FROM artifacts a WHERE rc.commit_sha IS NOT NULL"                          \
	"  AND a.commit_sha = rc.commit_sha"                                                      \
	"  AND (a.repository_id IS NULL OR a.repository_id = rc.repository_id)) END"

/* clang-format off */
/* One feedback `f` on RC `frc` as a JSON object. */
#define RC_SQL_FEEDBACK_JSON                                                                   \
	"json_build_object('id', f.id, 'release_candidate', json_build_object('id', frc.id,"   \
	" 'version', frc.version, 'state', frc.state), 'author', f.author, 'team', f.team,"    \
	" 'verified', f.verified, 'counts', f.verified AND f.verdict = 'approve',"             \
	" 'verdict', f.verdict, 'severity', f.severity, 'area', f.area, 'comment', f.comment," \
	" 'running', f.running, 'status', f.status, 'resolution', f.resolution,"               \
	" 'fixed_in', (SELECT json_build_object('id', x.id, 'version', x.version)"             \
	"  FROM release_candidates x WHERE x.id = f.fixed_in_rc_id),"                          \
	" 'status_changed_by', f.status_changed_by,"                                           \
	" 'status_changed_at', " SQL_TS("f.status_changed_at") ","                             \
	" 'created_by', f.created_by, 'created_at', " SQL_TS("f.created_at") ","               \
	" 'given_at', " SQL_TS("coalesce(f.given_at, f.created_at)") ")"
/* clang-format on */

/* An id as a statement parameter: rcs_id(&buf, v) is v's decimal text in buf. */
struct rcs_idbuf {
	char s[24];
};
const char *rcs_id(struct rcs_idbuf *b, int64_t v);

/* A page read with LIMIT limit + 1 (n rows, or a failure): *items the JSON
 * of column 0 of the first `limit` rows (SQL NULL and unparsable cells left
 * out), *last_id column 1 of the last of them when there are more.  Clears
 * res; returns n. */
int rcs_page(PGresult *res, int n, int limit, json_t **items, int64_t *last_id);

/* The row whose version (column `col`) is the highest below `below`
 * (NULL: of all; rc_version_highest), or -1. */
int rcs_pick_version(const PGresult *res, int n, int col, const char *below);

#endif
