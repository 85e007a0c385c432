/*
 * db.h — the PostgreSQL layer: a bounded pool of connections, parameterised
 * statements prepared lazily per connection, and one transaction helper.
 *
 * Threads: a struct db_conn belongs to exactly one thread between
 * db_acquire() and db_release(); a PGconn is never shared.  A connection that
 * broke is reset on its next acquire, so shiplog reconnects on its own when
 * the database comes back.  Every wait is bounded by the pool's timeout.
 */
#ifndef SHIPLOG_DB_H
#define SHIPLOG_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db_pool;
struct db_conn;

/* Results of a query or a transaction body. */
enum db_status {
	DB_HARD_ERROR = -2, /* a bug, a constraint, or the database is gone */
	DB_SOFT_ERROR = -1, /* serialization failure or deadlock: retry */
	DB_OK = 0,          /* >= 0: number of rows */
};

struct db_pool *db_pool_new(const char *url, unsigned size, unsigned timeout_ms);
void db_pool_free(struct db_pool *pool);

/* Waits at most the pool's timeout; NULL if none could be had or the
 * database is unreachable. */
struct db_conn *db_acquire(struct db_pool *pool);
void db_release(struct db_conn *c);

/* The raw libpq connection (borrowed). */
PGconn *db_pg(struct db_conn *c);

/*
 * Runs `sql` with text parameters (NULL = SQL NULL).  `sql` must be a string
 * literal or otherwise live forever: it is prepared on first use on each
 * connection and identified by its address.  On success returns the number
 * of rows (or affected rows) and, if res is not NULL, hands over the result
 * (caller PQclear()s it).  Errors are logged with their SQLSTATE.
 */
#define db_query(c, sql, n, params, res) db_query_at(__func__, c, sql, n, params, res)

/* Like db_query with binary-format parameters where lengths[i] > 0
 * (for raw bytes: bytea). formats[i] = 1 for binary. */
#define db_query_bin(c, sql, n, params, lengths, formats, res)                                     \
	db_query_bin_at(__func__, c, sql, n, params, lengths, formats, res)

/* What the macros call: `where` names the statement in logs and in
 * db_failure_last() (the function that runs it: __func__). */
int db_query_at(const char *where, struct db_conn *c, const char *sql, int n,
		const char *const *params, PGresult **res);
int db_query_bin_at(const char *where, struct db_conn *c, const char *sql, int n,
		    const char *const *params, const int *lengths, const int *formats,
		    PGresult **res);

/*
 * A one-dimensional array parameter in PostgreSQL's binary format, built
 * element by element: many rows travel in one statement (`unnest($1::text[],
 * ...)`) without escaping or parsing the elements.  Pass db_array_finish()'s
 * buffer with length `len` and format 1 to db_query_bin.
 */
#define DB_OID_BYTEA 17u
#define DB_OID_TEXT 25u
struct db_array {
	char *buf;
	size_t len, cap;
	uint32_t elem_oid, count;
	bool has_null;
};
void db_array_init(struct db_array *a, uint32_t elem_oid);
/* The element's bytes (text: without a terminating NUL); data NULL or len < 0: SQL NULL. */
void db_array_add(struct db_array *a, const void *data, int len);
void db_array_add_text(struct db_array *a, const char *s); /* NULL: SQL NULL */
const char *db_array_finish(struct db_array *a);
void db_array_free(struct db_array *a);

/* The same as a text[] literal for a `$n::text[]` text parameter: each
 * element double-quoted, '"' and '\\' escaped ("{\"a\",\"b\"}"; none:
 * "{}").  Elements must not be NULL.  Caller frees. */
char *db_text_array_literal(const char *const *v, size_t n);

/* Runs a simple command with no parameters (BEGIN, COMMIT, SET ...). */
#define db_exec(c, sql) db_exec_at(__func__, c, sql)
int db_exec_at(const char *where, struct db_conn *c, const char *sql);

/* Defers a command with no parameters and no result worth reading (BEGIN,
 * SAVEPOINT, RELEASE SAVEPOINT) to the next db_query/db_exec on this
 * connection, which sends it first in the same round trip (libpq pipeline
 * mode).  If it fails, that statement fails with its error and is not run.
 * `sql` must outlive the call (a literal).  db_transaction defers its BEGIN. */
