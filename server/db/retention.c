/*
 * db/retention.c — the statements of the pruning job (see db/retention.h).
 * Every statement selects at most batch_size rows and re-checks its
 * condition on each row it changes, so a row is counted once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/retention.h"
#include "shiplog/clock.h"
#include "shiplog/retention.h"

/* A batch that takes longer than this is cancelled (and retried next run);
 * well above what batch_size rows need, and it bounds shutdown. */
#define BATCH_STATEMENT_TIMEOUT "SET LOCAL statement_timeout = '30s'"

/* $1 cutoff base (timestamptz), $2 days, $3 batch size.  Keep a failed
 * delivery's body while its delivery id has not succeeded (rule 1). */
static const char sql_prune_bodies[] =
	"UPDATE deliveries d SET body = NULL "
	"WHERE d.id IN (SELECT k.id FROM deliveries k "
	"  WHERE k.body IS NOT NULL "
	"    AND k.received_at < $1::timestamptz - make_interval(days => $2::int) "
	"    AND NOT (k.status IN ('failed', 'received') AND NOT EXISTS ("
	"      SELECT 1 FROM deliveries s WHERE s.source = k.source "
	"        AND s.delivery_id = k.delivery_id "
	"        AND s.status IN ('processed', 'ignored', 'unmatched'))) "
	"  LIMIT $3::int) "
	"AND d.body IS NOT NULL";

/* Rule 2: a row a replay points at goes after that replay. */
static const char sql_prune_deliveries[] =
	"DELETE FROM deliveries d "
	"WHERE d.id IN (SELECT k.id FROM deliveries k "
	"  WHERE k.received_at < $1::timestamptz - make_interval(days => $2::int) "
	"    AND NOT EXISTS (SELECT 1 FROM deliveries r WHERE r.replay_of = k.id) "
	"  LIMIT $3::int)";

static const char sql_prune_events[] =
	"DELETE FROM events e "
	"WHERE e.id IN (SELECT k.id FROM events k "
	"  WHERE k.created_at < $1::timestamptz - make_interval(days => $2::int) "
	"  LIMIT $3::int)";

/* Prepared only once the outbox table exists (checked before each run). */
static const char sql_prune_notifications[] =
	"DELETE FROM notifications n "
	"WHERE n.id IN (SELECT k.id FROM notifications k "
	"  WHERE k.sent_at IS NOT NULL "
	"    AND k.sent_at < $1::timestamptz - make_interval(days => $2::int) "
	"  LIMIT $3::int) "
	"AND n.sent_at IS NOT NULL";

/* Sessions over (expired or signed out / revoked) for $2 days: nothing can
 * use them again; the days only keep them visible for a while. */
static const char sql_prune_sessions[] =
	"DELETE FROM sessions s "
	"WHERE s.id_hash IN (SELECT k.id_hash FROM sessions k "
	"  WHERE least(k.expires_at, k.revoked_at) "
	"        < $1::timestamptz - make_interval(days => $2::int) "
	"  LIMIT $3::int)";

/* Rule 6: the audit trail.  audit_log's trigger refuses every DELETE of a
 * transaction that did not set shiplog.audit_prune (batch_body sets it for
 * this statement alone). */
static const char sql_prune_audit[] =
	"DELETE FROM audit_log a "
	"WHERE a.id IN (SELECT k.id FROM audit_log k "
	"  WHERE k.at < $1::timestamptz - make_interval(days => $2::int) "
	"  LIMIT $3::int)";

static const char sql_prune_failed_sign_ins[] =
	"DELETE FROM audit_failed_sign_ins f "
	"WHERE f.id IN (SELECT k.id FROM audit_failed_sign_ins k "
	"  WHERE k.hour < $1::timestamptz - make_interval(days => $2::int) "
	"  LIMIT $3::int)";

static const char sql_has_notifications[] =
	"SELECT 1 FROM pg_attribute "
	"WHERE attrelid = to_regclass('notifications') AND attname IN ('id', 'sent_at') "
	"  AND attnum > 0 AND NOT attisdropped "
	"HAVING count(*) = 2";

int db_retention_try_lock(struct db_conn *c, bool *locked)
{
	PGresult *res = NULL;
	int n = db_query(c, "SELECT pg_try_advisory_lock(" RETENTION_LOCK_KEY ")", 0, NULL, &res);
	*locked = n == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return n;
}

int db_retention_unlock(struct db_conn *c)
{
	return db_exec(c, "SELECT pg_advisory_unlock(" RETENTION_LOCK_KEY ")");
}

int db_retention_base(struct db_conn *c, int64_t now_us, char *base, size_t size)
{
	char now_text[40];
	clock_format_rfc3339(now_us, now_text, sizeof now_text);
	const char *p[1] = {now_text};
	PGresult *res = NULL;
	int n = db_query(c, "SELECT least($1::timestamptz, now())::text", 1, p, &res);
	if (n == 1)
		snprintf(base, size, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return n;
}

int db_retention_has_notifications(struct db_conn *c)
{
	return db_query(c, sql_has_notifications, 0, NULL, NULL);
}

struct batch {
	const char *sql;
	const char *const *params;
	int affected;
	bool audit; /* the one transaction allowed to delete audit rows */
};

static int batch_body(struct db_conn *c, void *arg)
{
	struct batch *b = arg;
	int n = db_exec(c, BATCH_STATEMENT_TIMEOUT);
	if (n >= 0 && b->audit)
		n = db_exec(c, "SET LOCAL shiplog.audit_prune = 'on'");
	if (n < 0)
		return n;
	n = db_query(c, b->sql, 3, b->params, NULL);
	if (n < 0)
		return n;
	b->affected = n;
	return DB_OK;
}

int db_retention_prune_batch(struct db_conn *c, enum db_prune what, const char *base, unsigned days,
			     unsigned batch_size)
{
	static const char *const sql[] = {
		[DB_PRUNE_DELIVERY_BODIES] = sql_prune_bodies,
		[DB_PRUNE_DELIVERIES] = sql_prune_deliveries,
		[DB_PRUNE_EVENTS] = sql_prune_events,
		[DB_PRUNE_NOTIFICATIONS] = sql_prune_notifications,
		[DB_PRUNE_SESSIONS] = sql_prune_sessions,
		[DB_PRUNE_AUDIT] = sql_prune_audit,
		[DB_PRUNE_FAILED_SIGN_INS] = sql_prune_failed_sign_ins,
	};
	char d[16], lim[16];
	snprintf(d, sizeof d, "%u", days);
	snprintf(lim, sizeof lim, "%u", batch_size);
	const char *params[3] = {base, d, lim};
	struct batch b = {sql[what], params, 0, what == DB_PRUNE_AUDIT};
	int n = db_transaction(c, batch_body, &b);
	return n < 0 ? n : b.affected;
}
