/*
 * db/release_candidates.c — the statements that cut, merge and move release candidates
 * and ship releases (see db/release_candidates.h); what they decide — where a new RC
 * starts, what it supersedes, which transitions a person may make, which
 * RC a release ships — is server/domain/rc_fold.c and rc_state.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/release_candidates.h"
#include "db/release_candidates_internal.h"
#include "db/result.h"
#include "domain/rc.h"
#include "domain/rc_answers.h"
#include "shiplog/clock.h"
#include "shiplog/xalloc.h"

/* Two-key advisory locks: (RC_LOCK_SYNC, 0) while folding GitHub facts,
 * (RC_LOCK_TARGET, hashtext(repo:target)) while cutting or releasing. */
#define RC_LOCK_SYNC   "7306"
#define RC_LOCK_TARGET "7305"

int db_rc_repository_ensure(struct db_conn *c, const char *full_name, int64_t *id)
{
	const char *p[1] = {full_name};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"INSERT INTO repositories (full_name) VALUES ($1)"
		" ON CONFLICT (lower(full_name)) DO UPDATE SET full_name = repositories.full_name"
		" RETURNING id",
		1, p, &res);
	if (n > 0)
		*id = db_get_i64(res, 0, 0);
	PQclear(res);
	return n;
}

static const char *source_name(enum rc_source s)
{
	return s == RC_SOURCE_TAG ? "tag" : s == RC_SOURCE_PRERELEASE ? "prerelease" : "api";
}

static int lock_target(struct db_conn *c, int64_t repo_id, const char *target)
{
	char key[400];
	snprintf(key, sizeof key, "%lld:%.300s", (long long)repo_id, target);
	const char *p[1] = {key};
	int n = db_query(c, "SELECT pg_advisory_xact_lock(" RC_LOCK_TARGET ", hashtext($1))", 1, p,
			 NULL);
	return n < 0 ? n : DB_OK;
}

static int record_event(struct db_conn *c, const char *kind, const char *type, int64_t id,
			const char *actor, json_t *payload)
{
	struct rcs_idbuf b;
	int n = db_event_record(c, kind, type, rcs_id(&b, id), actor ? actor : "shiplog", payload);
	json_decref(payload);
	return n < 0 ? n : DB_OK;
}

/* ---- state changes ---- */

/* Moves the RC and records the history entry (its id in *change_id, when
 * not NULL) and the domain event. */
static int set_state_id(struct db_conn *c, int64_t rc_id, const char *version, enum rc_state from,
			bool had_state, enum rc_state to, const struct rc_change *why,
			int64_t *change_id)
{
	struct rcs_idbuf b;
	const char *p[8] = {rcs_id(&b, rc_id),
			    had_state ? rc_state_name(from) : NULL,
			    rc_state_name(to),
			    why->reason,
			    why->source,
			    why->fact,
			    why->actor ? why->actor : "shiplog",
			    why->at};
	const char *up[3] = {p[0], p[2], p[7]};
	int n = db_query(
		c,
		"UPDATE release_candidates SET state = $2, state_changed_at = $3::timestamptz,"
		" updated_at = now() WHERE id = $1",
		3, up, NULL);
	if (n < 0)
		return n;
	PGresult *res = NULL;
	n = db_query(
		c,
		"INSERT INTO rc_state_changes (rc_id, from_state, to_state, reason, source, fact,"
		" actor, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz)"
		" RETURNING id",
		8, p, &res);
	if (n > 0 && change_id)
		*change_id = db_get_i64(res, 0, 0);
	PQclear(res);
	if (n < 0)
		return n;
	return record_event(c, "rc.state_changed", "release_candidate", rc_id, why->actor,
			    json_pack("{s:s, s:s?, s:s, s:s?, s:s, s:s?}", "version", version,
				      "from", p[1], "to", p[2], "reason", why->reason, "source",
				      why->source, "fact", why->fact));
}

static int set_state(struct db_conn *c, int64_t rc_id, const char *version, enum rc_state from,
		     bool had_state, enum rc_state to, const struct rc_change *why)
{
	return set_state_id(c, rc_id, version, from, had_state, to, why, NULL);
}

