/*
 * db/environments.c — the statements of environments (see
 * db/environments.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/deployments_sql.h"
#include "db/environments.h"
#include "db/result.h"
#include "db/sql_time.h"

int db_environment_by_flux(struct db_conn *c, const char *kind, const char *ns, const char *name,
			   int64_t *id)
{
	const char *p[3] = {kind, ns, name};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT id FROM environments WHERE deleted_at IS NULL"
			 " AND flux @> jsonb_build_array(jsonb_build_object('kind', $1::text,"
			 "  'namespace', $2::text, 'name', $3::text))"
			 " ORDER BY sort_order, id LIMIT 1",
			 3, p, &res);
	if (n > 0)
		*id = db_get_i64(res, 0, 0);
	PQclear(res);
	return n;
}

int db_environment_id(struct db_conn *c, const char *name, int64_t *id)
{
	const char *p[1] = {name};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT id FROM environments WHERE deleted_at IS NULL AND lower(name) = lower($1)",
			 1, p, &res);
	if (n > 0)
		*id = db_get_i64(res, 0, 0);
	PQclear(res);
	return n;
}

int db_environments_declare_lock(struct db_conn *c)
{
	return db_query(c, "SELECT pg_advisory_xact_lock(7305681502235704)", 0, NULL, NULL);
}

int db_environment_declare(struct db_conn *c, const struct db_environment_fields *f,
			   char id[24], bool *created)
{
	const char *p[6] = {f->name, f->tier, f->url, f->description, f->order, f->flux};
	PGresult *res = NULL;
	int n = db_query(c,
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
	if (n > 0) {
		snprintf(id, 24, "%s", PQgetvalue(res, 0, 0));
		*created = db_get_bool(res, 0, 1);
	}
	PQclear(res);
	return n;
}

int db_environments_release(struct db_conn *c, const char *names, json_t **released)
{
	const char *p[1] = {names};
	PGresult *res = NULL;
	int n = db_query(c,
			 "UPDATE environments SET managed_by = 'api', updated_at = now()"
			 " WHERE managed_by = 'config' AND deleted_at IS NULL"
			 " AND NOT (lower(name) = ANY (SELECT lower(x) FROM unnest($1::text[]) x))"
			 " RETURNING id, name",
			 1, p, &res);
	if (n >= 0) {
		*released = json_array();
		for (int i = 0; i < n; i++)
			json_array_append_new(*released,
					      json_pack("{s:s, s:s}", "id", PQgetvalue(res, i, 0),
							"name", PQgetvalue(res, i, 1)));
	}
	PQclear(res);
	return n;
}

int db_environment_flux_claim(struct db_conn *c, const char *name, const char *flux,
			      json_t **claim)
{
	const char *p[2] = {name, flux};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT e.name, o->>'kind', o->>'namespace', o->>'name'"
			 " FROM environments e, jsonb_array_elements($2::jsonb) o"
			 " WHERE e.deleted_at IS NULL AND lower(e.name) <> lower($1)"
			 " AND e.flux @> jsonb_build_array(o) LIMIT 1",
			 2, p, &res);
	if (n > 0)
		*claim = json_pack("{s:s, s:s, s:s, s:s}", "environment", PQgetvalue(res, 0, 0),
				   "kind", PQgetvalue(res, 0, 1), "namespace", PQgetvalue(res, 0, 2),
				   "name", PQgetvalue(res, 0, 3));
	PQclear(res);
	return n;
}

int db_environment_insert(struct db_conn *c, const struct db_environment_fields *f,
			  const char *actor, char id[24])
{
	const char *p[7] = {f->name, f->tier, f->url, f->description, f->order, f->flux, actor};
	PGresult *res = NULL;
	int n = db_query(c,
			 "INSERT INTO environments (name, tier, url, description, sort_order, flux,"
			 " managed_by, created_by)"
			 " VALUES ($1, coalesce($2, 'other'), $3, $4, coalesce($5::integer,"
			 "  (SELECT coalesce(max(sort_order), 0) + 1 FROM environments"
			 "   WHERE deleted_at IS NULL)), coalesce($6::jsonb, '[]'), 'api', $7)"
			 " ON CONFLICT (lower(name)) WHERE deleted_at IS NULL DO NOTHING RETURNING id",
			 7, p, &res);
	if (n > 0)
		snprintf(id, 24, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return n;
}

int db_environment_lock(struct db_conn *c, const char *name, char id[24], bool *by_config)
{
	const char *p[1] = {name};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT id, managed_by FROM environments WHERE deleted_at IS NULL"
			 " AND lower(name) = lower($1) FOR UPDATE",
			 1, p, &res);
	if (n > 0) {
		snprintf(id, 24, "%s", PQgetvalue(res, 0, 0));
		*by_config = strcmp(PQgetvalue(res, 0, 1), "config") == 0;
	}
	PQclear(res);
	return n;
}

int db_environment_update(struct db_conn *c, const char *id, const struct db_environment_fields *f)
{
	const char *p[11] = {id,
			     f->set_tier ? "t" : "f",
			     f->tier,
			     f->set_url ? "t" : "f",
			     f->url,
			     f->set_description ? "t" : "f",
			     f->description,
			     f->set_order ? "t" : "f",
			     f->order,
			     f->set_flux ? "t" : "f",
			     f->flux};
	return db_query(c,
			"UPDATE environments SET"
			" tier = CASE WHEN $2::boolean THEN $3 ELSE tier END,"
			" url = CASE WHEN $4::boolean THEN $5 ELSE url END,"
			" description = CASE WHEN $6::boolean THEN $7 ELSE description END,"
			" sort_order = CASE WHEN $8::boolean THEN $9::integer ELSE sort_order END,"
			" flux = CASE WHEN $10::boolean THEN $11::jsonb ELSE flux END,"
			" updated_at = now() WHERE id = $1",
			11, p, NULL);
}

int db_environment_delete(struct db_conn *c, const char *id)
{
	const char *p[1] = {id};
	return db_query(c,
			"UPDATE environments SET deleted_at = now(), updated_at = now() WHERE id = $1",
			1, p, NULL);
}

int db_environment_get(struct db_conn *c, const char *now, const char *name, json_t **out)
{
	const char *p[2] = {now, name};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " SQL_ENVIRONMENT_JSON SQL_ENVIRONMENT_FROM
			 " WHERE e.deleted_at IS NULL AND lower(e.name) = lower($2)",
			 2, p, &res);
	if (n > 0)
		*out = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	PQclear(res);
	return n;
}

int db_environments_list(struct db_conn *c, const char *now, const char *tier, json_t **items)
{
	const char *p[2] = {now, tier};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " SQL_ENVIRONMENT_JSON SQL_ENVIRONMENT_FROM
			 " WHERE e.deleted_at IS NULL AND ($2::text IS NULL OR e.tier = $2)"
			 " ORDER BY e.sort_order, lower(e.name)",
			 2, p, &res);
	if (n >= 0) {
		*items = json_array();
		for (int i = 0; i < n; i++) {
			json_t *o = json_loads(PQgetvalue(res, i, 0), 0, NULL);
			if (o)
				json_array_append_new(*items, o);
		}
	}
	PQclear(res);
	return n;
}

int db_environment_deployments_page(struct db_conn *c, const char *name,
				    const struct db_page_query *q, struct db_page *page)
{
	char before[24], limit[16];
	db_page_query_text(q, before, limit);
	const char *p[4] = {name, q->before_time, before, limit};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " SQL_DEPLOYMENT_JSON "::text, d.id, " SQL_TS_US("d.started_at")
			 " FROM deployments d JOIN environments e ON e.id = d.environment_id"
			 " WHERE e.deleted_at IS NULL AND lower(e.name) = lower($1)"
			 " AND (d.started_at, d.id) < ($2::timestamptz, $3::bigint)"
			 " ORDER BY d.started_at DESC, d.id DESC LIMIT $4",
			 4, p, &res);
	if (n >= 0)
		db_page_fill(page, res, n, q->limit, 0, 1, 2);
	PQclear(res);
	return n;
}

int db_environment_audit_row(struct db_conn *c, const char *id, json_t **out)
{
	const char *p[1] = {id};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT json_build_object('name', name, 'tier', tier, 'url', url,"
			 " 'description', description, 'order', sort_order, 'flux', flux,"
			 " 'deleted', deleted_at IS NOT NULL)::text"
			 " FROM environments WHERE id = $1::bigint",
			 1, p, &res);
	if (n > 0)
		*out = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	PQclear(res);
	return n;
}
