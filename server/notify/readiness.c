/*
 * notify/readiness.c — release candidates' readiness, watched: rc.ready
 * when the verdict becomes "ready", and the GitHub commit status to show
 * (see shiplog/notify.h).
 *
 * Readiness is a function of many facts (CI on the commit, artifacts, the
 * staging deployment and how long it has been healthy, feedback) and of
 * time, so no single domain event says "it is ready now".  The watcher
 * evaluates the open RCs with db_rc_readiness() and compares with what it last
 * recorded in notification_rc_watch, in one transaction that also enqueues
 * the messages: replicas take turns (advisory lock), and the row lock on
 * the watch row makes each change announced once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/notifications.h"
#include "db/release_candidates.h"
#include "notify/notify_internal.h"
#include "shiplog/clock.h"
#include "shiplog/notify.h"
#include "webhooks/gh_rc.h"

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
	struct db_rc_status_facts facts;
	int n = db_rc_status_facts(c, rc_id, &facts);
	if (n <= 0)
		return n;
	*found = true;
	snprintf(out->repository, sizeof out->repository, "%s", facts.repository);
	snprintf(out->version, sizeof out->version, "%s", facts.version);
	snprintf(out->commit, sizeof out->commit, "%s", facts.commit);
	snprintf(out->rc_state, sizeof out->rc_state, "%s", facts.state);
	const char *reject_reason = facts.reject_reason;

	if (open_state(out->rc_state)) {
		json_t *readiness = NULL;
		n = db_rc_readiness(c, cfg, rc_id, clock_now_us(), &readiness);
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

static int watch_one(struct db_conn *c, struct watch_ctx *x, int64_t id)
{
	struct db_rc_watch was;
	int n = db_rc_watch_row(c, id, &was);
	if (n <= 0)
		return n;
	int ready_n = was.ready_count, status_n = was.status_count;

	struct notify_rc_status st;
	bool found;
	n = notify_rc_status(c, x->cfg, id, &st, &found);
	if (n < 0 || !found)
		return n < 0 ? n : DB_OK;

	if (x->want_ready && open_state(st.rc_state) && !strcmp(st.verdict, "ready") &&
	    strcmp(was.verdict, "ready")) {
		ready_n++;
		n = db_rc_watch_enqueue_ready(c, id, ready_n);
		if (n < 0)
			return n;
	}
	bool post = x->want_status && st.gh_state[0] &&
		    (strcmp(st.gh_state, was.gh_state) ||
		     strcmp(st.description, was.gh_description) || strcmp(st.commit, was.commit));
	if (post) {
		status_n++;
		json_t *data = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "rc_id",
					 (json_int_t)id, "version", st.version, "repository",
					 st.repository, "commit", st.commit, "state", st.gh_state,
					 "description", st.description, "rc_state", st.rc_state);
		n = db_rc_watch_enqueue_status(c, id, status_n, data);
		json_decref(data);
		if (n < 0)
			return n;
	}
	struct db_rc_watch now = {.ready_count = ready_n, .status_count = status_n};
	snprintf(now.rc_state, sizeof now.rc_state, "%s", st.rc_state);
	snprintf(now.commit, sizeof now.commit, "%s", st.commit);
	snprintf(now.verdict, sizeof now.verdict, "%s", st.verdict);
	snprintf(now.gh_state, sizeof now.gh_state, "%s", st.gh_state);
	snprintf(now.gh_description, sizeof now.gh_description, "%s", st.description);
	n = db_rc_watch_update(c, id, &now, post);
	return n < 0 ? n : DB_OK;
}

static int watch_tx(struct db_conn *c, void *arg)
{
	struct watch_ctx *x = arg;
	x->evaluated = 0;
	bool locked = false;
	int n = db_rc_watch_lock(c, &locked);
	if (n < 0)
		return n;
	if (!locked)
		return DB_OK; /* another replica is evaluating right now */
	/* the open RCs, and the RCs watched before whose state changed since */
	int64_t ids[DB_RC_WATCH_MAX];
	n = db_rc_watch_candidates(c, ids, DB_RC_WATCH_MAX);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		int rc = watch_one(c, x, ids[i]);
		if (rc < 0)
			return rc;
	}
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
