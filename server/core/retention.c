/*
 * retention.c — the pruning job (see shiplog/retention.h for the rules).
 *
 * One run: take the advisory lock or skip; fix the cutoff base once
 * (least(shiplog's now, the database's now)); then, for each kind of data,
 * repeat one batch statement, each in its own short transaction, until it
 * changes no row.  Every statement selects at most batch_size rows and
 * re-checks its condition on each row it changes, so a row is counted once.
 */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/db.h"
#include "shiplog/log.h"
#include "shiplog/metrics.h"
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

static const char sql_has_notifications[] =
	"SELECT 1 FROM pg_attribute "
	"WHERE attrelid = to_regclass('notifications') AND attname IN ('id', 'sent_at') "
	"  AND attnum > 0 AND NOT attisdropped "
	"HAVING count(*) = 2";

static atomic_bool retention_running;  /* the thread is (to be) running */
static atomic_bool retention_stopping; /* retention_stop() was called: end the run */

struct batch {
	const char *sql;
	const char *const *params;
	int affected;
};

static int batch_body(struct db_conn *c, void *arg)
{
	struct batch *b = arg;
	int n = db_exec(c, BATCH_STATEMENT_TIMEOUT);
	if (n < 0)
		return n;
	n = db_query(c, b->sql, 3, b->params, NULL);
	if (n < 0)
		return n;
	b->affected = n;
	return DB_OK;
}

/* Repeats one batch statement until it changes nothing (or the job is
 * stopping).  false when a batch failed (logged). */
static bool prune_kind(struct db_conn *c, const char *what, const char *sql, const char *base,
		       unsigned days, unsigned batch_size, long long *total)
{
	char d[16], lim[16];
	snprintf(d, sizeof d, "%u", days);
	snprintf(lim, sizeof lim, "%u", batch_size);
	const char *params[3] = {base, d, lim};
	/* shutting down: a batch in progress finishes, the rest can wait */
	while (!atomic_load(&retention_stopping)) {
		struct batch b = {sql, params, 0};
		if (db_transaction(c, batch_body, &b) < 0) {
			log_msg(LOG_WARN,
				"retention: pruning %s stopped after %lld: %s (SQLSTATE %s)", what,
				*total, db_last_error(c), db_last_sqlstate(c));
			return false;
		}
		*total += b.affected;
		metrics_retention_pruned(what, (uint64_t)b.affected);
		if (b.affected == 0)
			break;
	}
	return true;
}

static bool has_notifications(struct db_conn *c)
{
	return db_query(c, sql_has_notifications, 0, NULL, NULL) > 0;
}

static void log_run(const struct retention_counts *out, const char *base, bool ok)
{
	json_t *f = json_pack("{s:I, s:I, s:I, s:I, s:I, s:s}", "delivery_bodies",
			      (json_int_t)out->delivery_bodies, "deliveries",
			      (json_int_t)out->deliveries, "events", (json_int_t)out->events,
			      "notifications", (json_int_t)out->notifications, "sessions",
			      (json_int_t)out->sessions, "now", base);
	long long total = out->delivery_bodies + out->deliveries + out->events +
			  out->notifications + out->sessions;
	enum log_level level = total ? LOG_INFO : LOG_DEBUG; /* quiet when nothing was old */
	if (!ok)
		level = LOG_WARN;
	log_fields(level, ok ? "retention: pruned" : "retention: pruned (incomplete run)", f);
	json_decref(f);
}

/* The body of a run on a connection that holds the lock. */
static bool run_locked(struct db_conn *c, const struct config_retention *cfg, int64_t now_us,
		       struct retention_counts *out)
{
	char now_text[40];
	clock_format_rfc3339(now_us, now_text, sizeof now_text);
	const char *p[1] = {now_text};
	PGresult *res = NULL;
	if (db_query(c, "SELECT least($1::timestamptz, now())::text", 1, p, &res) != 1) {
		PQclear(res);
		return false;
	}
	char base[64];
	snprintf(base, sizeof base, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);

