/*
 * routes.c — the route table: every endpoint shiplog serves, as data.
 *
 * The dispatcher, the OpenAPI document, the access matrix and the
 * malformed-input tests all read this table; an endpoint exists only if it
 * is here.  Keep entries grouped by resource.
 */
#include "api/api.h"
#include "webhooks/github_events.h"

static const char *const scope_values[] = {"read", "ci", "feedback", "admin", NULL};

static const struct param_spec page_params[] = {API_PAGE_PARAMS, {0}};

static const struct param_spec event_params[] = {
	{"last_event_id", PARAM_QUERY, PARAM_INT, false, 0, INT64_MAX, NULL,
	 "Replay events after this id (EventSource sends Last-Event-ID instead)", 0},
	{0},
};

static const struct param_spec id_params[] = {
	{"id", PARAM_PATH, PARAM_ID, true, 0, 0, NULL, "Numeric id", 0},
	{0},
};

static const struct param_spec token_body[] = {
	{"name", PARAM_BODY, PARAM_STRING, true, 1, 100, NULL, "What the token is for", 0},
	{"owner", PARAM_BODY, PARAM_STRING, true, 1, 200, NULL,
	 "The person (email) or service the token acts for", 0},
	{"scopes", PARAM_BODY, PARAM_ARRAY, true, 0, 4, scope_values,
	 "Scopes: read, ci, feedback, admin", PARAM_ENUM},
	{0},
};

static const struct param_spec session_body[] = {
	{"token", PARAM_BODY, PARAM_STRING, true, 16, 512, NULL, "An API token to sign in with", 0},
	{0},
};

static const char *const delivery_sources[] = {"github", "flux", NULL};
static const char *const delivery_statuses[] = {"received", "processed", "ignored", "failed",
						"rejected", "duplicate", "unmatched", NULL};
static const char *const run_kinds[] = {"pr", "main", "release", "other", NULL};
static const char *const run_statuses[] = {"queued", "in_progress", "waiting", "completed", NULL};
static const char *const run_conclusions[] = {"success", "failure", "cancelled", "skipped",
					      "timed_out", "action_required", "neutral", "stale",
					      "startup_failure", NULL};

static const struct param_spec delivery_list_params[] = {
	{"source", PARAM_QUERY, PARAM_ENUM, false, 0, 0, delivery_sources, "github or flux", 0},
	{"event", PARAM_QUERY, PARAM_STRING, false, 1, 64, NULL, "X-GitHub-Event, e.g. push", 0},
	{"status", PARAM_QUERY, PARAM_ENUM, false, 0, 0, delivery_statuses, "Processing result", 0},
	API_PAGE_PARAMS,
	{0},
};

static const struct param_spec run_list_params[] = {
	{"repo", PARAM_QUERY, PARAM_REPO, false, 0, 0, NULL, "Repository owner/name", 0},
	{"kind", PARAM_QUERY, PARAM_ENUM, false, 0, 0, run_kinds, "Pipeline kind", 0},
	{"branch", PARAM_QUERY, PARAM_STRING, false, 1, 255, NULL, "Head branch", 0},
	{"status", PARAM_QUERY, PARAM_ENUM, false, 0, 0, run_statuses, "Latest attempt's status", 0},
	{"conclusion", PARAM_QUERY, PARAM_ENUM, false, 0, 0, run_conclusions,
	 "Latest attempt's conclusion", 0},
	{"sha", PARAM_QUERY, PARAM_SHA, false, 0, 0, NULL, "Head commit (prefix of 7+ hex digits)", 0},
	{"pr", PARAM_QUERY, PARAM_INT, false, 1, 2147483647, NULL,
	 "Pull request number (needs repo): runs of its head SHAs and branch", 0},
	{"workflow", PARAM_QUERY, PARAM_STRING, false, 1, 255, NULL, "Workflow name or path", 0},
	{"since", PARAM_QUERY, PARAM_TIME, false, 0, 0, NULL, "Created at or after", 0},
	{"until", PARAM_QUERY, PARAM_TIME, false, 0, 0, NULL, "Created before", 0},
	API_PAGE_PARAMS,
	{0},
};

