/*
 * db/release_candidates_read.c — the statements that read release candidates (see
 * db/release_candidates.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/release_candidates.h"
#include "db/release_candidates_internal.h"
#include "db/result.h"
#include "domain/rc.h"
#include "domain/rc_answers.h"
#include "shiplog/hex.h"
#include "shiplog/xalloc.h"

const char *rcs_id(struct rcs_idbuf *b, int64_t v)
{
	snprintf(b->s, sizeof b->s, "%lld", (long long)v);
	return b->s;
}

int rcs_page(PGresult *res, int n, int limit, json_t **items, int64_t *last_id)
{
	if (n < 0)
		return n;
	*items = json_array();
	int shown = n > limit ? limit : n;
	for (int i = 0; i < shown; i++) {
		json_t *o = PQgetisnull(res, i, 0)
				    ? NULL
				    : json_loads(PQgetvalue(res, i, 0), JSON_DECODE_ANY, NULL);
		if (o)
			json_array_append_new(*items, o);
	}
	if (n > limit)
		*last_id = db_get_i64(res, shown - 1, 1);
	PQclear(res);
	return n;
}

int rcs_pick_version(const PGresult *res, int n, int col, const char *below)
{
	const char **versions = xcalloc((size_t)n + 1, sizeof *versions);
	for (int i = 0; i < n; i++)
		versions[i] = PQgetvalue(res, i, col);
	int pick = rc_version_highest(versions, (size_t)n, below);
	free((void *)versions);
	return pick;
}

int db_rcs_page(struct db_conn *c, const char *repo, const char *state, const char *target,
		int64_t before_id, int limit, json_t **items, int64_t *last_id)
{
	char before[24], lim[16];
	snprintf(before, sizeof before, "%lld", (long long)before_id);
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *p[5] = {repo, state, target, before, lim};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT " RC_SQL_JSON "::text, rc.id"
		" FROM release_candidates rc JOIN repositories rp ON rp.id = rc.repository_id"
		" WHERE ($1::text IS NULL OR lower(rp.full_name) = lower($1))"
		" AND ($2::text IS NULL OR rc.state = $2)"
		" AND ($3::text IS NULL OR rc.target = $3)"
		" AND rc.id < $4 ORDER BY rc.id DESC LIMIT $5",
		5, p, &res);
	return rcs_page(res, n, limit, items, last_id);
}

int db_rc_exists(struct db_conn *c, int64_t rc_id)
{
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, rc_id)};
	return db_query(c, "SELECT 1 FROM release_candidates WHERE id = $1", 1, p, NULL);
}

int db_rc_newest_open(struct db_conn *c, int64_t repo_id, int64_t *rc_id)
{
	*rc_id = 0;
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, repo_id)};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT id, version FROM release_candidates WHERE repository_id = $1"
			 " AND state IN ('draft', 'testing', 'approved') ORDER BY id",
			 1, p, &res);
	if (n < 0)
		return n;
	int pick = rcs_pick_version(res, n, 1, NULL);
	if (pick >= 0)
		*rc_id = db_get_i64(res, pick, 0);
	PQclear(res);
	return n;
}

/* ---- one RC ---- */

/* The unresolved concern/block feedback on the other RCs of `rc_id`'s
 * target: *version the RC's, *rows [{version, feedback}] (new). */
static int carried_feedback(struct db_conn *c, int64_t rc_id, char *version, size_t size,
			    json_t **rows)
{
	*rows = json_array();
	version[0] = '\0';
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, rc_id)};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT me.version, frc.version, " RC_SQL_FEEDBACK_JSON "::text"
			 " FROM release_candidates me JOIN release_candidates frc"
			 "  ON frc.repository_id = me.repository_id AND frc.target = me.target"
			 "  AND frc.id <> me.id"
			 " JOIN feedback f ON f.rc_id = frc.id"
			 " WHERE me.id = $1 AND f.verdict IN ('concern', 'block')"
			 " AND f.status <> 'resolved' ORDER BY f.id",
			 1, p, &res);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		snprintf(version, size, "%s", PQgetvalue(res, i, 0));
		json_array_append_new(*rows, json_pack("{s:s, s:o}", "version",
						       PQgetvalue(res, i, 1), "feedback",
						       db_get_json_or_null(res, i, 2)));
	}
	PQclear(res);
	return n;
}

