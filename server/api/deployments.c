/*
 * deployments.c — deployments across environments: the list with filters,
 * one deployment with its status history, and reports from deployers
 * other than Flux and GitHub (POST /api/v1/deployments).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "db/result.h"
#include "domain/deployments.h"
#include "domain/deployments_sql.h"
#include "domain/flux_revision.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/db.h"
#include "shiplog/hex.h"

void api_deployments_list(struct http_request *r)
{
	struct api_page pg;
	if (!api_page_parse(r, &pg))
		return;
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	deployments_settle(c);
	char before[24], limit[16];
	snprintf(before, sizeof before, "%lld", pg.has_cursor ? (long long)pg.before_id : INT64_MAX);
	snprintf(limit, sizeof limit, "%d", pg.limit + 1);
	const char *p[8] = {http_param(r, "environment"),
			    http_param(r, "status"),
			    http_param(r, "commit"),
			    http_param(r, "repo"),
			    pg.has_cursor && pg.before_time[0] ? pg.before_time : "infinity",
			    before,
			    limit,
			    http_param(r, "source")};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " SQL_DEPLOYMENT_JSON "::text, d.id, " SQL_TS_US("d.started_at")
			 " FROM deployments d JOIN environments e ON e.id = d.environment_id"
			 " WHERE ($1::text IS NULL OR lower(e.name) = lower($1))"
			 " AND ($2::text IS NULL OR d.status = $2)"
			 " AND ($3::text IS NULL OR d.commit_sha LIKE lower($3) || '%')"
			 " AND ($4::text IS NULL OR d.repository_id = (SELECT id FROM repositories"
			 "  WHERE lower(full_name) = lower($4)))"
			 " AND ($8::text IS NULL OR d.source = $8)"
			 " AND (d.started_at, d.id) < ($5::timestamptz, $6::bigint)"
			 " ORDER BY d.started_at DESC, d.id DESC LIMIT $7",
			 8, p, &res);
	if (n < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not list deployments");
		return;
	}
	api_reply_page(r, res, n, &pg, 0, 1, 2);
}

/* One deployment with its status history (oldest first). */
static void reply_deployment(struct http_request *r, struct db_conn *c, const char *id,
			     unsigned status)
{
	const char *p[1] = {id};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " SQL_DEPLOYMENT_JSON "::text,"
			 " (SELECT coalesce(json_agg(json_build_object('status', s.status,"
			 "  'at', " SQL_TS("s.event_at") ", 'reason', nullif(s.reason, ''),"
			 "  'message', s.message) ORDER BY s.event_at, s.id), '[]'::json)"
			 "  FROM deployment_statuses s WHERE s.deployment_id = d.id)::text"
			 " FROM deployments d JOIN environments e ON e.id = d.environment_id"
			 " WHERE d.id = $1",
			 1, p, &res);
	if (n < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not read the deployment");
		return;
	}
	if (n == 0) {
		PQclear(res);
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no deployment %s", id);
		return;
	}
	json_t *o = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	json_t *h = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
	PQclear(res);
	if (!o) {
		json_decref(h);
		http_reply_problem(r, PROBLEM_INTERNAL, "could not render the deployment");
		return;
	}
	json_object_set_new(o, "history", h ? h : json_array());
	http_reply_json(r, status, o);
}

void api_deployments_get(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	deployments_settle(c);
	reply_deployment(r, c, http_param(r, "id"), 200);
}

struct report_tx {
	struct deployment_fact f;
	const char *repository;
	const char *environment;
	const char *actor;
	bool env_missing;
	int64_t id;
	bool created;
};

static int report_tx(struct db_conn *c, void *arg)
{
	struct report_tx *x = arg;
	x->env_missing = false;
	const char *p[1] = {x->environment};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT id FROM environments WHERE deleted_at IS NULL AND lower(name) = lower($1)",
			 1, p, &res);
	if (n < 0)
		return n;
	if (n == 0) {
		PQclear(res);
		x->env_missing = true;
		return DB_OK;
	}
	x->f.environment_id = db_get_i64(res, 0, 0);
	PQclear(res);
	if (x->repository) {
		n = deployments_repository_id(c, x->repository, &x->f.repository_id);
		if (n < 0)
			return n;
	}
	return deployments_record(c, &x->f, x->actor, &x->id, &x->created);
}

