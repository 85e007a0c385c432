/*
 * config.h — shiplog's configuration: a YAML file (libyaml) plus environment
 * variables for secrets and overrides.
 *
 * Precedence: built-in defaults < YAML file < environment variables.
 * With no file at all shiplog starts with the defaults (any repository
 * accepted); the file only adds.
 *
 * Ownership: a `struct config` owns every string and array it points to.
 * config_load() returns a new object; free it with config_free().  Nothing
 * in it is shared, so a loaded config may be read from any thread without
 * locking as long as nobody modifies it.
 */
#ifndef SHIPLOG_CONFIG_H
#define SHIPLOG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A pipeline kind: what a workflow is for. */
enum run_kind { RUN_KIND_PR, RUN_KIND_MAIN, RUN_KIND_RELEASE, RUN_KIND_OTHER };

/* A job's stage in the pipeline. */
enum job_stage {
	STAGE_LINT,
	STAGE_UNIT,
	STAGE_INTEGRATION,
	STAGE_BUILD,
	STAGE_PUBLISH,
	STAGE_E2E,
	STAGE_OTHER
};

/* Workflow path or name glob -> kind. */
struct config_workflow_rule {
	char *match; /* fnmatch(3) pattern on the workflow path, then the name */
	enum run_kind kind;
};

/* Job name glob -> stage, required flag. */
struct config_job_rule {
	char *match; /* fnmatch(3) pattern on the job name */
	enum job_stage stage;
	bool required; /* default true */
};

struct config_repository {
	char *name;           /* "owner/name" */
	char *default_branch; /* default "main" */
	char *webhook_secret; /* resolved from webhook_secret_env; may be NULL */
	struct config_workflow_rule *workflows;
	size_t n_workflows;
	struct config_job_rule *jobs;
	size_t n_jobs;
	/* repositories[].releases: the keys of the global release policy this
	 * repository replaces (its `given` bits), or NULL when it has none; its
	 * effective policy is policy_effective()'s (server/domain/policy.h) */
	struct config_releases *releases;
};

struct config_flux_object {
	char *kind;
	char *namespace_;
	char *name;
};

struct config_environment {
	char *name;
	char *tier; /* development | staging | production | other */
	char *url;
	char *description;
	int order;
	struct config_flux_object *flux;
	size_t n_flux;
};

/* A team and who belongs to it: exact emails or "*@domain" patterns. */
struct config_team {
	char *name;
	char **members;
	size_t n_members;
};

/* A role: the scopes the people of a team, or of an SSO group, get besides
 * the default read and feedback.  A role grants only read, feedback and
 * release; ci and admin stay with tokens. */
struct config_role {
	char *team;      /* a configured team, or NULL */
	char *group;     /* an SSO group (auth.sso_groups_header), or NULL */
	unsigned scopes; /* AUTH_SCOPE_* bits */
};

struct config_cadence {
	int every_days;      /* 7 or 14 ... ; 0 = no cadence configured */
	int weekday;         /* 0 = Sunday ... 6 = Saturday */
	char *anchor;        /* "YYYY-MM-DD": a planned release date */
};

/* A team's sign-off a release candidate needs (releases.gates.approvals). */
struct config_approval {
	char *team; /* one of the configured teams */
	int min;    /* approvals from distinct members the config maps to the team */
};

/* Readiness gates of release candidates (releases.gates); each gate can be
 * switched off.  See server/domain/rc.h for what each one checks. */
struct config_gates {
	bool ci;          /* every required job passed on the RC's commit (default on) */
	bool smoke_tests; /* the e2e stage passed on that commit (default on) */
	bool artifacts;   /* every required_artifacts entry published with a digest (default on;
			   * nothing to check when the list is empty) */
	bool staging;     /* staged and soaked (default on; skipped when no staging
			   * environment exists and none is named) */
	char *staging_environment; /* NULL: the first environment of tier staging */
	unsigned soak_seconds;     /* healthy at least this long (default 1800) */
	bool staging_descendant;   /* a later commit of the default branch counts (default on) */
	struct config_approval *approvals;
	size_t n_approvals;
};

/* The keys of a release policy, one bit each: what a repository's
 * `releases:` block gives (and so replaces of the global one). */