int db_rc_json(struct db_conn *c, int64_t rc_id, json_t **out)
{
	*out = NULL;
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, rc_id)};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT " RC_SQL_JSON "::text, (" RC_SQL_ARTIFACTS ")::text,"
		" (SELECT coalesce(json_agg(json_build_object('from', h.from_state,"
		" 'to', h.to_state,"
		"  'reason', h.reason, 'source', h.source, 'fact', h.fact, 'actor', h.actor,"
		"  'at', " SQL_TS("h.changed_at") ", 'override', (SELECT json_build_object("
		"  'gates', o.gates, 'reason', o.reason) FROM rc_overrides o"
		"  WHERE o.state_change_id = h.id)) ORDER BY h.id), '[]'::json)"
		"  FROM rc_state_changes h WHERE h.rc_id = rc.id)::text, rc.state,"
		" (SELECT coalesce(json_agg(json_build_object('at', " SQL_TS("o.at") ","
		"  'actor', o.actor, 'from_state', o.from_state, 'to_state', o.to_state,"
		"  'gates', o.gates, 'reason', o.reason) ORDER BY o.id), '[]'::json)"
		"  FROM rc_overrides o WHERE o.rc_id = rc.id)::text"
		" FROM release_candidates rc JOIN repositories rp ON rp.id = rc.repository_id"
		" WHERE rc.id = $1",
		1, p, &res);
	if (n <= 0) {
		PQclear(res);
		return n;
	}
	json_t *summary = db_get_json_or_null(res, 0, 0), *artifacts = db_get_json_or_null(res, 0, 1);
	json_t *history = db_get_json_or_null(res, 0, 2);
	json_t *overrides = db_get_json_or_null(res, 0, 4);
	char state[16];
	snprintf(state, sizeof state, "%s", PQgetvalue(res, 0, 3));
	PQclear(res);
	if (!json_is_object(summary)) {
		json_decref(summary);
		json_decref(artifacts);
		json_decref(history);
		json_decref(overrides);
		return DB_HARD_ERROR;
	}
	json_object_set_new(summary, "overrides", overrides ? overrides : json_array());
	json_t *carried = NULL;
	char version[200];
	n = carried_feedback(c, rc_id, version, sizeof version, &carried);
	if (n < 0) {
		json_decref(carried);
		json_decref(summary);
		json_decref(artifacts);
		json_decref(history);
		return n;
	}
	json_t *recheck = rc_answer_recheck(version, carried);
	json_decref(carried);
	*out = rc_answer_rc(summary, artifacts, history, state, recheck);
	return 1;
}

/* ---- what an RC runs on, and its readiness ---- */

/* The RC row the readiness and running answers start from. */
struct rc_row {
	int64_t id, repo_id;
	char version[200], target[200], commit[48], state[16], branch[256];
	char digests[2048]; /* text[] literal */
	bool has_digests;
	json_t *summary;
};

static int load_rc(struct db_conn *c, int64_t rc_id, struct rc_row *r)
{
	memset(r, 0, sizeof *r);
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, rc_id)};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT rc.id, rc.repository_id, rc.version, rc.target, rc.commit_sha,"
		" rc.state, rp.default_branch, rc.artifact_digests::text,"
		" cardinality(rc.artifact_digests) > 0, " RC_SQL_JSON "::text"
		" FROM release_candidates rc JOIN repositories rp ON rp.id = rc.repository_id"
		" WHERE rc.id = $1",
		1, p, &res);
	if (n <= 0) {
		PQclear(res);
		return n;
	}
	r->id = db_get_i64(res, 0, 0);
	r->repo_id = db_get_i64(res, 0, 1);
	snprintf(r->version, sizeof r->version, "%s", PQgetvalue(res, 0, 2));
	snprintf(r->target, sizeof r->target, "%s", PQgetvalue(res, 0, 3));
	snprintf(r->commit, sizeof r->commit, "%s", PQgetvalue(res, 0, 4));
	snprintf(r->state, sizeof r->state, "%s", PQgetvalue(res, 0, 5));
	snprintf(r->branch, sizeof r->branch, "%s", PQgetvalue(res, 0, 6));
	snprintf(r->digests, sizeof r->digests, "%s", PQgetvalue(res, 0, 7));
	r->has_digests = db_get_bool(res, 0, 8);
	r->summary = db_get_json_or_null(res, 0, 9);
	PQclear(res);
	return 1;
}

/* The staging environment and its current deployment, compared with the
 * RC's commit on the default branch; the strings borrow from *res (the
 * caller PQclear()s it, also on failure). */
