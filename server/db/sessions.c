/*
 * db/sessions.c — the statements of browser sessions (see db/sessions.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "db/result.h"
#include "db/sessions.h"
#include "db/sql_time.h"

int db_session_insert(struct db_conn *c, const struct db_session_new *s)
{
	char token_id[32], expires[32];
	snprintf(token_id, sizeof token_id, "%lld", (long long)s->token_id);
	snprintf(expires, sizeof expires, "%lld", (long long)s->expires_s);
	bool admin = s->admin_token_hash != NULL;
	const char *p[6] = {(const char *)s->id_hash,
			    s->kind,
			    s->subject,
			    s->token_id ? token_id : NULL,
			    (const char *)s->admin_token_hash,
			    expires};
	int l[6] = {32, 0, 0, 0, admin ? 32 : 0, 0}, f[6] = {1, 0, 0, 0, admin, 0};
	return db_query_bin(c,
			    "INSERT INTO sessions (id_hash, kind, subject, token_id, "
			    "admin_token_hash, expires_at) "
			    "VALUES ($1, $2, $3, $4::bigint, $5, to_timestamp($6::bigint))",
			    6, p, l, f, NULL);
}

int db_session_end(struct db_conn *c, const unsigned char id_hash[32], json_t **ended)
{
	const char *p[1] = {(const char *)id_hash};
	int l[1] = {32}, f[1] = {1};
	PGresult *res = NULL;
	int n = db_query_bin(c,
			     "UPDATE sessions SET revoked_at = now() "
			     "WHERE id_hash = $1 AND revoked_at IS NULL "
			     "RETURNING json_build_object('kind', kind, 'subject', subject, "
			     "'token_id', token_id, 'created_at', " SQL_TS("created_at") ", "
			     "'expires_at', " SQL_TS("expires_at") ")::text",
			     1, p, l, f, &res);
	if (n > 0 && ended)
		*ended = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	PQclear(res);
	return n;
}

int db_session_lookup(struct db_conn *c, const unsigned char id_hash[32],
		      const unsigned char *admin_token_hash, int64_t now_s, struct db_session *out)
{
	/* $2: the admin token's hash now (NULL without one); $3: now */
	char now[32];
	snprintf(now, sizeof now, "%lld", (long long)now_s);
	const char *p[3] = {(const char *)id_hash, (const char *)admin_token_hash, now};
	int l[3] = {32, 32, 0}, f[3] = {1, 1, 0};
	PGresult *res = NULL;
	int n = db_query_bin(c,
			     "SELECT s.kind, s.subject, t.scopes, "
			     "coalesce(s.admin_token_hash = $2, false), s.token_id, "
			     "s.last_seen_at < now() - interval '1 minute' "
			     "FROM sessions s LEFT JOIN api_tokens t ON t.id = s.token_id "
			     "WHERE s.id_hash = $1 AND s.revoked_at IS NULL "
			     "AND s.expires_at > to_timestamp($3::bigint) "
			     "AND (s.token_id IS NULL OR t.revoked_at IS NULL)",
			     3, p, l, f, &res);
	if (n > 0) {
		snprintf(out->kind, sizeof out->kind, "%s", PQgetvalue(res, 0, 0));
		snprintf(out->subject, sizeof out->subject, "%s", PQgetvalue(res, 0, 1));
		out->scopes = (unsigned)strtoul(PQgetvalue(res, 0, 2), NULL, 10);
		out->admin_match = PQgetvalue(res, 0, 3)[0] == 't';
		out->token_id = db_get_i64(res, 0, 4);
		out->stale = PQgetvalue(res, 0, 5)[0] == 't';
	}
	PQclear(res);
	return n;
}

int db_session_touch(struct db_conn *c, const unsigned char id_hash[32])
{
	const char *p[1] = {(const char *)id_hash};
	int l[1] = {32}, f[1] = {1};
	return db_query_bin(c, "UPDATE sessions SET last_seen_at = now() WHERE id_hash = $1", 1, p,
			    l, f, NULL);
}
