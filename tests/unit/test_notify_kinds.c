/*
 * test_notify_kinds.c — the notification kind table (shiplog/notify_kinds.h)
 * against the places that use it: the kinds the database trigger enqueues
 * (the newest definition of each function in the migrations compiled into
 * the binary), the outbox route's `kind` filter and the OpenAPI enum.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "db/migrate.h"
#include "shiplog/http.h"
#include "shiplog/notify_kinds.h"

/* ---- reading the migrations ---- */

#define MAX_FUNCTIONS 128
#define MAX_KINDS     64

/* The functions the migrations leave defined: the newest text of each. */
struct functions {
	char *name[MAX_FUNCTIONS];
	char *body[MAX_FUNCTIONS];
	size_t n;
};

static char *dup_range(const char *s, size_t len)
{
	char *out = malloc(len + 1);
	assert_non_null(out);
	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

static void forget(struct functions *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->name[i], name))
			continue;
		free(f->name[i]);
		free(f->body[i]);
		f->name[i] = f->name[f->n - 1];
		f->body[i] = f->body[f->n - 1];
		f->n--;
		return;
	}
}

static void define(struct functions *f, char *name, char *body)
{
	forget(f, name);
	assert_true(f->n < MAX_FUNCTIONS);
	f->name[f->n] = name;
	f->body[f->n++] = body;
}

static void functions_free(struct functions *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->name[i]);
		free(f->body[i]);
	}
	f->n = 0;
}

/* The SQL without its -- comments (outside quoted text). */
static char *without_comments(const char *sql)
{
	char *out = dup_range(sql, strlen(sql)), *o = out;
	bool quoted = false;
	for (const char *p = sql; *p; p++) {
		if (*p == '\'')
			quoted = !quoted;
		if (!quoted && p[0] == '-' && p[1] == '-') {
			while (p[1] && p[1] != '\n')
				p++;
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

/* A dollar-quoted body starting at or after s ("$$...$$" or "$tag$...$tag$"):
 * its text (new string), *end past it; NULL when there is none. */
static char *dollar_body(const char *s, const char **end)
{
	const char *open = strchr(s, '$');
	if (!open)
		return NULL;
	const char *tag_end = open + 1 + strspn(open + 1, "abcdefghijklmnopqrstuvwxyz_");
	if (*tag_end != '$')
		return NULL;
	size_t tag_len = (size_t)(tag_end - open) + 1;
	char tag[64];
	if (tag_len >= sizeof tag)
		return NULL;
	memcpy(tag, open, tag_len);
	tag[tag_len] = '\0';
	const char *close = strstr(tag_end + 1, tag);
	if (!close)
		return NULL;
	*end = close + tag_len;
	return dup_range(tag_end + 1, (size_t)(close - tag_end - 1));
}

/* Applies one migration's CREATE [OR REPLACE] FUNCTION and DROP FUNCTION
 * statements, in their order, to f. */
static void read_migration(struct functions *f, const char *migration)
{
	regex_t create, drop;
	assert_int_equal(regcomp(&create,
				 "CREATE[[:space:]]+(OR[[:space:]]+REPLACE[[:space:]]+)?FUNCTION"
				 "[[:space:]]+([a-z_0-9.]+)",
				 REG_EXTENDED | REG_ICASE),
			 0);
	assert_int_equal(
		regcomp(&drop,
			"DROP[[:space:]]+FUNCTION[[:space:]]+(IF[[:space:]]+EXISTS[[:space:]]+)?"
			"([a-z_0-9.]+)",
			REG_EXTENDED | REG_ICASE),
		0);
	char *sql = without_comments(migration);
	const char *p = sql;
	for (;;) {
		regmatch_t c[3], d[3];
		bool has_c = !regexec(&create, p, 3, c, 0), has_d = !regexec(&drop, p, 3, d, 0);
		if (!has_c && !has_d)
			break;
		if (has_d && (!has_c || d[0].rm_so < c[0].rm_so)) {
			char *name = dup_range(p + d[2].rm_so, (size_t)(d[2].rm_eo - d[2].rm_so));
			forget(f, name);
			free(name);
			p += d[0].rm_eo;
			continue;
		}
		const char *end = NULL;
		char *body = dollar_body(p + c[0].rm_eo, &end);
		assert_non_null(body);
		define(f, dup_range(p + c[2].rm_so, (size_t)(c[2].rm_eo - c[2].rm_so)), body);
		p = end;
	}
	free(sql);
	regfree(&create);
	regfree(&drop);
}

/* The notification kinds the functions enqueue: the first argument of
 * notification_enqueue('...', and each '...' = ANY (wanted), the test of
 * whether a sink subscribes to it. */
struct kinds {
	char *name[MAX_KINDS];
	size_t n;
};

static bool has_kind(const struct kinds *k, const char *name)
{
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->name[i], name))
			return true;
	return false;
}

static void add_kinds(struct kinds *k, const char *body, const char *pattern)
{
	regex_t re;
	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_ICASE), 0);
	regmatch_t m[2];
	for (const char *p = body; !regexec(&re, p, 2, m, 0); p += m[0].rm_eo) {
		char *name = dup_range(p + m[1].rm_so, (size_t)(m[1].rm_eo - m[1].rm_so));
		if (has_kind(k, name)) {
			free(name);
			continue;
		}
		assert_true(k->n < MAX_KINDS);
		k->name[k->n++] = name;
	}
	regfree(&re);
}

