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
#include "db/result.h"
#include "domain/deployments.h"
#include "domain/deployments_sql.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/db.h"
#include "shiplog/log.h"
#include "shiplog/xalloc.h"

/* ---- shared checks ---- */

static bool is_k8s_name(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= 253 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789.-") == n &&
	       s[0] != '-' && s[0] != '.';
}

static bool is_slug(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static bool is_http_url(const char *s)
{
	const char *host = !strncmp(s, "https://", 8) ? s + 8 : !strncmp(s, "http://", 7) ? s + 7 : NULL;
	if (!host || !*host || *host == '/')
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ')
			return false;
	return true;
}

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
	static const char name_rule[] =
		"expected a Kubernetes name (lower-case letters, digits, '-' and '.')";
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
		if (!is_k8s_name(ns)) {
			snprintf(err, err_size, "%s", name_rule);
			goto bad;
		}
		at = "name";
		if (!name || !is_k8s_name(name)) {
			snprintf(err, err_size, "%s", name ? name_rule : "required");
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
	int n = db_query(c, "SELECT pg_advisory_xact_lock(7305681502235704)", 0, NULL, NULL);
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
		const char *p[6] = {e->name, e->tier ? e->tier : "other", e->url, e->description,
				    order, flux_text};
		PGresult *res = NULL;
		n = db_query(c,
			     "INSERT INTO environments AS t (name, tier, url, description, sort_order,"
			     " flux, managed_by, created_by)"
			     " VALUES ($1, $2, $3, $4, $5, $6::jsonb, 'config', 'config')"
			     " ON CONFLICT (lower(name)) WHERE deleted_at IS NULL DO UPDATE SET"
			     "  name = EXCLUDED.name, tier = EXCLUDED.tier, url = EXCLUDED.url,"
			     "  description = EXCLUDED.description, sort_order = EXCLUDED.sort_order,"
			     "  flux = EXCLUDED.flux, managed_by = 'config', updated_at = now()"
			     " WHERE (t.name, t.tier, t.url, t.description, t.sort_order, t.flux,"
			     "  t.managed_by) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.tier,"
			     "  EXCLUDED.url, EXCLUDED.description, EXCLUDED.sort_order, EXCLUDED.flux,"
			     "  'config')"
			     " RETURNING t.id, (xmax = 0)",
			     6, p, &res);
		free(flux_text);
		if (n < 0) {
			free(names);
			return n;
		}
		if (n > 0) {
			int rc = record_change(c, PQgetvalue(res, 0, 0), e->name,
					       db_get_bool(res, 0, 1) ? "created" : "updated",
					       "config");
			if (rc < 0) {
				PQclear(res);
				free(names);
				return rc;
			}
			log_msg(LOG_INFO, "environment %s %s from the configuration", e->name,
				db_get_bool(res, 0, 1) ? "created" : "updated");
		}
		PQclear(res);
	}
	names[o++] = '}';
	names[o] = '\0';
	/* environments the configuration no longer declares are the API's now */
	const char *p[1] = {names};
	PGresult *res = NULL;
	n = db_query(c,
		     "UPDATE environments SET managed_by = 'api', updated_at = now()"
		     " WHERE managed_by = 'config' AND deleted_at IS NULL"
		     " AND NOT (lower(name) = ANY (SELECT lower(x) FROM unnest($1::text[]) x))"
		     " RETURNING id, name",
		     1, p, &res);
	free(names);
	if (n < 0)
		return n;
	int rc = DB_OK;
	for (int i = 0; i < n && rc >= 0; i++) {
		log_msg(LOG_WARN,
			"environment %s is no longer in the configuration: it is kept and may now be "
			"changed through the API",
			PQgetvalue(res, i, 1));
		rc = record_change(c, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), "released",
				   "config");
	}
	PQclear(res);
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
	const char *p[2] = {now, name};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " SQL_ENVIRONMENT_JSON SQL_ENVIRONMENT_FROM
			 " WHERE e.deleted_at IS NULL AND lower(e.name) = lower($2)",
			 2, p, &res);
	if (n < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not read the environment");
		return;
	}
	if (n == 0) {
		PQclear(res);
		http_reply_problem(r, PROBLEM_NOT_FOUND, "name: no environment %s", name);
		return;
	}
	json_t *o = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	PQclear(res);
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
	deployments_settle(c);
	char now[40];
	clock_format_rfc3339(clock_now_us(), now, sizeof now);
	const char *p[2] = {now, http_param(r, "tier")};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " SQL_ENVIRONMENT_JSON SQL_ENVIRONMENT_FROM
			 " WHERE e.deleted_at IS NULL AND ($2::text IS NULL OR e.tier = $2)"
			 " ORDER BY e.sort_order, lower(e.name)",
			 2, p, &res);
	if (n < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not list environments");
		return;
	}
	json_t *items = json_array();
	for (int i = 0; i < n; i++) {
		json_t *o = json_loads(PQgetvalue(res, i, 0), 0, NULL);
		if (o)
			json_array_append_new(items, o);
	}
	PQclear(res);
	http_reply_list(r, items, NULL);
}

