/*
 * app.h — the running server: its configuration, pool and daemon.
 * One struct app per process (tests may run several in one process).
 */
#ifndef SHIPLOG_APP_H
#define SHIPLOG_APP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "shiplog/config.h"

struct db_pool;

struct app {
	/* owned; replaced whole by a reload (SIGHUP), never changed in place:
	 * a reader loads the pointer and may keep using what it read, because
	 * a replaced configuration is only freed at exit */
	_Atomic(struct config *) cfg;
	struct db_pool *db;      /* owned */
	void *daemon;            /* struct MHD_Daemon* */
	uint16_t port;           /* the port actually bound */
	char session_secret[128];
	unsigned char admin_token_hash[32];
	bool have_admin_token;
	atomic_bool shutting_down;
	atomic_int in_flight;
};

/* Starts the HTTP daemon on cfg's listen address; false with a message on
 * stderr if it cannot. */
bool app_start(struct app *app);
/* Stops accepting, lets in-flight requests finish (bounded), then stops. */
void app_stop(struct app *app);

#endif
