/*
 * rc_read.c — answers about release candidates: one RC, what to re-check
 * on it, what it runs on, its readiness, and the RCs and releases that
 * contain a commit (see rc_store.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/result.h"
#include "domain/rc_store.h"
#include "domain/rc_store_internal.h"
#include "shiplog/clock.h"
#include "shiplog/hex.h"
#include "shiplog/xalloc.h"

int rc_get_json(struct db_conn *c, int64_t rc_id, json_t **out)
{
	*out = NULL;
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, rc_id)};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT " RC_SQL_JSON "::text, (" RC_SQL_ARTIFACTS ")::text,"
		" (SELECT coalesce(json_agg(json_build_object('from', h.from_state, 'to', "
		"h.to_state,"
		"  'reason', h.reason, 'source', h.source, 'fact', h.fact, 'actor', h.actor,"
		"  'at', " SQL_TS("h.changed_at") ") ORDER BY h.id), '[]'::json)"
						     "  FROM rc_state_changes h WHERE h.rc_id = "
						     "rc.id)::text, rc.state"
						     " FROM release_candidates rc JOIN "
						     "repositories rp ON rp.id = rc.repository_id"
						     " WHERE rc.id = $1",
		1, p, &res);
	if (n <= 0) {
		PQclear(res);
		return n;
	}
	json_t *o = db_get_json(res, 0, 0);
	if (!json_is_object(o)) {
		json_decref(o);
		PQclear(res);
		return DB_HARD_ERROR;
	}
	json_object_set_new(o, "artifacts", db_get_json(res, 0, 1));
	json_object_set_new(o, "artifacts_from",
			    json_string(json_array_size(json_object_get(o, "artifact_digests"))
						? "digests"
						: "commit"));
	json_object_set_new(o, "history", db_get_json(res, 0, 2));
	int st = rc_state_parse(PQgetvalue(res, 0, 3));
	PQclear(res);
	json_t *allowed = json_array();
	enum rc_state next[4];
	size_t k = st >= 0 ? rc_state_allowed((enum rc_state)st, next, 4) : 0;
	for (size_t i = 0; i < k; i++)
		json_array_append_new(allowed, json_string(rc_state_name(next[i])));
	json_object_set_new(o, "allowed_transitions", allowed);
	json_object_set_new(o, "feedback_open",
			    json_boolean(st >= 0 && !rc_state_closed((enum rc_state)st)));
	json_t *recheck = NULL;
	n = rc_to_recheck(c, rc_id, &recheck);
	if (n < 0) {
		json_decref(o);
		return n;
	}
	json_object_set_new(o, "to_recheck", recheck);
	*out = o;
	return 1;
}

int rc_to_recheck(struct db_conn *c, int64_t rc_id, json_t **out)
{
	*out = json_array();
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
		if (rc_version_compare(PQgetvalue(res, i, 1), PQgetvalue(res, i, 0)) >= 0)
			continue; /* only what earlier RCs carried */
		json_t *f = db_get_json(res, i, 2);
		if (json_is_object(f))
			json_object_set_new(f, "to_recheck", json_true());
		json_array_append_new(*out, f);
	}
	PQclear(res);
	return DB_OK;
}