	unsigned batch = cfg->batch_size ? cfg->batch_size : 5000;
	bool ok = true;
	if (cfg->delivery_bodies_days)
		ok &= prune_kind(c, "delivery_bodies", sql_prune_bodies, base,
				 cfg->delivery_bodies_days, batch, &out->delivery_bodies);
	if (cfg->deliveries_days)
		ok &= prune_kind(c, "deliveries", sql_prune_deliveries, base, cfg->deliveries_days,
				 batch, &out->deliveries);
	/* notifications before events: an outbox row may refer to its event */
	if (cfg->notifications_days && has_notifications(c))
		ok &= prune_kind(c, "notifications", sql_prune_notifications, base,
				 cfg->notifications_days, batch, &out->notifications);
	if (cfg->events_days)
		ok &= prune_kind(c, "events", sql_prune_events, base, cfg->events_days, batch,
				 &out->events);
	ok &= prune_kind(c, "sessions", sql_prune_sessions, base, RETENTION_SESSIONS_DAYS, batch,
			 &out->sessions);
	log_run(out, base, ok);
	return ok;
}

enum retention_result retention_run(struct db_pool *pool, const struct config_retention *cfg,
				    int64_t now_us, struct retention_counts *out)
{
	memset(out, 0, sizeof *out);
	struct db_conn *c = db_acquire(pool);
	if (!c) {
		metrics_retention_run("failed");
		return RETENTION_FAILED;
	}
	PGresult *res = NULL;
	int n = db_query(c, "SELECT pg_try_advisory_lock(" RETENTION_LOCK_KEY ")", 0, NULL, &res);
	bool locked = n == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	enum retention_result result;
	if (n != 1) {
		result = RETENTION_FAILED;
	} else if (!locked) {
		log_msg(LOG_DEBUG, "retention: another replica is pruning; skipped");
		result = RETENTION_SKIPPED;
	} else {
		result = run_locked(c, cfg, now_us, out) ? RETENTION_DONE : RETENTION_FAILED;
		/* a session lock: give it back before the connection goes to the pool
		 * (if the connection broke, the lock went with its session) */
		db_exec(c, "SELECT pg_advisory_unlock(" RETENTION_LOCK_KEY ")");
	}
	db_release(c);
	static const char *const result_names[] = {"done", "skipped", "failed"};
	metrics_retention_run(result_names[result]);
	return result;
}

static pthread_t retention_thread;
static pthread_mutex_t retention_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t retention_wake;

static void *retention_main(void *arg)
{
	struct app *app = arg;
	const struct config_retention *cfg = &app->cfg->retention;
	unsigned interval = cfg->interval_seconds ? cfg->interval_seconds : 3600;
	while (atomic_load(&retention_running)) {
		struct retention_counts counts;
		retention_run(app->db, cfg, clock_now_us(), &counts);
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += interval;
		pthread_mutex_lock(&retention_lock);
		while (atomic_load(&retention_running) &&
		       pthread_cond_timedwait(&retention_wake, &retention_lock, &ts) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&retention_lock);
	}
	return NULL;
}

bool retention_start(struct app *app)
{
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&retention_wake, &attr);
	pthread_condattr_destroy(&attr);
	atomic_store(&retention_stopping, false);
	atomic_store(&retention_running, true);
	if (pthread_create(&retention_thread, NULL, retention_main, app) != 0) {
		atomic_store(&retention_running, false);
		pthread_cond_destroy(&retention_wake);
		return false;
	}
	return true;
}

void retention_stop(void)
{
	if (!atomic_load(&retention_running))
		return;
	atomic_store(&retention_stopping, true);
	pthread_mutex_lock(&retention_lock);
	atomic_store(&retention_running, false);
	pthread_cond_broadcast(&retention_wake);
	pthread_mutex_unlock(&retention_lock);
	pthread_join(retention_thread, NULL);
	pthread_cond_destroy(&retention_wake);
}