static int load_staging(struct db_conn *c, const struct config *cfg, const struct rc_row *r,
			struct rc_staging_row *out, PGresult **res)
{
	memset(out, 0, sizeof *out);
	struct rcs_idbuf b;
	const char *p[5] = {cfg ? cfg->gates.staging_environment : NULL, rcs_id(&b, r->repo_id),
			    r->branch, r->commit[0] ? r->commit : NULL, r->digests};
	/* clang-format off */
	int n = db_query(
		c,
		"SELECT e.name, d.id, d.revision, coalesce(d.commit_sha, ra.commit_sha), d.status,"
		" d.reason,"
		" CASE WHEN d.status = 'success' THEN " RC_SQL_US(
			"(SELECT min(s.event_at) FROM deployment_statuses s WHERE s.deployment_id = d.id"
			" AND s.status = 'success' AND s.event_at > coalesce((SELECT max(x.event_at)"
			" FROM deployment_statuses x WHERE x.deployment_id = d.id"
			" AND x.status IN ('failure', 'error')), '-infinity'))") " END,"
		" rcs.seq, ds.seq,"
		" (SELECT count(*) FROM branch_sequence b2 WHERE b2.repository_id = $2"
		"  AND b2.branch = $3 AND b2.left_at IS NULL AND b2.seq > rcs.seq"
		"  AND b2.seq <= ds.seq),"
		" coalesce(d.artifact_digests && $5::text[], false)"
		" FROM environments e"
		" LEFT JOIN LATERAL (SELECT d0.* FROM deployments d0 WHERE d0.environment_id = e.id"
		"  AND d0.status NOT IN ('queued', 'inactive')"
		"  ORDER BY d0.last_event_at DESC, d0.id DESC LIMIT 1) d ON true"
		" LEFT JOIN artifacts ra ON ra.id = d.resolved_artifact_id"
		" LEFT JOIN branch_sequence rcs ON rcs.repository_id = $2 AND rcs.branch = $3"
		"  AND rcs.sha = $4 AND rcs.left_at IS NULL"
		" LEFT JOIN branch_sequence ds ON ds.repository_id = $2 AND ds.branch = $3"
		"  AND ds.sha = coalesce(d.commit_sha, ra.commit_sha) AND ds.left_at IS NULL"
		" WHERE e.deleted_at IS NULL AND CASE WHEN $1::text IS NOT NULL"
		"  THEN lower(e.name) = lower($1) ELSE e.tier = 'staging' END"
		" ORDER BY e.sort_order, e.id LIMIT 1",
		5, p, res);
	/* clang-format on */
	if (n <= 0)
		return n;
	const PGresult *s = *res;
	out->found = true;
	out->environment = PQgetvalue(s, 0, 0);
	out->has_deployment = !PQgetisnull(s, 0, 1);
	out->deployment_id = db_get_i64(s, 0, 1);
	out->revision = PQgetvalue(s, 0, 2);
	out->commit = PQgetvalue(s, 0, 3);
	out->status = PQgetvalue(s, 0, 4);
	out->reason = PQgetvalue(s, 0, 5);
	out->healthy_since_us = db_get_i64(s, 0, 6);
	out->rc_seq_known = !PQgetisnull(s, 0, 7);
	out->rc_seq = db_get_i64(s, 0, 7);
	out->deployed_seq_known = !PQgetisnull(s, 0, 8);
	out->deployed_seq = db_get_i64(s, 0, 8);
	out->commits_between = db_get_i64(s, 0, 9);
	out->digest_overlap = db_get_bool(s, 0, 10);
	return 1;
}

int db_rc_running_now(struct db_conn *c, const struct config *cfg, int64_t rc_id, json_t **out)
{
	*out = NULL;
	struct rc_row r;
	int n = load_rc(c, rc_id, &r);
	if (n <= 0)
		return n;
	json_decref(r.summary);
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, rc_id)};
	PGresult *res = NULL;
	n = db_query(c,
		     "SELECT (" RC_SQL_ARTIFACTS
		     ")::text FROM release_candidates rc WHERE rc.id = $1",
		     1, p, &res);
	if (n < 0)
		return n;
	json_t *artifacts = n > 0 ? db_get_json_or_null(res, 0, 0) : json_array();
	PQclear(res);
	res = NULL;
	struct rc_staging_row st;
	n = load_staging(c, cfg, &r, &st, &res);
	if (n < 0) {
		PQclear(res);
		json_decref(artifacts);
		return n;
	}
	*out = rc_answer_running(r.version, r.commit, artifacts, &st);
	PQclear(res);
	return 1;
}