static void enqueued_kinds(const struct functions *f, struct kinds *k)
{
	k->n = 0;
	for (size_t i = 0; i < f->n; i++) {
		add_kinds(k, f->body[i],
			  "notification_enqueue[[:space:]]*\\([[:space:]]*'([^']+)'");
		add_kinds(k, f->body[i],
			  "'([^']+)'[[:space:]]*=[[:space:]]*ANY[[:space:]]*\\([[:space:]]*wanted"
			  "[[:space:]]*\\)");
	}
}

static void kinds_free(struct kinds *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->name[i]);
	k->n = 0;
}

/* How many kinds the trigger and the table disagree on (enqueued but not
 * in the table as by_trigger, or the other way round); the first in *first. */
static size_t disagreements(const struct kinds *sql, const char **first)
{
	size_t n = 0;
	*first = NULL;
	for (size_t i = 0; i < sql->n; i++) {
		const struct notify_kind *k = notify_kind_find(sql->name[i]);
		if (!(k && k->by_trigger) && !n++)
			*first = sql->name[i];
	}
	for (const struct notify_kind *k = notify_kinds; k->name; k++)
		if (k->by_trigger && !has_kind(sql, k->name) && !n++)
			*first = k->name;
	return n;
}

/* ---- tests ---- */

static void the_trigger_enqueues_exactly_the_kinds_the_table_says(void **state)
{
	(void)state;
	struct functions f = {0};
	for (const struct db_migration *m = db_migrations; m->sql; m++)
		read_migration(&f, m->sql);
	struct kinds sql;
	enqueued_kinds(&f, &sql);
	assert_true(sql.n > 0);
	const char *first = NULL;
	size_t n = disagreements(&sql, &first);
	if (n)
		fail_msg(
			"%zu notification kind(s) differ between the migrations' trigger and "
			"server/notify/kinds.c, e.g. %s (a kind the trigger enqueues is by_trigger "
			"in the table; change the trigger with a new migration)",
			n, first);
	kinds_free(&sql);
	functions_free(&f);
}

/* A migration defining notification_on_event (`create`: "CREATE" or
 * "CREATE OR REPLACE") to enqueue rc.cut, rc.blocked, main.broken,
 * main.fixed and what `more` adds. */
#define ON_EVENT(create, more)                                                           \
	create " FUNCTION notification_on_event() RETURNS trigger AS $$\n"               \
	       "BEGIN PERFORM notification_enqueue('rc.cut', 'k', 1);\n"                 \
	       "  IF 'rc.blocked' = ANY (wanted) THEN NULL; END IF;\n"                   \
	       "  IF 'main.broken' = ANY (wanted) OR 'main.fixed' = ANY (wanted) THEN\n" \
	       "  NULL; END IF;\n" more " END $$;\n"

static void a_later_migration_replacing_a_function_is_the_one_read(void **state)
{
	(void)state;
	struct functions f = {0};
	struct kinds sql;
	const char *first = NULL;
	/* the kinds the table says the trigger enqueues (a comment does not count) */
	static const char more[] =
		"CREATE FUNCTION notification_more() RETURNS void LANGUAGE sql AS $body$\n"
		"  SELECT notification_enqueue( 'rc.released', 'k', 1),\n"
		"         notification_enqueue('feedback.new', 'k', 1),\n"
		"         notification_enqueue('deployment.failed', 'k', 1) $body$;\n";
	read_migration(&f, "-- CREATE FUNCTION notification_old() 'nope.old' = ANY (wanted)\n");
	read_migration(&f, ON_EVENT("CREATE", ""));
	read_migration(&f, more);
	enqueued_kinds(&f, &sql);
	assert_int_equal(sql.n, 7);
	assert_int_equal(disagreements(&sql, &first), 0);
	kinds_free(&sql);

	/* replaced with one more kind, which the table lacks */
	read_migration(&f, ON_EVENT("CREATE OR REPLACE",
				    "  IF 'rc.reverted' = ANY ( wanted ) THEN NULL; END IF;"));
	enqueued_kinds(&f, &sql);
	assert_int_equal(disagreements(&sql, &first), 1);
	assert_string_equal(first, "rc.reverted");
	kinds_free(&sql);

	/* dropped: its kinds are no longer enqueued */
	read_migration(&f, "DROP FUNCTION IF EXISTS notification_more();\n");
	read_migration(&f, ON_EVENT("CREATE OR REPLACE", ""));
	enqueued_kinds(&f, &sql);
	assert_int_equal(disagreements(&sql, &first), 3);
	kinds_free(&sql);
	functions_free(&f);
}

