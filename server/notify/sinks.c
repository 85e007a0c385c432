/*
 * notify/sinks.c — what is sent: a Slack-compatible message, a generic
 * signed JSON webhook, or a GitHub commit status (see shiplog/notify.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/notifications.h"
#include "notify/notify_internal.h"
#include "shiplog/crypto.h"
#include "shiplog/dashboard.h"
#include "shiplog/notify.h"
#include "shiplog/xalloc.h"
#include "shiplog/notify_kinds.h"

#ifndef SHIPLOG_VERSION
#define SHIPLOG_VERSION "0"
#endif

static const char *str(const json_t *data, const char *key, const char *fallback)
{
	return notify_data_str(data, key, fallback);
}

static long long num(const json_t *data, const char *key)
{
	return (long long)json_integer_value(json_object_get(data, key));
}

__attribute__((format(printf, 2, 3))) static void add_header(struct notify_msg *m, const char *fmt,
							     ...)
{
	if (m->n_headers >= NOTIFY_MAX_HEADERS)
		return;
	va_list ap;
	va_start(ap, fmt);
	m->headers[m->n_headers++] = xvasprintf(fmt, ap);
	va_end(ap);
}

/* The dashboard links of a notification (new object). */
static json_t *links_of(const struct config *cfg, const char *kind, const json_t *data)
{
	const struct notify_kind *k = notify_kind_find(kind);
	json_t *links = json_object();
	char buf[1024], key[32];
	if (json_object_get(data, "rc_id")) {
		snprintf(key, sizeof key, "%lld", num(data, "rc_id"));
		if (dashboard_link(buf, sizeof buf, cfg->base_url, DASHBOARD_RELEASE_CANDIDATE,
				   key))
			json_object_set_new(links, "release_candidate", json_string(buf));
	}
	if (k && k->form_link && json_object_get(data, "rc_id") &&
	    dashboard_link(buf, sizeof buf, cfg->base_url, DASHBOARD_FEEDBACK_FORM, key))
		json_object_set_new(links, "feedback_form", json_string(buf));
	if (k && k->run_link && json_object_get(data, "run_id")) {
		snprintf(key, sizeof key, "%lld", num(data, "run_id"));
		if (dashboard_link(buf, sizeof buf, cfg->base_url, DASHBOARD_RUN, key))
			json_object_set_new(links, "run", json_string(buf));
		if (str(data, "run_url", NULL))
			json_object_set_new(links, "github_run",
					    json_string(str(data, "run_url", "")));
	}
	if (str(data, "environment", NULL) &&
	    dashboard_link(buf, sizeof buf, cfg->base_url, DASHBOARD_ENVIRONMENT,
			   str(data, "environment", "")))
		json_object_set_new(links, "environment", json_string(buf));
	return links;
}

/* The main link (what the Slack message points at): the first of the
 * feedback form, rc, run, environment. */
static const char *main_link(const json_t *links)
{
	static const char *const keys[] = {"feedback_form", "release_candidate", "run",
					   "environment"};
	for (size_t i = 0; i < 4; i++)
		if (json_object_get(links, keys[i]))
			return json_string_value(json_object_get(links, keys[i]));
	return NULL;
}

/* One line saying what happened (new string). */
static char *summary(const char *kind, const json_t *data)
{
	const struct notify_kind *k = notify_kind_find(kind);
	char *s = k && k->summary ? k->summary(data) : strdup(kind);
	if (!s)
		abort();
	return s;
}