int rcs_load_staging(struct db_conn *c, const struct config *cfg, int64_t repo_id,
		     const char *branch, const char *commit, const char *digests_literal,
		     struct rcs_staging *out)
{
	memset(out, 0, sizeof *out);
	struct rcs_idbuf b;
	const char *p[5] = {cfg ? cfg->gates.staging_environment : NULL, rcs_id(&b, repo_id),
			    branch, commit, digests_literal ? digests_literal : "{}"};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT e.name, d.id, d.revision, coalesce(d.commit_sha, ra.commit_sha), d.status,"
		" d.reason,"
		" CASE WHEN d.status = 'success' THEN " RC_SQL_US(
			"(SELECT min(s.event_at) FROM deployment_statuses s WHERE s.deployment_id "
			"= d.id"
			" AND s.status = 'success' AND s.event_at > coalesce((SELECT "
			"max(x.event_at)"
			" FROM deployment_statuses x WHERE x.deployment_id = d.id"
			" AND x.status IN ('failure', 'error')), '-infinity'))") " END,"
										 " rcs.seq, ds.seq,"
										 " (SELECT "
										 "count(*) FROM "
										 "branch_sequence "
										 "b2 WHERE "
										 "b2.repository_id "
										 "= $2"
										 "  AND b2.branch "
										 "= $3 AND "
										 "b2.left_at IS "
										 "NULL AND b2.seq "
										 "> rcs.seq"
										 "  AND b2.seq <= "
										 "ds.seq),"
										 " coalesce(d."
										 "artifact_digests "
										 "&& $5::text[], "
										 "false)"
										 " FROM "
										 "environments e"
										 " LEFT JOIN "
										 "LATERAL (SELECT "
										 "d0.* FROM "
										 "deployments d0 "
										 "WHERE "
										 "d0.environment_"
										 "id = e.id"
										 "  AND d0.status "
										 "NOT IN "
										 "('queued', "
										 "'inactive')"
										 "  ORDER BY "
										 "d0.last_event_at "
										 "DESC, d0.id DESC "
										 "LIMIT 1) d ON "
										 "true"
										 " LEFT JOIN "
										 "artifacts ra ON "
										 "ra.id = "
										 "d.resolved_"
										 "artifact_id"
										 " LEFT JOIN "
										 "branch_sequence "
										 "rcs ON "
										 "rcs.repository_"
										 "id = $2 AND "
										 "rcs.branch = $3"
										 "  AND rcs.sha = "
										 "$4 AND "
										 "rcs.left_at IS "
										 "NULL"
										 " LEFT JOIN "
										 "branch_sequence "
										 "ds ON "
										 "ds.repository_id "
										 "= $2 AND "
										 "ds.branch = $3"
										 "  AND ds.sha = "
										 "coalesce(d."
										 "commit_sha, "
										 "ra.commit_sha) "
										 "AND ds.left_at "
										 "IS NULL"
										 " WHERE "
										 "e.deleted_at IS "
										 "NULL AND CASE "
										 "WHEN $1::text IS "
										 "NOT NULL"
										 "  THEN "
										 "lower(e.name) = "
										 "lower($1) ELSE "
										 "e.tier = "
										 "'staging' END"
										 " ORDER BY "
										 "e.sort_order, "
										 "e.id LIMIT 1",
		5, p, &res);
	if (n <= 0) {
		PQclear(res);
		return n;
	}
	out->found = true;
	snprintf(out->environment, sizeof out->environment, "%s", PQgetvalue(res, 0, 0));
	out->has_deployment = !PQgetisnull(res, 0, 1);
	out->deployment_id = db_get_i64(res, 0, 1);
	snprintf(out->revision, sizeof out->revision, "%s", PQgetvalue(res, 0, 2));
	snprintf(out->commit, sizeof out->commit, "%s", PQgetvalue(res, 0, 3));
	snprintf(out->status, sizeof out->status, "%s", PQgetvalue(res, 0, 4));
	snprintf(out->reason, sizeof out->reason, "%s", PQgetvalue(res, 0, 5));
	out->healthy_since_us = db_get_i64(res, 0, 6);
	out->rc_seq_known = !PQgetisnull(res, 0, 7);
	out->rc_seq = db_get_i64(res, 0, 7);
	out->deployed_seq_known = !PQgetisnull(res, 0, 8);
	out->deployed_seq = db_get_i64(res, 0, 8);
	out->commits_between = db_get_i64(res, 0, 9);
	out->digest_overlap = db_get_bool(res, 0, 10);
	PQclear(res);
	return 1;
}

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
	r->summary = db_get_json(res, 0, 9);
	PQclear(res);
	return 1;
}

