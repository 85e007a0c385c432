/*
 * config_reload.h — what a reload (SIGHUP) may change, and what needs a
 * restart.  Pure: functions of two loaded configurations.
 *
 * Teams, roles, repositories and their rules, environments, releases,
 * notifications and auth's per-request keys reload.  The keys of
 * config_restart_keys[] (server.*, database.*, webhooks.processing and
 * workers, retention.*) are read once at start-up (the daemon, the pool, the
 * appliers, the retention thread) and keep their running values.
 */
#ifndef SHIPLOG_CONFIG_RELOAD_H
#define SHIPLOG_CONFIG_RELOAD_H

#include <stddef.h>

#include "shiplog/config.h"

/* The names ("server.threads", ...) of the restart-only keys whose value in
 * `next` differs from `running`, at most `max` of them in `changed`
 * (borrowed, static strings).  Returns how many differ. */
size_t config_restart_keys_changed(const struct config *running, const struct config *next,
				   const char **changed, size_t max);

/* Gives `next` the running values of every restart-only key (copies; `next`
 * keeps owning its strings), so that the swapped-in configuration describes
 * the process as it runs. */
void config_keep_restart_keys(struct config *next, const struct config *running);

#endif