/* The jobs of the latest attempts of the runs on the RC's commit; the
 * strings borrow from *res. */
static int load_jobs(struct db_conn *c, const struct rc_row *r, struct rc_readiness_facts *f,
		     struct rc_job_fact **jobs, PGresult **res)
{
	struct rcs_idbuf b;
	const char *p[2] = {rcs_id(&b, r->repo_id), r->commit};
	/* clang-format off */
	int n = db_query(
		c,
		"SELECT r.id, coalesce(nullif(r.workflow_name, ''), r.workflow_path),"
		" coalesce(a.attempt, r.latest_attempt), j.id, j.name,"
		" CASE WHEN j.id IS NULL THEN coalesce(a.status, r.status) ELSE j.status END,"
		" CASE WHEN j.id IS NULL THEN coalesce(a.conclusion, r.conclusion) ELSE j.conclusion END,"
		" coalesce(j.required, true), coalesce(j.stage = 'e2e', false),"
		" " SQL_TS("coalesce(j.completed_at, a.completed_at)") ","
		" coalesce(a.status, r.status)"
		" FROM (SELECT DISTINCT ON (coalesce(r0.workflow_path, nullif(r0.workflow_name, ''),"
		"  r0.id::text)) r0.* FROM runs r0 WHERE r0.repository_id = $1 AND r0.head_sha = $2"
		"  ORDER BY coalesce(r0.workflow_path, nullif(r0.workflow_name, ''), r0.id::text),"
		"  r0.created_at DESC, r0.id DESC) r"
		" LEFT JOIN run_attempts a ON a.run_id = r.id AND a.attempt = r.latest_attempt"
		" LEFT JOIN jobs j ON j.attempt_id = a.id"
		" ORDER BY r.id, j.id",
		2, p, res);
	/* clang-format on */
	if (n < 0)
		return n;
	*jobs = xcalloc((size_t)n + 1, sizeof **jobs);
	f->jobs = *jobs;
	f->n_jobs = (size_t)n;
	f->jobs_settled = n > 0;
	for (int i = 0; i < n; i++) {
		struct rc_job_fact *j = &(*jobs)[i];
		const PGresult *s = *res;
		j->run_id = db_get_i64(s, i, 0);
		j->workflow = db_get_text_or_null(s, i, 1);
		j->attempt = (int)db_get_i64(s, i, 2);
		j->job_id = db_get_i64(s, i, 3);
		j->name = db_get_text_or_null(s, i, 4);
		j->status = db_get_text_or_null(s, i, 5);
		j->conclusion = db_get_text_or_null(s, i, 6);
		j->required = db_get_bool(s, i, 7);
		j->e2e = db_get_bool(s, i, 8);
		j->completed_at = db_get_text_or_null(s, i, 9);
		const char *run_status = db_get_text_or_null(s, i, 10);
		if (!run_status || strcmp(run_status, "completed"))
			f->jobs_settled = false;
	}
	return n;
}

/* The artifacts the RC ships (strings borrowed from *res). */
static int load_artifacts(struct db_conn *c, const struct rc_row *r, struct rc_readiness_facts *f,
			  struct rc_artifact_fact **have, PGresult **res)
{
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, r->id)};
	int n = db_query(
		c,
		"SELECT a.id, a.kind, a.name, a.version, a.digest"
		" FROM release_candidates rc JOIN artifacts a ON CASE"
		"  WHEN cardinality(rc.artifact_digests) > 0"
		"  THEN a.digest = ANY(rc.artifact_digests)"
		"  ELSE a.commit_sha = rc.commit_sha"
		"   AND (a.repository_id IS NULL OR a.repository_id = rc.repository_id) END"
		" WHERE rc.id = $1 ORDER BY a.id",
		1, p, res);
	if (n < 0)
		return n;
	*have = xcalloc((size_t)n + 1, sizeof **have);
	for (int i = 0; i < n; i++) {
		(*have)[i].id = db_get_i64(*res, i, 0);
		(*have)[i].kind = db_get_text_or_null(*res, i, 1);
		(*have)[i].name = db_get_text_or_null(*res, i, 2);
		(*have)[i].version = db_get_text_or_null(*res, i, 3);
		(*have)[i].digest = db_get_text_or_null(*res, i, 4);
	}
	f->artifacts = *have;
	f->n_artifacts = (size_t)n;
	return n;
}

