/*
 * queue.c — queued webhook processing (webhooks.processing: queued).
 *
 * Accepting: a delivery is checked as in the inline mode (signature, then
 * its JSON and the repository its secret belongs to), then stored with
 * status "received" and answered 202 once that row is committed — durable,
 * and processed later by an applier (a 2xx means processed in its own
 * transaction or durably queued).  Concurrent requests are GROUP
 * COMMITTED: the first request to find no write in progress becomes the
 * writer, takes every delivery waiting (up to GROUP_MAX) and stores them all
 * with one INSERT ... SELECT FROM unnest(binary arrays) and one commit; the
 * others wait for their row.  A delivery id that already succeeded is stored
 * as a "duplicate" (no body) in the same statement and answered 200, as
 * inline.
 *
 * Applying: `webhook_workers` threads per replica claim the oldest
 * "received" rows (FOR UPDATE SKIP LOCKED, so replicas share the backlog)
 * and process up to APPLY_BATCH of them in one transaction, each exactly as
 * the inline mode would (webhook_apply_queued).  An applier runs at a lower
 * CPU priority (SCHED_IDLE, else nice 19) than the HTTP threads: during a burst
 * that saturates the machine, accepting goes first and the backlog is
 * applied when there is room; otherwise the applier is woken by every group
 * commit and a delivery is applied milliseconds after its answer.
 *
 * A batch that fails is retried one delivery at a time; a single delivery
 * whose processing cannot complete while the database is healthy is marked
 * "failed" with the error (replayable), so one bad row never stalls the
 * queue.  While the database is unreachable the appliers back off.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "db/deliveries.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/db.h"
#include "shiplog/log.h"
#include "shiplog/metrics.h"
#include "webhooks/json_scan.h"
#include "webhooks/queue.h"

#define GROUP_MAX 64     /* deliveries stored by one statement */
/* and their bodies together at most this (PostgreSQL refuses a value over
 * 1 GB; a 25 MiB delivery goes alone) */
#define GROUP_MAX_BYTES (32u << 20)
#define APPLY_BATCH 32   /* deliveries applied by one transaction */
#define IDLE_WAIT_MS 1000 /* an idle applier looks again (other replicas' deliveries) */
#define BACKOFF_MS 1000
#define MAX_APPLIERS 64

/* ---- accepting: group commit ---- */

struct pending {
	struct app *app;
	const struct webhook_delivery *d;
	const char *action, *repo;
	struct webhook_result *out;
	bool done;
	pthread_cond_t wake; /* its own: a commit wakes only whom it concerns */
	struct pending *next;
};

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pending *q_head, *q_tail;
static bool q_writing;

static void applier_kick(void);

/* Stores a group with one statement (its own transaction: committed, with
 * synchronous_commit on, when the answer arrives); fills every out. */
static void write_group(struct pending *group, size_t n)
{
	struct app *app = group->app;
	struct db_delivery_batch batch;
	db_delivery_batch_init(&batch);
	struct pending *p = group;
	for (size_t k = 0; k < n; k++, p = p->next) {
		const struct webhook_delivery *d = p->d;
		struct db_delivery_new row = {
			.source = d->source,
			.event = d->event ? d->event : "",
			.action = p->action ? p->action : "",
			.delivery_id = d->delivery_id,
			.hook_id = d->hook_id,
			.repository = p->repo,
			.received_us = d->received_us,
			.headers = d->headers,
			.body = d->body,
			.body_len = d->body_len,
			.signature = d->signature,
		};
		db_delivery_batch_add(&batch, &row);
	}
	struct db_delivery_stored stored[GROUP_MAX];
	int rows = -1;
	struct db_conn *c = db_acquire(app->db);
	if (c)
		rows = db_delivery_batch_insert(c, &batch, stored);
	db_delivery_batch_free(&batch);
	p = group;
	size_t queued = 0;
	for (size_t k = 0; k < n; k++, p = p->next) {
		if (rows != (int)n) {
			p->out->outcome = WEBHOOK_DB_ERROR;
			snprintf(p->out->error, sizeof p->out->error, "%s",
				 c ? db_last_error(c) : "no database connection");
			continue;
		}
		p->out->row_id = stored[k].id;
		bool dup = stored[k].duplicate;
		p->out->outcome = dup ? WEBHOOK_DUPLICATE : WEBHOOK_QUEUED;
		snprintf(p->out->action, sizeof p->out->action, "%s", p->action ? p->action : "");
		queued += !dup;
	}
	if (rows >= 0 && rows != (int)n)
		log_msg(LOG_ERROR, "queued deliveries: %d rows stored for %zu", rows, n);
	if (c)
		db_release(c);
	if (queued) {
		metrics_webhook_queued(queued);
		applier_kick();
	}
}

