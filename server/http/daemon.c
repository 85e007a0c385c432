/*
 * daemon.c — starting and stopping the HTTP server.
 *
 * Shutdown order: stop accepting (quiesce), let in-flight requests finish
 * (bounded), then stop the daemon.  A request that was answered 2xx has
 * therefore committed before the process exits.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shiplog/app.h"
#include "http/sse.h"
#include "shiplog/log.h"

void *http_daemon_start(struct app *app, const struct sockaddr *addr);

#define DRAIN_LIMIT_MS 25000 /* keep below Kubernetes' terminationGracePeriodSeconds */
/* A request whose bytes arrived just before the signal is not in flight
 * until a worker has read its headers: give the workers that long to pick
 * such requests up (they are then waited for like the others). */
#define DRAIN_GRACE_MS 250

bool app_start(struct app *app)
{
	struct addrinfo hints = {0}, *ai = NULL;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	char port[8];
	snprintf(port, sizeof port, "%u", app->cfg->listen_port);
	const char *host = app->cfg->listen_host;
	if (host && (!*host || !strcmp(host, "*")))
		host = NULL;
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		fprintf(stderr, "shiplogd: cannot resolve listen address %s: %s\n",
			host ? host : "*", gai_strerror(rc));
		return false;
	}
	app->daemon = http_daemon_start(app, ai->ai_addr);
	freeaddrinfo(ai);
	if (!app->daemon) {
		fprintf(stderr, "shiplogd: cannot listen on %s:%u (in use, or not allowed)\n",
			host ? host : "*", app->cfg->listen_port);
		return false;
	}
	const union MHD_DaemonInfo *di =
		MHD_get_daemon_info(app->daemon, MHD_DAEMON_INFO_BIND_PORT);
	app->port = di ? di->port : app->cfg->listen_port;
	return true;
}

void app_stop(struct app *app)
{
	if (!app->daemon)
		return;
	atomic_store(&app->shutting_down, true);
	MHD_socket fd = MHD_quiesce_daemon(app->daemon);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	/* event streams never end by themselves; libmicrohttpd also needs
	 * every suspended connection resumed before it stops */
	sse_close_all();
	for (int waited = 0;
	     (waited < DRAIN_GRACE_MS || atomic_load(&app->in_flight) > 0) && waited < DRAIN_LIMIT_MS;
	     waited += 10) {
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	if (atomic_load(&app->in_flight) > 0)
		log_msg(LOG_WARN, "stopping with %d requests still in flight",
			atomic_load(&app->in_flight));
	MHD_stop_daemon(app->daemon);
	app->daemon = NULL;
}
