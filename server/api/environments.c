/*
 * environments.c — where things are deployed: declared in the
 * configuration (upserted at start, changed only there) or created through
 * the API; each shown with its current deployment, since when it has been
 * healthy, and how far it is behind the default branch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/page_reply.h"
#include "db/audit.h"
#include "db/deployments.h"
#include "db/environments.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/db.h"
#include "shiplog/log.h"
#include "shiplog/validate.h"
#include "shiplog/xalloc.h"

/* ---- shared checks ---- */

static const struct config_environment *config_env(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_environments; i++)
		if (strcasecmp(cfg->environments[i].name, name) == 0)
			return &cfg->environments[i];
	return NULL;
}

/*
 * Checks a "flux" array ({kind, namespace, name} objects) and returns it in
 * canonical form (kind spelt HelmRelease/Kustomization, namespace defaulted
 * to flux-system), or NULL with the JSON Pointer of the member at fault in
 * pointer ("/flux/0/kind") and why in err.
 */
static json_t *flux_canonical(const json_t *list, char *pointer, size_t pointer_size, char *err,
			      size_t err_size)
{
	json_t *out = json_array();
	size_t i;
	const json_t *o;
	const char *at = "";
	json_array_foreach(list, i, o)
	{
		const char *key;
		const json_t *v;
		json_object_foreach((json_t *)(uintptr_t)o, key, v)
		{
			at = key;
			if (strcmp(key, "kind") && strcmp(key, "namespace") && strcmp(key, "name")) {
				snprintf(err, err_size, "unknown field (kind, namespace, name)");
				goto bad;
			}
			if (!json_is_string(v)) {
				snprintf(err, err_size, "expected a string");
				goto bad;
			}
		}
		const char *kind = json_string_value(json_object_get(o, "kind"));
		const char *ns = json_string_value(json_object_get(o, "namespace"));
		const char *name = json_string_value(json_object_get(o, "name"));
		at = "kind";
		if (!kind) {
			snprintf(err, err_size, "required");
			goto bad;
		}
		if (strcasecmp(kind, "HelmRelease") == 0)
			kind = "HelmRelease";
		else if (strcasecmp(kind, "Kustomization") == 0)
			kind = "Kustomization";
		else {
			snprintf(err, err_size, "expected HelmRelease or Kustomization");
			goto bad;
		}
		at = "namespace";
		if (!ns)
			ns = "flux-system";
		const char *why = validate_k8s_name(ns);
		if (why) {
			snprintf(err, err_size, "%s", why);
			goto bad;
		}
		at = "name";
		if (!name || (why = validate_k8s_name(name))) {
			snprintf(err, err_size, "%s", name ? why : "required");
			goto bad;
		}
		json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "kind", kind, "namespace", ns,
						     "name", name));
	}
	return out;
bad:
	snprintf(pointer, pointer_size, "/flux/%zu", i);
	http_json_pointer_push(pointer, pointer_size, at);
	json_decref(out);
	return NULL;
}

static json_t *config_flux_json(const struct config_environment *e)
{
	json_t *a = json_array();
	for (size_t j = 0; j < e->n_flux; j++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "kind", e->flux[j].kind,
						   "namespace",
						   e->flux[j].namespace_ ? e->flux[j].namespace_
									 : "flux-system",
						   "name", e->flux[j].name));
	return a;
}

static int record_change(struct db_conn *c, const char *id, const char *name, const char *action,
			 const char *actor)
{
	json_t *ev = json_pack("{s:s, s:s}", "name", name, "action", action);
	int rc = db_event_record(c, "environment.changed", "environment", id, actor, ev);
	json_decref(ev);
	return rc;
}

/* ---- start-up: the configuration's environments ---- */

