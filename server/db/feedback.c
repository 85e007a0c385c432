/*
 * db/feedback.c — the statements of feedback (see db/feedback.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/feedback.h"
#include "db/release_candidates_internal.h"
#include "db/result.h"

int db_feedback_get(struct db_conn *c, int64_t id, json_t **out)
{
	*out = NULL;
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, id)};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " RC_SQL_FEEDBACK_JSON "::text FROM feedback f"
			 " JOIN release_candidates frc ON frc.id = f.rc_id WHERE f.id = $1",
			 1, p, &res);
	if (n > 0)
		*out = db_get_json_or_null(res, 0, 0);
	PQclear(res);
	return n;
}

int db_feedback_page(struct db_conn *c, int64_t rc_id, const char *verdict, const char *status,
		     const char *team, int64_t before_id, int limit, json_t **items,
		     int64_t *last_id)
{
	struct rcs_idbuf ib;
	char before[24], lim[16];
	snprintf(before, sizeof before, "%lld", (long long)before_id);
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *p[6] = {rcs_id(&ib, rc_id), verdict, status, team, before, lim};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " RC_SQL_FEEDBACK_JSON "::text, f.id FROM feedback f"
			 " JOIN release_candidates frc ON frc.id = f.rc_id"
			 " WHERE f.rc_id = $1 AND ($2::text IS NULL OR f.verdict = $2)"
			 " AND ($3::text IS NULL OR f.status = $3)"
			 " AND ($4::text IS NULL OR lower(f.team) = lower($4))"
			 " AND f.id < $5 ORDER BY f.id DESC LIMIT $6",
			 6, p, &res);
	return rcs_page(res, n, limit, items, last_id);
}

int db_feedback_rc_share(struct db_conn *c, int64_t rc_id, const char *given_at,
			 struct db_feedback_rc *out)
{
	memset(out, 0, sizeof *out);
	struct rcs_idbuf b;
	const char *qp[2] = {rcs_id(&b, rc_id), given_at};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT rc.state, (SELECT s.version FROM release_candidates s"
			 "  WHERE s.id = rc.superseded_by), $2::timestamptz < rc.cut_at"
			 " FROM release_candidates rc WHERE rc.id = $1 FOR SHARE OF rc",
			 2, qp, &res);
	if (n > 0) {
		snprintf(out->state, sizeof out->state, "%s", PQgetvalue(res, 0, 0));
		snprintf(out->successor, sizeof out->successor, "%s", PQgetvalue(res, 0, 1));
		out->given_too_early = db_get_bool(res, 0, 2);
	}
	PQclear(res);
	return n;
}

int db_feedback_insert(struct db_conn *c, const struct db_feedback_new *f, int64_t *id)
{
	struct rcs_idbuf b;
	char *running_text = f->running ? json_dumps(f->running, JSON_COMPACT) : NULL;
	const char *ip[13] = {rcs_id(&b, f->rc_id),
			      f->author,
			      f->team,
			      f->verified ? "true" : "false",
			      f->verdict,
			      f->severity,
			      f->area,
			      f->comment,
			      running_text ? running_text : "{}",
			      f->created_by,
			      f->now,
			      f->given_at,
			      NULL};
	PGresult *res = NULL;
	int n = db_query(c,
			 "INSERT INTO feedback (rc_id, author, team, verified, verdict, severity, area,"
			 " comment, running, created_by, created_at, given_at)"
			 " VALUES ($1, $2, $3, $4::boolean, $5, $6, $7, $8, $9::jsonb, $10,"
			 "  $11::timestamptz, $12::timestamptz) RETURNING id",
			 12, ip, &res);
	free(running_text);
	if (n <= 0) {
		PQclear(res);
		return n < 0 ? n : DB_HARD_ERROR;
	}
	*id = db_get_i64(res, 0, 0);
	PQclear(res);
	json_t *ev = json_pack("{s:I, s:s, s:s?, s:b, s:s}", "rc_id", (json_int_t)f->rc_id,
			       "author", f->author, "team", f->team, "verified", f->verified,
			       "verdict", f->verdict);
	struct rcs_idbuf fb;
	int m = db_event_record(c, "feedback.created", "feedback", rcs_id(&fb, *id), f->created_by,
				ev);
	json_decref(ev);
	return m < 0 ? m : 1;
}

int db_feedback_lock(struct db_conn *c, int64_t id, int64_t fixed_in, struct db_feedback_row *out)
{
	memset(out, 0, sizeof *out);
	struct rcs_idbuf b, fb;
	const char *p[2] = {rcs_id(&b, id), fixed_in ? rcs_id(&fb, fixed_in) : NULL};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT f.status, rp.full_name, $2::bigint IS NULL OR EXISTS (SELECT 1"
			 "  FROM release_candidates o WHERE o.id = $2::bigint"
			 "  AND o.repository_id = frc.repository_id), f.created_by"
			 " FROM feedback f JOIN release_candidates frc ON frc.id = f.rc_id"
			 " JOIN repositories rp ON rp.id = frc.repository_id"
			 " WHERE f.id = $1 FOR UPDATE OF f",
			 2, p, &res);
	if (n > 0) {
		snprintf(out->status, sizeof out->status, "%s", PQgetvalue(res, 0, 0));
		snprintf(out->repository, sizeof out->repository, "%s", PQgetvalue(res, 0, 1));
		out->fixed_in_ok = db_get_bool(res, 0, 2);
		snprintf(out->created_by, sizeof out->created_by, "%s", PQgetvalue(res, 0, 3));
	}
	PQclear(res);
	if (n <= 0)
		return n;
	/* the RCs whose readiness reads it: its own, and the others of its
	 * target (release_candidates_read.c's carried feedback) */
	int m = db_query(c,
			 "SELECT o.id FROM feedback f JOIN release_candidates frc ON frc.id = f.rc_id"
			 " JOIN release_candidates o ON o.repository_id = frc.repository_id"
			 "  AND o.target = frc.target"
			 " WHERE f.id = $1 ORDER BY o.id FOR SHARE OF o",
			 1, p, NULL);
	return m < 0 ? m : n;
}

int db_feedback_set_status(struct db_conn *c, int64_t id, const char *from, const char *to,
			   const char *resolution, int64_t fixed_in, const char *actor,
			   const char *now)
{
	struct rcs_idbuf b, fb;
	const char *up[6] = {rcs_id(&b, id), to,    resolution, fixed_in ? rcs_id(&fb, fixed_in) : NULL,
			     actor,	     now};
	int n = db_query(
		c,
		"UPDATE feedback SET status = $2,"
		" resolution = CASE WHEN $2 = 'open' THEN NULL ELSE coalesce($3, resolution) END,"
		" fixed_in_rc_id = CASE WHEN $2 = 'resolved' THEN coalesce($4::bigint,"
		"  fixed_in_rc_id) ELSE NULL END,"
		" status_changed_by = $5, status_changed_at = $6::timestamptz WHERE id = $1",
		6, up, NULL);
	if (n < 0)
		return n;
	json_t *ev = json_pack("{s:s, s:s, s:s?}", "from", from, "to", to, "resolution",
			       resolution);
	if (fixed_in)
		json_object_set_new(ev, "fixed_in", json_integer(fixed_in));
	int m = db_event_record(c, "feedback.updated", "feedback", up[0], actor, ev);
	json_decref(ev);
	return m < 0 ? m : n;
}