/* Records the release of an RC's target by hand (PATCH to released). */
static int ship_manual(struct db_conn *c, int64_t rc_id, const char *actor, const char *at)
{
	struct rcs_idbuf b;
	const char *p[3] = {rcs_id(&b, rc_id), actor ? actor : "shiplog", at};
	PGresult *res = NULL;
	int n = db_query(c,
			 "INSERT INTO shipped_releases (repository_id, version, rc_id, commit_sha,"
			 " source, released_by, released_at)"
			 " SELECT rc.repository_id, rc.target, rc.id, rc.commit_sha, 'api', $2,"
			 "  $3::timestamptz FROM release_candidates rc WHERE rc.id = $1"
			 " ON CONFLICT (repository_id, version) DO UPDATE SET"
			 "  rc_id = coalesce(shipped_releases.rc_id, EXCLUDED.rc_id)"
			 " RETURNING id, version, (xmax = 0)",
			 3, p, &res);
	if (n <= 0) {
		PQclear(res);
		return n;
	}
	int64_t id = db_get_i64(res, 0, 0);
	bool inserted = db_get_bool(res, 0, 2);
	json_t *ev = json_pack("{s:s, s:I, s:s}", "version", PQgetvalue(res, 0, 1), "rc_id",
			       (json_int_t)rc_id, "source", "api");
	PQclear(res);
	if (!inserted) {
		json_decref(ev);
		return DB_OK;
	}
	return record_event(c, "release.shipped", "shipped_release", id, actor, ev);
}

/* Locks the RC's row until the end of the transaction: its state and
 * version.  1, or 0 when there is no such RC. */
