/*
 * db/audit.h — the audit trail (tables audit_log and audit_failed_sign_ins,
 * migration 020): one append-only row per write by a person or a token,
 * inserted by db_audit_record in the transaction of the change it records,
 * so a change without its row cannot commit (and a row without its change
 * cannot either).  The database refuses UPDATE and TRUNCATE of audit_log,
 * and DELETE outside the retention job (db/retention.c).
 *
 * Contract: every function runs on a connection the caller holds (in the
 * caller's transaction, when it has one) and returns what db_query returns
 * — rows found or changed (>= 0), or a negative enum db_status (logged with
 * its SQLSTATE).  Strings and JSON values passed in are borrowed.  A json_t
 * handed out belongs to the caller; a page's items as db/page.h says.
 * Never pass a secret in before/after/reason: no token value or hash, no
 * session id.
 */
#ifndef SHIPLOG_DB_AUDIT_H
#define SHIPLOG_DB_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "db/page.h"
#include "shiplog/db.h"

/* Who made a change, built once per request (api_audit_who). */
struct db_audit_who {
	const char *actor;	 /* the person's e-mail, the token's owner, the admin token */
	int64_t actor_id;	 /* the API token's id; 0: none (admin token, SSO) */
	const char *via;	 /* "token", "admin-token", "cookie" or "sso" */
	const char *request_id;	 /* X-Request-Id as answered */
	const char *remote_addr; /* the client (behind trusted proxies: the forwarded one) */
	int64_t at_us;		 /* when (shiplog's clock) */
};

/* What changed.  before/after: the target's relevant state (NULL: none, as
 * before a creation); reason: the person's own words, or NULL. */
struct db_audit_change {
	const char *action;	 /* "environment.created", "rc.overridden", ... */
	const char *target_type; /* "environment", "token", ... */
	const char *target_id;	 /* NULL: none */
	const json_t *before, *after;
	const char *reason;
};

/* Inserts the row of `what` by `who`.  Call it inside the transaction of the
 * change (db_transaction); its failure must fail that transaction. */
int db_audit_record(struct db_conn *c, const struct db_audit_who *who,
		    const struct db_audit_change *what);

/* Filters of a page of the trail (NULL: any); since/until RFC 3339
 * (at >= since, at < until). */
struct db_audit_filter {
	const char *actor, *action, *target_type, *target_id, *since, *until;
};

/* The rows matching f, newest (highest id) first: objects {id, at, actor,
 * actor_id, via, action, target_type, target_id, before, after, reason,
 * request_id, remote_addr}. */
int db_audit_page(struct db_conn *c, const struct db_audit_filter *f,
		  const struct db_page_query *q, struct db_page *page);

/* Counts a failed sign-in from `remote_addr` at `at_us` in the row of its
 * hour (one row per address and hour, upserted). */
int db_audit_failed_sign_in(struct db_conn *c, const char *remote_addr, int64_t at_us);

/* The failed sign-in counts, newest hour first, keyed by (hour, row):
 * objects {hour, remote_addr, attempts, first_at, last_at}; since/until
 * (NULL: any) bound the hour. */
int db_audit_failed_sign_ins_page(struct db_conn *c, const char *since, const char *until,
				  const struct db_page_query *q, struct db_page *page);

#endif
