/*
 * pool.c — a bounded pool of PostgreSQL connections (see db.h).
 *
 * Connections are opened lazily and reset when they break, so the server
 * rides out a database restart without restarting itself.  Waiting for a
 * free connection, connecting and every statement are bounded: connect
 * timeout, TCP user timeout and statement_timeout all come from the pool's
 * timeout.  Statements are prepared on first use per connection, keyed by
 * the address of their SQL text.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shiplog/clock.h"
#include "shiplog/db.h"
#include "db/failure.h"
#include "shiplog/log.h"
#include "shiplog/xalloc.h"

#define MAX_PREPARED 256
#define MAX_DEFERRED 4

struct db_conn {
	struct db_pool *pool;
	PGconn *pg;
	bool in_use;
	bool broken;
	bool notify_pending; /* a domain event was recorded: NOTIFY after commit */
	/* commands sent with the next statement, in its round trip (db_defer) */
	const char *deferred[MAX_DEFERRED];
	size_t n_deferred;
	const char *prepared[MAX_PREPARED]; /* SQL text addresses */
	size_t n_prepared;
	char sqlstate[6];
	char error[256];
	const char *where; /* the function running the current statement */
};

struct db_pool {
	char *conninfo;
	unsigned timeout_ms;
	pthread_mutex_t lock;
	pthread_cond_t freed;
	size_t size;
	struct db_conn *conns;
	_Atomic int64_t down_until_ms; /* fail fast for a moment after a failed connect */
};

static _Atomic uint64_t metric_errors, metric_reconnects;

uint64_t db_metric_errors(void)
{
	return atomic_load(&metric_errors);
}

uint64_t db_metric_reconnects(void)
{
	return atomic_load(&metric_reconnects);
}

static void notify_now(struct db_conn *c);

struct db_pool *db_pool_new(const char *url, unsigned size, unsigned timeout_ms)
{
	struct db_pool *p = xcalloc(1, sizeof *p);
	p->conninfo = xstrdup(url);
	p->timeout_ms = timeout_ms ? timeout_ms : 5000;
	p->size = size ? size : 1;
	p->conns = xcalloc(p->size, sizeof *p->conns);
	for (size_t i = 0; i < p->size; i++)
		p->conns[i].pool = p;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->freed, NULL);
	return p;
}

void db_pool_free(struct db_pool *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->size; i++)
		if (p->conns[i].pg)
			PQfinish(p->conns[i].pg);
	free(p->conns);
	free(p->conninfo);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->freed);
	free(p);
}

static void notice_quiet(void *arg, const PGresult *res)
{
	(void)arg;
	(void)res;
}

/* Opens (or re-opens) the connection with bounded timeouts. */
static bool conn_open(struct db_conn *c)
{
	struct db_pool *p = c->pool;
	if (c->pg) {
		PQfinish(c->pg);
		c->pg = NULL;
		atomic_fetch_add(&metric_reconnects, 1);
	}
	c->n_prepared = 0;
	c->broken = false;
	char connect_timeout[16], user_timeout[16], options[64];
	unsigned ct = (p->timeout_ms + 999) / 1000;
	snprintf(connect_timeout, sizeof connect_timeout, "%u", ct < 2 ? 2 : ct);
	snprintf(user_timeout, sizeof user_timeout, "%u", p->timeout_ms);
	snprintf(options, sizeof options, "-c statement_timeout=%u", p->timeout_ms);
	const char *keys[] = {"dbname", "connect_timeout", "tcp_user_timeout", "options",
			      "application_name", "keepalives_idle", NULL};
	const char *vals[] = {p->conninfo, connect_timeout, user_timeout, options, "shiplogd",
			      "30", NULL};
	c->pg = PQconnectdbParams(keys, vals, 1);
	if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
		log_msg(LOG_WARN, "database connection failed: %s",
			c->pg ? PQerrorMessage(c->pg) : "out of memory");
		if (c->pg)
			PQfinish(c->pg);
		c->pg = NULL;
		atomic_store(&p->down_until_ms, clock_monotonic_ms() + 250);
		return false;
	}
	PQsetNoticeReceiver(c->pg, notice_quiet, NULL);
	return true;
}