int rc_running_now(struct db_conn *c, const struct config *cfg, int64_t rc_id, json_t **out)
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
	json_t *artifacts = n > 0 ? db_get_json(res, 0, 0) : json_array();
	PQclear(res);
	struct rcs_staging st;
	n = rcs_load_staging(c, cfg, r.repo_id, r.branch, r.commit[0] ? r.commit : NULL, r.digests,
			     &st);
	if (n < 0) {
		json_decref(artifacts);
		return n;
	}
	json_t *staging = json_null();
	if (st.found) {
		staging = json_pack("{s:s}", "environment", st.environment);
		if (st.has_deployment) {
			json_object_set_new(staging, "deployment_id",
					    json_integer(st.deployment_id));
			json_object_set_new(staging, "revision", json_string(st.revision));
			json_object_set_new(staging, "commit",
					    st.commit[0] ? json_string(st.commit) : json_null());
			json_object_set_new(staging, "status", json_string(st.status));
		}
	}
	*out = json_pack("{s:s, s:s?, s:o, s:o}", "rc", r.version, "commit",
			 r.commit[0] ? r.commit : NULL, "artifacts", artifacts, "staging", staging);
	return 1;
}

/* ---- readiness ---- */

struct job_rows {
	PGresult *res;
	struct rc_job_fact *jobs;
	size_t n;
	bool settled;
};

static int load_jobs(struct db_conn *c, const struct rc_row *r, struct job_rows *out)
{
	memset(out, 0, sizeof *out);
	struct rcs_idbuf b;
	const char *p[2] = {rcs_id(&b, r->repo_id), r->commit};
	int n = db_query(
		c,
		"SELECT r.id, coalesce(nullif(r.workflow_name, ''), r.workflow_path),"
		" coalesce(a.attempt, r.latest_attempt), j.id, j.name,"
		" CASE WHEN j.id IS NULL THEN coalesce(a.status, r.status) ELSE j.status END,"
		" CASE WHEN j.id IS NULL THEN coalesce(a.conclusion, r.conclusion) ELSE "
		"j.conclusion END,"
		" coalesce(j.required, true), coalesce(j.stage = 'e2e', false),"
		" " SQL_TS(
			"coalesce(j.completed_at, a.completed_at)") ","
								    " coalesce(a.status, r.status)"
								    " FROM (SELECT DISTINCT ON "
								    "(coalesce(r0.workflow_path, "
								    "nullif(r0.workflow_name, ''),"
								    "  r0.id::text)) r0.* FROM "
								    "runs r0 WHERE "
								    "r0.repository_id = $1 AND "
								    "r0.head_sha = $2"
								    "  ORDER BY "
								    "coalesce(r0.workflow_path, "
								    "nullif(r0.workflow_name, ''), "
								    "r0.id::text),"
								    "  r0.created_at DESC, r0.id "
								    "DESC) r"
								    " LEFT JOIN run_attempts a ON "
								    "a.run_id = r.id AND a.attempt "
								    "= r.latest_attempt"
								    " LEFT JOIN jobs j ON "
								    "j.attempt_id = a.id"
								    " ORDER BY r.id, j.id",
		2, p, &out->res);
	if (n < 0)
		return n;
	out->n = (size_t)n;
	out->jobs = xcalloc(out->n ? out->n : 1, sizeof *out->jobs);
	out->settled = n > 0;
	for (int i = 0; i < n; i++) {
		struct rc_job_fact *j = &out->jobs[i];
		const PGresult *res = out->res;
		j->run_id = db_get_i64(res, i, 0);
		j->workflow = db_get_text_or_null(res, i, 1);
		j->attempt = (int)db_get_i64(res, i, 2);
		j->job_id = db_get_i64(res, i, 3);
		j->name = db_get_text_or_null(res, i, 4);
		j->status = db_get_text_or_null(res, i, 5);
		j->conclusion = db_get_text_or_null(res, i, 6);
		j->required = db_get_bool(res, i, 7);
		j->e2e = db_get_bool(res, i, 8);
		j->completed_at = db_get_text_or_null(res, i, 9);
		const char *run_status = db_get_text_or_null(res, i, 10);
		if (!run_status || strcmp(run_status, "completed"))
			out->settled = false;
	}
	return DB_OK;
}

static void job_rows_free(struct job_rows *j)
{
	free(j->jobs);
	PQclear(j->res);
}

