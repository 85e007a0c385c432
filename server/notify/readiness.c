/*
 * notify/readiness.c — release candidates' readiness, watched: rc.ready
 * when the verdict becomes "ready", and the GitHub commit status to show
 * (see shiplog/notify.h).
 *
 * Readiness is a function of many facts (CI on the commit, artifacts, the
 * staging deployment and how long it has been healthy, feedback) and of
 * time, so no single domain event says "it is ready now".  The watcher
 * evaluates the open RCs with rc_readiness() and compares with what it last
 * recorded in notification_rc_watch, in one transaction that also enqueues
 * the messages: replicas take turns (advisory lock), and the row lock on
 * the watch row makes each change announced once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/result.h"
#include "domain/rc_store.h"
#include "notify/notify_internal.h"
#include "shiplog/clock.h"
#include "shiplog/notify.h"

/* pg_try_advisory_xact_lock key: one replica evaluates at a time. */
#define NOTIFY_WATCH_LOCK "7305681502235790"

#define GITHUB_DESCRIPTION_MAX 140

bool notify_cfg_wants(const struct config *cfg, const char *event)
{
	for (size_t i = 0; i < cfg->notifications.n_sinks; i++)
		for (size_t j = 0; j < cfg->notifications.sinks[i].n_events; j++)
			if (!strcmp(cfg->notifications.sinks[i].events[j], event))
				return true;
	return false;
}

bool notify_cfg_github(const struct config *cfg)
{
	const struct config_github_status *g = &cfg->notifications.github;
	return g->configured && g->token && *g->token;
}

static bool open_state(const char *s)
{
	return !strcmp(s, "draft") || !strcmp(s, "testing") || !strcmp(s, "approved");
}

/* The first failed gate's reason, else the first pending one's. */
static void gate_description(json_t *readiness, char *out, size_t size)
{
	static const char *const order[] = {"failed", "pending"};
	out[0] = '\0';
	json_t *gates = json_object_get(readiness, "gates"), *g;
	size_t i;
	for (size_t k = 0; k < 2 && !out[0]; k++) {
		json_array_foreach(gates, i, g) {
			const char *st = json_string_value(json_object_get(g, "status"));
			if (!st || strcmp(st, order[k]))
				continue;
			const char *reason = json_string_value(json_object_get(g, "reason"));
			const char *title = json_string_value(json_object_get(g, "title"));
			snprintf(out, size, "%s",
				 reason && *reason ? reason
				 : title	   ? title
						   : "a gate is not passed");
			break;
		}
	}
	if (!out[0])
		snprintf(out, size, "Readiness is pending");
}