/* Verified approvers per team, and the unresolved blocks on the RCs of the
 * RC's target (strings borrowed from *teams_res and *blocks_res). */
static int load_feedback(struct db_conn *c, const struct rc_row *r, struct rc_readiness_facts *f,
			 struct rc_approval_row **approvals, struct rc_block_fact **blocks,
			 PGresult **teams_res, PGresult **blocks_res)
{
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, r->id)};
	int n = db_query(c,
			 "SELECT lower(f.team), count(DISTINCT lower(f.author)) FROM feedback f"
			 " WHERE f.rc_id = $1 AND f.verified AND f.verdict = 'approve'"
			 " AND f.team IS NOT NULL GROUP BY 1",
			 1, p, teams_res);
	if (n < 0)
		return n;
	*approvals = xcalloc((size_t)n + 1, sizeof **approvals);
	for (int k = 0; k < n; k++) {
		(*approvals)[k].team = PQgetvalue(*teams_res, k, 0);
		(*approvals)[k].approvers = (int)db_get_i64(*teams_res, k, 1);
	}
	f->approvals = *approvals;
	f->n_approvals = (size_t)n;
	n = db_query(c,
		     "SELECT f.id, f.author, f.team, frc.version, f.area, frc.id <> me.id"
		     " FROM release_candidates me JOIN release_candidates frc"
		     "  ON frc.repository_id = me.repository_id AND frc.target = me.target"
		     " JOIN feedback f ON f.rc_id = frc.id"
		     " WHERE me.id = $1 AND f.verdict = 'block' AND f.status <> 'resolved'"
		     " ORDER BY f.id",
		     1, p, blocks_res);
	if (n < 0)
		return n;
	*blocks = xcalloc((size_t)n + 1, sizeof **blocks);
	for (int i = 0; i < n; i++) {
		struct rc_block_fact *bf = &(*blocks)[i];
		const PGresult *s = *blocks_res;
		bf->feedback_id = db_get_i64(s, i, 0);
		bf->author = db_get_text_or_null(s, i, 1);
		bf->team = db_get_text_or_null(s, i, 2);
		bf->rc_version = db_get_text_or_null(s, i, 3);
		bf->area = db_get_text_or_null(s, i, 4);
		bf->carried_over = db_get_bool(s, i, 5);
	}
	f->blocks = *blocks;
	f->n_blocks = (size_t)n;
	return n;
}

int db_rc_readiness(struct db_conn *c, const struct config *cfg, int64_t rc_id, int64_t now_us,
		    json_t **out)
{
	*out = NULL;
	struct rc_row r;
	int n = load_rc(c, rc_id, &r);
	if (n <= 0)
		return n;
	struct rc_readiness_facts f = {0};
	f.version = r.version;
	f.commit = r.commit;
	f.has_digests = r.has_digests;
	struct rc_job_fact *jobs = NULL;
	struct rc_artifact_fact *artifacts = NULL;
	struct rc_approval_row *approvals = NULL;
	struct rc_block_fact *blocks = NULL;
	PGresult *jobs_res = NULL, *artifacts_res = NULL, *staging_res = NULL, *teams_res = NULL,
		 *blocks_res = NULL;
	/* the facts of the gates the configuration evaluates */
	if (r.commit[0] && (n = load_jobs(c, &r, &f, &jobs, &jobs_res)) < 0)
		goto done;
	if (rc_readiness_gate_on(cfg, "artifacts") &&
	    (n = load_artifacts(c, &r, &f, &artifacts, &artifacts_res)) < 0)
		goto done;
	if (rc_readiness_gate_on(cfg, "staging") &&
	    (n = load_staging(c, cfg, &r, &f.staging, &staging_res)) < 0)
		goto done;
	n = load_feedback(c, &r, &f, &approvals, &blocks, &teams_res, &blocks_res);
	if (n < 0)
		goto done;
	*out = rc_answer_readiness(cfg, &f, r.summary, now_us);
	r.summary = NULL;
	n = 1;
done:
	json_decref(r.summary);
	free(jobs);
	free(artifacts);
	free(approvals);
	free(blocks);
	PQclear(jobs_res);
	PQclear(artifacts_res);
	PQclear(staging_res);
	PQclear(teams_res);
	PQclear(blocks_res);
	return n;
}

/* ---- what contains a commit ---- */

/* The commit's place ($2, a SHA prefix) on the default branch of
 * repository $1 */
