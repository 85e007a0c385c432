/*
 * db/audit.c — the statements of the audit trail (see db/audit.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "db/audit.h"
#include "db/sql_time.h"
#include "shiplog/clock.h"

int db_audit_record(struct db_conn *c, const struct db_audit_who *who,
		    const struct db_audit_change *what)
{
	char at[40], actor_id[24];
	clock_format_rfc3339_us(who->at_us, at, sizeof at);
	snprintf(actor_id, sizeof actor_id, "%lld", (long long)who->actor_id);
	char *before = what->before ? json_dumps(what->before, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	char *after = what->after ? json_dumps(what->after, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	const char *p[12] = {at,
			     who->actor && who->actor[0] ? who->actor : "anonymous",
			     who->actor_id ? actor_id : NULL,
			     who->via,
			     what->action,
			     what->target_type,
			     what->target_id,
			     before,
			     after,
			     what->reason,
			     who->request_id && who->request_id[0] ? who->request_id : NULL,
			     who->remote_addr && who->remote_addr[0] ? who->remote_addr : NULL};
	int n = db_query(c,
			 "INSERT INTO audit_log (at, actor, actor_id, via, action, target_type,"
			 " target_id, before, after, reason, request_id, remote_addr)"
			 " VALUES ($1::timestamptz, $2, $3::bigint, $4, $5, $6, $7, $8::jsonb,"
			 " $9::jsonb, $10, $11, $12)",
			 12, p, NULL);
	free(before);
	free(after);
	return n < 0 ? n : DB_OK;
}

#define AUDIT_ROW_JSON                                                                             \
	"json_build_object('id', a.id, 'at', " SQL_TS_US("a.at") ", 'actor', a.actor,"             \
	" 'actor_id', a.actor_id, 'via', a.via, 'action', a.action,"                               \
	" 'target_type', a.target_type, 'target_id', a.target_id, 'before', a.before,"             \
	" 'after', a.after, 'reason', a.reason, 'request_id', a.request_id,"                       \
	" 'remote_addr', a.remote_addr)"

int db_audit_page(struct db_conn *c, const struct db_audit_filter *f,
		  const struct db_page_query *q, struct db_page *page)
{
	char before[24], limit[16];
	db_page_query_text(q, before, limit);
	const char *p[8] = {f->actor, f->action,  f->target_type, f->target_id,
			    f->since, f->until, before,	  limit};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT " AUDIT_ROW_JSON "::text, a.id FROM audit_log a"
			 " WHERE ($1::text IS NULL OR a.actor = $1)"
			 " AND ($2::text IS NULL OR a.action = $2)"
			 " AND ($3::text IS NULL OR a.target_type = $3)"
			 " AND ($4::text IS NULL OR a.target_id = $4)"
			 " AND ($5::timestamptz IS NULL OR a.at >= $5::timestamptz)"
			 " AND ($6::timestamptz IS NULL OR a.at < $6::timestamptz)"
			 " AND a.id < $7::bigint"
			 " ORDER BY a.id DESC LIMIT $8::int",
			 8, p, &res);
	if (n >= 0)
		db_page_fill(page, res, n, q->limit, 0, 1, -1);
	PQclear(res);
	return n;
}

int db_audit_failed_sign_in(struct db_conn *c, const char *remote_addr, int64_t at_us)
{
	char at[40];
	clock_format_rfc3339_us(at_us, at, sizeof at);
	const char *p[2] = {remote_addr && remote_addr[0] ? remote_addr : "unknown", at};
	return db_query(c,
			"INSERT INTO audit_failed_sign_ins (remote_addr, hour, attempts, first_at,"
			" last_at)"
			" VALUES ($1, date_trunc('hour', $2::timestamptz AT TIME ZONE 'UTC')"
			" AT TIME ZONE 'UTC', 1, $2::timestamptz, $2::timestamptz)"
			" ON CONFLICT (remote_addr, hour) DO UPDATE SET"
			" attempts = audit_failed_sign_ins.attempts + 1,"
			" first_at = least(audit_failed_sign_ins.first_at, EXCLUDED.first_at),"
			" last_at = greatest(audit_failed_sign_ins.last_at, EXCLUDED.last_at)",
			2, p, NULL);
}

int db_audit_failed_sign_ins_page(struct db_conn *c, const char *since, const char *until,
				  const struct db_page_query *q, struct db_page *page)
{
	char before[24], limit[16];
	db_page_query_text(q, before, limit);
	const char *p[5] = {since, until, q->before_time, before, limit};
	PGresult *res = NULL;
	int n = db_query(c,
			 "SELECT json_build_object('hour', " SQL_TS("f.hour")
			 ", 'remote_addr', f.remote_addr, 'attempts', f.attempts,"
			 " 'first_at', " SQL_TS_US("f.first_at") ", 'last_at', " SQL_TS_US(
				 "f.last_at") ")::text, f.id, " SQL_TS_US("f.hour")
			 " FROM audit_failed_sign_ins f"
			 " WHERE ($1::timestamptz IS NULL OR f.hour >= $1::timestamptz)"
			 " AND ($2::timestamptz IS NULL OR f.hour < $2::timestamptz)"
			 " AND (f.hour, f.id) < ($3::timestamptz, $4::bigint)"
			 " ORDER BY f.hour DESC, f.id DESC LIMIT $5::int",
			 5, p, &res);
	if (n >= 0)
		db_page_fill(page, res, n, q->limit, 0, 1, 2);
	PQclear(res);
	return n;
}