static const struct param_spec run_report_body[] = {
	{"repository", PARAM_BODY, PARAM_REPO, true, 0, 0, NULL, "owner/name", 0},
	{"provider", PARAM_BODY, PARAM_STRING, true, 1, 64, NULL,
	 "The CI system, e.g. gitlab-ci, buildkite, jenkins", 0},
	{"external_id", PARAM_BODY, PARAM_STRING, true, 1, 128, NULL,
	 "The run's id in that CI system", 0},
	{"attempt", PARAM_BODY, PARAM_INT, false, 1, 1000, NULL, "Attempt number (default 1)", 0},
	{"workflow", PARAM_BODY, PARAM_STRING, false, 1, 255, NULL, "Pipeline name", 0},
	{"workflow_path", PARAM_BODY, PARAM_STRING, false, 1, 255, NULL, "Pipeline file", 0},
	{"kind", PARAM_BODY, PARAM_ENUM, false, 0, 0, run_kinds,
	 "pr, main, release or other (default: from the config and the branch)", 0},
	{"event", PARAM_BODY, PARAM_STRING, false, 1, 64, NULL, "What triggered it", 0},
	{"branch", PARAM_BODY, PARAM_STRING, false, 1, 255, NULL, "Head branch", 0},
	{"sha", PARAM_BODY, PARAM_SHA, true, 0, 0, NULL, "Head commit SHA", 0},
	{"run_number", PARAM_BODY, PARAM_INT, false, 0, 2147483647, NULL, "Run number", 0},
	{"url", PARAM_BODY, PARAM_STRING, false, 1, 2048, NULL, "Link to the run", 0},
	{"status", PARAM_BODY, PARAM_ENUM, true, 0, 0, run_statuses, "Status", 0},
	{"conclusion", PARAM_BODY, PARAM_ENUM, false, 0, 0, run_conclusions,
	 "Conclusion (with status completed)", 0},
	{"queued_at", PARAM_BODY, PARAM_TIME, false, 0, 0, NULL, "Queued at", 0},
	{"started_at", PARAM_BODY, PARAM_TIME, false, 0, 0, NULL, "Started at", 0},
	{"completed_at", PARAM_BODY, PARAM_TIME, false, 0, 0, NULL,
	 "Completed at (not before started_at)", 0},
	{"updated_at", PARAM_BODY, PARAM_TIME, false, 0, 0, NULL,
	 "When this report was true (orders reports; default now)", 0},
	{"jobs", PARAM_BODY, PARAM_ARRAY, false, 0, 500, NULL,
	 "Jobs: {name, status, conclusion, started_at, completed_at, url, runner, stage, required}",
	 PARAM_OBJECT},
	{0},
};

static const struct param_spec pull_params[] = {
	{"owner", PARAM_PATH, PARAM_STRING, true, 1, 100, NULL, "Repository owner", 0},
	{"name", PARAM_PATH, PARAM_STRING, true, 1, 100, NULL, "Repository name", 0},
	{"number", PARAM_PATH, PARAM_INT, true, 1, 2147483647, NULL, "Pull request number", 0},
	{0},
};

static const struct param_spec commit_params[] = {
	{"owner", PARAM_PATH, PARAM_STRING, true, 1, 100, NULL, "Repository owner", 0},
	{"name", PARAM_PATH, PARAM_STRING, true, 1, 100, NULL, "Repository name", 0},
	{"sha", PARAM_PATH, PARAM_SHA, true, 0, 0, NULL, "Commit SHA (7 to 40 hex digits)", 0},
	{0},
};

static const struct param_spec branch_params[] = {
	{"owner", PARAM_PATH, PARAM_STRING, true, 1, 100, NULL, "Repository owner", 0},
	{"name", PARAM_PATH, PARAM_STRING, true, 1, 100, NULL, "Repository name", 0},
	{"branch", PARAM_PATH, PARAM_STRING, true, 1, 255, NULL,
	 "Branch name (may contain slashes)", 0},
	{0},
};

/* The larger areas keep their parameter specs (api/routes_*.h, included here)
 * and their entries (api/routes_*.inc, included in the table) in files of
 * their own. */
#include "api/routes_environments.h"
#include "api/routes_releases.h"
#include "api/routes_stats.h"
#include "api/routes_notifications.h"