/* Stores `me` with whatever else is waiting: the first request to find no
 * write in progress writes a group, the others sleep on their own condition
 * variable until their group is written (or they are next in line to write),
 * so a commit wakes only the requests it answers. */
static void group_commit(struct pending *me)
{
	pthread_cond_init(&me->wake, NULL);
	pthread_mutex_lock(&q_lock);
	if (q_tail)
		q_tail->next = me;
	else
		q_head = me;
	q_tail = me;
	while (!me->done) {
		if (q_writing) {
			pthread_cond_wait(&me->wake, &q_lock);
			continue;
		}
		/* write everything waiting (up to GROUP_MAX deliveries and
		 * GROUP_MAX_BYTES of bodies; one server's, should a process run
		 * several) */
		q_writing = true;
		struct pending *group = q_head, *last = q_head;
		size_t n = 1, bytes = group->d->body_len;
		while (n < GROUP_MAX && last->next && last->next->app == group->app &&
		       bytes + last->next->d->body_len <= GROUP_MAX_BYTES) {
			last = last->next;
			bytes += last->d->body_len;
			n++;
		}
		q_head = last->next;
		if (!q_head)
			q_tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&q_lock);
		write_group(group, n);
		pthread_mutex_lock(&q_lock);
		for (struct pending *p = group, *next; p; p = next) {
			next = p->next; /* p may be gone once done and signalled */
			p->done = true;
			if (p != me)
				pthread_cond_signal(&p->wake);
		}
		q_writing = false;
		if (q_head)
			pthread_cond_signal(&q_head->wake); /* the next writer */
	}
	pthread_mutex_unlock(&q_lock);
	pthread_cond_destroy(&me->wake);
}

bool webhook_enqueue(struct app *app, const struct webhook_delivery *d, struct webhook_result *out)
{
	memset(out, 0, sizeof *out);
	struct pending me = {.app = app, .d = d, .out = out};
	char action[64], repo[256];
	bool form = d->content_type && strncmp(d->content_type, "application/x-www-form", 22) == 0;
	if (!form && !d->signed_repo) {
		/* the common case: checked without building it (json_scan.c); what
		 * the scanner does not vouch for goes inline, where jansson decides */
		if (!json_scan_delivery(d->body, d->body_len, action, sizeof action, repo,
					sizeof repo))
			return false;
		me.action = action;
		me.repo = repo[0] ? repo : NULL;
		group_commit(&me);
		return true;
	}
	char why[512];
	json_t *payload = webhook_delivery_json(d, why, sizeof why);
	if (!payload)
		return false; /* the inline path stores it with its error and answers 400 */
	const char *full = wj_str(payload, "repository.full_name");
	if (d->signed_repo && (!full || strcasecmp(full, d->signed_repo) != 0)) {
		json_decref(payload);
		return false; /* as above: refused with the reason, inline */
	}
	me.action = wj_str(payload, "action");
	me.repo = full;
	group_commit(&me);
	json_decref(payload);
	return true;
}

/* ---- applying ---- */

static pthread_t appliers[MAX_APPLIERS];
static unsigned n_appliers;
static atomic_bool appliers_running;
static pthread_mutex_t a_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t a_wake = PTHREAD_COND_INITIALIZER;
static uint64_t a_kicks; /* under a_lock: bumped by every group commit */

static void applier_kick(void)
{
	pthread_mutex_lock(&a_lock);
	a_kicks++;
	pthread_cond_broadcast(&a_wake);
	pthread_mutex_unlock(&a_lock);
}