static void every_kind_has_a_name_once_an_emoji_and_a_summary_if_it_is_an_event(void **state)
{
	(void)state;
	size_t n = 0;
	for (const struct notify_kind *k = notify_kinds; k->name; k++, n++) {
		assert_ptr_equal(notify_kind_find(k->name), k);
		assert_string_equal(notify_kind_names[n], k->name);
		assert_non_null(k->emoji);
		if (k->event && !k->summary)
			fail_msg("%s: an event without a summary", k->name);
		/* a kind is an event, or the readiness watcher's own (github_status) */
		if (k->by_trigger && !k->event)
			fail_msg("%s: the trigger enqueues it but no sink may subscribe", k->name);
	}
	assert_null(notify_kind_names[n]);
	assert_null(notify_kind_find("rc.nope"));
}

static void a_summary_says_what_happened(void **state)
{
	(void)state;
	json_t *data =
		json_pack("{s:s, s:s, s:s, s:s, s:s}", "version", "2.1.0-rc.2", "repository",
			  "acme/shop", "author", "ana", "team", "qa", "comment", "login fails");
	char *s = notify_kind_find("rc.blocked")->summary(data);
	assert_string_equal(s, "Release candidate 2.1.0-rc.2 of acme/shop is blocked by ana (qa): "
			       "login fails");
	free(s);
	json_object_del(data, "team");
	json_object_del(data, "comment");
	s = notify_kind_find("rc.blocked")->summary(data);
	assert_string_equal(s, "Release candidate 2.1.0-rc.2 of acme/shop is blocked by ana");
	free(s);
	json_decref(data);
}

static void an_override_names_the_rc_who_the_gates_and_the_reason(void **state)
{
	(void)state;
	json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}]}",
				 "version", "2.1.0-rc.2", "repository", "acme/shop", "actor",
				 "rita@acme.example", "to", "released", "reason",
				 "CI is down, tested by hand", "gates", "name", "ci", "status",
				 "failed", "reason", "build failed", "name", "feedback", "status",
				 "pending", "reason", "approvals needed: sales 0 of 1");
	char *s = notify_kind_find("rc.overridden")->summary(data);
	assert_string_equal(s, "Release candidate 2.1.0-rc.2 of acme/shop was released by "
			       "rita@acme.example although not ready (ci failed, feedback "
			       "pending): CI is down, tested by hand");
	free(s);
	json_decref(data);
}

static void the_route_and_the_document_list_the_table_s_kinds(void **state)
{
	(void)state;
	const struct route *r = http_routes;
	while (r->method && strcmp(r->pattern, "/api/v1/notifications"))
		r++;
	assert_non_null(r->method);
	const struct param_spec *p = r->params;
	while (p->name && strcmp(p->name, "kind"))
		p++;
	assert_non_null(p->name);
	assert_ptr_equal(p->enum_values, notify_kind_names);

	json_t *doc = http_openapi(http_routes, NULL);
	json_t *e = json_object_get(
		json_object_get(
			json_object_get(
				json_object_get(json_object_get(json_object_get(doc, "components"),
								"schemas"),
						"Notification"),
				"properties"),
			"kind"),
		"enum");
	size_t n = 0;
	for (const char *const *k = notify_kind_names; *k; k++, n++)
		assert_string_equal(json_string_value(json_array_get(e, n)), *k);
	assert_int_equal(json_array_size(e), n);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_trigger_enqueues_exactly_the_kinds_the_table_says),
		cmocka_unit_test(a_later_migration_replacing_a_function_is_the_one_read),
		cmocka_unit_test(
			every_kind_has_a_name_once_an_emoji_and_a_summary_if_it_is_an_event),
		cmocka_unit_test(a_summary_says_what_happened),
		cmocka_unit_test(an_override_names_the_rc_who_the_gates_and_the_reason),
		cmocka_unit_test(the_route_and_the_document_list_the_table_s_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