void api_deployments_create(struct http_request *r)
{
	json_t *b = r->json;
	const char *revision = json_string_value(json_object_get(b, "revision"));
	const char *commit_in = json_string_value(json_object_get(b, "commit"));
	if (!revision && !commit_in) {
		http_reply_field_problem(r, PROBLEM_MISSING_FIELD, "/revision",
					 "give the revision deployed, its commit, or both");
		return;
	}
	char commit[41] = "";
	hex_lower_copy(commit, commit_in, HEX_SHA_LEN);
	struct report_tx x = {0};
	struct flux_revision parsed;
	x.environment = json_string_value(json_object_get(b, "environment"));
	x.repository = json_string_value(json_object_get(b, "repository"));
	x.actor = r->who.subject;
	deployment_fact_revision(&x.f, revision ? revision : commit, &parsed);
	if (commit[0]) {
		x.f.commit_sha = commit;
		if (strcmp(x.f.revision_kind, "git") == 0 && strcmp(parsed.sha, commit) != 0) {
			http_reply_field_problem(r, PROBLEM_INVALID_FIELD, "/commit",
						 "the revision names commit %s, not %s", parsed.sha,
						 commit);
			return;
		}
		/* a commit keys the deployment, whatever the revision's text */
		x.f.revision_key = commit;
	}
	char origin[220];
	snprintf(origin, sizeof origin, "api:%s", x.repository ? x.repository : "");
	for (char *o = origin; *o; o++)
		*o = (char)tolower((unsigned char)*o);
	x.f.source = "api";
	x.f.origin_key = origin;
	x.f.status = json_string_value(json_object_get(b, "status"));
	x.f.started_at = json_string_value(json_object_get(b, "started_at"));
	x.f.finished_at = json_string_value(json_object_get(b, "finished_at"));
	if (x.f.finished_at && deployment_status_rank(x.f.status) < 3) {
		http_reply_field_problem(r, PROBLEM_INVALID_FIELD, "/finished_at",
					 "only a final status (success, failure, error, "
					 "inactive) has an end");
		return;
	}
	int64_t started_us = 0, finished_us = 0;
	if (x.f.started_at && x.f.finished_at &&
	    clock_parse_rfc3339(x.f.started_at, &started_us) &&
	    clock_parse_rfc3339(x.f.finished_at, &finished_us) && finished_us < started_us) {
		http_reply_field_problem(r, PROBLEM_INVALID_FIELD, "/finished_at",
					 "before started_at");
		return;
	}
	char now[40];
	clock_format_rfc3339(clock_now_us(), now, sizeof now);
	/* when the report was true: the end of a finished deployment, else its
	 * start; a final status without an end is true now */
	x.f.event_at = x.f.finished_at ? x.f.finished_at
		       : deployment_status_rank(x.f.status) == 3 ? now
		       : x.f.started_at ? x.f.started_at
					: now;
	x.f.reason = "reported";
	const json_t *arts = json_object_get(b, "artifacts");
	const char *digests[50];
	size_t nd = 0;
	size_t i;
	const json_t *v;
	json_array_foreach(arts, i, v)
	{
		if (nd < sizeof digests / sizeof digests[0])
			digests[nd++] = json_string_value(v);
	}
	x.f.artifact_digests = digests;
	x.f.n_artifact_digests = nd;

	struct db_conn *c = http_db(r);
	if (!c)
		return;
	if (db_transaction(c, report_tx, &x) < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not record the deployment");
		return;
	}
	if (x.env_missing) {
		http_reply_field_problem(r, PROBLEM_INVALID_FIELD, "/environment",
					 "no environment named %s", x.environment);
		return;
	}
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)x.id);
	reply_deployment(r, c, id, x.created ? 201 : 200);
	if (r->reply.status == 201) {
		char loc[64];
		snprintf(loc, sizeof loc, "/api/v1/deployments/%s", id);
		http_reply_header(r, "Location", loc);
	}
}