static int sync_tx(struct db_conn *c, void *arg)
{
	const struct config *cfg = arg;
	int n = db_environments_declare_lock(c);
	if (n < 0)
		return n;
	size_t names_len = 3;
	for (size_t i = 0; i < cfg->n_environments; i++)
		names_len += strlen(cfg->environments[i].name) + 1;
	char *names = xmalloc(names_len);
	size_t o = 0;
	names[o++] = '{';
	for (size_t i = 0; i < cfg->n_environments; i++) {
		const struct config_environment *e = &cfg->environments[i];
		/* names are slugs: safe inside an array literal */
		o += (size_t)snprintf(names + o, names_len - o, "%s%s", i ? "," : "", e->name);
		json_t *flux = config_flux_json(e);
		char *flux_text = json_dumps(flux, JSON_COMPACT);
		json_decref(flux);
		char order[16];
		snprintf(order, sizeof order, "%d", e->order);
		struct db_environment_fields f = {.name = e->name,
						  .tier = e->tier ? e->tier : "other",
						  .url = e->url,
						  .description = e->description,
						  .order = order,
						  .flux = flux_text};
		char id[24];
		bool created = false;
		n = db_environment_declare(c, &f, id, &created);
		free(flux_text);
		if (n < 0) {
			free(names);
			return n;
		}
		if (n > 0) {
			int rc = record_change(c, id, e->name, created ? "created" : "updated",
					       "config");
			if (rc < 0) {
				free(names);
				return rc;
			}
			log_msg(LOG_INFO, "environment %s %s from the configuration", e->name,
				created ? "created" : "updated");
		}
	}
	names[o++] = '}';
	names[o] = '\0';
	/* environments the configuration no longer declares are the API's now */
	json_t *released = NULL;
	n = db_environments_release(c, names, &released);
	free(names);
	if (n < 0)
		return n;
	int rc = DB_OK;
	size_t i;
	const json_t *x;
	json_array_foreach(released, i, x)
	{
		const char *name = json_string_value(json_object_get(x, "name"));
		log_msg(LOG_WARN,
			"environment %s is no longer in the configuration: it is kept and may now be "
			"changed through the API",
			name);
		rc = record_change(c, json_string_value(json_object_get(x, "id")), name, "released",
				   "config");
		if (rc < 0)
			break;
	}
	json_decref(released);
	return rc;
}

bool api_environments_sync(struct app *app)
{
	struct db_conn *c = db_acquire(app->db);
	if (!c) {
		log_msg(LOG_ERROR, "could not reach the database to declare environments");
		return false;
	}
	int rc = db_transaction(c, sync_tx, app->cfg);
	if (rc < 0)
		log_msg(LOG_ERROR, "could not declare the configuration's environments: %s",
			db_last_error(c));
	db_release(c);
	return rc >= 0;
}

/* ---- reading ---- */

/* Replies with one environment (status `status`), 404 if there is none. */
static void reply_environment(struct http_request *r, struct db_conn *c, const char *name,
			      unsigned status)
{
	char now[40];
	clock_format_rfc3339(clock_now_us(), now, sizeof now);
	json_t *o = NULL;
	int n = db_environment_get(c, now, name, &o);
	if (n < 0) {
		http_reply_db_failure(r, "could not read the environment");
		return;
	}
	if (n == 0) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "name: no environment %s", name);
		return;
	}
	if (!o) {
		http_reply_problem(r, PROBLEM_INTERNAL, "could not render the environment");
		return;
	}
	http_reply_json(r, status, o);
}

void api_environments_list(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	db_deployments_settle(c);
	char now[40];
	clock_format_rfc3339(clock_now_us(), now, sizeof now);
	json_t *items = NULL;
	if (db_environments_list(c, now, http_param(r, "tier"), &items) < 0) {
		http_reply_db_failure(r, "could not list environments");
		return;
	}
	http_reply_list(r, items, NULL);
}

void api_environments_get(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	db_deployments_settle(c);
	reply_environment(r, c, http_param(r, "name"), 200);
}

void api_environments_deployments(struct http_request *r)
{
	struct api_page pg;
	if (!api_page_parse(r, &pg))
		return;
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	db_deployments_settle(c);
	const char *name = http_param(r, "name");
	int64_t id;
	int n = db_environment_id(c, name, &id);
	if (n < 0) {
		http_reply_db_failure(r, "could not read the environment");
		return;
	}
	if (n == 0) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "name: no environment %s", name);
		return;
	}
	struct db_page_query q = api_page_query(&pg);
	struct db_page page;
	if (db_environment_deployments_page(c, name, &q, &page) < 0) {
		http_reply_db_failure(r, "could not list deployments");
		return;
	}
	api_reply_db_page(r, &page);
}

/* ---- writing (admin) ---- */

/* Refuses (409) changes to an environment the configuration declares. */
static bool refuse_config_managed(struct http_request *r, const char *name, bool db_says_config)
{
	if (!config_env(r->app->cfg, name) && !db_says_config)
		return false;
	http_reply_problem(r, PROBLEM_CONFLICT,
			   "name: environment %s is declared in the configuration file%s%s; change "
			   "it there (the API changes only environments it created)",
			   name, r->app->cfg->path ? " " : "",
			   r->app->cfg->path ? r->app->cfg->path : "");
	return true;
}