/* ---- readiness: the gates in the order the answer lists them ---- */

/* What a gate is evaluated on. */
struct gate_input {
	struct db_conn *c;
	const struct config *cfg;
	const struct rc_row *r;
	const struct job_rows *jobs; /* the jobs of the RC's commit (none when it is unknown) */
	int64_t now_us;
};

/* Evaluates a gate into *g: DB_OK or a database error.  Clearing *applies
 * leaves the gate out of the answer (it starts true). */
typedef int gate_eval(const struct gate_input *in, struct rc_gate *g, bool *applies);

static int commit_unknown(struct rc_gate *g)
{
	g->status = RC_GATE_PENDING;
	snprintf(g->reason, sizeof g->reason, "the RC's commit is not known yet");
	return DB_OK;
}

static int ci_gate(const struct gate_input *in, struct rc_gate *g, bool *applies)
{
	(void)applies;
	if (!in->r->commit[0])
		return commit_unknown(g);
	rc_gate_ci(in->jobs->jobs, in->jobs->n, in->r->commit, !in->cfg->gates.smoke_tests, g);
	return DB_OK;
}

static int smoke_gate(const struct gate_input *in, struct rc_gate *g, bool *applies)
{
	(void)applies;
	if (!in->r->commit[0])
		return commit_unknown(g);
	rc_gate_smoke(in->jobs->jobs, in->jobs->n, in->r->commit, g);
	return DB_OK;
}

static int artifacts_gate(const struct gate_input *in, struct rc_gate *g, bool *applies)
{
	(void)applies;
	struct db_conn *c = in->c;
	const struct config *cfg = in->cfg;
	const struct rc_row *r = in->r;
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, r->id)};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT a.id, a.kind, a.name, a.version, a.digest"
		" FROM release_candidates rc JOIN artifacts a ON CASE"
		"  WHEN cardinality(rc.artifact_digests) > 0"
		"  THEN a.digest = ANY(rc.artifact_digests)"
		"  ELSE a.commit_sha = rc.commit_sha"
		"   AND (a.repository_id IS NULL OR a.repository_id = rc.repository_id) END"
		" WHERE rc.id = $1 ORDER BY a.id",
		1, p, &res);
	if (n < 0)
		return n;
	struct rc_artifact_fact *have = xcalloc((size_t)n + 1, sizeof *have);
	for (int i = 0; i < n; i++) {
		have[i].id = db_get_i64(res, i, 0);
		have[i].kind = db_get_text_or_null(res, i, 1);
		have[i].name = db_get_text_or_null(res, i, 2);
		have[i].version = db_get_text_or_null(res, i, 3);
		have[i].digest = db_get_text_or_null(res, i, 4);
	}
	rc_gate_artifacts(cfg->required_artifacts, cfg->n_required_artifacts, have, (size_t)n,
			  in->jobs->settled, g);
	free(have);
	PQclear(res);
	return DB_OK;
}

static int staging_gate(const struct gate_input *in, struct rc_gate *g, bool *applies)
{
	const struct config *cfg = in->cfg;
	const struct rc_row *r = in->r;
	struct rcs_staging st;
	int n = rcs_load_staging(in->c, cfg, r->repo_id, r->branch,
				 r->commit[0] ? r->commit : NULL, r->digests, &st);
	if (n < 0)
		return n;
	*applies = st.found || cfg->gates.staging_environment;
	if (!*applies)
		return DB_OK;
	memset(g, 0, sizeof *g);
	if (!st.found) {
		g->status = RC_GATE_FAILED;
		snprintf(g->reason, sizeof g->reason,
			 "there is no environment named %s (gates.staging.environment)",
			 cfg->gates.staging_environment);
		g->evidence = json_pack("{s:s}", "environment", cfg->gates.staging_environment);
		return DB_OK;
	}
	struct rc_staging_fact f = {0};
	f.environment = st.environment;
	f.has_deployment = st.has_deployment;
	f.deployment_id = st.deployment_id;
	f.revision = st.revision;
	f.deployed_commit = st.commit[0] ? st.commit : NULL;
	f.status = st.status;
	f.reason = st.reason[0] ? st.reason : NULL;
	f.healthy_since_us = st.healthy_since_us;
	f.now_us = in->now_us;
	f.soak_seconds = cfg->gates.soak_seconds;
	f.descendant_counts = cfg->gates.staging_descendant;
	if ((r->commit[0] && f.deployed_commit && !strcmp(r->commit, f.deployed_commit)) ||
	    (r->has_digests && st.digest_overlap))
		f.relation = RC_REV_SAME;
	else if (st.rc_seq_known && st.deployed_seq_known)
		f.relation = st.deployed_seq > st.rc_seq ? RC_REV_DESCENDANT : RC_REV_ANCESTOR;
	else
		f.relation = RC_REV_UNKNOWN;
	f.commits_after = (long)st.commits_between;
	rc_gate_staging(&f, g);
	return DB_OK;
}