struct db_conn *db_acquire(struct db_pool *p)
{
	if (clock_monotonic_ms() < atomic_load(&p->down_until_ms))
		return NULL;
	struct timespec deadline;
	clock_deadline_after_ms(&deadline, p->timeout_ms);
	struct db_conn *c = NULL;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		/* prefer a connection that is already open */
		for (size_t i = 0; i < p->size && !c; i++)
			if (!p->conns[i].in_use && p->conns[i].pg)
				c = &p->conns[i];
		for (size_t i = 0; i < p->size && !c; i++)
			if (!p->conns[i].in_use)
				c = &p->conns[i];
		if (c)
			break;
		if (pthread_cond_timedwait(&p->freed, &p->lock, &deadline) == ETIMEDOUT)
			break;
	}
	if (c)
		c->in_use = true;
	pthread_mutex_unlock(&p->lock);
	if (!c) {
		log_msg(LOG_WARN, "no database connection free within %u ms", p->timeout_ms);
		db_failure_note("db_acquire", NULL, true);
		return NULL;
	}
	if (!c->pg || c->broken || PQstatus(c->pg) != CONNECTION_OK) {
		if (!conn_open(c)) {
			db_release(c);
			db_failure_note("db_acquire", NULL, true);
			return NULL;
		}
	}
	c->sqlstate[0] = '\0';
	c->error[0] = '\0';
	return c;
}

void db_release(struct db_conn *c)
{
	struct db_pool *p = c->pool;
	/* an event recorded outside db_transaction() committed on its own */
	if (c->notify_pending && c->pg && PQtransactionStatus(c->pg) == PQTRANS_IDLE)
		notify_now(c);
	c->notify_pending = false;
	c->n_deferred = 0; /* never sent: nothing followed them */
	if (c->pg && PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
		/* a bug: a request ended with a transaction open */
		if (PQtransactionStatus(c->pg) != PQTRANS_UNKNOWN)
			log_msg(LOG_ERROR, "connection released inside a transaction; rolling back");
		PGresult *res = PQexec(c->pg, "ROLLBACK");
		PQclear(res);
		if (PQstatus(c->pg) != CONNECTION_OK)
			c->broken = true;
	}
	pthread_mutex_lock(&p->lock);
	c->in_use = false;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->lock);
}

PGconn *db_pg(struct db_conn *c)
{
	return c->pg;
}

const char *db_last_sqlstate(const struct db_conn *c)
{
	return c->sqlstate;
}

const char *db_last_error(const struct db_conn *c)
{
	return c->error;
}

/* Classifies a finished result; returns rows or a negative status. */
static int result_status(struct db_conn *c, PGresult *res, const char *sql)
{
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_TUPLES_OK)
		return PQntuples(res);
	if (st == PGRES_COMMAND_OK) {
		const char *n = PQcmdTuples(res);
		return *n ? atoi(n) : 0;
	}
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	snprintf(c->sqlstate, sizeof c->sqlstate, "%s", state ? state : "");
	snprintf(c->error, sizeof c->error, "%s",
		 res && PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res)
						     : PQerrorMessage(c->pg));
	size_t el = strlen(c->error);
	while (el && c->error[el - 1] == '\n')
		c->error[--el] = '\0';
	atomic_fetch_add(&metric_errors, 1);
	if (PQstatus(c->pg) != CONNECTION_OK)
		c->broken = true;
	db_failure_note(c->where, res, c->broken);
	if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01")))
		return DB_SOFT_ERROR;
	/* constraint violations are answers, not failures: callers decide */
	bool expected = state && !strncmp(state, "23", 2);
	log_msg(expected ? LOG_DEBUG : LOG_ERROR, "database error %s in %s: %s (in: %.120s)",
		c->sqlstate, c->where ? c->where : "?", c->error, sql);
	return DB_HARD_ERROR;
}

static int prepared_index(struct db_conn *c, const char *sql)
{
	for (size_t i = 0; i < c->n_prepared; i++)
		if (c->prepared[i] == sql)
			return (int)i;
	return -1;
}

static int query_once(struct db_conn *c, const char *sql, int n, const char *const *params,
		      const int *lengths, const int *formats, PGresult **out);

