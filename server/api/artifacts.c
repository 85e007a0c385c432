/*
 * artifacts.c — published build outputs.  Immutable: kind + name + version
 * has one digest forever.  Posting the same artifact again is a no-op
 * (200); the same kind+name+version with another digest is refused (409).
 * A new chart (or a digest) resolves the deployments that were waiting for
 * it: a HelmRelease reports its chart version, often before CI has said
 * which commit that version was built from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/page_reply.h"
#include "db/artifacts.h"
#include "db/audit.h"
#include "db/deployments.h"
#include "domain/deployments.h"
#include "shiplog/app.h"
#include "shiplog/db.h"
#include "shiplog/hex.h"

void api_artifacts_list(struct http_request *r)
{
	struct api_page pg;
	if (!api_page_parse(r, &pg))
		return;
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	struct db_artifacts_filter f = {
		.kind = http_param(r, "kind"),
		.name = http_param(r, "name"),
		.version = http_param(r, "version"),
		.digest = http_param(r, "digest"),
		.commit_prefix = http_param(r, "commit"),
		.repository = http_param(r, "repo"),
	};
	struct db_page_query q = api_page_query(&pg);
	struct db_page page;
	if (db_artifacts_page(c, &f, &q, &page) < 0) {
		http_reply_db_failure(r, "could not list artifacts");
		return;
	}
	api_reply_db_page(r, &page);
}

/* One artifact with its commit, the run that built it, and the
 * environments it has been deployed to (current or not). */
static void reply_artifact(struct http_request *r, struct db_conn *c, const char *id,
			   unsigned status)
{
	json_t *o = NULL;
	int n = db_artifact_get(c, id, &o);
	if (n < 0) {
		http_reply_db_failure(r, "could not read the artifact");
		return;
	}
	if (n == 0) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "id: no artifact %s", id);
		return;
	}
	if (!o) {
		http_reply_problem(r, PROBLEM_INTERNAL, "could not render the artifact");
		return;
	}
	http_reply_json(r, status, o);
}

void api_artifacts_get(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	db_deployments_settle(c);
	reply_artifact(r, c, http_param(r, "id"), 200);
}

struct create_tx {
	json_t *body;
	const char *actor;
	char commit[41];
	unsigned outcome; /* 201 created, 200 already there, 409 other digest */
	char id[24];
	char stored_digest[80];
	struct db_audit_who who;
};

/* The audit row of a report that was stored (new, or the same again). */
static int audit_report(struct db_conn *c, struct create_tx *x, const struct db_artifact *a,
			bool created)
{
	json_t *after = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:b}", "kind", a->kind, "name",
				  a->name, "version", a->version, "digest", a->digest, "commit",
				  a->commit,
				  "repository",
				  json_string_value(json_object_get(x->body, "repository")),
				  "created", created);
	int n = db_audit_record(c, &x->who,
				&(struct db_audit_change){.action = "artifact.reported",
							  .target_type = "artifact",
							  .target_id = x->id,
							  .after = after});
	json_decref(after);
	return n;
}

static int create_tx(struct db_conn *c, void *arg)
{
	struct create_tx *x = arg;
	json_t *b = x->body;
	x->outcome = 0;
	const char *repository = json_string_value(json_object_get(b, "repository"));
	struct db_artifact a = {0};
	int n;
	if (repository && (n = db_deployments_repository_id(c, repository, &a.repository_id)) < 0)
		return n;
	char size[24], run[24];
	const json_t *sz = json_object_get(b, "size");
	snprintf(size, sizeof size, "%lld", (long long)json_integer_value(sz));
	const json_t *rn = json_object_get(b, "run_id");
	snprintf(run, sizeof run, "%lld", (long long)json_integer_value(rn));
	const json_t *labels = json_object_get(b, "labels");
	char *labels_text = json_is_object(labels) ? json_dumps(labels, JSON_COMPACT) : NULL;
	a.kind = json_string_value(json_object_get(b, "kind"));
	a.name = json_string_value(json_object_get(b, "name"));
	a.version = json_string_value(json_object_get(b, "version"));
	a.digest = json_string_value(json_object_get(b, "digest"));
	a.uri = json_string_value(json_object_get(b, "uri"));
	a.size = json_is_integer(sz) ? size : NULL;
	a.commit = x->commit[0] ? x->commit : NULL;
	a.run_external_id = json_is_integer(rn) ? run : NULL;
	a.labels = labels_text;
	n = db_artifact_insert_api(c, &a, x->actor, x->id);
	free(labels_text);
	a.labels = NULL;
	if (n < 0)
		return n;
	if (n > 0) {
		x->outcome = 201;
		json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?}", "kind", a.kind, "name",
				       a.name, "version", a.version, "digest", a.digest, "commit",
				       a.commit, "repository", repository);
		int rc = db_event_record(c, "artifact.created", "artifact", x->id, x->actor, ev);
		json_decref(ev);
		if (rc < 0 || (rc = audit_report(c, x, &a, true)) < 0)
			return rc;
		/* deployments that named this chart version or digest before it existed */
		return db_deployments_resolve(c, x->actor);
	}
	struct db_artifact_stored stored;
	n = db_artifact_lock(c, a.kind, a.name, a.version, &stored);
	if (n <= 0)
		return n < 0 ? n : DB_SOFT_ERROR; /* gone meanwhile: try again */
	snprintf(x->id, sizeof x->id, "%s", stored.id);
	snprintf(x->stored_digest, sizeof x->stored_digest, "%.79s", stored.digest);
	if (artifact_offer_verdict(stored.has_digest ? stored.digest : NULL, a.digest) ==
	    ARTIFACT_OTHER_DIGEST) {
		x->outcome = 409;
		return DB_OK;
	}
	x->outcome = 200;
	/* the same artifact: learn what was not known (never overwrite) */
	n = db_artifact_fill(c, x->id, &a);
	if (n < 0)
		return n;
	if (n == 0) /* nothing new: the report is recorded all the same */
		return audit_report(c, x, &a, false);
	json_t *ev = json_pack("{s:s, s:s?}", "digest", a.digest, "commit", a.commit);
	int rc = db_event_record(c, "artifact.updated", "artifact", x->id, x->actor, ev);
	json_decref(ev);
	if (rc < 0 || (rc = audit_report(c, x, &a, false)) < 0)
		return rc;
	return db_deployments_resolve(c, x->actor);
}

void api_artifacts_create(struct http_request *r)
{
	struct create_tx x = {0};
	x.body = r->json;
	x.actor = r->who.subject;
	api_audit_who(r, &x.who);
	const char *commit = json_string_value(json_object_get(r->json, "commit"));
	hex_lower_copy(x.commit, commit, HEX_SHA_LEN);
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	if (db_transaction(c, create_tx, &x) < 0) {
		http_reply_db_failure(r, "could not store the artifact");
		return;
	}
	if (x.outcome == 409) {
		http_reply_problem(r, PROBLEM_IMMUTABLE,
				   "digest: %s %s %s is already published with digest %s; published "
				   "artifacts are immutable (publish a new version)",
				   json_string_value(json_object_get(r->json, "kind")),
				   json_string_value(json_object_get(r->json, "name")),
				   json_string_value(json_object_get(r->json, "version")),
				   x.stored_digest);
		return;
	}
	reply_artifact(r, c, x.id, x.outcome);
	if (r->reply.status == 201) {
		char loc[64];
		snprintf(loc, sizeof loc, "/api/v1/artifacts/%s", x.id);
		http_reply_header(r, "Location", loc);
	}
}