void api_environments_get(struct http_request *r)
{
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	deployments_settle(c);
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
	deployments_settle(c);
	const char *name = http_param(r, "name");
	const char *ep[1] = {name};
	int n = db_query(c, "SELECT 1 FROM environments WHERE deleted_at IS NULL AND lower(name) = lower($1)",
			 1, ep, NULL);
	if (n < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not read the environment");
		return;
	}
	if (n == 0) {
		http_reply_problem(r, PROBLEM_NOT_FOUND, "name: no environment %s", name);
		return;
	}
	char before[24], limit[16];
	snprintf(before, sizeof before, "%lld", pg.has_cursor ? (long long)pg.before_id : INT64_MAX);
	snprintf(limit, sizeof limit, "%d", pg.limit + 1);
	const char *p[4] = {name, pg.has_cursor && pg.before_time[0] ? pg.before_time : "infinity",
			    before, limit};
	PGresult *res = NULL;
	n = db_query(c,
		     "SELECT " SQL_DEPLOYMENT_JSON "::text, d.id, " SQL_TS_US("d.started_at")
		     " FROM deployments d JOIN environments e ON e.id = d.environment_id"
		     " WHERE e.deleted_at IS NULL AND lower(e.name) = lower($1)"
		     " AND (d.started_at, d.id) < ($2::timestamptz, $3::bigint)"
		     " ORDER BY d.started_at DESC, d.id DESC LIMIT $4",
		     4, p, &res);
	if (n < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not list deployments");
		return;
	}
	api_reply_page(r, res, n, &pg, 0, 1, 2);
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
	const char *p[2] = {name, flux_text};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT e.name, o->>'kind', o->>'namespace', o->>'name'"
			 " FROM environments e, jsonb_array_elements($2::jsonb) o"
			 " WHERE e.deleted_at IS NULL AND lower(e.name) <> lower($1)"
			 " AND e.flux @> jsonb_build_array(o) LIMIT 1",
			 2, p, &res);
	if (n > 0)
		snprintf(other, other_size, "%s/%s/%s is already deployed to by environment %s",
			 PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
			 PQgetvalue(res, 0, 0));
	PQclear(res);
	return n;
}

struct env_write {
	const char *name, *tier, *url, *description, *order, *flux, *actor;
	bool set_tier, set_url, set_description, set_order, set_flux;
	int outcome; /* 0 ok, 1 exists, 2 not found, 3 config-managed */
	char id[24];
};