int notify_rc_status(struct db_conn *c, const struct config *cfg, int64_t rc_id,
		     struct notify_rc_status *out, bool *found)
{
	memset(out, 0, sizeof *out);
	*found = false;
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)rc_id);
	const char *p[1] = {id};
	PGresult *res = NULL;
	int n = db_query(
		c,
		"SELECT rp.full_name, rc.version, coalesce(rc.commit_sha, ''), rc.state,"
		" (SELECT s.reason FROM rc_state_changes s WHERE s.rc_id = rc.id"
		"   AND s.to_state = 'rejected' ORDER BY s.id DESC LIMIT 1)"
		" FROM release_candidates rc JOIN repositories rp ON rp.id = rc.repository_id"
		" WHERE rc.id = $1::bigint",
		1, p, &res);
	if (n <= 0) {
		PQclear(res);
		return n;
	}
	*found = true;
	snprintf(out->repository, sizeof out->repository, "%s", PQgetvalue(res, 0, 0));
	snprintf(out->version, sizeof out->version, "%s", PQgetvalue(res, 0, 1));
	snprintf(out->commit, sizeof out->commit, "%s", PQgetvalue(res, 0, 2));
	snprintf(out->rc_state, sizeof out->rc_state, "%s", PQgetvalue(res, 0, 3));
	char reject_reason[500];
	snprintf(reject_reason, sizeof reject_reason, "%s", PQgetvalue(res, 0, 4));
	PQclear(res);

	if (open_state(out->rc_state)) {
		json_t *readiness = NULL;
		n = rc_readiness(c, cfg, rc_id, clock_now_us(), &readiness);
		if (n < 0)
			return n;
		const char *verdict = json_string_value(json_object_get(readiness, "verdict"));
		snprintf(out->verdict, sizeof out->verdict, "%s", verdict ? verdict : "pending");
		if (!strcmp(out->verdict, "ready")) {
			snprintf(out->gh_state, sizeof out->gh_state, "success");
			snprintf(out->description, sizeof out->description, "Ready");
		} else {
			snprintf(out->gh_state, sizeof out->gh_state, "pending");
			gate_description(readiness, out->description, sizeof out->description);
		}
		json_decref(readiness);
	} else if (!strcmp(out->rc_state, "rejected")) {
		snprintf(out->gh_state, sizeof out->gh_state, "failure");
		snprintf(out->description, sizeof out->description, "Rejected%s%s",
			 reject_reason[0] ? ": " : "", reject_reason);
	} else if (!strcmp(out->rc_state, "released")) {
		snprintf(out->gh_state, sizeof out->gh_state, "success");
		snprintf(out->description, sizeof out->description, "Released");
	}
	/* superseded: a newer RC carries the status from now on */
	if (!out->commit[0])
		out->gh_state[0] = '\0'; /* nothing to post a status on yet */
	notify_truncate_utf8(out->description, GITHUB_DESCRIPTION_MAX);
	return DB_OK;
}

/* ---- the watcher ---- */

struct watch_ctx {
	const struct config *cfg;
	bool want_ready, want_status;
	int evaluated;
};

static const char *cell(PGresult *res, int col)
{
	return PQgetisnull(res, 0, col) ? "" : PQgetvalue(res, 0, col);
}

static int watch_one(struct db_conn *c, struct watch_ctx *x, const char *id)
{
	const char *p[1] = {id};
	int n = db_query(c,
			 "INSERT INTO notification_rc_watch (rc_id) VALUES ($1::bigint)"
			 " ON CONFLICT (rc_id) DO NOTHING",
			 1, p, NULL);
	if (n < 0)
		return n;
	PGresult *res = NULL;
	n = db_query(c,
		     "SELECT rc_state, commit_sha, verdict, gh_state, gh_description, ready_count,"
		     " status_count FROM notification_rc_watch WHERE rc_id = $1::bigint FOR UPDATE",
		     1, p, &res);
	if (n <= 0) {
		PQclear(res);
		return n;
	}
	char was_verdict[16], was_gh[16], was_desc[600], was_commit[48], ready_count[16],
		status_count[16];
	snprintf(was_commit, sizeof was_commit, "%s", cell(res, 1));
	snprintf(was_verdict, sizeof was_verdict, "%s", cell(res, 2));
	snprintf(was_gh, sizeof was_gh, "%s", cell(res, 3));
	snprintf(was_desc, sizeof was_desc, "%s", cell(res, 4));
	int ready_n = atoi(cell(res, 5)), status_n = atoi(cell(res, 6));
	PQclear(res);

	struct notify_rc_status st;
	bool found;
	n = notify_rc_status(c, x->cfg, strtoll(id, NULL, 10), &st, &found);
	if (n < 0 || !found)
		return n < 0 ? n : DB_OK;

	if (x->want_ready && open_state(st.rc_state) && !strcmp(st.verdict, "ready") &&
	    strcmp(was_verdict, "ready")) {
		ready_n++;
		snprintf(ready_count, sizeof ready_count, "%d", ready_n);
		const char *ep[2] = {id, ready_count};
		n = db_query(
			c,
			"SELECT notification_enqueue('rc.ready', 'rc.ready:' || $1 || ':' || $2,"
			" NULL, 'release_candidate', $1, notification_rc_data($1::bigint), now())",
			2, ep, NULL);
		if (n < 0)
			return n;
	}
	bool post = x->want_status && st.gh_state[0] &&
		    (strcmp(st.gh_state, was_gh) || strcmp(st.description, was_desc) ||
		     strcmp(st.commit, was_commit));
	if (post) {
		status_n++;
		snprintf(status_count, sizeof status_count, "%d", status_n);
		json_t *data = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "rc_id",
					 (json_int_t)strtoll(id, NULL, 10), "version", st.version,
					 "repository", st.repository, "commit", st.commit, "state",
					 st.gh_state, "description", st.description, "rc_state",
					 st.rc_state);
		char *js = json_dumps(data, JSON_COMPACT);
		json_decref(data);
		const char *ip[3] = {id, status_count, js};
		n = db_query(
			c,
			"INSERT INTO notifications (sink, sink_type, kind, dedupe_key, entity_type,"
			" entity_id, data) VALUES ('" GITHUB_STATUS_SINK "', 'github_status',"
			" 'github_status', 'github_status:' || $1 || ':' || $2, "
			"'release_candidate',"
			" $1, $3::jsonb) ON CONFLICT (sink, dedupe_key) DO NOTHING",
			3, ip, NULL);
		free(js);
		if (n < 0)
			return n;
	}
	snprintf(ready_count, sizeof ready_count, "%d", ready_n);
	snprintf(status_count, sizeof status_count, "%d", status_n);
	const char *up[9] = {id,
			     st.rc_state,
			     st.commit[0] ? st.commit : NULL,
			     st.verdict[0] ? st.verdict : NULL,
			     post ? "true" : "false",
			     st.gh_state,
			     st.description,
			     ready_count,
			     status_count};
	n = db_query(
		c,
		"UPDATE notification_rc_watch SET rc_state = $2, commit_sha = $3, verdict = $4,"
		" gh_state = CASE WHEN $5::boolean THEN $6 ELSE gh_state END,"
		" gh_description = CASE WHEN $5::boolean THEN $7 ELSE gh_description END,"
		" ready_count = $8::int, status_count = $9::int, updated_at = now()"
		" WHERE rc_id = $1::bigint",
		9, up, NULL);
	return n < 0 ? n : DB_OK;
}

