/*
 * test_event_kinds.c — the table of event kinds and the scope that may read
 * each (server/db/event_kinds.c) against the code that records events: every
 * kind an emitter under server/ passes to db_event_record (directly or
 * through its file's record_event/record_if_changed) is in the table, and
 * every kind in the table is recorded somewhere.  A new kind therefore
 * cannot reach the event stream without someone deciding who may read it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "db/event_kinds.h"

#define MAX_FOUND 256

struct found {
	char kind[MAX_FOUND][64];
	char where[MAX_FOUND][128];
	size_t n;
	size_t calls; /* emitter calls seen (literal kinds or a passed-on `kind`) */
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	size_t got = fread(s, 1, (size_t)n, f);
	s[got] = '\0';
	fclose(f);
	return s;
}

static void add(struct found *fd, const char *kind, size_t len, const char *where)
{
	assert_true(fd->n < MAX_FOUND);
	assert_true(len < sizeof fd->kind[0]);
	memcpy(fd->kind[fd->n], kind, len);
	fd->kind[fd->n][len] = '\0';
	/* the path's tail, if it is long */
	size_t wl = strlen(where), room = sizeof fd->where[0] - 1;
	memcpy(fd->where[fd->n], where + (wl > room ? wl - room : 0), (wl > room ? room : wl) + 1);
	fd->n++;
}

/* The argument number `index` (0-based) of the call whose '(' is at p: its
 * text, trimmed, in out.  false when the call has fewer arguments. */
static bool argument(const char *p, int index, char *out, size_t size)
{
	int depth = 0, arg = 0;
	const char *start = p + 1;
	bool in_string = false;
	for (const char *q = p + 1; *q; q++) {
		if (in_string) {
			if (*q == '\\' && q[1])
				q++;
			else if (*q == '"')
				in_string = false;
			continue;
		}
		if (*q == '"')
			in_string = true;
		else if (*q == '(' || *q == '{' || *q == '[')
			depth++;
		else if ((*q == ')' || *q == '}' || *q == ']') && depth > 0)
			depth--;
		else if ((*q == ',' && depth == 0) || *q == ')') {
			if (arg == index) {
				while (isspace((unsigned char)*start))
					start++;
				size_t n = (size_t)(q - start);
				while (n && isspace((unsigned char)start[n - 1]))
					n--;
				snprintf(out, size, "%.*s", (int)n, start);
				return true;
			}
			if (*q == ')')
				return false;
			arg++;
			start = q + 1;
		}
	}
	return false;
}

/* Emitters: the function and which argument is the kind. */
static const struct {
	const char *name;
	int kind_arg;
} emitters[] = {
	{"db_event_record(", 1},
	{"record_event(", 1},
	{"record_if_changed(", 2},
};

static void scan_file(struct found *fd, const char *path)
{
	char *src = slurp(path);
	assert_non_null(src);
	const char *rel = strstr(path, "/server/") ? strstr(path, "/server/") + 1 : path;
	for (size_t e = 0; e < sizeof emitters / sizeof emitters[0]; e++) {
		size_t nl = strlen(emitters[e].name);
		for (const char *p = src; (p = strstr(p, emitters[e].name)); p += nl) {
			if (p > src && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
				continue; /* another function's name ends the same */
			char first[128], kind[128];
			if (!argument(p + nl - 1, 0, first, sizeof first) ||
			    !argument(p + nl - 1, emitters[e].kind_arg, kind, sizeof kind))
				continue;
			if (!strncmp(first, "struct ", 7) || !strncmp(first, "const ", 6))
				continue; /* the definition or a declaration */
			fd->calls++;
			size_t kl = strlen(kind);
			if (kl >= 2 && kind[0] == '"' && kind[kl - 1] == '"') {
				add(fd, kind + 1, kl - 2, rel);
				continue;
			}
			/* a kind passed on: the file's wrapper (checked at its
			 * callers), or built from the actions of the file */
			if (strcmp(kind, "kind"))
				fail_msg("%s: %s with kind %s: name the kind as a literal", rel,
					 emitters[e].name, kind);
		}
	}
	/* gh_releases.c: "release.<action>" for each of release_actions[] */
	const char *fmt = strstr(src, "\"release.%s\"");
	if (fmt) {
		const char *list = strstr(src, "release_actions[] = {");
		assert_non_null(list);
		const char *end = strstr(list, "};");
		for (const char *q = strchr(list, '"'); q && q < end; q = strchr(q, '"')) {
			const char *close = strchr(q + 1, '"');
			char kind[64];
			int n = snprintf(kind, sizeof kind, "release.%.*s", (int)(close - q - 1),
					 q + 1);
			add(fd, kind, (size_t)n, rel);
			q = close + 1;
		}
	}
	free(src);
}

static void scan_dir(struct found *fd, const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(path, &st) != 0)
			continue;
		size_t n = strlen(e->d_name);
		if (S_ISDIR(st.st_mode))
			scan_dir(fd, path);
		else if (n > 2 && !strcmp(e->d_name + n - 2, ".c") &&
			 strcmp(e->d_name, "event_kinds.c") != 0)
			scan_file(fd, path);
	}
	closedir(d);
}