int db_query_bin_at(const char *where, struct db_conn *c, const char *sql, int n,
		    const char *const *params, const int *lengths, const int *formats,
		    PGresult **out)
{
	c->where = where;
	/* After the database restarts, every pooled connection is dead but does
	 * not know it until used.  Outside a transaction nothing is lost by
	 * reconnecting and trying once more (deferred commands included), so
	 * callers see the restart only if the database is really still away. */
	bool idle = c->pg && !c->broken && PQtransactionStatus(c->pg) == PQTRANS_IDLE;
	int rows = query_once(c, sql, n, params, lengths, formats, out);
	if (rows == DB_HARD_ERROR && idle && c->pg && PQstatus(c->pg) != CONNECTION_OK &&
	    conn_open(c)) {
		log_msg(LOG_INFO, "reconnected to the database; retrying the statement");
		rows = query_once(c, sql, n, params, lengths, formats, out);
	}
	c->n_deferred = 0;
	return rows;
}

void db_defer(struct db_conn *c, const char *sql)
{
	if (c->n_deferred == MAX_DEFERRED)
		abort(); /* a bug: commands are deferred to the next statement, a few at most */
	c->deferred[c->n_deferred++] = sql;
}

/* Sends the deferred commands and then the statement (prepared as `name`, or
 * as text when `name` is NULL) in one round trip (libpq pipeline mode), and
 * returns the statement's result.  A failed deferred command is reported as
 * the statement's failure (the statement itself is then not run). */
static PGresult *send_with_deferred(struct db_conn *c, const char *name, const char *sql, int n,
				    const char *const *params, const int *lengths,
				    const int *formats, const char **failed_sql)
{
	*failed_sql = sql;
	if (!PQenterPipelineMode(c->pg))
		return NULL;
	bool sent = true;
	for (size_t i = 0; i < c->n_deferred && sent; i++)
		sent = PQsendQueryParams(c->pg, c->deferred[i], 0, NULL, NULL, NULL, NULL, 0);
	if (sent)
		sent = name ? PQsendQueryPrepared(c->pg, name, n, params, lengths, formats, 0)
			    : PQsendQueryParams(c->pg, sql, n, NULL, params, lengths, formats, 0);
	if (!sent || !PQpipelineSync(c->pg)) {
		c->broken = PQstatus(c->pg) != CONNECTION_OK;
		/* nothing to read back if nothing went out; leave pipeline mode as
		 * far as libpq lets us, else the connection is not reusable */
		if (!PQexitPipelineMode(c->pg))
			c->broken = true;
		return NULL;
	}
	PGresult *out = NULL, *res;
	for (size_t i = 0; i <= c->n_deferred; i++) {
		res = PQgetResult(c->pg);
		if (!res)
			break; /* the connection failed */
		bool mine = i == c->n_deferred;
		ExecStatusType st = PQresultStatus(res);
		if (!out && (mine || (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK))) {
			/* the statement's result, or the first failure before it */
			out = res;
			if (!mine)
				*failed_sql = c->deferred[i];
		} else {
			PQclear(res);
		}
		while ((res = PQgetResult(c->pg)))
			PQclear(res); /* the NULL that ends each query's results */
	}
	/* the sync */
	while ((res = PQgetResult(c->pg))) {
		bool sync = PQresultStatus(res) == PGRES_PIPELINE_SYNC;
		PQclear(res);
		if (sync)
			break;
	}
	if (!PQexitPipelineMode(c->pg))
		c->broken = true;
	return out;
}

static int query_once(struct db_conn *c, const char *sql, int n, const char *const *params,
		      const int *lengths, const int *formats, PGresult **out)
{
	if (out)
		*out = NULL;
	if (!c->pg || c->broken) {
		snprintf(c->error, sizeof c->error, "connection is broken");
		db_failure_note(c->where, NULL, true);
		return DB_HARD_ERROR;
	}
	char name[16];
	int idx = prepared_index(c, sql);
	/* not prepared while commands wait to go first: they may be what makes
	 * the transaction usable again (ROLLBACK TO SAVEPOINT); such a statement
	 * goes as text this time and is prepared on its next use */
	if (idx < 0 && c->n_prepared < MAX_PREPARED && !c->n_deferred) {
		idx = (int)c->n_prepared;
		snprintf(name, sizeof name, "s%d", idx);
		PGresult *pr = PQprepare(c->pg, name, sql, n, NULL);
		int st = result_status(c, pr, sql);
		PQclear(pr);
		if (st < 0)
			return st;
		c->prepared[c->n_prepared++] = sql;
	}
	PGresult *res;
	const char *failed_sql = sql;
	if (idx >= 0)
		snprintf(name, sizeof name, "s%d", idx);
	if (c->n_deferred)
		res = send_with_deferred(c, idx >= 0 ? name : NULL, sql, n, params, lengths,
					 formats, &failed_sql);
	else if (idx >= 0)
		res = PQexecPrepared(c->pg, name, n, params, lengths, formats, 0);
	else
		res = PQexecParams(c->pg, sql, n, NULL, params, lengths, formats, 0);
	int rows = result_status(c, res, failed_sql);
	if (rows >= 0 && out)
		*out = res;
	else
		PQclear(res);
	return rows;
}

