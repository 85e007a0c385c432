/*
 * config.c — loads shiplog's configuration: built-in defaults, then a YAML
 * file (libyaml), then environment variables.
 *
 * The schema is data (config_schema.c: a table of directives per YAML
 * mapping, and one for the environment overrides, using the same handlers),
 * walked by config_yaml.c; every error says where (FILE:LINE:COLUMN, or the
 * environment variable) and what was expected.  This file holds the
 * defaults, the loading, the values derived once everything is read, and
 * freeing.
 *
 * Lookups on a loaded config (classification, teams) live in config_rules.c.
 */
#include <shiplog/config.h>
#include <shiplog/xalloc.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config_internal.h"

#ifndef SHIPLOG_DEFAULT_WEB_DIR
#define SHIPLOG_DEFAULT_WEB_DIR "web"
#endif

/* A configuration file is small; refuse anything absurd before parsing it. */
#define CONFIG_MAX_FILE_SIZE (4u << 20)

void config_warn(struct config *cfg, const char *text)
{
	if (cfg->n_warnings >= sizeof cfg->warnings / sizeof cfg->warnings[0])
		return;
	cfg->warnings[cfg->n_warnings++] = xstrdup(text);
}

void config_releases_defaults(struct config_releases *rel)
{
	rel->rc_pattern = xstrdup("v*-rc.*");
	rel->gates.ci = true;
	rel->gates.smoke_tests = true;
	rel->gates.artifacts = true;
	rel->gates.staging = true;
	rel->gates.soak_seconds = 1800;
	rel->gates.staging_descendant = true;
}

static void set_defaults(struct config *cfg)
{
	cfg->listen_host = xstrdup("127.0.0.1");
	cfg->listen_port = 8080;
	cfg->threads = 16;
	cfg->webhook_workers = 1;
	cfg->db_connections = 0; /* threads + 4 once threads is known */
	cfg->max_connections = 1024;
	cfg->per_ip_connections = 64;
	cfg->connection_timeout = 30;
	cfg->api_body_limit = 1u << 20;
	cfg->webhook_body_limit = 25u << 20;
	cfg->body_memory_limit = 128u << 20;
	cfg->per_ip_body_memory = 64u << 20;
	cfg->web_dir = xstrdup(SHIPLOG_DEFAULT_WEB_DIR);
	cfg->data_dir = xstrdup("./data");
	cfg->retention.delivery_bodies_days = 30;
	cfg->retention.deliveries_days = 365;
	cfg->retention.events_days = 90;
	cfg->retention.notifications_days = 90;
	cfg->retention.audit_days = 730;
	cfg->retention.interval_seconds = 3600;
	cfg->retention.batch_size = 5000;
	cfg->db_timeout_ms = 5000;
	cfg->session_ttl = 12 * 3600;
	cfg->public_read = false;
	config_releases_defaults(&cfg->releases);
	cfg->notifications.max_attempts = 8;
	cfg->notifications.base_backoff_seconds = 5;
	cfg->notifications.timeout_seconds = 10;
	cfg->notifications.github.api_url = xstrdup("https://api.github.com");
	cfg->notifications.github.context = xstrdup("shiplog/readiness");
}

void config_bound_port(struct config *cfg, unsigned port)
{
	if (!cfg->base_url_derived || (cfg->base_url && port == cfg->listen_port))
		return;
	const char *host = cfg->listen_host;
	char url[300];

	if (!strcmp(host, "0.0.0.0") || !strcmp(host, "::"))
		host = "localhost";
	snprintf(url, sizeof(url), strchr(host, ':') ? "http://[%s]:%u" : "http://%s:%u", host,
		 port);
	free(cfg->base_url);
	cfg->base_url = xstrdup(url);
}

/* Values derived from others, once file and environment are both in. */
static void finish(struct config *cfg)
{
	size_t len;

	if (!cfg->db_connections)
		cfg->db_connections = cfg->threads + 4 + (cfg->webhook_queued ? cfg->webhook_workers : 0);
	if (!cfg->base_url) {
		cfg->base_url_derived = true;
		config_bound_port(cfg, cfg->listen_port);
	}
	if (cfg->sso_header && !cfg->n_trusted_proxies) {
		char w[512];

		snprintf(w, sizeof w,
			 "auth.sso_header %s is set, but auth.trusted_proxies is empty: the "
			 "header is ignored whoever sends it",
			 cfg->sso_header);
		config_warn(cfg, w);
	}
	/* API calls are built as api_url + "/repos/...". */
	len = strlen(cfg->notifications.github.api_url);
	while (len > 0 && cfg->notifications.github.api_url[len - 1] == '/')
		cfg->notifications.github.api_url[--len] = '\0';
	/* Links are built as base_url + "/path". */
	len = strlen(cfg->base_url);
	while (len > 0 && cfg->base_url[len - 1] == '/')
		cfg->base_url[--len] = '\0';
}

static struct config *load(const char *path, const char *text, size_t len,
			   char *(*getenv_fn)(const char *), unsigned flags,
			   struct config_error *err)
{
	struct config_error scratch;
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	struct loader ld = {
		.file = path ? path : "(config)",
		.getenv_fn = getenv_fn,
		.err = err ? err : &scratch,
		.cfg = cfg,
		.unset_env_warns = flags & CONFIG_UNSET_ENV_WARNS,
	};