enum config_release_key {
	CONFIG_REL_RC_PATTERN = 1u << 0,
	CONFIG_REL_CADENCE = 1u << 1,
	CONFIG_REL_REQUIRED_ARTIFACTS = 1u << 2,
	CONFIG_REL_GATE_CI = 1u << 3,
	CONFIG_REL_GATE_SMOKE_TESTS = 1u << 4,
	CONFIG_REL_GATE_ARTIFACTS = 1u << 5,
	CONFIG_REL_GATE_STAGING = 1u << 6,             /* gates.staging.enabled */
	CONFIG_REL_GATE_STAGING_ENVIRONMENT = 1u << 7, /* gates.staging.environment */
	CONFIG_REL_GATE_SOAK = 1u << 8,                /* gates.staging.soak */
	CONFIG_REL_GATE_DESCENDANT = 1u << 9,          /* gates.staging.descendant */
	CONFIG_REL_GATE_APPROVALS = 1u << 10,
};

/* Each key of a release policy by its path in a `releases:` block, in the
 * order answers list them (config_rules.c); ends with { NULL, 0 }. */
struct config_release_key_name {
	const char *path; /* e.g. "gates.staging.soak" */
	unsigned bit;     /* its config_release_key */
};

extern const struct config_release_key_name config_release_keys[];

/* A release policy (the `releases:` section; a repository's own block has
 * the same keys).  The global one holds every key (defaults for those not
 * written); a repository's holds only the keys its `given` bits name. */
struct config_releases {
	char *rc_pattern; /* default "v*-rc.*" */
	struct config_cadence cadence;
	char **required_artifacts; /* "kind:name", e.g. "chart:mccp" */
	size_t n_required_artifacts;
	struct config_gates gates;
	unsigned given; /* config_release_key bits: the keys written in this block
			 * (in an effective policy: the repository's ones) */
};

/* How long stored data is kept (the `retention:` section). */
struct config_retention {
	unsigned delivery_bodies_days; /* raw bodies of deliveries, default 30 */
	unsigned deliveries_days;      /* whole delivery rows, default 365 (0 or >= 7) */
	unsigned events_days;          /* domain events, default 90 */
	unsigned notifications_days;   /* sent notifications of the outbox, default 90 */
	unsigned audit_days;           /* the audit trail and failed sign-ins, default 730 */
	unsigned interval_seconds;     /* how often the pruning job runs, default 3600 */
	unsigned batch_size;           /* rows per pruning transaction, default 5000 */
};

/* Notifications (the `notifications:` section; see shiplog/notify.h). */
struct config_notify_sink {
	char *name;     /* unique; shows up in GET /api/v1/notifications */
	char *type;     /* "slack" (incoming webhook) or "webhook" (generic JSON) */
	char *url;      /* resolved from url_env; NULL when that variable is unset */
	char *url_env;  /* the variable's name (for messages) */
	char *secret;   /* webhook: HMAC-SHA256 key from secret_env; NULL = unsigned */
	char **events;  /* rc.cut, rc.ready, rc.blocked, rc.released, main.broken,
			 * main.fixed, deployment.failed, feedback.new,
			 * feedback.requested */
	size_t n_events;
};

struct config_github_status {
	bool configured; /* the github_status section is present */
	char *token;     /* from token_env; NULL when unset (then nothing is posted) */
	char *api_url;   /* default https://api.github.com; GHES: https://HOST/api/v3 */
	char *context;   /* default shiplog/readiness */
};

struct config_notifications {
	struct config_notify_sink *sinks;
	size_t n_sinks;
	struct config_github_status github;
	unsigned max_attempts;       /* then dead-lettered; default 8 */
	double base_backoff_seconds; /* first retry delay, doubled each time; default 5 */
	unsigned timeout_seconds;    /* per outbound call, connect included; default 10 */
};

struct config {
	char *path; /* the file it was loaded from, or NULL */

	/* server */
	char *listen_host;        /* default "127.0.0.1"; ":port" gives "0.0.0.0";
				   * IPv6 without brackets ("::1") */
	uint16_t listen_port;     /* default 8080; 0 = any free port */
	unsigned threads;         /* HTTP worker threads, default 16 */
	unsigned db_connections;  /* PostgreSQL pool size, default threads + 4 */
	unsigned max_connections; /* default 1024 */
	unsigned per_ip_connections; /* default 64 */
	unsigned connection_timeout; /* seconds, default 30 */
	size_t api_body_limit;       /* bytes, default 1 MiB */
	size_t webhook_body_limit;   /* bytes, default 25 MiB */
	size_t body_memory_limit;    /* request bodies held at once, default 128 MiB; 0 = no limit */
	size_t per_ip_body_memory;   /* the same per client, default 64 MiB; 0 = no limit */
	char *base_url;  /* public URL, for links; default derived from listen */
	bool base_url_derived; /* not configured: made from the listen address */
	char *web_dir;   /* static files; default the build's web/ folder */
	char *data_dir;  /* spool and other local state; default "./data" */

