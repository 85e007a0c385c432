/*
 * audit.c — the audit trail: who a request's change is recorded as (every
 * write handler passes it to db_audit_record inside its transaction), and
 * reading the trail and the failed sign-ins (admin).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/page_reply.h"
#include "db/audit.h"
#include "shiplog/clock.h"

void api_audit_who(const struct http_request *r, struct db_audit_who *out)
{
	static const char *const vias[] = {
		/* only a sign-out writes anonymously: with the cookie it ends */
		[AUTH_VIA_NONE] = "cookie",
		[AUTH_VIA_TOKEN] = "token",
		[AUTH_VIA_ADMIN_TOKEN] = "admin-token",
		[AUTH_VIA_SSO] = "sso",
	};
	/* a session cookie carried the identity (whatever made the session);
	 * "sso": the proxy's header alone */
	bool cookie = r->via_session && r->who.session_id[0];
	*out = (struct db_audit_who){
		.actor = r->who.subject[0] ? r->who.subject : "anonymous",
		.actor_id = r->who.via == AUTH_VIA_TOKEN ? r->who.token_id : 0,
		.via = cookie ? "cookie" : vias[r->who.via],
		.request_id = r->request_id,
		.remote_addr = r->client_addr[0] ? r->client_addr : r->remote_addr,
		.at_us = clock_now_us(),
	};
}

/* until after since, or 400 naming until. */
static bool check_range(struct http_request *r, const char *since, const char *until)
{
	int64_t s, u;
	if (since && until && clock_parse_rfc3339(since, &s) && clock_parse_rfc3339(until, &u) &&
	    u <= s) {
		http_reply_field_problem(r, PROBLEM_INVALID_PARAMETER, "until",
					 "must be after since (%s)", since);
		return false;
	}
	return true;
}

void api_audit_list(struct http_request *r)
{
	struct api_page pg;
	if (!api_page_parse(r, &pg))
		return;
	struct db_audit_filter f = {
		.actor = http_param(r, "actor"),
		.action = http_param(r, "action"),
		.target_type = http_param(r, "target_type"),
		.target_id = http_param(r, "target_id"),
		.since = http_param(r, "since"),
		.until = http_param(r, "until"),
	};
	if (!check_range(r, f.since, f.until))
		return;
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	struct db_page_query q = api_page_query(&pg);
	struct db_page page;
	if (db_audit_page(c, &f, &q, &page) < 0) {
		http_reply_db_failure(r, "could not read the audit trail");
		return;
	}
	api_reply_db_page(r, &page);
}

void api_audit_failed_sign_ins(struct http_request *r)
{
	struct api_page pg;
	if (!api_page_parse(r, &pg))
		return;
	const char *since = http_param(r, "since"), *until = http_param(r, "until");
	if (!check_range(r, since, until))
		return;
	struct db_conn *c = http_db(r);
	if (!c)
		return;
	struct db_page_query q = api_page_query(&pg);
	struct db_page page;
	if (db_audit_failed_sign_ins_page(c, since, until, &q, &page) < 0) {
		http_reply_db_failure(r, "could not read the failed sign-ins");
		return;
	}
	api_reply_db_page(r, &page);
}
