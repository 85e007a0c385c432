/*
 * main.c — shiplogd: command line, start-up and shutdown.
 */
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "shiplog/app.h"
#include "shiplog/clock.h"
#include "shiplog/config.h"
#include "shiplog/config_reload.h"
#include "shiplog/crypto.h"
#include "shiplog/db.h"
#include "shiplog/http.h"
#include "shiplog/log.h"
#include "shiplog/notify.h"
#include "shiplog/retention.h"
#include "shiplog/xalloc.h"
#include "http/ratelimit.h"
#include "http/sse.h"
#include "webhooks/queue.h"
#include "webhooks/spool.h"

static void usage(FILE *out)
{
	fputs("Usage: shiplogd [OPTION]...\n"
	      "Follows every change from pull request to release: an HTTP service on PostgreSQL.\n"
	      "\n"
	      "Options:\n"
	      "  -c, --config FILE        read the YAML configuration FILE (or $SHIPLOG_CONFIG)\n"
	      "      --check-config FILE  validate FILE and exit (0 valid, 1 invalid); an unset\n"
	      "                           variable that a `_env` key names is only a warning\n"
	      "      --migrate-only       apply database migrations and exit\n"
	      "  -h, --help               show this help and exit\n"
	      "  -V, --version            show the version and exit\n"
	      "\n"
	      "Environment (overrides the file):\n"
	      "  DATABASE_URL                   PostgreSQL connection URL (required)\n"
	      "  SHIPLOG_LISTEN                 host:port to listen on (default 127.0.0.1:8080)\n"
	      "  SHIPLOG_ADMIN_TOKEN            an admin API token (else one is printed at first start)\n"
	      "  SHIPLOG_SESSION_SECRET         key of the CSRF tokens; the same on every replica\n"
	      "  SHIPLOG_GITHUB_WEBHOOK_SECRET  secret of the GitHub webhook\n"
	      "  SHIPLOG_FLUX_WEBHOOK_SECRET    secret of the Flux generic-hmac provider\n"
	      "  SHIPLOG_WEBHOOK_PROCESSING     inline (default: processed before the answer) or\n"
	      "                                 queued (stored, answered 202, applied in the background)\n"
	      "  SHIPLOG_WEBHOOK_WORKERS        background appliers per replica (default 1)\n"
	      "  SHIPLOG_PUBLIC_READ            true: reading needs no token\n"
	      "  SHIPLOG_THREADS, SHIPLOG_DB_CONNECTIONS, SHIPLOG_BASE_URL, SHIPLOG_WEB_DIR,\n"
	      "  SHIPLOG_DATA_DIR, SHIPLOG_SSO_HEADER, SHIPLOG_NOW (pin the clock, RFC 3339),\n"
	      "  SHIPLOG_LOG_LEVEL (debug, info, warn, error), SHIPLOG_SSE_MAX_STREAMS (256),\n"
	      "  SHIPLOG_SSE_HEARTBEAT_MS (15000), SHIPLOG_RATE_AUTH_FAILURES (30 a minute),\n"
	      "  SHIPLOG_RATE_FEEDBACK (20 a minute), SHIPLOG_DB_WAIT_SECONDS (30),\n"
	      "  SHIPLOG_BODY_MEMORY_LIMIT (128MiB), SHIPLOG_PER_IP_BODY_MEMORY (64MiB),\n"
	      "  SHIPLOG_RETENTION_DELIVERY_BODIES_DAYS (30), SHIPLOG_RETENTION_DELIVERIES_DAYS (365),\n"
	      "  SHIPLOG_RETENTION_EVENTS_DAYS (90), SHIPLOG_RETENTION_NOTIFICATIONS_DAYS (90),\n"
	      "  SHIPLOG_RETENTION_AUDIT_DAYS (730: the audit trail),\n"
	      "  SHIPLOG_RETENTION_INTERVAL_SECONDS (3600), SHIPLOG_RETENTION_BATCH_SIZE (5000),\n"
	      "  SHIPLOG_NOTIFY_MAX_ATTEMPTS (8), SHIPLOG_NOTIFY_BASE_BACKOFF_SECONDS (5),\n"
	      "  SHIPLOG_NOTIFY_TIMEOUT_SECONDS (10)\n"
	      "\n"
	      "Signals: SIGHUP reloads the configuration file (a bad one keeps the running\n"
	      "configuration; keys that need a restart are logged), SIGTERM and SIGINT stop.\n"
	      "\n"
	      "Endpoints: /healthz, /readyz, /metrics, /api/v1/openapi.json; the dashboard at /.\n",
	      out);
}

static int check_config(const char *path)
{
	struct config_error err;
	/* run where the secrets are not: an unset `_env` variable is a warning here,
	 * and stops shiplogd from starting */
	struct config *cfg = config_load_flags(path, getenv, CONFIG_UNSET_ENV_WARNS, &err);
	if (!cfg) {
		fprintf(stderr, "%s\n", err.message);
		return 1;
	}
	for (size_t i = 0; i < cfg->n_warnings; i++)
		fprintf(stderr, "%s: warning: %s\n", path, cfg->warnings[i]);
	printf("%s: valid (%zu repositories, %zu environments, %zu teams)\n", path,
	       cfg->n_repositories, cfg->n_environments, cfg->n_teams);
	config_free(cfg);
	return 0;
}