static int lock_rc(struct db_conn *c, int64_t rc_id, enum rc_state *state, char *version,
		   size_t size)
{
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, rc_id)};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT state, version FROM release_candidates WHERE id = $1 FOR UPDATE",
			 1, p, &res);
	if (n > 0) {
		int st = rc_state_parse(PQgetvalue(res, 0, 0));
		*state = st < 0 ? RC_DRAFT : (enum rc_state)st;
		snprintf(version, size, "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return n;
}

int db_rc_transition(struct db_conn *c, int64_t rc_id, enum rc_state to, const struct rc_change *why,
		  bool manual, enum rc_state *from, bool *allowed, bool *found)
{
	*found = false;
	*allowed = true;
	char version[200];
	int n = lock_rc(c, rc_id, from, version, sizeof version);
	if (n <= 0)
		return n;
	*found = true;
	if (manual && !rc_state_allows(*from, to)) {
		*allowed = false;
		return DB_OK;
	}
	if (*from == to)
		return DB_OK;
	n = set_state(c, rc_id, version, *from, true, to, why);
	if (n < 0)
		return n;
	if (to == RC_RELEASED && manual)
		return ship_manual(c, rc_id, why->actor, why->at);
	return DB_OK;
}

/* The override of move `m` (the history entry `change_id`), recorded, and
 * rc.overridden enqueued for the sinks that want it (notification_enqueue,
 * migrations/009), all in the transition's transaction. */
static int record_override(struct db_conn *c, const struct rc_move *m, int64_t change_id,
			   enum rc_state from, const json_t *gates)
{
	struct rcs_idbuf a, b;
	char *gj = json_dumps(gates, JSON_COMPACT);
	const char *p[8] = {rcs_id(&a, m->rc_id),
			    rcs_id(&b, change_id),
			    m->why.actor ? m->why.actor : "shiplog",
			    rc_state_name(from),
			    rc_state_name(m->to),
			    gj,
			    m->override_reason,
			    m->why.at};
	int n = db_query(
		c,
		"WITH o AS (INSERT INTO rc_overrides (rc_id, state_change_id, actor, from_state,"
		"  to_state, gates, reason, at)"
		"  VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8::timestamptz) RETURNING id, at)"
		" SELECT notification_enqueue('rc.overridden', 'rc.overridden:' || o.id,"
		"  NULL::bigint, 'release_candidate', $1::bigint::text,"
		"  notification_rc_data($1::bigint)"
		"  || jsonb_build_object('actor', $3::text, 'from', $4::text, 'to', $5::text,"
		"  'gates', $6::jsonb, 'reason', $7::text), o.at) FROM o",
		8, p, NULL);
	free(gj);
	return n < 0 ? n : DB_OK;
}

int db_rc_move(struct db_conn *c, const struct config *cfg, const struct rc_move *m,
	       struct rc_move_result *out)
{
	/* a retried transaction starts again from nothing */
	json_decref(out->gates);
	memset(out, 0, sizeof *out);
	char version[200];
	int n = lock_rc(c, m->rc_id, &out->from, version, sizeof version);
	if (n <= 0) {
		out->outcome = RC_MOVE_NOT_FOUND;
		return n;
	}
	if (m->expected >= 0 && (enum rc_state)m->expected != out->from) {
		out->outcome = RC_MOVE_STATE_CHANGED;
		return DB_OK;
	}
	if (!rc_state_allows(out->from, m->to)) {
		out->outcome = RC_MOVE_ILLEGAL;
		return DB_OK;
	}
	enum rc_readiness_rule rule = RC_READINESS_GO;
	if (rc_state_needs_readiness(m->to)) {
		/* the gates as GET .../readiness has them, evaluated under the lock */
		json_t *readiness = NULL;
		n = db_rc_readiness(c, cfg, m->rc_id, m->now_us, &readiness);
		if (n <= 0)
			return n < 0 ? n : DB_HARD_ERROR;
		bool ready = json_is_true(json_object_get(readiness, "ready"));
		out->gates = rc_readiness_unready(readiness);
		json_decref(readiness);
		rule = rc_readiness_rule(out->from, m->to, ready, m->override_reason != NULL);
	}
	if (rule == RC_READINESS_REFUSE) {
		out->outcome = RC_MOVE_NOT_READY;
		return DB_OK;
	}
	out->outcome = RC_MOVE_DONE;
	int64_t change_id = 0;
	n = set_state_id(c, m->rc_id, version, out->from, true, m->to, &m->why, &change_id);
	if (n < 0)
		return n;
	if (rule == RC_READINESS_OVERRIDE) {
		out->overridden = true;
		n = record_override(c, m, change_id, out->from, out->gates);
		if (n < 0)
			return n;
	}
	if (m->to == RC_RELEASED)
		return ship_manual(c, m->rc_id, m->why.actor, m->why.at);
	return DB_OK;
}

/* The older RC `old_id` is superseded by `new_id` (a fact of shiplog's). */
static int supersede(struct db_conn *c, int64_t old_id, int64_t new_id, const char *new_version,
		     const char *actor, const char *at)
{
	char reason[300];
	snprintf(reason, sizeof reason, "superseded by %.200s", new_version);
	struct rc_change why = {reason, "shiplog", NULL, actor, at};
	enum rc_state from;
	bool allowed, found;
	int n = db_rc_transition(c, old_id, RC_SUPERSEDED, &why, false, &from, &allowed, &found);
	if (n < 0)
		return n;
	struct rcs_idbuf a, b;
	const char *p[2] = {rcs_id(&a, old_id), rcs_id(&b, new_id)};
	n = db_query(c, "UPDATE release_candidates SET superseded_by = $2 WHERE id = $1", 2, p,
		     NULL);
	return n < 0 ? n : DB_OK;
}

/* ---- cutting ---- */

/* The RCs of a target but `except` (0: none), oldest first; the strings
 * borrow from *res (the caller PQclear()s it). */
struct siblings {
	PGresult *res;
	struct rc_sibling *v;
	size_t n;
};

static int same_target(struct db_conn *c, int64_t repo_id, const char *target, int64_t except,
		       struct siblings *out)
{
	memset(out, 0, sizeof *out);
	struct rcs_idbuf a, b;
	const char *p[3] = {rcs_id(&a, repo_id), target, rcs_id(&b, except)};
	int n = db_query(c,
			 "SELECT id, version, state, commit_sha FROM release_candidates"
			 " WHERE repository_id = $1 AND target = $2 AND id <> $3 ORDER BY id",
			 3, p, &out->res);
	if (n < 0)
		return n;
	out->v = xcalloc((size_t)n + 1, sizeof *out->v);
	out->n = (size_t)n;
	for (int i = 0; i < n; i++) {
		out->v[i].id = db_get_i64(out->res, i, 0);
		out->v[i].version = PQgetvalue(out->res, i, 1);
		out->v[i].state = PQgetvalue(out->res, i, 2);
		out->v[i].commit = db_get_text_or_null(out->res, i, 3);
	}
	return n;
}

static void siblings_free(struct siblings *s)
{
	free(s->v);
	PQclear(s->res);
	memset(s, 0, sizeof *s);
}

static int create_rc(struct db_conn *c, const struct rc_cut *cut, const char *target,
		     int64_t *rc_id)
{
	struct rcs_idbuf rb;
	const char *repo = rcs_id(&rb, cut->repository_id);
	bool from_github = cut->source != RC_SOURCE_API;
	enum rc_state initial = from_github ? RC_TESTING : RC_DRAFT;

	/* What already happened to this target decides where it starts. */
	struct siblings sib;
	int n = same_target(c, cut->repository_id, target, 0, &sib);
	if (n < 0) {
		siblings_free(&sib);
		return n;
	}
	PGresult *res = NULL;
	const char *rp[2] = {repo, target};
	n = db_query(c,
		     "SELECT id, rc_id, commit_sha FROM shipped_releases"
		     " WHERE repository_id = $1 AND version = $2",
		     2, rp, &res);
	if (n < 0) {
		siblings_free(&sib);
		return n;
	}
	int64_t release_id = n > 0 ? db_get_i64(res, 0, 0) : 0;
	struct rc_release_fact rel = {n > 0, n > 0 && !PQgetisnull(res, 0, 1),
				      n > 0 ? db_get_text_or_null(res, 0, 2) : NULL};
	struct rc_arrival arrival;
	rc_arrival_decide(cut->version, target, cut->commit, sib.v, sib.n, &rel, &arrival);
	int64_t newer_id = arrival.newer >= 0 ? sib.v[arrival.newer].id : 0;
	PQclear(res);
	res = NULL;
	siblings_free(&sib);

	char *digests = db_text_array_literal(cut->digests, cut->n_digests);
	struct rcs_idbuf pb;
	const char *src = source_name(cut->source);
	const char *p[12] = {repo,
			     cut->version,
			     target,
			     cut->commit,
			     rc_state_name(initial),
			     cut->at,
			     digests,
			     cut->notes,
			     src,
			     cut->tag_name,
			     cut->prerelease_id ? rcs_id(&pb, cut->prerelease_id) : NULL,
			     cut->html_url};
	const char *actor = cut->actor ? cut->actor : "shiplog";
	const char *ip[13] = {p[0], p[1], p[2], p[3],  p[4],  p[5], p[6],
			      p[7], p[8], p[9], p[10], p[11], actor};
	n = db_query(
		c,
		"INSERT INTO release_candidates (repository_id, version, target, commit_sha, state,"
		" state_changed_at, artifact_digests, notes, sources, tag_name, prerelease_id,"
		" html_url, cut_by, cut_at)"
		" VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7::text[], $8, ARRAY[$9::text],"
		"  $10, $11, $12, $13, $6::timestamptz) RETURNING id",
		13, ip, &res);
	free(digests);
	if (n <= 0) {
		PQclear(res);
		return n < 0 ? n : DB_HARD_ERROR;
	}
	*rc_id = db_get_i64(res, 0, 0);
	PQclear(res);

	struct rc_change why = {from_github ? "published on GitHub" : "cut",
				from_github ? "github" : "api", cut->fact, actor, cut->at};
	n = set_state(c, *rc_id, cut->version, initial, false, initial, &why);
	if (n < 0)
		return n;
	n = record_event(c, "rc.created", "release_candidate", *rc_id, actor,
			 json_pack("{s:s, s:s, s:s?, s:s, s:s}", "version", cut->version, "target",
				   target, "commit", cut->commit, "source", src, "state",
				   rc_state_name(initial)));
	if (n < 0)
		return n;

	/* a late RC: its target was already released, or a newer RC was cut */
	if (arrival.arrives == RC_ARRIVES_RELEASED) {
		struct rcs_idbuf a, b2;
		const char *lp[2] = {rcs_id(&a, release_id), rcs_id(&b2, *rc_id)};
		n = db_query(c, "UPDATE shipped_releases SET rc_id = $2 WHERE id = $1", 2, lp,
			     NULL);
		if (n < 0)
			return n;
		struct rc_change released = {arrival.reason, "shiplog", NULL, actor, cut->at};
		return set_state(c, *rc_id, cut->version, initial, true, RC_RELEASED, &released);
	}
	if (arrival.arrives == RC_ARRIVES_SUPERSEDED) {
		struct rc_change sup = {arrival.reason, "shiplog", NULL, actor, cut->at};
		n = set_state(c, *rc_id, cut->version, initial, true, RC_SUPERSEDED, &sup);
		if (n < 0 || !newer_id)
			return n;
		struct rcs_idbuf a, b2;
		const char *sp[2] = {rcs_id(&a, *rc_id), rcs_id(&b2, newer_id)};
		n = db_query(c, "UPDATE release_candidates SET superseded_by = $2 WHERE id = $1", 2,
			     sp, NULL);
		return n < 0 ? n : DB_OK;
	}

	/* the newest RC of its target: older open ones are superseded */
	n = same_target(c, cut->repository_id, target, *rc_id, &sib);
	for (size_t i = 0; n >= 0 && i < sib.n; i++)
		if (rc_supersedes(cut->version, &sib.v[i]))
			n = supersede(c, sib.v[i].id, *rc_id, cut->version, actor, cut->at);
	siblings_free(&sib);
	return n < 0 ? n : DB_OK;
}

int db_rc_cut(struct db_conn *c, const struct config *cfg, const struct rc_cut *cut, int64_t *rc_id,
	   enum rc_cut_outcome *outcome, char *why, size_t why_size)
{
	char target[256];
	if (why_size)
		why[0] = '\0';
	if (!rc_target_of(cut->version, cfg ? cfg->rc_pattern : NULL, target, sizeof target))
		return DB_HARD_ERROR;
	int n = lock_target(c, cut->repository_id, target);
	if (n < 0)
		return n;
	struct rcs_idbuf rb;
	char *digests =
		cut->n_digests ? db_text_array_literal(cut->digests, cut->n_digests) : NULL;
	const char *p[3] = {rcs_id(&rb, cut->repository_id), cut->version, digests};
	PGresult *res = NULL;
	n = db_query(
		c,
		"SELECT id, commit_sha, state,"
		" cardinality(artifact_digests) > 0 AND $3::text[] IS NOT NULL"
		"  AND NOT (artifact_digests @> $3::text[] AND artifact_digests <@ $3::text[]),"
		" array_to_string(artifact_digests, ', ')"
		" FROM release_candidates WHERE repository_id = $1 AND version = $2 FOR UPDATE",
		3, p, &res);
	if (n < 0) {
		free(digests);
		return n;
	}
	if (n == 0) {
		PQclear(res);
		free(digests);
		*outcome = RC_CUT_CREATED;
		return create_rc(c, cut, target, rc_id);
	}
	*rc_id = db_get_i64(res, 0, 0);
	char stored_commit[48] = "";
	if (!PQgetisnull(res, 0, 1))
		snprintf(stored_commit, sizeof stored_commit, "%s", PQgetvalue(res, 0, 1));
	int st = rc_state_parse(PQgetvalue(res, 0, 2));
	bool other_digests = db_get_bool(res, 0, 3);
	char stored_digests[600];
	snprintf(stored_digests, sizeof stored_digests, "%s", PQgetvalue(res, 0, 4));
	PQclear(res);
	res = NULL;
	bool from_github = cut->source != RC_SOURCE_API;
	if (!from_github && rc_cut_conflicts(cut->version, stored_commit, cut->commit, other_digests,
					     stored_digests, why, why_size)) {
		*outcome = RC_CUT_CONFLICT;
		free(digests);
		return DB_OK;
	}
	*outcome = RC_CUT_MERGED;
	struct rcs_idbuf ib, pb;
	const char *up[10] = {rcs_id(&ib, *rc_id),
			      cut->commit,
			      from_github ? "true" : "false",
			      source_name(cut->source),
			      cut->tag_name,
			      cut->prerelease_id ? rcs_id(&pb, cut->prerelease_id) : NULL,
			      cut->html_url,
			      cut->notes,
			      digests,
			      cut->at};
	n = db_query(
		c,
		"WITH n AS (SELECT rc.id,"
		"  CASE WHEN $2::text IS NULL THEN rc.commit_sha WHEN $3::boolean THEN $2"
		"   ELSE coalesce(rc.commit_sha, $2) END AS commit_sha,"
		"  CASE WHEN $4::text = ANY(rc.sources) THEN rc.sources ELSE rc.sources || $4::text"
		"   END AS sources,"
		"  coalesce(rc.tag_name, $5) AS tag_name,"
		"  coalesce(rc.prerelease_id, $6::bigint) AS prerelease_id,"
		"  coalesce($7, rc.html_url) AS html_url,"
		"  coalesce($8, rc.notes) AS notes,"
		"  CASE WHEN cardinality(rc.artifact_digests) = 0 AND $9::text[] IS NOT NULL"
		"   THEN $9::text[] ELSE rc.artifact_digests END AS artifact_digests,"
		"  least(rc.cut_at, $10::timestamptz) AS cut_at,"
		"  rc.commit_sha AS old_commit"
		"  FROM release_candidates rc WHERE rc.id = $1)"
		" UPDATE release_candidates t SET commit_sha = n.commit_sha, sources = n.sources,"
		"  tag_name = n.tag_name, prerelease_id = n.prerelease_id, html_url = n.html_url,"
		"  notes = n.notes, artifact_digests = n.artifact_digests, cut_at = n.cut_at,"
		"  updated_at = now()"
		" FROM n WHERE t.id = n.id AND (t.commit_sha, t.sources, t.tag_name, t.prerelease_id,"
		"  t.html_url, t.notes, t.artifact_digests, t.cut_at) IS DISTINCT FROM (n.commit_sha,"
		"  n.sources, n.tag_name, n.prerelease_id, n.html_url, n.notes, n.artifact_digests,"
		"  n.cut_at)"
		" RETURNING t.commit_sha, n.old_commit, array_to_string(t.sources, ',')",
		10, up, &res);
	free(digests);
	if (n < 0)
		return n;
	if (n > 0) {
		json_t *ev = json_pack("{s:s, s:s, s:s?, s:s}", "version", cut->version, "source",
				       source_name(cut->source), "commit", db_get_text_or_null(res, 0, 0),
				       "sources", PQgetvalue(res, 0, 2));
		if (!PQgetisnull(res, 0, 1) && !PQgetisnull(res, 0, 0) &&
		    strcmp(PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1)))
			json_object_set_new(ev, "previous_commit",
					    json_string(PQgetvalue(res, 0, 1)));
		if (cut->fact)
			json_object_set_new(ev, "fact", json_string(cut->fact));
		PQclear(res);
		n = record_event(c, "rc.updated", "release_candidate", *rc_id, cut->actor, ev);
		if (n < 0)
			return n;
	} else {
		PQclear(res);
	}
	/* published on GitHub: a draft is being tested now */
	if (from_github && st == RC_DRAFT) {
		struct rc_change ch = {"published on GitHub", "github", cut->fact, cut->actor,
				       cut->at};
		enum rc_state from;
		bool allowed, found;
		return db_rc_transition(c, *rc_id, RC_TESTING, &ch, false, &from, &allowed, &found);
	}
	return DB_OK;
}