int db_query_at(const char *where, struct db_conn *c, const char *sql, int n,
		const char *const *params, PGresult **res)
{
	return db_query_bin_at(where, c, sql, n, params, NULL, NULL, res);
}

int db_exec_at(const char *where, struct db_conn *c, const char *sql)
{
	c->where = where;
	if (!c->pg || c->broken) {
		db_failure_note(where, NULL, true);
		return DB_HARD_ERROR;
	}
	if (c->n_deferred) /* one round trip with them, through the query path */
		return db_query_at(where, c, sql, 0, NULL, NULL);
	bool idle = PQtransactionStatus(c->pg) == PQTRANS_IDLE;
	PGresult *res = PQexec(c->pg, sql);
	int st = result_status(c, res, sql);
	PQclear(res);
	/* as in db_query_bin: a connection that died while idle (a database
	 * restart) is replaced and the command tried once more */
	if (st == DB_HARD_ERROR && idle && PQstatus(c->pg) != CONNECTION_OK && conn_open(c)) {
		res = PQexec(c->pg, sql);
		st = result_status(c, res, sql);
		PQclear(res);
	}
	return st;
}

void db_notify_on_commit(struct db_conn *c)
{
	c->notify_pending = true;
}

/* The live-event listeners re-read `events` by id, so the NOTIFY is only a
 * wake-up call and carries nothing.  It is sent after the commit, in a
 * transaction of its own: a NOTIFY inside the writing transaction holds
 * PostgreSQL's notify lock until that commit is flushed to disk, which
 * makes every writer commit one at a time. */
static void (*_Atomic notify_hook)(void);

void db_set_notify_hook(void (*hook)(void))
{
	atomic_store(&notify_hook, hook);
}

static void notify_now(struct db_conn *c)
{
	c->notify_pending = false;
	void (*hook)(void) = atomic_load(&notify_hook);
	if (hook) {
		hook();
		return;
	}
	PGresult *res = PQexec(c->pg, "SELECT pg_notify('shiplog_events', '')");
	PQclear(res);
}

int db_transaction(struct db_conn *c, db_tx_fn fn, void *ctx)
{
	int result = DB_HARD_ERROR;
	for (int attempt = 0; attempt < 5; attempt++) {
		c->notify_pending = false;
		/* sent with the transaction's first statement: one round trip fewer */
		db_defer(c, "BEGIN");
		result = fn(c, ctx);
		if (result >= 0) {
			int cs = db_exec(c, "COMMIT");
			if (cs >= 0) {
				if (c->notify_pending)
					notify_now(c);
				return result;
			}
			result = cs;
		}
		/* end what is left of it: after a failed statement, or a COMMIT
		 * that did not run because a command deferred before it failed (a
		 * pipeline skips what follows an error) */
		c->n_deferred = 0;
		if (c->pg && !c->broken && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
			db_exec(c, "ROLLBACK");
		c->notify_pending = false;
		if (result != DB_SOFT_ERROR)
			return result;
		/* serialization failure or deadlock: back off a little and retry */
		struct timespec ts = {0, (long)(attempt + 1) * 5 * 1000000L};
		nanosleep(&ts, NULL);
	}
	return result;
}

bool db_conn_usable(struct db_conn *c)
{
	return c->pg && !c->broken && PQstatus(c->pg) == CONNECTION_OK &&
	       PQtransactionStatus(c->pg) == PQTRANS_IDLE && db_exec(c, "SELECT 1") >= 0;
}

bool db_ping(struct db_pool *p)
{
	struct db_conn *c = db_acquire(p);
	if (!c)
		return false;
	bool ok = db_exec(c, "SELECT 1") >= 0;
	db_release(c);
	return ok;
}