/* A server without its dashboard still serves the API and the webhooks, so it
 * starts; but a person opening it would get a bare 404, so the log says why. */
static void check_web_dir(const struct config *cfg)
{
	char why[PATH_MAX + 200];
	if (http_static_check(cfg->web_dir, why, sizeof why))
		log_msg(LOG_INFO, "serving the dashboard from %s", cfg->web_dir);
	else
		log_msg(LOG_ERROR,
			"!!! NO DASHBOARD: %s. GET / answers 404 until SHIPLOG_WEB_DIR (or "
			"server.web_dir in the config) names the folder holding index.html; the "
			"API and the webhooks work. !!!",
			why);
}

/* Waits for the database at start-up: containers often start before it. */
static bool migrate_with_retry(const char *url)
{
	char why[1024] = "";
	int64_t deadline = clock_monotonic_ms() + 30000;
	const char *wait = getenv("SHIPLOG_DB_WAIT_SECONDS");
	if (wait)
		deadline = clock_monotonic_ms() + 1000 * (int64_t)atoi(wait);
	for (;;) {
		if (db_migrate(url, why, sizeof why))
			return true;
		if (strstr(why, "breaking") || strstr(why, "failed:") ||
		    clock_monotonic_ms() > deadline) {
			fprintf(stderr, "shiplogd: database: %s\n", why);
			return false;
		}
		log_msg(LOG_WARN, "database not ready (%s); retrying", why);
		struct timespec ts = {0, 500 * 1000000L};
		nanosleep(&ts, NULL);
	}
}

static void setup_secrets(struct app *app)
{
	const struct config *cfg = app->cfg;
	for (size_t i = 0; i < cfg->n_warnings; i++)
		log_msg(LOG_WARN, "config: %s", cfg->warnings[i]);
	if (cfg->session_secret && *cfg->session_secret) {
		snprintf(app->session_secret, sizeof app->session_secret, "%s", cfg->session_secret);
	} else {
		unsigned char raw[32];
		crypto_random(raw, sizeof raw);
		crypto_hex(raw, sizeof raw, app->session_secret);
		log_msg(LOG_WARN, "SHIPLOG_SESSION_SECRET is not set: the CSRF tokens this "
				  "process hands out end with it and are not accepted by other "
				  "replicas");
	}
	if (cfg->admin_token && *cfg->admin_token) {
		auth_token_hash(cfg->admin_token, app->admin_token_hash);
		app->have_admin_token = true;
	}
	bool any_repo_secret = false;
	for (size_t i = 0; i < cfg->n_repositories; i++)
		any_repo_secret |= cfg->repositories[i].webhook_secret != NULL;
	if (!cfg->github_webhook_secret && !any_repo_secret)
		log_msg(LOG_WARN, "!!! NO GITHUB WEBHOOK SECRET IS CONFIGURED: anyone who can reach "
				  "/webhooks/github can write to shiplog. Set "
				  "SHIPLOG_GITHUB_WEBHOOK_SECRET. !!!");
	if (!cfg->flux_webhook_secret)
		log_msg(LOG_WARN, "!!! NO FLUX WEBHOOK SECRET IS CONFIGURED: /webhooks/flux accepts "
				  "unsigned events. Set SHIPLOG_FLUX_WEBHOOK_SECRET. !!!");
}

/* Configurations replaced by a reload: a request or a background loop may
 * still be reading one, so they are freed at exit, after every thread has
 * stopped (a few kilobytes per SIGHUP). */
static struct config **retired;
static size_t n_retired;

/*
 * SIGHUP: loads and validates the file again; on any error the running
 * configuration stays and the log says why, as start-up would.  Keys that
 * need a restart keep their running values and are named; what was derived
 * from the configuration at start-up (environments, sinks) is declared again.
 */