/* ---- GitHub facts ---- */

int db_rc_github_gone(struct db_conn *c, int64_t repo_id, const char *tag,
			      int64_t prerelease_id, const char *fact, const char *actor,
			      const char *at)
{
	struct rcs_idbuf a, b;
	const char *p[3] = {rcs_id(&a, repo_id), tag,
			    prerelease_id ? rcs_id(&b, prerelease_id) : NULL};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT rc.id FROM release_candidates rc WHERE rc.repository_id = $1"
		" AND (rc.tag_name = $2 OR rc.version = $2 OR rc.prerelease_id = $3::bigint)"
		" AND rc.state IN ('draft', 'testing', 'approved')"
		" AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.repository_id = rc.repository_id"
		"  AND t.name IN (rc.tag_name, rc.version) AND t.deleted_at IS NULL)"
		" AND NOT EXISTS (SELECT 1 FROM releases r WHERE r.repository_id = rc.repository_id"
		"  AND (r.id = rc.prerelease_id OR r.tag_name = rc.version) AND r.deleted_at"
		" IS NULL  AND NOT r.draft)",
		3, p, &res);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		struct rc_change why = {"deleted on GitHub", "github", fact, actor, at};
		enum rc_state from;
		bool allowed, found;
		int m = db_rc_transition(c, db_get_i64(res, i, 0), RC_REJECTED, &why, false, &from,
				      &allowed, &found);
		if (m < 0) {
			PQclear(res);
			return m;
		}
	}
	PQclear(res);
	return DB_OK;
}