#define CONTAINING_TGT                                                    \
	"WITH tgt AS (SELECT rp.default_branch AS branch, (SELECT cs.seq" \
	"  FROM branch_sequence cs WHERE cs.repository_id = rp.id"        \
	"  AND cs.branch = rp.default_branch AND cs.sha LIKE $2 || '%'"   \
	"  AND cs.left_at IS NULL ORDER BY cs.seq LIMIT 1) AS seq"        \
	"  FROM repositories rp WHERE rp.id = $1)"

int rc_containing_commit(struct db_conn *c, int64_t repo_id, const char *sha, json_t *out_rcs,
			 json_t *out_releases)
{
	char prefix[41];
	size_t len = sha ? strlen(sha) : 0;
	if (len < 7 || len > 40)
		return DB_OK;
	if (!hex_is_hex(sha, len))
		return DB_OK;
	hex_lower_copy(prefix, sha, len);
	struct rcs_idbuf b;
	const char *p[2] = {rcs_id(&b, repo_id), prefix};
	PGresult *res = NULL;
	int n;
	/* clang-format off */
	if (out_rcs) {
		n = db_query(c, CONTAINING_TGT
			" SELECT json_build_object('id', rc.id, 'version', rc.version,"
			"  'target', rc.target, 'state', rc.state, 'commit', rc.commit_sha,"
			"  'cut_at', " SQL_TS("rc.cut_at") ","
			"  'feedback', (SELECT json_build_object('count', count(*),"
			"   'first_at', " SQL_TS("min(coalesce(f.given_at, f.created_at))") ","
			"   'last_at', " SQL_TS("max(coalesce(f.given_at, f.created_at))") ","
			"   'approve', count(*) FILTER (WHERE f.verdict = 'approve'),"
			"   'concern', count(*) FILTER (WHERE f.verdict = 'concern'),"
			"   'block', count(*) FILTER (WHERE f.verdict = 'block'))"
			"   FROM feedback f WHERE f.rc_id = rc.id))::text"
			" FROM release_candidates rc CROSS JOIN tgt"
			" LEFT JOIN branch_sequence rs ON rs.repository_id = rc.repository_id"
			"  AND rs.branch = tgt.branch AND rs.sha = rc.commit_sha AND rs.left_at IS NULL"
			" WHERE rc.repository_id = $1 AND (rc.commit_sha LIKE $2 || '%'"
			"  OR (tgt.seq IS NOT NULL AND rs.seq >= tgt.seq))"
			" ORDER BY rc.cut_at, rc.id", 2, p, &res);
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++)
			json_array_append_new(out_rcs, db_get_json_or_null(res, i, 0));
		PQclear(res);
		res = NULL;
	}
	if (out_releases) {
		n = db_query(c, CONTAINING_TGT
			" SELECT json_build_object('id', sr.id, 'version', sr.version,"
			"  'tag', sr.tag_name, 'released_at', " SQL_TS("sr.released_at") ","
			"  'rc_id', sr.rc_id, 'commit', coalesce(sr.commit_sha, rc.commit_sha),"
			"  'url', sr.html_url)::text"
			" FROM shipped_releases sr CROSS JOIN tgt"
			" LEFT JOIN release_candidates rc ON rc.id = sr.rc_id"
			" LEFT JOIN branch_sequence rs ON rs.repository_id = sr.repository_id"
			"  AND rs.branch = tgt.branch AND rs.sha = coalesce(sr.commit_sha, rc.commit_sha)"
			"  AND rs.left_at IS NULL"
			" WHERE sr.repository_id = $1 AND (coalesce(sr.commit_sha, rc.commit_sha)"
			"  LIKE $2 || '%' OR (tgt.seq IS NOT NULL AND rs.seq >= tgt.seq))"
			" ORDER BY sr.released_at, sr.id", 2, p, &res);
		/* clang-format on */
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++)
			json_array_append_new(out_releases, db_get_json_or_null(res, i, 0));
		PQclear(res);
	}
	return DB_OK;
}

int rc_journey_steps(struct db_conn *c, int64_t repo_id, const char *sha, json_t *steps,
		     json_t *also_in)
{
	json_t *rcs = json_array(), *releases = json_array();
	int n = sha ? rc_containing_commit(c, repo_id, sha, rcs, releases) : DB_OK;
	if (n >= 0)
		rc_answer_journey(rcs, releases, steps, also_in);
	json_decref(rcs);
	json_decref(releases);
	return n < 0 ? n : DB_OK;
}