/* Slack mrkdwn: &, < and > are markup and must be escaped. */
static char *slack_escape(const char *s)
{
	size_t len = 1;
	for (const char *p = s; *p; p++)
		len += *p == '&' ? 5 : (*p == '<' || *p == '>') ? 4 : 1;
	char *out = xmalloc(len), *o = out;
	for (; *s; s++) {
		if (*s == '&')
			o = stpcpy(o, "&amp;");
		else if (*s == '<')
			o = stpcpy(o, "&lt;");
		else if (*s == '>')
			o = stpcpy(o, "&gt;");
		else
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

static const char *emoji(const char *kind)
{
	const struct notify_kind *k = notify_kind_find(kind);
	return k ? k->emoji : ":package:";
}

static char *slack_body(const struct config *cfg, const struct notify_msg *m)
{
	char *text = summary(m->kind, m->data), *escaped = slack_escape(text);
	json_t *links = links_of(cfg, m->kind, m->data);
	const char *link = main_link(links);
	char *section = xasprintf("%s %s%s%s%s", emoji(m->kind), escaped, link ? "\n<" : "",
				  link ? link : "", link ? "|Open in shiplog>" : "");
	char context[256];
	snprintf(context, sizeof context, "shiplog · %s · %s", m->kind, m->occurred_at);
	/* Slack reads the fallback text as mrkdwn too */
	json_t *body =
		json_pack("{s:s, s:[{s:s, s:{s:s, s:s}}, {s:s, s:[{s:s, s:s}]}]}", "text", escaped,
			  "blocks", "type", "section", "text", "type", "mrkdwn", "text", section,
			  "type", "context", "elements", "type", "mrkdwn", "text", context);
	char *out = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	json_decref(links);
	free(text);
	free(escaped);
	free(section);
	return out;
}

static char *webhook_body(const struct config *cfg, const struct notify_msg *m)
{
	json_t *body = json_pack("{s:I, s:s, s:s, s:s, s:O, s:o}", "id", (json_int_t)m->id, "event",
				 m->kind, "occurred_at", m->occurred_at, "summary", "", "data",
				 m->data, "links", links_of(cfg, m->kind, m->data));
	char *text = summary(m->kind, m->data);
	json_object_set_new(body, "summary", json_string(text));
	free(text);
	char *out = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(body);
	return out;
}

static void common_headers(struct notify_msg *m)
{
	add_header(m, "Content-Type: application/json");
	add_header(m, "User-Agent: shiplog/%s", SHIPLOG_VERSION);
	add_header(m, "Expect:"); /* no 100-continue round trip */
	add_header(m, "X-Shiplog-Event: %s", m->kind);
	add_header(m, "X-Shiplog-Delivery: %lld", (long long)m->id);
}

static const struct config_notify_sink *find_sink(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->notifications.n_sinks; i++)
		if (!strcmp(cfg->notifications.sinks[i].name, name))
			return &cfg->notifications.sinks[i];
	return NULL;
}

static bool github_repo_ok(const char *s)
{
	const char *slash = strchr(s, '/');
	return slash && slash != s && slash[1] && !strchr(slash + 1, '/') &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./") ==
		       strlen(s);
}

static int prepare_github(struct db_conn *c, const struct config *cfg, struct notify_msg *m)
{
	const struct config_github_status *g = &cfg->notifications.github;
	if (!notify_cfg_github(cfg)) {
		snprintf(m->prep_error, sizeof m->prep_error,
			 "github_status is not configured here (or its token_env is not set)");
		return DB_OK;
	}
	/* the state and description as they are NOW (see shiplog/notify.h) */
	struct notify_rc_status st;
	bool found = false;
	int64_t rc_id = (int64_t)json_integer_value(json_object_get(m->data, "rc_id"));
	int n = notify_rc_status(c, cfg, rc_id, &st, &found);
	if (n < 0)
		return n;
	const char *commit = str(m->data, "commit", ""), *state, *description;
	const char *repository = str(m->data, "repository", "");
	if (found && st.gh_state[0] && !strcmp(st.commit, commit)) {
		state = st.gh_state;
		description = st.description;
	} else {
		/* the RC is gone, or its commit changed: what was enqueued */
		state = str(m->data, "state", "pending");
		description = str(m->data, "description", "");
	}
	if (!github_repo_ok(repository) || strlen(commit) != 40 ||
	    strspn(commit, "0123456789abcdef") != 40) {
		snprintf(m->prep_error, sizeof m->prep_error,
			 "cannot post a status: repository \"%.100s\" or commit \"%.60s\" is not "
			 "usable",
			 repository, commit);
		return DB_OK;
	}
	m->url = xasprintf("%s/repos/%s/statuses/%s", g->api_url, repository, commit);
	char target[1024], key[32];
	snprintf(key, sizeof key, "%lld", (long long)rc_id);
	dashboard_link(target, sizeof target, cfg->base_url, DASHBOARD_RELEASE_CANDIDATE, key);
	json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "state", state, "target_url", target,
				 "description", description, "context", g->context);
	/* GitHub shows this already (posted by an earlier message): don't add a
	 * duplicate to the commit's statuses */
	struct db_github_status shown = {.repository = repository,
					 .commit = commit,
					 .context = g->context,
					 .state = state,
					 .description = description,
					 .target_url = target};
	char posted_by[24] = "";
	n = db_github_status_posted_find(c, &shown, posted_by, sizeof posted_by);
	if (n < 0) {
		json_decref(body);
		return n;
	}
	if (n > 0)
		snprintf(m->superseded, sizeof m->superseded,
			 "not posted: GitHub already shows this status (notification %s)",
			 posted_by[0] ? posted_by : "?");
	m->body = json_dumps(body, JSON_COMPACT);
	m->detail = body; /* what was posted, kept with the attempt */
	add_header(m, "Content-Type: application/json");
	add_header(m, "Accept: application/vnd.github+json");
	add_header(m, "X-GitHub-Api-Version: 2022-11-28");
	add_header(m, "User-Agent: shiplog/%s", SHIPLOG_VERSION);
	add_header(m, "Authorization: Bearer %s", g->token);
	add_header(m, "Expect:");
	add_header(m, "X-Shiplog-Delivery: %lld", (long long)m->id);
	return DB_OK;
}

int notify_prepare(struct db_conn *c, const struct config *cfg, struct notify_msg *m)
{
	if (!strcmp(m->sink_type, "github_status"))
		return prepare_github(c, cfg, m);
	const struct config_notify_sink *s = find_sink(cfg, m->sink);
	if (!s) {
		snprintf(m->prep_error, sizeof m->prep_error,
			 "sink \"%.100s\" is not in this server's configuration", m->sink);
		return DB_OK;
	}
	if (!s->url) {
		snprintf(m->prep_error, sizeof m->prep_error,
			 "sink \"%.100s\": environment variable %.100s (url_env) is not set",
			 s->name, s->url_env ? s->url_env : "?");
		return DB_OK;
	}
	m->url = xstrdup(s->url);
	common_headers(m);
	if (!strcmp(s->type, "slack")) {
		m->body = slack_body(cfg, m);
	} else {
		m->body = webhook_body(cfg, m);
		if (s->secret) {
			unsigned char mac[64];
			char hex[129];
			size_t len = crypto_hmac(CRYPTO_SHA256, s->secret, strlen(s->secret),
						 m->body, strlen(m->body), mac);
			crypto_hex(mac, len, hex);
			add_header(m, "X-Signature: sha256=%s", hex);
		}
	}
	return DB_OK;
}