/* A release shipped RC `rc_id` at `at`: marked when it was not ready. */
static int mark_if_unready(struct db_conn *c, const struct config *cfg, int64_t rc_id,
			   const char *at)
{
	json_t *readiness = NULL;
	int n = db_rc_readiness(c, cfg, rc_id, clock_now_us(), &readiness);
	if (n <= 0)
		return n;
	bool ready = json_is_true(json_object_get(readiness, "ready"));
	json_t *gates = rc_readiness_unready(readiness);
	json_decref(readiness);
	if (ready) {
		json_decref(gates);
		return DB_OK;
	}
	char *gj = json_dumps(gates, JSON_COMPACT);
	json_decref(gates);
	struct rcs_idbuf b;
	const char *p[3] = {rcs_id(&b, rc_id), at, gj};
	n = db_query(c,
		     "UPDATE release_candidates SET released_unready_at = $2::timestamptz,"
		     " released_unready_gates = $3::jsonb, updated_at = now() WHERE id = $1",
		     3, p, NULL);
	free(gj);
	return n < 0 ? n : DB_OK;
}

int db_rc_github_released(struct db_conn *c, const struct config *cfg, int64_t repo_id,
			   const char *tag, const char *sha, int64_t github_release_id,
			   const char *url, const char *fact, const char *actor, const char *at)
{
	char version[256];
	if (!rc_target_of(tag, cfg ? cfg->rc_pattern : NULL, version, sizeof version))
		return DB_OK;
	int n = lock_target(c, repo_id, version);
	if (n < 0)
		return n;
	struct rcs_idbuf a;
	const char *p[3] = {rcs_id(&a, repo_id), tag, version};
	PGresult *res = NULL;
	n = db_query(c,
		     "SELECT id, version, commit_sha, state FROM release_candidates"
		     " WHERE repository_id = $1 AND (version = $2 OR target = $3) ORDER BY id",
		     3, p, &res);
	if (n < 0)
		return n;
	struct rc_sibling *rcs = xcalloc((size_t)n + 1, sizeof *rcs);
	for (int i = 0; i < n; i++) {
		rcs[i].id = db_get_i64(res, i, 0);
		rcs[i].version = PQgetvalue(res, i, 1);
		rcs[i].commit = db_get_text_or_null(res, i, 2);
		rcs[i].state = PQgetvalue(res, i, 3);
	}
	int pick = rc_release_pick(tag, sha, rcs, (size_t)n);
	free(rcs);
	int64_t rc_id = pick >= 0 ? db_get_i64(res, pick, 0) : 0;
	char rc_version[200] = "";
	char commit[48] = "";
	if (pick >= 0) {
		snprintf(rc_version, sizeof rc_version, "%s", PQgetvalue(res, pick, 1));
		if (!PQgetisnull(res, pick, 2))
			snprintf(commit, sizeof commit, "%s", PQgetvalue(res, pick, 2));
	}
	PQclear(res);
	res = NULL;
	if (sha)
		snprintf(commit, sizeof commit, "%s", sha);
	struct rcs_idbuf rb, gb;
	const char *ip[9] = {a.s,
			     version,
			     tag,
			     rc_id ? rcs_id(&rb, rc_id) : NULL,
			     github_release_id ? rcs_id(&gb, github_release_id) : NULL,
			     commit[0] ? commit : NULL,
			     url,
			     actor ? actor : "github",
			     at};
	n = db_query(
		c,
		"INSERT INTO shipped_releases AS s (repository_id, version, tag_name, rc_id,"
		" github_release_id, commit_sha, html_url, source, released_by, released_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, 'github', $8, $9::timestamptz)"
		" ON CONFLICT (repository_id, version) DO UPDATE SET"
		"  tag_name = coalesce(s.tag_name, EXCLUDED.tag_name),"
		"  rc_id = coalesce(s.rc_id, EXCLUDED.rc_id),"
		"  github_release_id = coalesce(s.github_release_id, EXCLUDED.github_release_id),"
		"  commit_sha = coalesce(s.commit_sha, EXCLUDED.commit_sha),"
		"  html_url = coalesce(s.html_url, EXCLUDED.html_url)"
		" RETURNING id, (xmax = 0), rc_id",
		9, ip, &res);
	if (n <= 0) {
		PQclear(res);
		return n < 0 ? n : DB_HARD_ERROR;
	}
	int64_t release_id = db_get_i64(res, 0, 0);
	bool inserted = db_get_bool(res, 0, 1);
	int64_t linked = db_get_i64(res, 0, 2);
	PQclear(res);
	if (inserted) {
		n = record_event(c, "release.shipped", "shipped_release", release_id, actor,
				 json_pack("{s:s, s:s, s:s?, s:s}", "version", version, "tag", tag,
					   "rc", rc_id ? rc_version : NULL, "source", "github"));
		if (n < 0)
			return n;
	}
	if (linked)
		rc_id = linked;
	if (!rc_id)
		return DB_OK;
	struct rc_change why = {"released on GitHub", "github", fact, actor, at};
	enum rc_state from;
	bool allowed, found;
	n = db_rc_transition(c, rc_id, RC_RELEASED, &why, false, &from, &allowed, &found);
	if (n < 0)
		return n;
	if (found && from != RC_RELEASED && (n = mark_if_unready(c, cfg, rc_id, at)) < 0)
		return n;
	/* the other open RCs of the target will not ship now */
	struct siblings sib;
	n = same_target(c, repo_id, version, rc_id, &sib);
	for (size_t i = 0; n >= 0 && i < sib.n; i++)
		if (rc_state_is_open(sib.v[i].state))
			n = supersede(c, sib.v[i].id, rc_id, rc_version[0] ? rc_version : version,
				      actor, at);
	siblings_free(&sib);
	return n < 0 ? n : DB_OK;
}