	/* database */
	char *database_url; /* DATABASE_URL */
	unsigned db_timeout_ms; /* bounded wait for a connection/statement, default 5000 */

	/* auth */
	bool public_read;      /* reading without a token */
	char *admin_token;     /* SHIPLOG_ADMIN_TOKEN */
	char *session_secret;  /* SHIPLOG_SESSION_SECRET */
	unsigned session_ttl;  /* seconds, default 12 h */
	char *sso_header;      /* e.g. "X-Forwarded-Email"; NULL = SSO off */
	char *sso_groups_header; /* e.g. "X-Forwarded-Groups" (comma-separated); NULL = none */
	char **trusted_proxies; /* addresses allowed to set the SSO header */
	size_t n_trusted_proxies;

	/* webhooks */
	char *github_webhook_secret; /* SHIPLOG_GITHUB_WEBHOOK_SECRET */
	char *flux_webhook_secret;   /* SHIPLOG_FLUX_WEBHOOK_SECRET */
	bool webhook_queued;         /* processing: queued (else inline, the default) */
	unsigned webhook_workers;    /* queued: background appliers per replica, default 1 */

	/* global rules, used when a repository has none of its own */
	struct config_workflow_rule *workflows;
	size_t n_workflows;
	struct config_job_rule *jobs;
	size_t n_jobs;

	struct config_repository *repositories;
	size_t n_repositories;
	struct config_environment *environments;
	size_t n_environments;
	struct config_team *teams;
	size_t n_teams;
	struct config_role *roles;
	size_t n_roles;

	/* releases: the global release policy (every repository's, except for
	 * the keys its own `releases:` replaces) */
	struct config_releases releases;

	/* Things worth a warning at start (e.g. a trusted proxy range wider than
	 * one address; with CONFIG_UNSET_ENV_WARNS, an unset `_env` variable). */
	char *warnings[16];
	size_t n_warnings;

	/* retention (see shiplog/retention.h); a number of days of 0 keeps that
	 * kind of data forever */
	struct config_retention retention;

	/* outbound notifications and GitHub commit statuses */
	struct config_notifications notifications;
};

/* Error detail from config_load(): "FILE:LINE:COLUMN: what was expected". */
struct config_error {
	char message[512];
};

/*
 * Loads the configuration.  `path` may be NULL (defaults + environment only).
 * `getenv_fn` reads environment variables (pass getenv; tests pass a fake).
 * Returns a new config, or NULL with `err` filled in: the message names the
 * file, line and column (1-based) and what was expected.
 */
struct config *config_load(const char *path, char *(*getenv_fn)(const char *),
			   struct config_error *err);

/* Parses YAML text as if it were the file `name` (for tests and fuzzing). */
struct config *config_load_string(const char *name, const char *text, size_t len,
				  char *(*getenv_fn)(const char *),
				  struct config_error *err);

/* The port the server really bound (listen port 0 picks one): a base URL
 * derived from the listen address names it. */
void config_bound_port(struct config *cfg, unsigned port);

/*
 * A key ending in `_env` names the variable that holds a secret; when that
 * variable is unset (or empty) loading fails, naming the key and the
 * variable.  With CONFIG_UNSET_ENV_WARNS it is a warning in cfg->warnings
 * instead (--check-config, which runs where the secrets are not).
 */
#define CONFIG_UNSET_ENV_WARNS 1u

struct config *config_load_flags(const char *path, char *(*getenv_fn)(const char *),
				 unsigned flags, struct config_error *err);
struct config *config_load_string_flags(const char *name, const char *text, size_t len,
					char *(*getenv_fn)(const char *), unsigned flags,
					struct config_error *err);

void config_free(struct config *cfg);

/* The repository entry for "owner/name", or NULL (borrowed). */
const struct config_repository *config_find_repository(const struct config *cfg,
							const char *full_name);

/* The team an identity (email) belongs to, or NULL (borrowed). */
const struct config_team *config_team_of(const struct config *cfg, const char *email);

/* Stage/required for a job name in a repository (repo rules, then global,
 * then built-in name heuristics). */
void config_classify_job(const struct config *cfg, const char *repo, const char *job_name,
			 enum job_stage *stage, bool *required);

/* Kind for a workflow: config rules on path then name; falls back to -1
 * when nothing matches, so the caller can apply branch/tag heuristics. */
int config_classify_workflow(const struct config *cfg, const char *repo, const char *path,
			     const char *name);

const char *config_stage_name(enum job_stage stage);
const char *config_kind_name(enum run_kind kind);
int config_stage_parse(const char *s);  /* -1 if unknown */
int config_kind_parse(const char *s);   /* -1 if unknown */

#endif