static int feedback_gate(const struct gate_input *in, struct rc_gate *g, bool *applies)
{
	(void)applies;
	struct db_conn *c = in->c;
	const struct config *cfg = in->cfg;
	const struct rc_row *r = in->r;
	struct rcs_idbuf b;
	const char *p[1] = {rcs_id(&b, r->id)};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT lower(f.team), count(DISTINCT lower(f.author)) FROM feedback f"
			 " WHERE f.rc_id = $1 AND f.verified AND f.verdict = 'approve'"
			 " AND f.team IS NOT NULL GROUP BY 1",
			 1, p, &res);
	if (n < 0)
		return n;
	size_t nt = cfg->gates.n_approvals;
	struct rc_team_count *teams = xcalloc(nt + 1, sizeof *teams);
	for (size_t i = 0; i < nt; i++) {
		teams[i].team = cfg->gates.approvals[i].team;
		teams[i].min = cfg->gates.approvals[i].min;
		for (int k = 0; k < n; k++)
			if (!strcasecmp(PQgetvalue(res, k, 0), teams[i].team))
				teams[i].have = (int)db_get_i64(res, k, 1);
	}
	PQclear(res);
	res = NULL;
	n = db_query(c,
		     "SELECT f.id, f.author, f.team, frc.version, f.area, frc.id <> me.id"
		     " FROM release_candidates me JOIN release_candidates frc"
		     "  ON frc.repository_id = me.repository_id AND frc.target = me.target"
		     " JOIN feedback f ON f.rc_id = frc.id"
		     " WHERE me.id = $1 AND f.verdict = 'block' AND f.status <> 'resolved'"
		     " ORDER BY f.id",
		     1, p, &res);
	if (n < 0) {
		free(teams);
		return n;
	}
	struct rc_block_fact *blocks = xcalloc((size_t)n + 1, sizeof *blocks);
	size_t nb = 0;
	for (int i = 0; i < n; i++) {
		bool carried = db_get_bool(res, i, 5);
		/* a later RC's blocks are not this one's */
		if (carried && rc_version_compare(PQgetvalue(res, i, 3), r->version) >= 0)
			continue;
		struct rc_block_fact *bf = &blocks[nb++];
		bf->feedback_id = db_get_i64(res, i, 0);
		bf->author = db_get_text_or_null(res, i, 1);
		bf->team = db_get_text_or_null(res, i, 2);
		bf->rc_version = db_get_text_or_null(res, i, 3);
		bf->area = db_get_text_or_null(res, i, 4);
		bf->carried_over = carried;
	}
	rc_gate_feedback(teams, nt, blocks, nb, g);
	free(blocks);
	free(teams);
	PQclear(res);
	return DB_OK;
}

static bool ci_on(const struct config *cfg)
{
	return cfg->gates.ci;
}

static bool smoke_on(const struct config *cfg)
{
	return cfg->gates.smoke_tests;
}

static bool artifacts_on(const struct config *cfg)
{
	return cfg->gates.artifacts && cfg->n_required_artifacts;
}

static bool staging_on(const struct config *cfg)
{
	return cfg->gates.staging;
}