/* The GitHub facts not applied yet, oldest first. */
static const char *const pending_facts_sql =
	"SELECT f.fact, f.kind, f.repository_id, f.name, f.sha,"
	" " SQL_TS_US("f.at") ", f.release_id, f.url"
	" FROM ("
	"  SELECT 'tag:' || t.repository_id || ':' || t.name AS fact, 'tag' AS kind,"
	"   t.repository_id, t.name, t.sha, t.created_at AS at, NULL::bigint AS release_id,"
	"   NULL::text AS url"
	"   FROM tags t WHERE t.is_rc AND t.deleted_at IS NULL"
	"  UNION ALL"
	"  SELECT 'tag-sha:' || t.repository_id || ':' || t.name || ':' || t.sha, 'tag-sha',"
	"   t.repository_id, t.name, t.sha, t.created_at, NULL, NULL"
	"   FROM tags t JOIN release_candidates rc ON rc.repository_id = t.repository_id"
	"   AND rc.version = t.name WHERE t.sha IS NOT NULL AND t.deleted_at IS NULL"
	"   AND rc.commit_sha IS DISTINCT FROM t.sha"
	"  UNION ALL"
	"  SELECT 'tag-deleted:' || t.repository_id || ':' || t.name || ':'"
	"   || extract(epoch FROM t.deleted_at), 'tag-deleted', t.repository_id, t.name, t.sha,"
	"   t.deleted_at, NULL, NULL"
	"   FROM tags t WHERE t.is_rc AND t.deleted_at IS NOT NULL"
	"  UNION ALL"
	"  SELECT 'prerelease:' || r.id, 'prerelease', r.repository_id, r.tag_name,"
	"   coalesce(tg.sha, CASE WHEN r.target_commitish ~ '^[0-9a-f]{40}$'"
	"    THEN r.target_commitish END),"
	"   coalesce(r.published_at, r.created_at, r.updated_at), r.id, r.html_url"
	"   FROM releases r LEFT JOIN tags tg ON tg.repository_id = r.repository_id"
	"   AND tg.name = r.tag_name AND tg.deleted_at IS NULL"
	"   WHERE r.prerelease AND NOT r.draft AND r.deleted_at IS NULL"
	"  UNION ALL"
	"  SELECT 'release:' || r.id, 'release', r.repository_id, r.tag_name,"
	"   coalesce(tg.sha, CASE WHEN r.target_commitish ~ '^[0-9a-f]{40}$'"
	"    THEN r.target_commitish END),"
	"   coalesce(r.published_at, r.updated_at), r.id, r.html_url"
	"   FROM releases r LEFT JOIN tags tg ON tg.repository_id = r.repository_id"
	"   AND tg.name = r.tag_name AND tg.deleted_at IS NULL"
	"   WHERE NOT r.prerelease AND NOT r.draft AND r.deleted_at IS NULL"
	"   AND r.published_at IS NOT NULL"
	"  UNION ALL"
	"  SELECT 'prerelease-deleted:' || r.id, 'prerelease-deleted', r.repository_id,"
	"   r.tag_name, NULL, r.deleted_at, r.id, NULL"
	"   FROM releases r WHERE r.prerelease AND r.deleted_at IS NOT NULL"
	" ) f"
	" WHERE ($1::bigint IS NULL OR f.repository_id = $1)"
	" AND NOT EXISTS (SELECT 1 FROM rc_facts_applied a WHERE a.fact = f.fact)"
	" ORDER BY f.at, f.fact LIMIT 500";