static int watch_tx(struct db_conn *c, void *arg)
{
	struct watch_ctx *x = arg;
	x->evaluated = 0;
	PGresult *res = NULL;
	int n = db_query(c, "SELECT pg_try_advisory_xact_lock(" NOTIFY_WATCH_LOCK ")", 0, NULL,
			 &res);
	bool locked = n == 1 && db_get_bool(res, 0, 0);
	PQclear(res);
	if (n < 0)
		return n;
	if (!locked)
		return DB_OK; /* another replica is evaluating right now */
	/* the open RCs, and the RCs watched before whose state changed since */
	n = db_query(c,
		     "SELECT rc.id FROM release_candidates rc"
		     " LEFT JOIN notification_rc_watch w ON w.rc_id = rc.id"
		     " WHERE rc.state IN ('draft', 'testing', 'approved')"
		     "  OR (w.rc_id IS NOT NULL AND w.rc_state IS DISTINCT FROM rc.state)"
		     " ORDER BY rc.id DESC LIMIT 200",
		     0, NULL, &res);
	if (n < 0) {
		PQclear(res);
		return n;
	}
	for (int i = 0; i < n; i++) {
		int rc = watch_one(c, x, PQgetvalue(res, i, 0));
		if (rc < 0) {
			PQclear(res);
			return rc;
		}
	}
	PQclear(res);
	x->evaluated = n > 0 ? n : 1; /* 1: done (nothing open) rather than skipped */
	return DB_OK;
}

int notify_watch(struct db_conn *c, const struct config *cfg, bool want_ready, bool want_status)
{
	/* fold GitHub facts a replica stored but did not fold (own transaction) */
	rc_settle(c, cfg);
	struct watch_ctx x = {cfg, want_ready, want_status, 0};
	int n = db_transaction(c, watch_tx, &x);
	return n < 0 ? n : x.evaluated;
}
