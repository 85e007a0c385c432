/*
 * retention.c — the pruning job (see shiplog/retention.h for the rules).
 *
 * One run: take the advisory lock or skip; fix the cutoff base once
 * (least(shiplog's now, the database's now)); then, for each kind of data,
 * repeat one batch statement, each in its own short transaction, until it
 * changes no row.  The statements, and how they count each row once:
 * db/retention.c.
 */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/retention.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/db.h"
#include "shiplog/log.h"
#include "shiplog/metrics.h"
#include "shiplog/retention.h"

static atomic_bool retention_running;  /* the thread is (to be) running */
static atomic_bool retention_stopping; /* retention_stop() was called: end the run */

/* Repeats one batch until it changes nothing (or the job is stopping).
 * false when a batch failed (logged). */
static bool prune_kind(struct db_conn *c, const char *what, enum db_prune kind, const char *base,
		       unsigned days, unsigned batch_size, long long *total)
{
	/* shutting down: a batch in progress finishes, the rest can wait */
	while (!atomic_load(&retention_stopping)) {
		int affected = db_retention_prune_batch(c, kind, base, days, batch_size);
		if (affected < 0) {
			log_msg(LOG_WARN,
				"retention: pruning %s stopped after %lld: %s (SQLSTATE %s)", what,
				*total, db_last_error(c), db_last_sqlstate(c));
			return false;
		}
		*total += affected;
		metrics_retention_pruned(what, (uint64_t)affected);
		if (affected == 0)
			break;
	}
	return true;
}

static void log_run(const struct retention_counts *out, const char *base, bool ok)
{
	json_t *f = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s}", "delivery_bodies",
			      (json_int_t)out->delivery_bodies, "deliveries",
			      (json_int_t)out->deliveries, "events", (json_int_t)out->events,
			      "notifications", (json_int_t)out->notifications, "sessions",
			      (json_int_t)out->sessions, "audit", (json_int_t)out->audit,
			      "failed_sign_ins", (json_int_t)out->failed_sign_ins, "now", base);
	long long total = out->delivery_bodies + out->deliveries + out->events +
			  out->notifications + out->sessions + out->audit + out->failed_sign_ins;
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
	char base[64];
	if (db_retention_base(c, now_us, base, sizeof base) != 1)
		return false;

	unsigned batch = cfg->batch_size ? cfg->batch_size : 5000;
	bool ok = true;
	if (cfg->delivery_bodies_days)
		ok &= prune_kind(c, "delivery_bodies", DB_PRUNE_DELIVERY_BODIES, base,
				 cfg->delivery_bodies_days, batch, &out->delivery_bodies);
	if (cfg->deliveries_days)
		ok &= prune_kind(c, "deliveries", DB_PRUNE_DELIVERIES, base, cfg->deliveries_days,
				 batch, &out->deliveries);
	/* notifications before events: an outbox row may refer to its event */
	if (cfg->notifications_days && db_retention_has_notifications(c) > 0)
		ok &= prune_kind(c, "notifications", DB_PRUNE_NOTIFICATIONS, base,
				 cfg->notifications_days, batch, &out->notifications);
	if (cfg->events_days)
		ok &= prune_kind(c, "events", DB_PRUNE_EVENTS, base, cfg->events_days, batch,
				 &out->events);
	ok &= prune_kind(c, "sessions", DB_PRUNE_SESSIONS, base, RETENTION_SESSIONS_DAYS, batch,
			 &out->sessions);
	if (cfg->audit_days) {
		ok &= prune_kind(c, "audit", DB_PRUNE_AUDIT, base, cfg->audit_days, batch,
				 &out->audit);
		ok &= prune_kind(c, "failed_sign_ins", DB_PRUNE_FAILED_SIGN_INS, base,
				 cfg->audit_days, batch, &out->failed_sign_ins);
	}
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
	bool locked = false;
	int n = db_retention_try_lock(c, &locked);
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
		db_retention_unlock(c);
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