int db_rc_facts_pending(struct db_conn *c, int64_t repo_id, struct db_rc_facts *out)
{
	memset(out, 0, sizeof *out);
	struct rcs_idbuf rb;
	const char *p[1] = {repo_id ? rcs_id(&rb, repo_id) : NULL};
	int n = db_query(c, pending_facts_sql, 1, p, &out->res);
	if (n < 0)
		return n;
	out->v = xcalloc((size_t)n + 1, sizeof *out->v);
	out->n = (size_t)n;
	for (int i = 0; i < n; i++) {
		struct db_rc_fact *f = &out->v[i];
		f->fact = PQgetvalue(out->res, i, 0);
		f->kind = PQgetvalue(out->res, i, 1);
		f->repository_id = db_get_i64(out->res, i, 2);
		f->name = PQgetvalue(out->res, i, 3);
		f->sha = db_get_text_or_null(out->res, i, 4);
		f->at = PQgetvalue(out->res, i, 5);
		f->release_id = db_get_i64(out->res, i, 6);
		f->url = db_get_text_or_null(out->res, i, 7);
	}
	return n;
}

void db_rc_facts_free(struct db_rc_facts *f)
{
	free(f->v);
	PQclear(f->res);
	memset(f, 0, sizeof *f);
}

int db_rc_sync_lock(struct db_conn *c)
{
	int n = db_query(c, "SELECT pg_advisory_xact_lock(" RC_LOCK_SYNC ", 0)", 0, NULL, NULL);
	return n < 0 ? n : DB_OK;
}

int db_rc_fact_applied(struct db_conn *c, const char *fact)
{
	const char *fp[1] = {fact};
	return db_query(c,
			"INSERT INTO rc_facts_applied (fact) VALUES ($1)"
			" ON CONFLICT DO NOTHING",
			1, fp, NULL);
}
