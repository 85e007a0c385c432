/*
 * routes.c — the route table: every endpoint shiplog serves, as data.
 *
 * The dispatcher, the OpenAPI document, the access matrix and the
 * malformed-input tests all read this table; an endpoint exists only if it
 * is here.  Keep entries grouped by resource.
 */
#include "api/api.h"
#include "webhooks/github_events.h"

static const char *const scope_values[] = {"read", "ci", "feedback", "admin", "release", NULL};

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
	{"scopes", PARAM_BODY, PARAM_ARRAY, true, 0, 5, scope_values,
	 "Scopes: read, ci, feedback, admin, release", PARAM_ENUM},
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
	{"repository", PARAM_QUERY, PARAM_REPO, false, 0, 0, NULL,
	 "Repository owner/name the delivery names (any case)", 0},
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

static const struct param_spec repo_params[] = {
	{"owner", PARAM_PATH, PARAM_STRING, true, 1, 100, NULL, "Repository owner", 0},
	{"name", PARAM_PATH, PARAM_STRING, true, 1, 100, NULL, "Repository name", 0},
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
#include "api/routes_audit.h"

const struct route http_routes[] = {
	/* operations */
	{.method = "GET",
	 .pattern = "/healthz",
	 .handler = api_healthz,
	 .scope = AUTH_SCOPE_NONE,
	 .summary = "Liveness: the process is up",
	 .tag = "operations",
	 .success = 200,
	 .response_schema = "Health"},
	{.method = "GET",
	 .pattern = "/readyz",
	 .handler = api_readyz,
	 .scope = AUTH_SCOPE_NONE,
	 .summary = "Readiness: the database is reachable and the schema compatible",
	 .tag = "operations",
	 .success = 200,
	 .response_schema = "ServiceReadiness"},
	{.method = "GET",
	 .pattern = "/metrics",
	 .handler = api_metrics,
	 .scope = AUTH_SCOPE_NONE,
	 .summary = "Prometheus metrics",
	 .tag = "operations",
	 .success = 200,
	 .openapi = {.media = "text/plain"}},
	{.method = "GET",
	 .pattern = "/api/v1/openapi.json",
	 .handler = api_openapi,
	 .scope = AUTH_SCOPE_NONE,
	 .summary = "This document",
	 .tag = "operations",
	 .success = 200,
	 .response_schema = "OpenAPIDocument"},

	{.method = "GET",
	 .pattern = "/api/v1/events",
	 .handler = api_events_stream,
	 .scope = AUTH_SCOPE_READ,
	 .params = event_params,
	 .summary = "Live domain events (text/event-stream); reconnects resume from Last-Event-ID",
	 .tag = "operations",
	 .success = 200,
	 .openapi = {.media = "text/event-stream",
		     .headers = {{"Last-Event-ID", false,
				  "Replay the events after this id (EventSource sends it when it "
				  "reconnects)"}}}},

	/* auth */
	{.method = "POST",
	 .pattern = "/api/v1/tokens",
	 .handler = api_tokens_create,
	 .scope = AUTH_SCOPE_ADMIN,
	 .body = BODY_JSON,
	 .body_params = token_body,
	 .summary = "Create an API token (its value is shown only in this reply)",
	 .tag = "auth",
	 .success = 201,
	 .response_schema = "Token"},
	{.method = "GET",
	 .pattern = "/api/v1/tokens",
	 .handler = api_tokens_list,
	 .scope = AUTH_SCOPE_ADMIN,
	 .params = page_params,
	 .summary = "List API tokens (never their values)",
	 .tag = "auth",
	 .success = 200,
	 .response_schema = "TokenList"},
	{.method = "DELETE",
	 .pattern = "/api/v1/tokens/{id}",
	 .handler = api_tokens_delete,
	 .scope = AUTH_SCOPE_ADMIN,
	 .params = id_params,
	 .summary = "Revoke an API token",
	 .tag = "auth",
	 .success = 204},
	{.method = "GET",
	 .pattern = "/api/v1/session",
	 .handler = api_session_get,
	 .scope = AUTH_SCOPE_NONE,
	 .summary = "Who am I: the session's identity and CSRF token",
	 .tag = "auth",
	 .success = 200,
	 .response_schema = "Session"},
	{.method = "POST",
	 .pattern = "/api/v1/session",
	 .handler = api_session_create,
	 .scope = AUTH_SCOPE_NONE,
	 .body = BODY_JSON,
	 .body_params = session_body,
	 .summary = "Sign in with a token: starts a session and sets its cookie",
	 .tag = "auth",
	 .success = 200,
	 .response_schema = "Session",
	 .openapi = {.problems = "401"}},
	{.method = "DELETE",
	 .pattern = "/api/v1/session",
	 .handler = api_session_delete,
	 .scope = AUTH_SCOPE_NONE,
	 .summary = "Sign out: ends the session on the server and clears its cookie",
	 .tag = "auth",
	 .success = 204},

	/* webhooks: authenticated by signature, not by token */
	{.method = "POST",
	 .pattern = "/webhooks/github",
	 .handler = api_webhook_github,
	 .scope = AUTH_SCOPE_NONE,
	 .body = BODY_RAW,
	 .summary = "GitHub webhook deliveries (X-Hub-Signature-256)",
	 .tag = "webhooks",
	 .success = 200,
	 .response_schema = "WebhookResult",
	 .openapi = {.also = {{202, NULL,
			       "Stored, not applied: an event shiplog does not use (ignored), "
			       "stored for the background appliers (received: "
			       "webhooks.processing queued), or kept on disk while the database "
			       "is unreachable (spooled)"}},
		     .problems = "401 500",
		     .headers = {{"X-GitHub-Event", true, "The event, e.g. push, workflow_run"},
				 {"X-GitHub-Delivery", true, "The delivery id (GitHub's GUID)"},
				 {"X-Hub-Signature-256", false,
				  "sha256=<hex HMAC-SHA256 of the body>; required when a secret "
				  "is configured"},
				 {"X-GitHub-Hook-ID", false, "The webhook's id"}}}},

	/* deliveries: the audit trail */
	{.method = "GET",
	 .pattern = "/api/v1/deliveries",
	 .handler = api_deliveries_list,
	 .scope = AUTH_SCOPE_ADMIN,
	 .params = delivery_list_params,
	 .summary = "Inbound webhook deliveries, newest first",
	 .tag = "deliveries",
	 .success = 200,
	 .response_schema = "DeliveryList"},
	{.method = "GET",
	 .pattern = "/api/v1/deliveries/{id}",
	 .handler = api_deliveries_get,
	 .scope = AUTH_SCOPE_ADMIN,
	 .params = id_params,
	 .summary = "One delivery with its headers and raw body",
	 .tag = "deliveries",
	 .success = 200,
	 .response_schema = "Delivery"},
	{.method = "POST",
	 .pattern = "/api/v1/deliveries/{id}/replay",
	 .handler = api_deliveries_replay,
	 .scope = AUTH_SCOPE_ADMIN,
	 .params = id_params,
	 .summary = "Process a stored delivery again (bypasses the duplicate check)",
	 .tag = "deliveries",
	 .success = 200,
	 .response_schema = "WebhookResult",
	 .openapi = {.also = {{202, NULL, "Processed again: ignored or unmatched"}},
		     .problems = "409 500"}},

	/* runs */
	{.method = "GET",
	 .pattern = "/api/v1/runs",
	 .handler = api_runs_list,
	 .scope = AUTH_SCOPE_READ,
	 .params = run_list_params,
	 .summary = "Pipeline runs (latest attempt each), newest first",
	 .tag = "runs",
	 .success = 200,
	 .response_schema = "RunList"},
	{.method = "POST",
	 .pattern = "/api/v1/runs",
	 .handler = api_runs_report,
	 .scope = AUTH_SCOPE_CI,
	 .body = BODY_JSON,
	 .body_params = run_report_body,
	 .summary = "Report a run from a CI system other than GitHub Actions",
	 .tag = "runs",
	 .success = 200,
	 .response_schema = "Run",
	 .openapi = {.also = {{201, NULL, "A run shiplog did not know: created"}},
		     .fields = {{"jobs", "RunReportJob"}}}},
	{.method = "GET",
	 .pattern = "/api/v1/runs/{id}",
	 .handler = api_runs_get,
	 .scope = AUTH_SCOPE_READ,
	 .params = id_params,
	 .summary = "A run with all attempts, jobs by stage, linked PRs and commit",
	 .tag = "runs",
	 .success = 200,
	 .response_schema = "Run"},

	/* repositories, pull requests, commits, branches */
	{.method = "GET",
	 .pattern = "/api/v1/repos",
	 .handler = api_repos_list,
	 .scope = AUTH_SCOPE_READ,
	 .params = page_params,
	 .summary = "Repositories shiplog has heard of",
	 .tag = "repos",
	 .success = 200,
	 .response_schema = "RepositoryList"},
	{.method = "GET",
	 .pattern = "/api/v1/repos/{owner}/{name}",
	 .handler = api_repos_get,
	 .scope = AUTH_SCOPE_READ,
	 .params = repo_params,
	 .summary = "A repository: what shiplog knows of it and its effective release policy, "
		    "with where each key comes from (global or repository)",
	 .tag = "repos",
	 .success = 200,
	 .response_schema = "RepositoryPolicy",
	 .openapi = {.problems = "404"}},
	{.method = "GET",
	 .pattern = "/api/v1/repos/{owner}/{name}/pulls/{number}",
	 .handler = api_pulls_get,
	 .scope = AUTH_SCOPE_READ,
	 .params = pull_params,
	 .summary = "A pull request with its runs and state",
	 .tag = "repos",
	 .success = 200,
	 .response_schema = "PullRequest"},
	{.method = "GET",
	 .pattern = "/api/v1/repos/{owner}/{name}/commits/{sha}",
	 .handler = api_commits_get,
	 .scope = AUTH_SCOPE_READ,
	 .params = commit_params,
	 .summary = "A commit with its runs and check suites",
	 .tag = "repos",
	 .success = 200,
	 .response_schema = "Commit"},
	{.method = "GET",
	 .pattern = "/api/v1/repos/{owner}/{name}/pulls/{number}/journey",
	 .handler = api_journey_get,
	 .scope = AUTH_SCOPE_READ,
	 .params = pull_params,
	 .summary = "A pull request's road from opened to released: ordered steps, times, where "
		    "it is now",
	 .tag = "repos",
	 .success = 200,
	 .response_schema = "Journey"},
	{.method = "GET",
	 .pattern = "/api/v1/repos/{owner}/{name}/commits/{sha}/where",
	 .handler = api_commit_where,
	 .scope = AUTH_SCOPE_READ,
	 .params = commit_params,
	 .summary = "Which environments contain a commit, and what was built from it",
	 .tag = "repos",
	 .success = 200,
	 .response_schema = "CommitWhere"},
	{.method = "GET",
	 .pattern = "/api/v1/repos/{owner}/{name}/branches/{branch+}/health",
	 .handler = api_branch_health,
	 .scope = AUTH_SCOPE_READ,
	 .params = branch_params,
	 .summary = "Is the branch green; if red, since when, the first failing run and the "
		    "suspect commits",
	 .tag = "repos",
	 .success = 200,
	 .response_schema = "BranchHealth"},

#include "api/routes_environments.inc"
#include "api/routes_releases.inc"
#include "api/routes_stats.inc"
#include "api/routes_notifications.inc"
#include "api/routes_audit.inc"

	{.method = NULL},
};