const struct route http_routes[] = {
	/* operations */
	{"GET", "/healthz", api_healthz, AUTH_SCOPE_NONE, NULL, BODY_NONE, NULL, 0,
	 "Liveness: the process is up", "operations", 200, NULL},
	{"GET", "/readyz", api_readyz, AUTH_SCOPE_NONE, NULL, BODY_NONE, NULL, 0,
	 "Readiness: the database is reachable and the schema compatible", "operations", 200,
	 NULL},
	{"GET", "/metrics", api_metrics, AUTH_SCOPE_NONE, NULL, BODY_NONE, NULL, 0,
	 "Prometheus metrics", "operations", 200, NULL},
	{"GET", "/api/v1/openapi.json", api_openapi, AUTH_SCOPE_NONE, NULL, BODY_NONE, NULL, 0,
	 "This document", "operations", 200, NULL},

	{"GET", "/api/v1/events", api_events_stream, AUTH_SCOPE_READ, event_params, BODY_NONE, NULL,
	 0, "Live domain events (text/event-stream); reconnects resume from Last-Event-ID",
	 "operations", 200, NULL},

	/* auth */
	{"POST", "/api/v1/tokens", api_tokens_create, AUTH_SCOPE_ADMIN, NULL, BODY_JSON,
	 token_body, 0, "Create an API token (its value is shown only in this reply)", "auth",
	 201, "Token"},
	{"GET", "/api/v1/tokens", api_tokens_list, AUTH_SCOPE_ADMIN, page_params, BODY_NONE, NULL,
	 0, "List API tokens (never their values)", "auth", 200, "TokenList"},
	{"DELETE", "/api/v1/tokens/{id}", api_tokens_delete, AUTH_SCOPE_ADMIN, id_params,
	 BODY_NONE, NULL, 0, "Revoke an API token", "auth", 204, NULL},
	{"GET", "/api/v1/session", api_session_get, AUTH_SCOPE_NONE, NULL, BODY_NONE, NULL, 0,
	 "Who am I: the session's identity and CSRF token", "auth", 200, "Session"},
	{"POST", "/api/v1/session", api_session_create, AUTH_SCOPE_NONE, NULL, BODY_JSON,
	 session_body, 0, "Sign in with a token: starts a session and sets its cookie", "auth",
	 200, "Session"},
	{"DELETE", "/api/v1/session", api_session_delete, AUTH_SCOPE_NONE, NULL, BODY_NONE, NULL,
	 0, "Sign out: ends the session on the server and clears its cookie", "auth", 204, NULL},

	/* webhooks: authenticated by signature, not by token */
	{"POST", "/webhooks/github", api_webhook_github, AUTH_SCOPE_NONE, NULL, BODY_RAW, NULL, 0,
	 "GitHub webhook deliveries (X-Hub-Signature-256)", "webhooks", 200, "WebhookResult"},

	/* deliveries: the audit trail */
	{"GET", "/api/v1/deliveries", api_deliveries_list, AUTH_SCOPE_ADMIN, delivery_list_params,
	 BODY_NONE, NULL, 0, "Inbound webhook deliveries, newest first", "deliveries", 200,
	 "DeliveryList"},
	{"GET", "/api/v1/deliveries/{id}", api_deliveries_get, AUTH_SCOPE_ADMIN, id_params,
	 BODY_NONE, NULL, 0, "One delivery with its headers and raw body", "deliveries", 200,
	 "Delivery"},
	{"POST", "/api/v1/deliveries/{id}/replay", api_deliveries_replay, AUTH_SCOPE_ADMIN,
	 id_params, BODY_NONE, NULL, 0,
	 "Process a stored delivery again (bypasses the duplicate check)", "deliveries", 200,
	 "WebhookResult"},

	/* runs */
	{"GET", "/api/v1/runs", api_runs_list, AUTH_SCOPE_READ, run_list_params, BODY_NONE, NULL, 0,
	 "Pipeline runs (latest attempt each), newest first", "runs", 200, "RunList"},
	{"POST", "/api/v1/runs", api_runs_report, AUTH_SCOPE_CI, NULL, BODY_JSON, run_report_body,
	 0, "Report a run from a CI system other than GitHub Actions", "runs", 200, "Run"},
	{"GET", "/api/v1/runs/{id}", api_runs_get, AUTH_SCOPE_READ, id_params, BODY_NONE, NULL, 0,
	 "A run with all attempts, jobs by stage, linked PRs and commit", "runs", 200, "Run"},

	/* repositories, pull requests, commits, branches */
	{"GET", "/api/v1/repos", api_repos_list, AUTH_SCOPE_READ, page_params, BODY_NONE, NULL, 0,
	 "Repositories shiplog has heard of", "repos", 200, "RepositoryList"},
	{"GET", "/api/v1/repos/{owner}/{name}/pulls/{number}", api_pulls_get, AUTH_SCOPE_READ,
	 pull_params, BODY_NONE, NULL, 0, "A pull request with its runs and state", "repos", 200,
	 "PullRequest"},
	{"GET", "/api/v1/repos/{owner}/{name}/commits/{sha}", api_commits_get, AUTH_SCOPE_READ,
	 commit_params, BODY_NONE, NULL, 0, "A commit with its runs and check suites", "repos",
	 200, "Commit"},
	{"GET", "/api/v1/repos/{owner}/{name}/pulls/{number}/journey", api_journey_get,
	 AUTH_SCOPE_READ, pull_params, BODY_NONE, NULL, 0,
	 "A pull request's road from opened to released: ordered steps, times, where it is now",
	 "repos", 200, "Journey"},
	{"GET", "/api/v1/repos/{owner}/{name}/commits/{sha}/where", api_commit_where,
	 AUTH_SCOPE_READ, commit_params, BODY_NONE, NULL, 0,
	 "Which environments contain a commit, and what was built from it", "repos", 200,
	 "CommitWhere"},
	{"GET", "/api/v1/repos/{owner}/{name}/branches/{branch+}/health", api_branch_health,
	 AUTH_SCOPE_READ, branch_params, BODY_NONE, NULL, 0,
	 "Is the branch green; if red, since when, the first failing run and the suspect commits",
	 "repos", 200, "BranchHealth"},

#include "api/routes_environments.inc"
#include "api/routes_releases.inc"
#include "api/routes_stats.inc"
#include "api/routes_notifications.inc"

	{NULL, NULL, NULL, AUTH_SCOPE_NONE, NULL, BODY_NONE, NULL, 0, NULL, NULL, 0, NULL},
};
