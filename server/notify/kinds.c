/*
 * notify/kinds.c — the notification kinds (see shiplog/notify_kinds.h):
 * each kind's name, what its message says, its emoji and links, whether a
 * sink may subscribe to it and who enqueues it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify/notify_internal.h"
#include "shiplog/notify_kinds.h"
#include "shiplog/xalloc.h"

static const char *str(const json_t *data, const char *key, const char *fallback)
{
	const char *s = json_string_value(json_object_get(data, key));
	return s && *s ? s : fallback;
}

const char *notify_data_str(const json_t *data, const char *key, const char *fallback)
{
	return str(data, key, fallback);
}

/* ---- what a message of each kind says ---- */

static void short_sha(const json_t *data, char out[16])
{
	snprintf(out, 16, "%.7s", str(data, "commit", ""));
}

static char *rc_cut(const json_t *data)
{
	char sha[16];
	short_sha(data, sha);
	return xasprintf("Release candidate %s of %s was cut%s%s", str(data, "version", "?"),
		   str(data, "repository", "?"), sha[0] ? " from " : "", sha);
}

static char *rc_ready(const json_t *data)
{
	return xasprintf("Release candidate %s of %s is ready: every gate passed",
		   str(data, "version", "?"), str(data, "repository", "?"));
}

static char *rc_blocked(const json_t *data)
{
	return xasprintf("Release candidate %s of %s is blocked by %s%s%s%s%s%s",
		   str(data, "version", "?"), str(data, "repository", "?"),
		   str(data, "author", "someone"), str(data, "team", NULL) ? " (" : "",
		   str(data, "team", ""), str(data, "team", NULL) ? ")" : "",
		   str(data, "comment", NULL) ? ": " : "", str(data, "comment", ""));
}

static char *rc_released(const json_t *data)
{
	const char *version = str(data, "version", "?");
	return xasprintf("Release candidate %s of %s was released as %s", version,
		   str(data, "repository", "?"), str(data, "target", version));
}

static char *rc_overridden(const json_t *data)
{
	char gates[600] = "";
	size_t i, len = 0;
	const json_t *g;
	json_array_foreach(json_object_get(data, "gates"), i, g) {
		if (len >= sizeof gates)
			break;
		int k = snprintf(gates + len, sizeof gates - len, "%s%s %s", i ? ", " : "",
				 str(g, "name", "?"), str(g, "status", "?"));
		len += k > 0 ? (size_t)k : 0;
	}
	return xasprintf("Release candidate %s of %s was %s by %s although not ready (%s): %s",
			 str(data, "version", "?"), str(data, "repository", "?"),
			 str(data, "to", "approved"), str(data, "actor", "someone"),
			 gates[0] ? gates : "no gate listed", str(data, "reason", "no reason"));
}

static char *main_broken(const json_t *data)
{
	char sha[16];
	short_sha(data, sha);
	return xasprintf("%s of %s is red: %s %s on %s", str(data, "branch", "main"),
		   str(data, "repository", "?"), str(data, "workflow", "a workflow"),
		   !strcmp(str(data, "conclusion", ""), "timed_out") ? "timed out" : "failed",
		   sha[0] ? sha : "?");
}

static char *main_fixed(const json_t *data)
{
	char sha[16];
	short_sha(data, sha);
	return xasprintf("%s of %s is green again: %s passed on %s", str(data, "branch", "main"),
		   str(data, "repository", "?"), str(data, "workflow", "a workflow"),
		   sha[0] ? sha : "?");
}

static char *deployment_failed(const json_t *data)
{
	return xasprintf("Deployment to %s failed: %s%s%s", str(data, "environment", "?"),
		   str(data, "revision", "?"), str(data, "reason", NULL) ? " — " : "",
		   str(data, "reason", ""));
}

static char *feedback_new(const json_t *data)
{
	return xasprintf("New feedback on %s of %s: %s from %s%s%s%s", str(data, "version", "?"),
		   str(data, "repository", "?"), str(data, "verdict", "?"),
		   str(data, "author", "someone"), str(data, "team", NULL) ? " (" : "",
		   str(data, "team", ""), str(data, "team", NULL) ? ")" : "");
}

static char *feedback_requested(const json_t *data)
{
	char teams[300] = "";
	size_t len = 0, i;
	const json_t *t;
	json_array_foreach(json_object_get(data, "teams"), i, t) {
		if (json_string_value(t) && len < sizeof teams) {
			int w = snprintf(teams + len, sizeof teams - len, "%s%s", len ? ", " : "",
					 json_string_value(t));
			if (w > 0)
				len += (size_t)w;
		}
	}
	return xasprintf("Feedback wanted on %s of %s%s%s%s%s%s%s (asked by %s)",
		   str(data, "version", "?"), str(data, "repository", "?"),
		   teams[0] ? " from " : "", teams, str(data, "changes", NULL) ? " — " : "",
		   str(data, "changes", ""), str(data, "message", NULL) ? ". " : "",
		   str(data, "message", ""), str(data, "requested_by", "someone"));
}

/* ---- the table ---- */

#define OK_EMOJI  ":white_check_mark:"
#define BAD_EMOJI ":red_circle:"
#define NEW_EMOJI ":package:"

/* The one list of kinds: NOTIFY_KINDS(X) calls X(name, fields...) for each,
 * in order; notify_kinds[] and notify_kind_names[] are made from it. */
#define NOTIFY_KINDS(X)                                                                            \
	X("rc.cut", rc_cut, NEW_EMOJI, .event = true, .by_trigger = true)                          \
	X("rc.ready", rc_ready, OK_EMOJI, .event = true)                                           \
	X("rc.blocked", rc_blocked, BAD_EMOJI, .event = true, .by_trigger = true)                  \
	X("rc.released", rc_released, OK_EMOJI, .event = true, .by_trigger = true)                 \
	X("rc.overridden", rc_overridden, BAD_EMOJI, .event = true)                                \
	X("main.broken", main_broken, BAD_EMOJI, .run_link = true, .event = true,                  \
	  .by_trigger = true)                                                                      \
	X("main.fixed", main_fixed, OK_EMOJI, .run_link = true, .event = true, .by_trigger = true) \
	X("deployment.failed", deployment_failed, BAD_EMOJI, .event = true, .by_trigger = true)    \
	X("feedback.new", feedback_new, NEW_EMOJI, .event = true, .by_trigger = true)              \
	X("feedback.requested", feedback_requested, NEW_EMOJI, .event = true, .form_link = true)     \
	/* the readiness watcher's commit statuses: a sink_type of its own, not an event */        \
	X(GITHUB_STATUS_SINK, NULL, NEW_EMOJI, .event = false)

#define KIND_ROW(kname, ksummary, kemoji, ...) \
	{.name = kname, .summary = ksummary, .emoji = kemoji, __VA_ARGS__},
#define KIND_NAME(kname, ...) kname,

const struct notify_kind notify_kinds[] = {NOTIFY_KINDS(KIND_ROW){.name = NULL}};
const char *const notify_kind_names[] = {NOTIFY_KINDS(KIND_NAME) NULL};

const struct notify_kind *notify_kind_find(const char *name)
{
	for (const struct notify_kind *k = notify_kinds; k->name; k++)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}
