/*
 * api/api.h — handlers of the route table, and helpers they share.
 * One file per resource; each handler is named api_<resource>_<verb>.
 */
#ifndef SHIPLOG_API_H
#define SHIPLOG_API_H

#include <stdbool.h>
#include <stdint.h>

#include "shiplog/http.h"

/* ---- pagination: newest first, keyset on (time, id) or id ---- */
struct api_page {
	int limit;         /* 1..200, default 50 */
	bool has_cursor;
	int64_t before_id; /* rows with id < before_id (or time/id before) */
	char before_time[40]; /* "" when the cursor carries no time */
};

#define API_PAGE_PARAMS                                                                         \
	{"limit", PARAM_QUERY, PARAM_INT, false, 1, 200, NULL, "Page size (default 50)", 0},    \
	{                                                                                        \
		"cursor", PARAM_QUERY, PARAM_CURSOR, false, 0, 200, NULL,                        \
			"Opaque cursor from a previous page's next link", 0                      \
	}

/* Reads limit and cursor; on a bad cursor replies 400 and returns false. */
bool api_page_parse(struct http_request *r, struct api_page *p);
/* A cursor for the row (time may be NULL); caller frees. */
char *api_cursor_make(int64_t id, const char *time);

/* health.c */
void api_healthz(struct http_request *r);
void api_readyz(struct http_request *r);
void api_metrics(struct http_request *r);

/* tokens.c */
void api_tokens_create(struct http_request *r);
void api_tokens_list(struct http_request *r);
void api_tokens_delete(struct http_request *r);
/* Creates the first admin token when there is none and none is configured;
 * prints it once on stdout.  Safe when several servers start together. */
bool api_tokens_bootstrap(struct app *app);

/* session.c */
void api_session_get(struct http_request *r);
void api_session_create(struct http_request *r);
void api_session_delete(struct http_request *r);

/* deliveries.c */
void api_deliveries_list(struct http_request *r);
void api_deliveries_get(struct http_request *r);
void api_deliveries_replay(struct http_request *r);

/* runs.c */
void api_runs_list(struct http_request *r);
void api_runs_get(struct http_request *r);
void api_runs_report(struct http_request *r);

/* repos.c */
void api_repos_list(struct http_request *r);
void api_repos_get(struct http_request *r);
void api_pulls_get(struct http_request *r);
void api_commits_get(struct http_request *r);
void api_branch_health(struct http_request *r);
/* The PR of {owner}/{name}/pulls/{number} with its runs, as GET …/pulls/{n}
 * answers it (new reference); NULL when it has replied (404/503). */
json_t *repos_pull_json(struct http_request *r, struct db_conn *c);

/* journey.c */
void api_journey_get(struct http_request *r);
void api_commit_where(struct http_request *r);

/* events.c */
void api_events_stream(struct http_request *r);

/* stats.c */
void api_stats_default_branch(struct http_request *r);
void api_stats_stages(struct http_request *r);
void api_stats_deployments(struct http_request *r);
void api_stats_releases(struct http_request *r);
void api_stats_flaky_jobs(struct http_request *r);

/* openapi.c */
void api_openapi(struct http_request *r);

/* artifacts.c */
void api_artifacts_list(struct http_request *r);
void api_artifacts_get(struct http_request *r);
void api_artifacts_create(struct http_request *r);

/* environments.c */
void api_environments_list(struct http_request *r);
void api_environments_get(struct http_request *r);
void api_environments_create(struct http_request *r);
void api_environments_update(struct http_request *r);
void api_environments_delete(struct http_request *r);
void api_environments_deployments(struct http_request *r);
/* Upserts the configuration's environments (at start; safe when several
 * servers start together); false when the database refused. */
bool api_environments_sync(struct app *app);

/* deployments.c */
void api_deployments_list(struct http_request *r);
void api_deployments_get(struct http_request *r);
void api_deployments_create(struct http_request *r);

/* release_candidates.c, feedback.c, releases.c, train.c */
void api_rc_list(struct http_request *r);
void api_rc_create(struct http_request *r);
void api_rc_get(struct http_request *r);
void api_rc_update(struct http_request *r);
void api_rc_readiness(struct http_request *r);
void api_rc_changes(struct http_request *r);
void api_rc_notes(struct http_request *r);
void api_rc_proposal(struct http_request *r);
void api_feedback_list(struct http_request *r);
void api_feedback_create(struct http_request *r);
void api_feedback_update(struct http_request *r);
void api_releases_list(struct http_request *r);
void api_releases_get(struct http_request *r);
void api_train_get(struct http_request *r);
/* release_candidates_compare.c: two RCs compared, who has not tried one;
 * feedback_requests.c: asking for feedback on one */
void api_rc_compare(struct http_request *r);
void api_rc_untried(struct http_request *r);
void api_feedback_request_create(struct http_request *r);
/* Adds "planned_for" and "days_late" (from the cadence of repository
 * `repo`'s release policy; null without one) to a release object released
 * on `released_day` (YYYY-MM-DD). */
struct config;
void api_release_add_plan(json_t *o, const struct config *cfg, const char *repo,
			  const char *released_day);
/* A 409 illegal-transition problem naming `field`, the current state and
 * the allowed next states (a JSON array, stolen), as "allowed". */
void api_reply_illegal_transition(struct http_request *r, const char *field, const char *from,
				  const char *to, json_t *allowed);

/* audit.c: the audit trail */
struct db_audit_who;
/* Who this request's change is recorded as (strings borrowed from r), for
 * db_audit_record in the change's transaction. */
void api_audit_who(const struct http_request *r, struct db_audit_who *out);
void api_audit_list(struct http_request *r);
void api_audit_failed_sign_ins(struct http_request *r);

/* notifications.c: the outbox of outbound messages */
void api_notifications_list(struct http_request *r);
void api_notifications_retry(struct http_request *r);

#endif