/* Another live environment already claims one of these Flux objects? */
static int flux_claimed_elsewhere(struct db_conn *c, const char *name, const char *flux_text,
				  char *other, size_t other_size)
{
	json_t *claim = NULL;
	int n = db_environment_flux_claim(c, name, flux_text, &claim);
	if (n > 0)
		snprintf(other, other_size, "%s/%s/%s is already deployed to by environment %s",
			 json_string_value(json_object_get(claim, "kind")),
			 json_string_value(json_object_get(claim, "namespace")),
			 json_string_value(json_object_get(claim, "name")),
			 json_string_value(json_object_get(claim, "environment")));
	json_decref(claim);
	return n;
}

struct env_write {
	struct db_environment_fields f;
	const char *actor;
	int outcome; /* 0 ok, 1 exists, 2 not found, 3 config-managed */
	char id[24];
	struct db_audit_who who;
};

/* The audit row of a change of environment w->id: before (NULL: it is new)
 * and after as the database has them now. */
static int audit_change(struct db_conn *c, struct env_write *w, const char *action,
			const json_t *before)
{
	json_t *after = NULL;
	int n = db_environment_audit_row(c, w->id, &after);
	if (n < 0)
		return n;
	n = db_audit_record(c, &w->who,
			    &(struct db_audit_change){.action = action,
						      .target_type = "environment",
						      .target_id = w->f.name,
						      .before = before,
						      .after = after});
	json_decref(after);
	return n;
}

static int create_tx(struct db_conn *c, void *arg)
{
	struct env_write *w = arg;
	w->outcome = 0;
	int n = db_environment_insert(c, &w->f, w->actor, w->id);
	if (n < 0)
		return n;
	if (n == 0) {
		w->outcome = 1;
		return DB_OK;
	}
	n = record_change(c, w->id, w->f.name, "created", w->actor);
	return n < 0 ? n : audit_change(c, w, "environment.created", NULL);
}

static bool read_fields(struct http_request *r, struct env_write *w, char **flux_text)
{
	json_t *b = r->json;
	char err[256], pointer[128];
	*flux_text = NULL;
	const json_t *v;
	if ((v = json_object_get(b, "tier")) && json_is_string(v)) {
		w->f.tier = json_string_value(v);
		w->f.set_tier = true;
	}
	if ((v = json_object_get(b, "url"))) {
		w->f.set_url = true;
		w->f.url = json_string_value(v); /* null clears */
		const char *why = w->f.url ? validate_http_url(w->f.url) : NULL;
		if (why) {
			http_reply_field_problem(r, PROBLEM_INVALID_FIELD, "/url", "%s", why);
			return false;
		}
	}
	if ((v = json_object_get(b, "description"))) {
		w->f.set_description = true;
		w->f.description = json_string_value(v);
	}
	if ((v = json_object_get(b, "flux")) && json_is_array(v)) {
		json_t *flux = flux_canonical(v, pointer, sizeof pointer, err, sizeof err);
		if (!flux) {
			http_reply_field_problem(r, PROBLEM_INVALID_FIELD, pointer, "%s", err);
			return false;
		}
		*flux_text = json_dumps(flux, JSON_COMPACT);
		json_decref(flux);
		w->f.flux = *flux_text;
		w->f.set_flux = true;
	}
	return true;
}

void api_environments_create(struct http_request *r)
{
	const char *name = json_string_value(json_object_get(r->json, "name"));
	const char *why = validate_slug(name);
	if (why) {
		http_reply_field_problem(r, PROBLEM_INVALID_FIELD, "/name", "%s", why);
		return;
	}
	struct env_write w = {0};
	w.f.name = name;
	w.actor = r->who.subject;
	api_audit_who(r, &w.who);
	char *flux_text = NULL;
	char order[24];
	if (!read_fields(r, &w, &flux_text))
		return;
	const json_t *ov = json_object_get(r->json, "order");
	if (json_is_integer(ov)) {
		snprintf(order, sizeof order, "%lld", (long long)json_integer_value(ov));
		w.f.order = order;
	}
	if (refuse_config_managed(r, name, false)) {
		free(flux_text);
		return;
	}
	struct db_conn *c = http_db(r);
	if (!c) {
		free(flux_text);
		return;
	}
	char other[600];
	int n = flux_text ? flux_claimed_elsewhere(c, name, flux_text, other, sizeof other) : 0;
	if (n != 0) {
		free(flux_text);
		if (n < 0)
			http_reply_db_failure(r, "could not check the Flux objects");
		else
			http_reply_problem(r, PROBLEM_CONFLICT, "flux: %s", other);
		return;
	}
	n = db_transaction(c, create_tx, &w);
	free(flux_text);
	if (n < 0) {
		http_reply_db_failure(r, "could not create the environment");
		return;
	}
	if (w.outcome == 1) {
		http_reply_problem(r, PROBLEM_CONFLICT, "name: environment %s already exists", name);
		return;
	}
	char loc[160];
	snprintf(loc, sizeof loc, "/api/v1/environments/%s", name);
	reply_environment(r, c, name, 201);
	if (r->reply.status == 201)
		http_reply_header(r, "Location", loc);
}