	ld.err->message[0] = '\0';
	set_defaults(cfg);
	if (path)
		cfg->path = xstrdup(path);
	if (text && !config_apply_yaml(&ld, cfg, text, len))
		goto fail;
	ld.file = NULL;
	if (!config_apply_env(&ld, cfg))
		goto fail;
	finish(cfg);
	return cfg;
fail:
	config_free(cfg);
	return NULL;
}

struct config *config_load_string_flags(const char *name, const char *text, size_t len,
					char *(*getenv_fn)(const char *), unsigned flags,
					struct config_error *err)
{
	return load(name ? name : "(string)", text ? text : "", text ? len : 0, getenv_fn, flags,
		    err);
}

struct config *config_load_string(const char *name, const char *text, size_t len,
				  char *(*getenv_fn)(const char *), struct config_error *err)
{
	return config_load_string_flags(name, text, len, getenv_fn, 0, err);
}

struct config *config_load(const char *path, char *(*getenv_fn)(const char *),
			   struct config_error *err)
{
	return config_load_flags(path, getenv_fn, 0, err);
}

struct config *config_load_flags(const char *path, char *(*getenv_fn)(const char *),
				 unsigned flags, struct config_error *err)
{
	struct config_error scratch;
	struct config *cfg = NULL;
	char *text = NULL;
	size_t len = 0, cap = 0;
	FILE *f;

	if (!path)
		return load(NULL, NULL, 0, getenv_fn, flags, err);
	if (!err)
		err = &scratch;
	f = fopen(path, "rb");
	if (!f) {
		snprintf(err->message, sizeof(err->message), "%s: cannot open: %s", path,
			 strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			if (cap > CONFIG_MAX_FILE_SIZE) {
				snprintf(err->message, sizeof(err->message),
					 "%s: file is larger than %u bytes", path,
					 CONFIG_MAX_FILE_SIZE);
				goto out;
			}
			cap = cap ? cap * 2 : 8192;
			text = xrealloc(text, cap);
		}
		got = fread(text + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err->message, sizeof(err->message), "%s: cannot read: %s", path,
			 strerror(errno));
		goto out;
	}
	cfg = load(path, text, len, getenv_fn, flags, err);
out:
	fclose(f);
	free(text);
	return cfg;
}

/* ---- freeing ---- */

static void free_strings(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void free_workflow_rules(struct config_workflow_rule *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(r[i].match);
	free(r);
}

static void free_job_rules(struct config_job_rule *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(r[i].match);
	free(r);
}

static void free_releases(struct config_releases *rel)
{
	size_t i;

	free(rel->rc_pattern);
	free(rel->cadence.anchor);
	free_strings(rel->required_artifacts, rel->n_required_artifacts);
	free(rel->gates.staging_environment);
	for (i = 0; i < rel->gates.n_approvals; i++)
		free(rel->gates.approvals[i].team);
	free(rel->gates.approvals);
}

void config_free(struct config *cfg)
{
	size_t i, j;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n_warnings; i++)
		free(cfg->warnings[i]);
	free(cfg->path);
	free(cfg->listen_host);
	free(cfg->base_url);
	free(cfg->web_dir);
	free(cfg->data_dir);
	free(cfg->database_url);
	free(cfg->admin_token);
	free(cfg->session_secret);
	free(cfg->sso_header);
	free(cfg->sso_groups_header);
	free_strings(cfg->trusted_proxies, cfg->n_trusted_proxies);
	free(cfg->github_webhook_secret);
	free(cfg->flux_webhook_secret);
	free_workflow_rules(cfg->workflows, cfg->n_workflows);
	free_job_rules(cfg->jobs, cfg->n_jobs);
	for (i = 0; i < cfg->n_repositories; i++) {
		struct config_repository *r = &cfg->repositories[i];

		free(r->name);
		free(r->default_branch);
		free(r->webhook_secret);
		free_workflow_rules(r->workflows, r->n_workflows);
		free_job_rules(r->jobs, r->n_jobs);
		if (r->releases)
			free_releases(r->releases);
		free(r->releases);
	}
	free(cfg->repositories);
	for (i = 0; i < cfg->n_environments; i++) {
		struct config_environment *e = &cfg->environments[i];

		free(e->name);
		free(e->tier);
		free(e->url);
		free(e->description);
		for (j = 0; j < e->n_flux; j++) {
			free(e->flux[j].kind);
			free(e->flux[j].namespace_);
			free(e->flux[j].name);
		}
		free(e->flux);
	}
	free(cfg->environments);
	for (i = 0; i < cfg->n_teams; i++) {
		free(cfg->teams[i].name);
		free_strings(cfg->teams[i].members, cfg->teams[i].n_members);
	}
	free(cfg->teams);
	for (i = 0; i < cfg->n_roles; i++) {
		free(cfg->roles[i].team);
		free(cfg->roles[i].group);
	}
	free(cfg->roles);
	free_releases(&cfg->releases);
	for (i = 0; i < cfg->notifications.n_sinks; i++) {
		struct config_notify_sink *s = &cfg->notifications.sinks[i];

		free(s->name);
		free(s->type);
		free(s->url);
		free(s->url_env);
		free(s->secret);
		free_strings(s->events, s->n_events);
	}
	free(cfg->notifications.sinks);
	free(cfg->notifications.github.token);
	free(cfg->notifications.github.api_url);
	free(cfg->notifications.github.context);
	free(cfg);
}