/* Sleeps up to ms, or until kicked after `seen` (or stopped). */
static void applier_wait(uint64_t seen, unsigned ms)
{
	struct timespec ts;
	clock_deadline_after_ms(&ts, ms);
	pthread_mutex_lock(&a_lock);
	while (a_kicks == seen && atomic_load(&appliers_running))
		if (pthread_cond_timedwait(&a_wake, &a_lock, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&a_lock);
}

static uint64_t kicks_now(void)
{
	pthread_mutex_lock(&a_lock);
	uint64_t k = a_kicks;
	pthread_mutex_unlock(&a_lock);
	return k;
}

static void count_backlog(struct db_conn *c)
{
	long count = 0;
	if (db_deliveries_backlog(c, &count) > 0)
		metrics_set_webhook_queue(count);
}

static void *applier_main(void *arg)
{
	struct app *app = arg;
	/* background work: it runs on CPU the HTTP threads leave idle
	 * (SCHED_IDLE; where that is refused, nice 19) */
	struct sched_param sp = {0};
	if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp) != 0 &&
	    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19) != 0)
		log_msg(LOG_DEBUG, "applier: could not lower its priority: %s", strerror(errno));
	unsigned limit = APPLY_BATCH;
	int64_t last_count_ms = 0;
	while (atomic_load(&appliers_running)) {
		uint64_t seen = kicks_now();
		struct db_conn *c = db_acquire(app->db);
		if (!c) {
			applier_wait(seen, BACKOFF_MS);
			continue;
		}
		int64_t first = 0;
		unsigned failed = 0;
		int n = webhook_apply_queued(c, app->cfg, limit, &first, &failed);
		if (n >= 0 && clock_monotonic_ms() - last_count_ms >= 1000) {
			count_backlog(c);
			last_count_ms = clock_monotonic_ms();
		}
		if (n > 0) {
			metrics_webhook_applied((uint64_t)n, failed);
			limit = APPLY_BATCH;
			db_release(c);
			continue; /* more may be waiting */
		}
		if (n == 0) {
			db_release(c);
			applier_wait(seen, IDLE_WAIT_MS);
			continue;
		}
		bool healthy = db_conn_usable(c);
		if (healthy && first && limit > 1) {
			/* one of the batch cannot be applied: find it, one at a time */
			log_msg(LOG_WARN, "applying queued deliveries from %lld failed (%s); retrying "
					  "one at a time", (long long)first, db_last_error(c));
			limit = 1;
		} else if (healthy && first) {
			char why[256];
			snprintf(why, sizeof why, "%s", db_last_error(c));
			log_msg(LOG_ERROR, "queued delivery %lld cannot be applied: %s", (long long)first,
				why);
			if (webhook_fail_queued(c, first, why) >= 0)
				metrics_webhook_applied(1, 1);
			else
				healthy = false;
		} else {
			healthy = false;
		}
		db_release(c);
		if (!healthy)
			applier_wait(seen, BACKOFF_MS); /* the database is away: wait, keep the rows */
	}
	return NULL;
}

bool webhook_appliers_start(struct app *app)
{
	/* in the inline mode too: what a queued server left behind (the
	 * setting rolled back, or another replica still queueing) is applied,
	 * not forgotten; an idle applier costs one indexed count a second */
	if (app->cfg->webhook_workers == 0)
		return true;
	atomic_store(&appliers_running, true);
	unsigned want = app->cfg->webhook_workers;
	if (want > MAX_APPLIERS)
		want = MAX_APPLIERS;
	for (n_appliers = 0; n_appliers < want; n_appliers++)
		if (pthread_create(&appliers[n_appliers], NULL, applier_main, app) != 0)
			break;
	if (n_appliers < want)
		log_msg(LOG_ERROR, "started %u of %u webhook appliers", n_appliers, want);
	return n_appliers > 0;
}

void webhook_appliers_stop(void)
{
	if (!n_appliers)
		return;
	pthread_mutex_lock(&a_lock);
	atomic_store(&appliers_running, false);
	pthread_cond_broadcast(&a_wake);
	pthread_mutex_unlock(&a_lock);
	for (unsigned i = 0; i < n_appliers; i++)
		pthread_join(appliers[i], NULL);
	n_appliers = 0;
}