static void every_recorded_kind_is_in_the_table_and_every_entry_is_recorded(void **state)
{
	(void)state;
	static struct found fd;
	scan_dir(&fd, SHIPLOG_SOURCE_DIR "/server");
	/* the scan found the emitters (were it broken, it would find none) */
	assert_true(fd.calls >= 25);
	for (size_t i = 0; i < fd.n; i++)
		if (!event_kind_known(fd.kind[i]))
			fail_msg("%s records \"%s\", which server/db/event_kinds.c does not list "
				 "(who may read it?)",
				 fd.where[i], fd.kind[i]);
	for (size_t k = 0; k < event_kinds_count; k++) {
		bool recorded = false;
		for (size_t i = 0; i < fd.n && !recorded; i++)
			recorded = !strcmp(fd.kind[i], event_kinds[k].kind);
		if (!recorded)
			fail_msg("server/db/event_kinds.c lists \"%s\", which nothing records",
				 event_kinds[k].kind);
	}
}

static void token_events_are_for_admins_and_the_rest_for_readers(void **state)
{
	(void)state;
	size_t tokens = 0;
	for (size_t k = 0; k < event_kinds_count; k++) {
		const char *kind = event_kinds[k].kind;
		/* each kind once */
		for (size_t j = 0; j < k; j++)
			assert_string_not_equal(event_kinds[j].kind, kind);
		enum auth_scope want =
			!strncmp(kind, "token.", 6) ? AUTH_SCOPE_ADMIN : AUTH_SCOPE_READ;
		tokens += want == AUTH_SCOPE_ADMIN;
		if (event_kinds[k].scope != want || event_kind_scope(kind) != want)
			fail_msg("%s: for %s, expected %s", kind,
				 auth_scope_name(event_kinds[k].scope), auth_scope_name(want));
	}
	assert_int_equal(tokens, 2);
	/* a read token, a ci token (any scope reads) and an admin */
	assert_false(auth_allows(AUTH_SCOPE_READ, event_kind_scope("token.created")));
	assert_false(auth_allows(AUTH_SCOPE_CI | AUTH_SCOPE_FEEDBACK,
				 event_kind_scope("token.revoked")));
	assert_true(auth_allows(AUTH_SCOPE_ADMIN, event_kind_scope("token.revoked")));
	assert_true(auth_allows(AUTH_SCOPE_READ, event_kind_scope("feedback.updated")));
	/* a kind nobody listed: admins only */
	assert_false(event_kind_known("secret.leaked"));
	assert_int_equal(event_kind_scope("secret.leaked"), AUTH_SCOPE_ADMIN);
	assert_int_equal(event_kind_scope(NULL), AUTH_SCOPE_ADMIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_recorded_kind_is_in_the_table_and_every_entry_is_recorded),
		cmocka_unit_test(token_events_are_for_admins_and_the_rest_for_readers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