/* The gate sequence, in the order of the answer's `gates`.  A gate the
 * configuration turns off (`on` false) is not evaluated (`on` NULL: always
 * on); one that clears *applies (staging without a staging environment) is
 * left out.  Each eval loads its facts; the rules are server/domain/rc_gates.c. */
static const struct gate_step {
	const char *key;
	const char *title;
	bool (*on)(const struct config *cfg);
	gate_eval *eval;
} gate_steps[] = {
	{"ci", "CI green on the RC's commit", ci_on, ci_gate},
	{"smoke_tests", "Smoke tests passed", smoke_on, smoke_gate},
	{"artifacts", "Required artifacts published", artifacts_on, artifacts_gate},
	{"staging", "Staged and soaked", staging_on, staging_gate},
	{"feedback", "Feedback", NULL, feedback_gate},
};

#define N_GATES (sizeof gate_steps / sizeof gate_steps[0])

static void add_gate(json_t *gates, const char *key, const char *title, const struct rc_gate *g)
{
	/* the gate keeps its evidence: the reply takes a reference of its own */
	json_t *evidence = g->evidence ? json_incref(g->evidence) : json_object();
	json_array_append_new(gates, json_pack("{s:s, s:s, s:s, s:s, s:o}", "gate", key, "title",
					       title, "status", rc_gate_status_name(g->status),
					       "reason", g->reason, "evidence", evidence));
}

int rc_readiness(struct db_conn *c, const struct config *cfg, int64_t rc_id, int64_t now_us,
		 json_t **out)
{
	*out = NULL;
	struct rc_row r;
	int n = load_rc(c, rc_id, &r);
	if (n <= 0)
		return n;
	struct rc_gate gates[N_GATES];
	const struct gate_step *listed[N_GATES];
	size_t ng = 0;
	memset(gates, 0, sizeof gates);
	struct job_rows jobs = {0};
	if (r.commit[0]) {
		n = load_jobs(c, &r, &jobs);
		if (n < 0)
			goto fail;
	}
	const struct gate_input in = {c, cfg, &r, &jobs, now_us};
	for (size_t i = 0; i < N_GATES; i++) {
		const struct gate_step *s = &gate_steps[i];
		bool applies = true;
		if (s->on && !s->on(cfg))
			continue;
		n = s->eval(&in, &gates[ng], &applies);
		if (n < 0)
			goto fail;
		if (applies)
			listed[ng++] = s;
	}

	json_t *list = json_array();
	for (size_t i = 0; i < ng; i++)
		add_gate(list, listed[i]->key, listed[i]->title, &gates[i]);
	const char *verdict = rc_verdict(gates, ng);
	char now[40];
	clock_format_rfc3339(now_us, now, sizeof now);
	*out = json_pack("{s:o, s:s, s:b, s:s, s:o}", "release_candidate", r.summary, "verdict",
			 verdict, "ready", !strcmp(verdict, "ready"), "evaluated_at", now, "gates",
			 list);
	r.summary = NULL;
	n = 1;
fail:
	for (size_t i = 0; i < N_GATES; i++)
		rc_gate_clear(&gates[i]);
	job_rows_free(&jobs);
	json_decref(r.summary);
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
			json_array_append_new(out_rcs, db_get_json(res, i, 0));
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
			json_array_append_new(out_releases, db_get_json(res, i, 0));
		PQclear(res);
	}
	return DB_OK;
}

