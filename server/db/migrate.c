/*
 * migrate.c — applying the embedded migrations once, under an advisory lock.
 *
 * Migrations are additive by default, so an older replica keeps serving
 * while a newer one migrates during a rolling update.  A migration that
 * breaks older code says "-- shiplog:breaking" in its text; a server refuses
 * to run on a schema that has a breaking migration it does not know.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/migrate.h"
#include "db/result.h"
#include "shiplog/db.h"
#include "shiplog/log.h"

/* Any constant works; all shiplog servers must agree on it. */
#define MIGRATION_LOCK_KEY "7305681502235701"

int db_schema_known(void)
{
	int v = 0;
	for (const struct db_migration *m = db_migrations; m->name; m++)
		if (m->version > v)
			v = m->version;
	return v;
}

static const struct db_migration *migration_find(int version)
{
	for (const struct db_migration *m = db_migrations; m->name; m++)
		if (m->version == version)
			return m;
	return NULL;
}

static bool exec_ok(PGconn *pg, const char *sql, char *why, size_t why_size)
{
	PGresult *res = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(res);
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	if (!ok)
		snprintf(why, why_size, "%s", PQresultErrorMessage(res));
	PQclear(res);
	return ok;
}

/* Checks the applied versions in an open connection against what we know. */
static bool schema_check(PGconn *pg, char *why, size_t why_size, bool *missing)
{
	PGresult *res = PQexec(pg, "SELECT version, name, breaking FROM schema_migrations "
				   "ORDER BY version");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(why, why_size, "cannot read schema_migrations: %s",
			 PQresultErrorMessage(res));
		PQclear(res);
		return false;
	}
	int rows = PQntuples(res);
	bool ok = true;
	size_t applied_known = 0;
	for (int i = 0; i < rows; i++) {
		int v = (int)db_get_i64(res, i, 0);
		bool breaking = db_get_bool(res, i, 2);
		if (migration_find(v)) {
			applied_known++;
			continue;
		}
		if (breaking) {
			snprintf(why, why_size,
				 "the database has breaking migration %d (%s) that this shiplogd "
				 "does not know; run a newer shiplogd",
				 v, PQgetvalue(res, i, 1));
			ok = false;
			break;
		}
	}
	PQclear(res);
	size_t known = 0;
	for (const struct db_migration *m = db_migrations; m->name; m++)
		known++;
	*missing = applied_known < known;
	return ok;
}

bool db_migrate(const char *url, char *why, size_t why_size)
{
	PGconn *pg = PQconnectdb(url);
	if (PQstatus(pg) != CONNECTION_OK) {
		snprintf(why, why_size, "cannot connect: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return false;
	}
	bool ok = exec_ok(pg, "SET client_min_messages = warning", why, why_size) &&
		  exec_ok(pg, "SELECT pg_advisory_lock(" MIGRATION_LOCK_KEY ")", why, why_size) &&
		  exec_ok(pg,
			  "CREATE TABLE IF NOT EXISTS schema_migrations ("
			  " version integer PRIMARY KEY,"
			  " name text NOT NULL,"
			  " breaking boolean NOT NULL DEFAULT false,"
			  " applied_at timestamptz NOT NULL DEFAULT now())",
			  why, why_size);
	bool missing = false;
	if (ok)
		ok = schema_check(pg, why, why_size, &missing);
	for (const struct db_migration *m = db_migrations; ok && missing && m->name; m++) {
		char v[16];
		snprintf(v, sizeof v, "%d", m->version);
		const char *p[1] = {v};
		PGresult *res = PQexecParams(pg, "SELECT 1 FROM schema_migrations WHERE version = $1",
					     1, NULL, p, NULL, NULL, 0);
		bool applied = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0;
		PQclear(res);
		if (applied)
			continue;
		log_msg(LOG_INFO, "applying migration %03d_%s", m->version, m->name);
		ok = exec_ok(pg, "BEGIN", why, why_size) && exec_ok(pg, m->sql, why, why_size);
		if (ok) {
			const char *ip[3] = {v, m->name, m->breaking ? "true" : "false"};
			res = PQexecParams(pg,
					   "INSERT INTO schema_migrations (version, name, breaking) "
					   "VALUES ($1, $2, $3)",
					   3, NULL, ip, NULL, NULL, 0);
			ok = PQresultStatus(res) == PGRES_COMMAND_OK;
			if (!ok)
				snprintf(why, why_size, "%s", PQresultErrorMessage(res));
			PQclear(res);
		}
		if (ok) {
			ok = exec_ok(pg, "COMMIT", why, why_size);
		} else {
			char keep[512];
			snprintf(keep, sizeof keep, "migration %03d_%s failed: %s", m->version,
				 m->name, why);
			exec_ok(pg, "ROLLBACK", why, why_size);
			snprintf(why, why_size, "%s", keep);
		}
	}
	char ignored[64];
	exec_ok(pg, "SELECT pg_advisory_unlock(" MIGRATION_LOCK_KEY ")", ignored, sizeof ignored);
	PQfinish(pg);
	return ok;
}

bool db_schema_compatible(struct db_conn *c, char *why, size_t why_size)
{
	bool missing = false;
	if (!schema_check(db_pg(c), why, why_size, &missing))
		return false;
	if (missing) {
		snprintf(why, why_size, "the schema lacks migrations this shiplogd needs");
		return false;
	}
	return true;
}