/* Looks the environment up for a change: outcome 2 absent, 3 config-managed. */
static int lock_for_change(struct db_conn *c, struct env_write *w)
{
	bool by_config = false;
	int n = db_environment_lock(c, w->f.name, w->id, &by_config);
	if (n < 0)
		return n;
	if (n == 0)
		w->outcome = 2;
	else if (by_config)
		w->outcome = 3;
	return DB_OK;
}

static int update_tx(struct db_conn *c, void *arg)
{
	struct env_write *w = arg;
	w->outcome = 0;
	int n = lock_for_change(c, w);
	if (n < 0 || w->outcome)
		return n;
	json_t *before = NULL;
	n = db_environment_audit_row(c, w->id, &before);
	if (n >= 0)
		n = db_environment_update(c, w->id, &w->f);
	if (n >= 0)
		n = record_change(c, w->id, w->f.name, "updated", w->actor);
	if (n >= 0)
		n = audit_change(c, w, "environment.changed", before);
	json_decref(before);
	return n;
}

static void reply_write_outcome(struct http_request *r, const struct env_write *w)
{
	if (w->outcome == 2)
		http_reply_problem(r, PROBLEM_NOT_FOUND, "name: no environment %s", w->f.name);
	else if (w->outcome == 3)
		refuse_config_managed(r, w->f.name, true);
}

void api_environments_update(struct http_request *r)
{
	struct env_write w = {0};
	w.f.name = http_param(r, "name");
	w.actor = r->who.subject;
	api_audit_who(r, &w.who);
	if (refuse_config_managed(r, w.f.name, false))
		return;
	char *flux_text = NULL;
	if (!read_fields(r, &w, &flux_text))
		return;
	char order[24];
	const json_t *ov = json_object_get(r->json, "order");
	if (json_is_integer(ov)) {
		snprintf(order, sizeof order, "%lld", (long long)json_integer_value(ov));
		w.f.order = order;
		w.f.set_order = true;
	}
	struct db_conn *c = http_db(r);
	if (!c) {
		free(flux_text);
		return;
	}
	char other[600];
	int n = flux_text ? flux_claimed_elsewhere(c, w.f.name, flux_text, other, sizeof other) : 0;
	if (n != 0) {
		free(flux_text);
		if (n < 0)
			http_reply_db_failure(r, "could not check the Flux objects");
		else
			http_reply_problem(r, PROBLEM_CONFLICT, "flux: %s", other);
		return;
	}
	n = db_transaction(c, update_tx, &w);
	free(flux_text);
	if (n < 0) {
		http_reply_db_failure(r, "could not change the environment");
		return;
	}
	if (w.outcome) {
		reply_write_outcome(r, &w);
		return;
	}
	reply_environment(r, c, w.f.name, 200);
}

static int delete_tx(struct db_conn *c, void *arg)
{
	struct env_write *w = arg;
	w->outcome = 0;
	int n = lock_for_change(c, w);
	if (n < 0 || w->outcome)
		return n;
	json_t *before = NULL;
	n = db_environment_audit_row(c, w->id, &before);
	if (n >= 0)
		n = db_environment_delete(c, w->id);
	if (n >= 0)
		n = record_change(c, w->id, w->f.name, "deleted", w->actor);
	if (n >= 0)
		n = audit_change(c, w, "environment.deleted", before);
	json_decref(before);
	return n;
}

void api_environments_delete(struct http_request *r)
{
	struct env_write w = {0};
	w.f.name = http_param(r, "name");
	w.actor = r->who.subject;
	api_audit_who(r, &w.who);
	if (refuse_config_managed(r, w.f.name, false))
		return;
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	if (db_transaction(c, delete_tx, &w) < 0) {
		http_reply_db_failure(r, "could not delete the environment");
		return;
	}
	if (w.outcome) {
		reply_write_outcome(r, &w);
		return;
	}
	http_reply_bytes(r, 204, NULL, "", 0);
}