static void journey_step(json_t *steps, const char *step, const char *title, const char *at,
			 json_t *detail)
{
	json_array_append_new(steps, json_pack("{s:s, s:s, s:s, s:o, s:o}", "step", step, "title",
					       title, "status", at ? "done" : "pending", "at",
					       at ? json_string(at) : json_null(), "detail",
					       detail ? detail : json_object()));
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/*
 * The candidates of the release that shipped the commit (see rc_store.h):
 * marks in `in_line` (one flag per RC of `rcs`, oldest first) the RCs of
 * the shipping release's target that contain it, up to the RC it was
 * released from; without a release, those of the first RC's target.
 */
static void shipping_line(const json_t *rcs, const json_t *release, bool *in_line)
{
	size_t n = json_array_size(rcs), shipped = n, i;
	const char *target = NULL;
	if (release) {
		json_int_t rc_id = json_integer_value(json_object_get(release, "rc_id"));
		for (i = 0; i < n && shipped == n; i++) {
			const json_t *rc = json_array_get(rcs, i);
			if (rc_id && json_integer_value(json_object_get(rc, "id")) == rc_id)
				shipped = i;
		}
		/* a release's version is the target of its candidates */
		target = shipped < n ? jstr(json_array_get(rcs, shipped), "target")
				     : jstr(release, "version");
	} else if (n) {
		target = jstr(json_array_get(rcs, 0), "target");
	}
	const char *released_at = release ? jstr(release, "released_at") : NULL;
	for (i = 0; i < n; i++) {
		const json_t *rc = json_array_get(rcs, i);
		const char *t = jstr(rc, "target"), *cut = jstr(rc, "cut_at");
		in_line[i] = target && t && !strcmp(t, target);
		/* candidates cut after the one that shipped it were not on its road
		 * (RFC 3339 UTC times of one format compare as strings) */
		if (shipped < n)
			in_line[i] = in_line[i] && i <= shipped;
		else if (released_at)
			in_line[i] = in_line[i] && cut && strcmp(cut, released_at) <= 0;
	}
}

int rc_journey_steps(struct db_conn *c, int64_t repo_id, const char *sha, json_t *steps,
		     json_t *also_in)
{
	json_t *rcs = json_array(), *releases = json_array();
	int n = sha ? rc_containing_commit(c, repo_id, sha, rcs, releases) : DB_OK;
	if (n < 0) {
		json_decref(rcs);
		json_decref(releases);
		return n;
	}
	const json_t *rel = json_array_get(releases, 0);
	size_t nrc = json_array_size(rcs);
	bool *in_line = xcalloc(nrc + 1, sizeof *in_line);
	shipping_line(rcs, rel, in_line);
	json_t *line = json_array(), *also_rcs = json_array(), *also_releases = json_array();
	size_t i;
	json_t *rc;
	json_array_foreach(rcs, i, rc)
		json_array_append(in_line[i] ? line : also_rcs, rc);
	free(in_line);
	json_t *later;
	json_array_foreach(releases, i, later)
		if (i > 0)
			json_array_append(also_releases, later);
	json_object_set_new(also_in, "release_candidates", also_rcs);
	json_object_set_new(also_in, "releases", also_releases);

	/* in RC: the first candidate of that release */
	const json_t *first = json_array_get(line, 0);
	char title[300];
	if (first)
		snprintf(title, sizeof title, "In RC %s", jstr(first, "version"));
	journey_step(steps, "in_rc", first ? title : "In a release candidate",
		     first ? jstr(first, "cut_at") : NULL,
		     json_pack("{s:O}", "release_candidates", line));
	/* feedback: what people said about those candidates, from the first word */
	const char *fb_at = NULL;
	json_int_t counts[3] = {0, 0, 0};
	json_array_foreach(line, i, rc) {
		const json_t *f = json_object_get(rc, "feedback");
		const char *at = jstr(f, "first_at");
		if (at && (!fb_at || strcmp(at, fb_at) < 0))
			fb_at = at;
		counts[0] += json_integer_value(json_object_get(f, "approve"));
		counts[1] += json_integer_value(json_object_get(f, "concern"));
		counts[2] += json_integer_value(json_object_get(f, "block"));
	}
	journey_step(steps, "feedback", "Feedback", fb_at,
		     json_pack("{s:I, s:I, s:I}", "approve", counts[0], "concern", counts[1],
			       "block", counts[2]));
	/* released: the first release containing it */
	if (rel)
		snprintf(title, sizeof title, "Released in %s", jstr(rel, "version"));
	journey_step(steps, "released", rel ? title : "Released",
		     rel ? jstr(rel, "released_at") : NULL,
		     rel ? json_pack("{s:O}", "release", rel) : NULL);
	json_decref(line);
	json_decref(rcs);
	json_decref(releases);
	return DB_OK;
}
