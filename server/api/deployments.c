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
#include "api/page_reply.h"
#include "db/audit.h"
#include "db/deployments.h"
#include "db/environments.h"
#include "domain/deployments.h"
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
	db_deployments_settle(c);
	struct db_deployments_filter f = {
		.environment = http_param(r, "environment"),
		.status = http_param(r, "status"),
		.commit_prefix = http_param(r, "commit"),
		.repository = http_param(r, "repo"),
		.source = http_param(r, "source"),
	};
	struct db_page_query q = api_page_query(&pg);
	struct db_page page;
	if (db_deployments_page(c, &f, &q, &page) < 0) {
		http_reply_db_failure(r, "could not list deployments");
		return;
	}
	api_reply_db_page(r, &page);
}

/* One deployment with its status history (oldest first). */
static void reply_deployment(struct http_request *r, struct db_conn *c, const char *id,
			     unsigned status)
{
	json_t *o = NULL;
	int n = db_deployment_get(c, id, &o);
	if (n < 0) {
		http_reply_db_failure(r, "could not read the deployment");
		return;
	}
	if (n == 0) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no deployment %s", id);
		return;
	}
	if (!o) {
		http_reply_problem(r, PROBLEM_INTERNAL, "could not render the deployment");
		return;
	}
	http_reply_json(r, status, o);
}

void api_deployments_get(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	db_deployments_settle(c);
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
	struct db_audit_who who;
};

static int report_tx(struct db_conn *c, void *arg)
{
	struct report_tx *x = arg;
	x->env_missing = false;
	int n = db_environment_id(c, x->environment, &x->f.environment_id);
	if (n < 0)
		return n;
	if (n == 0) {
		x->env_missing = true;
		return DB_OK;
	}
	if (x->repository) {
		n = db_deployments_repository_id(c, x->repository, &x->f.repository_id);
		if (n < 0)
			return n;
	}
	n = db_deployments_record(c, &x->f, x->actor, &x->id, &x->created);
	if (n < 0)
		return n;
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)x->id);
	json_t *after = json_pack("{s:s, s:s?, s:s, s:s?, s:s, s:b}", "environment", x->environment,
				  "repository", x->repository, "revision", x->f.revision,
				  "commit", x->f.commit_sha, "status", x->f.status, "created",
				  x->created);
	n = db_audit_record(c, &x->who,
			    &(struct db_audit_change){.action = "deployment.reported",
						      .target_type = "deployment",
						      .target_id = id,
						      .after = after});
	json_decref(after);
	return n;
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
	api_audit_who(r, &x.who);
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
	x.f.event_at = deployment_report_event_at(&x.f, now);
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
		http_reply_db_failure(r, "could not record the deployment");
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
