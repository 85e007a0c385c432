/*
 * health.c — liveness, readiness and Prometheus metrics.
 */
#include <stdlib.h>

#include "api/api.h"
#include "db/health.h"
#include "shiplog/app.h"
#include "shiplog/db.h"
#include "shiplog/metrics.h"

void api_healthz(struct http_request *r)
{
	http_reply_json(r, 200, json_pack("{s:s, s:s}", "status", "ok", "version", SHIPLOG_VERSION));
}

void api_readyz(struct http_request *r)
{
	struct db_conn *c = db_acquire(r->app->db);
	if (!c) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "database: cannot be reached");
		http_reply_header(r, "Retry-After", "5");
		return;
	}
	char why[512] = "database: not ready";
	bool ok = db_ready(c, why, sizeof why);
	if (!ok && db_last_error(c)[0])
		snprintf(why, sizeof why, "database: %s", db_last_error(c));
	db_release(c);
	if (!ok) {
		http_reply_problem(r, PROBLEM_DB_UNAVAILABLE, "%s", why);
		http_reply_header(r, "Retry-After", "5");
		return;
	}
	http_reply_json(r, 200, json_pack("{s:s, s:i}", "status", "ready", "schema",
					  db_schema_known()));
}

void api_metrics(struct http_request *r)
{
	size_t len;
	char *text = metrics_render(&len);
	http_reply_bytes(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
	free(text);
}