void db_defer(struct db_conn *c, const char *sql);

/* Asks for a NOTIFY "shiplog_events" once the current transaction commits
 * (db_event_record does this). */
void db_notify_on_commit(struct db_conn *c);
/* Who sends that NOTIFY: with a hook set (the live-event listener, which
 * coalesces the NOTIFYs of many commits into one on its own connection and
 * sends it at once), the committing connection only calls it; without one,
 * the connection sends the NOTIFY itself after its commit. */
void db_set_notify_hook(void (*hook)(void));

/* The SQLSTATE of the last error on this connection ("" if none). */
const char *db_last_sqlstate(const struct db_conn *c);
const char *db_last_error(const struct db_conn *c);

/*
 * What went wrong, for the answer a request gets (http_reply_db_failure):
 * every failing statement records it for its thread, and so does
 * db_acquire when it finds no connection.  Per thread, because a request is
 * served by one thread from its first statement to its reply; the
 * dispatcher clears it before each handler.
 */
enum db_failure_kind {
	DB_FAILURE_NONE = 0,
	/* try again later: no connection, the connection lost, the database
	 * shutting down or read-only (a standby), too many connections or out
	 * of resources, a lock or statement timeout, serialization failures
	 * that outlasted the retries */
	DB_FAILURE_UNAVAILABLE,
	DB_FAILURE_CONFLICT, /* unique, exclusion or foreign-key violation */
	DB_FAILURE_INVALID,  /* not-null or check violation */
	DB_FAILURE_BUG,      /* anything else: shiplog's own mistake */
};
struct db_failure {
	enum db_failure_kind kind;
	char sqlstate[6];
	char column[128];    /* the column(s) at fault ("name", "repo_id, name") or "" */
	char constraint[64]; /* the constraint violated, or "" */
	char statement[64]; /* the function that ran the statement */
};
/* DB_FAILURE_NONE when this thread has no failure recorded since the last
 * db_failure_clear(). */
const struct db_failure *db_failure_last(void);
void db_failure_clear(void);
/* The kind of a SQLSTATE ("" or NULL: none was sent); connection_lost: the
 * connection is gone, whatever the state says. */
enum db_failure_kind db_failure_classify(const char *sqlstate, bool connection_lost);
/* The columns of PostgreSQL's "Key (a, b)=(1, 2) already exists." detail:
 * "a, b" into out; false when the detail is not of that form. */
bool db_failure_key_columns(const char *detail, char *out, size_t size);

/*
 * Runs fn inside BEGIN ... COMMIT, retrying serialization failures and
 * deadlocks (DB_SOFT_ERROR) up to 5 times.  fn returns a db_status (or >= 0
 * for success); any negative value rolls back.  Returns fn's final result.
 */
typedef int (*db_tx_fn)(struct db_conn *c, void *ctx);
int db_transaction(struct db_conn *c, db_tx_fn fn, void *ctx);

/* Does this connection answer right now (a round trip; marks it broken if
 * not, so the next acquire reconnects)? */
bool db_conn_usable(struct db_conn *c);

/* Is the database reachable right now (bounded)? */
bool db_ping(struct db_pool *pool);

/* Counters for /metrics. */
uint64_t db_metric_errors(void);
uint64_t db_metric_reconnects(void);

/* ---- migrations ---- */

/*
 * Applies the embedded migrations under an advisory lock (servers starting
 * together do not race).  Refuses (returns false with why) a schema carrying
 * a breaking migration this binary does not know.
 */
bool db_migrate(const char *url, char *why, size_t why_size);

/* Highest migration this binary knows. */
int db_schema_known(void);
/* Checks the live schema is one this binary can work with. */
bool db_schema_compatible(struct db_conn *c, char *why, size_t why_size);

/* ---- domain events ---- */

/*
 * Records a domain event in the current transaction; once that transaction
 * commits (db_transaction), "shiplog_events" is NOTIFYed so live views
 * re-read the events table.  A rolled-back event is never announced.  The
 * notification outbox is fed by a trigger on the same insert.  payload may
 * be NULL (borrowed).
 */
struct json_t;
int db_event_record(struct db_conn *c, const char *kind, const char *entity_type,
		    const char *entity_id, const char *actor, const struct json_t *payload);

#endif