static int create_tx(struct db_conn *c, void *arg)
{
	struct env_write *w = arg;
	w->outcome = 0;
	const char *p[7] = {w->name, w->tier, w->url, w->description, w->order, w->flux, w->actor};
	PGresult *res = NULL;
	int n = db_query(c,
			 "INSERT INTO environments (name, tier, url, description, sort_order, flux,"
			 " managed_by, created_by)"
			 " VALUES ($1, coalesce($2, 'other'), $3, $4, coalesce($5::integer,"
			 "  (SELECT coalesce(max(sort_order), 0) + 1 FROM environments"
			 "   WHERE deleted_at IS NULL)), coalesce($6::jsonb, '[]'), 'api', $7)"
			 " ON CONFLICT (lower(name)) WHERE deleted_at IS NULL DO NOTHING RETURNING id",
			 7, p, &res);
	if (n < 0)
		return n;
	if (n == 0) {
		PQclear(res);
		w->outcome = 1;
		return DB_OK;
	}
	snprintf(w->id, sizeof w->id, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return record_change(c, w->id, w->name, "created", w->actor);
}

static bool read_fields(struct http_request *r, struct env_write *w, char **flux_text)
{
	json_t *b = r->json;
	char err[256], pointer[128];
	*flux_text = NULL;
	const json_t *v;
	if ((v = json_object_get(b, "tier")) && json_is_string(v)) {
		w->tier = json_string_value(v);
		w->set_tier = true;
	}
	if ((v = json_object_get(b, "url"))) {
		w->set_url = true;
		w->url = json_string_value(v); /* null clears */
		if (w->url && !is_http_url(w->url)) {
			http_reply_field_problem(r, PROBLEM_INVALID_FIELD, "/url",
						 "expected an http:// or https:// URL");
			return false;
		}
	}
	if ((v = json_object_get(b, "description"))) {
		w->set_description = true;
		w->description = json_string_value(v);
	}
	if ((v = json_object_get(b, "flux")) && json_is_array(v)) {
		json_t *flux = flux_canonical(v, pointer, sizeof pointer, err, sizeof err);
		if (!flux) {
			http_reply_field_problem(r, PROBLEM_INVALID_FIELD, pointer, "%s", err);
			return false;
		}
		*flux_text = json_dumps(flux, JSON_COMPACT);
		json_decref(flux);
		w->flux = *flux_text;
		w->set_flux = true;
	}
	return true;
}

void api_environments_create(struct http_request *r)
{
	const char *name = json_string_value(json_object_get(r->json, "name"));
	if (!is_slug(name)) {
		http_reply_field_problem(r, PROBLEM_INVALID_FIELD, "/name",
					 "expected letters, digits, '.', '_' or '-'");
		return;
	}
	struct env_write w = {0};
	w.name = name;
	w.actor = r->who.subject;
	char *flux_text = NULL;
	char order[24];
	if (!read_fields(r, &w, &flux_text))
		return;
	const json_t *ov = json_object_get(r->json, "order");
	if (json_is_integer(ov)) {
		snprintf(order, sizeof order, "%lld", (long long)json_integer_value(ov));
		w.order = order;
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
			http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not check the Flux objects");
		else
			http_reply_problem(r, PROBLEM_CONFLICT, "flux: %s", other);
		return;
	}
	n = db_transaction(c, create_tx, &w);
	free(flux_text);
	if (n < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not create the environment");
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
	const char *p[1] = {w->name};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT id, managed_by FROM environments WHERE deleted_at IS NULL"
			 " AND lower(name) = lower($1) FOR UPDATE",
			 1, p, &res);
	if (n < 0)
		return n;
	if (n == 0)
		w->outcome = 2;
	else if (strcmp(PQgetvalue(res, 0, 1), "config") == 0)
		w->outcome = 3;
	else
		snprintf(w->id, sizeof w->id, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return DB_OK;
}

static int update_tx(struct db_conn *c, void *arg)
{
	struct env_write *w = arg;
	w->outcome = 0;
	int n = lock_for_change(c, w);
	if (n < 0 || w->outcome)
		return n;
	const char *p[11] = {w->id,
			     w->set_tier ? "t" : "f",
			     w->tier,
			     w->set_url ? "t" : "f",
			     w->url,
			     w->set_description ? "t" : "f",
			     w->description,
			     w->set_order ? "t" : "f",
			     w->order,
			     w->set_flux ? "t" : "f",
			     w->flux};
	n = db_query(c,
		     "UPDATE environments SET"
		     " tier = CASE WHEN $2::boolean THEN $3 ELSE tier END,"
		     " url = CASE WHEN $4::boolean THEN $5 ELSE url END,"
		     " description = CASE WHEN $6::boolean THEN $7 ELSE description END,"
		     " sort_order = CASE WHEN $8::boolean THEN $9::integer ELSE sort_order END,"
		     " flux = CASE WHEN $10::boolean THEN $11::jsonb ELSE flux END,"
		     " updated_at = now() WHERE id = $1",
		     11, p, NULL);
	if (n < 0)
		return n;
	return record_change(c, w->id, w->name, "updated", w->actor);
}

static void reply_write_outcome(struct http_request *r, const struct env_write *w)
{
	if (w->outcome == 2)
		http_reply_problem(r, PROBLEM_NOT_FOUND, "name: no environment %s", w->name);
	else if (w->outcome == 3)
		refuse_config_managed(r, w->name, true);
}

void api_environments_update(struct http_request *r)
{
	struct env_write w = {0};
	w.name = http_param(r, "name");
	w.actor = r->who.subject;
	if (refuse_config_managed(r, w.name, false))
		return;
	char *flux_text = NULL;
	if (!read_fields(r, &w, &flux_text))
		return;
	char order[24];
	const json_t *ov = json_object_get(r->json, "order");
	if (json_is_integer(ov)) {
		snprintf(order, sizeof order, "%lld", (long long)json_integer_value(ov));
		w.order = order;
		w.set_order = true;
	}
	struct db_conn *c = http_db(r);
	if (!c) {
		free(flux_text);
		return;
	}
	char other[600];
	int n = flux_text ? flux_claimed_elsewhere(c, w.name, flux_text, other, sizeof other) : 0;
	if (n != 0) {
		free(flux_text);
		if (n < 0)
			http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not check the Flux objects");
		else
			http_reply_problem(r, PROBLEM_CONFLICT, "flux: %s", other);
		return;
	}
	n = db_transaction(c, update_tx, &w);
	free(flux_text);
	if (n < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not change the environment");
		return;
	}
	if (w.outcome) {
		reply_write_outcome(r, &w);
		return;
	}
	reply_environment(r, c, w.name, 200);
}

static int delete_tx(struct db_conn *c, void *arg)
{
	struct env_write *w = arg;
	w->outcome = 0;
	int n = lock_for_change(c, w);
	if (n < 0 || w->outcome)
		return n;
	const char *p[1] = {w->id};
	n = db_query(c, "UPDATE environments SET deleted_at = now(), updated_at = now() WHERE id = $1",
		     1, p, NULL);
	if (n < 0)
		return n;
	return record_change(c, w->id, w->name, "deleted", w->actor);
}

void api_environments_delete(struct http_request *r)
{
	struct env_write w = {0};
	w.name = http_param(r, "name");
	w.actor = r->who.subject;
	if (refuse_config_managed(r, w.name, false))
		return;
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	if (db_transaction(c, delete_tx, &w) < 0) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "could not delete the environment");
		return;
	}
	if (w.outcome) {
		reply_write_outcome(r, &w);
		return;
	}
	http_reply_bytes(r, 204, NULL, "", 0);
}