static void reload(struct app *app)
{
	struct config *old = app->cfg;
	struct config_error err;
	struct config *next = config_load(old->path, getenv, &err);

	if (!next) {
		log_msg(LOG_ERROR, "configuration not reloaded, the running one stays: %s",
			err.message);
		return;
	}
	/* a base URL derived from the listen address names the bound port, as
	 * the running one does */
	config_bound_port(next, app->port);
	const char *changed[32];
	size_t n = config_restart_keys_changed(old, next, changed, 32);
	for (size_t i = 0; i < n && i < 32; i++)
		log_msg(LOG_WARN, "configuration reload: %s changed but is not applied until a "
				  "restart", changed[i]);
	config_keep_restart_keys(next, old);
	for (size_t i = 0; i < next->n_warnings; i++)
		log_msg(LOG_WARN, "config: %s", next->warnings[i]);
	retired = xrealloc(retired, (n_retired + 1) * sizeof *retired);
	retired[n_retired++] = old;
	app->cfg = next;
	bool ok = api_environments_sync(app);
	ok &= notify_sync(app);
	log_msg(ok ? LOG_INFO : LOG_ERROR, "configuration reloaded from %s%s",
		next->path ? next->path : "the environment",
		ok ? "" : " (its environments or sinks could not all be declared; see above)");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check-config", required_argument, NULL, 'k'},
		{"migrate-only", no_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	xalloc_init_json(); /* before any JSON: jansson aborts on OOM too */
	const char *config_path = getenv("SHIPLOG_CONFIG");
	bool migrate_only = false;
	int opt;
	while ((opt = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'k':
			return check_config(optarg);
		case 'm':
			migrate_only = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("shiplogd %s\n", SHIPLOG_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "shiplogd: unexpected argument: %s\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	const char *level = getenv("SHIPLOG_LOG_LEVEL");
	if (level) {
		static const char *const names[] = {"debug", "info", "warn", "error"};
		for (int i = 0; i < 4; i++)
			if (!strcmp(level, names[i]))
				log_set_level((enum log_level)i);
	}
	if (!clock_init_from_env(getenv("SHIPLOG_NOW"))) {
		fprintf(stderr, "shiplogd: SHIPLOG_NOW: expected an RFC 3339 time\n");
		return 2;
	}

	struct config_error err;
	struct app app = {.cfg = NULL};
	app.cfg = config_load(config_path && *config_path ? config_path : NULL, getenv, &err);
	if (!app.cfg) {
		fprintf(stderr, "shiplogd: %s\n", err.message);
		return 1;
	}
	if (!app.cfg->database_url) {
		fprintf(stderr, "shiplogd: DATABASE_URL is not set (or database.url in the config)\n");
		config_free(app.cfg);
		return 1;
	}
	if (!migrate_with_retry(app.cfg->database_url)) {
		config_free(app.cfg);
		return 1;
	}
	if (migrate_only) {
		printf("shiplogd: schema is at migration %d\n", db_schema_known());
		config_free(app.cfg);
		return 0;
	}
	setup_secrets(&app);
	check_web_dir(app.cfg);
	const char *rate_auth = getenv("SHIPLOG_RATE_AUTH_FAILURES");
	const char *rate_feedback = getenv("SHIPLOG_RATE_FEEDBACK");
	ratelimit_init(rate_auth ? (unsigned)atoi(rate_auth) : 30,
		       rate_feedback ? (unsigned)atoi(rate_feedback) : 20);

	/* Signals are taken by this thread alone (sigwait); the HTTP threads
	 * inherit the blocked mask. */
	sigset_t stop_signals;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	app.db = db_pool_new(app.cfg->database_url, app.cfg->db_connections,
			     app.cfg->db_timeout_ms);
	int status = 1;
	if (!api_tokens_bootstrap(&app)) {
		fprintf(stderr, "shiplogd: could not check for an admin token\n");
		goto out;
	}
	if (!api_environments_sync(&app))
		goto out; /* logged: the configuration's environments could not be declared */
	if (!notify_sync(&app))
		goto out; /* logged: the configuration's sinks could not be declared */
	if (!app_start(&app))
		goto out;
	/* listening on port 0: nobody can know the port before it is printed
	 * below, so no request reads the base URL while it changes */
	config_bound_port(app.cfg, app.port);
	/* deliveries spooled during an outage (or before a crash) are applied
	 * as soon as the database answers */
	if (!spool_start(&app))
		log_msg(LOG_ERROR, "could not start the spool thread");
	if (!notify_start(&app))
		log_msg(LOG_ERROR, "could not start the notification sender");
	/* queued webhook processing: what is stored and not yet applied
	 * (before a restart too) is applied from now on */
	if (!webhook_appliers_start(&app))
		log_msg(LOG_ERROR, "could not start the webhook appliers");
	if (!retention_start(&app))
		log_msg(LOG_ERROR, "could not start the retention job");
	const char *max_streams = getenv("SHIPLOG_SSE_MAX_STREAMS");
	const char *heartbeat = getenv("SHIPLOG_SSE_HEARTBEAT_MS");
	if (!sse_start(&app, max_streams ? (unsigned)atoi(max_streams) : 0,
		       heartbeat ? (unsigned)atoi(heartbeat) : 0))
		log_msg(LOG_ERROR, "could not start the live event listener");
	printf("shiplog listening on http://%s:%u/\n",
	       strchr(app.cfg->listen_host, ':') ? "[::1]" : app.cfg->listen_host, app.port);
	fflush(stdout);
	log_msg(LOG_INFO, "shiplogd %s ready on port %u with %u threads and %u database connections",
		SHIPLOG_VERSION, app.port, app.cfg->threads, app.cfg->db_connections);

	int sig = 0;
	while (sigwait(&stop_signals, &sig) == 0 && sig == SIGHUP)
		reload(&app);
	log_msg(LOG_INFO, "received %s; finishing in-flight requests", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	app_stop(&app);
	sse_stop();
	webhook_appliers_stop();
	spool_stop();
	notify_stop();
	retention_stop();
	status = 0;
out:
	db_pool_free(app.db);
	config_free(app.cfg);
	for (size_t i = 0; i < n_retired; i++)
		config_free(retired[i]);
	free(retired);
	return status;
}
