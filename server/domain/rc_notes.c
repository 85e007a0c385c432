/*
 * rc_notes.c — release-note categories and the Markdown notes (see rc.h).
 * The format is the reference team's: PRs grouped as Enhancements, UI,
 * Bugs, Tests (and Dependencies), each line "- PR: #N - TITLE", unlabelled
 * ones under "Uncategorized"; "exclude from release notes" left out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain/rc.h"
#include "shiplog/xalloc.h"

const struct rc_note_category rc_note_categories[RC_NOTE_CATEGORIES] = {
	{"enhancement", "Enhancements"},
	{"ui", "UI"},
	{"bug", "Bugs"},
	{"test", "Tests"},
	{"dependencies", "Dependencies"},
	{"uncategorised", "Uncategorized"},
};

#define EXCLUDE_LABEL "exclude from release notes"

int rc_note_category_of(const char *const *labels, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (labels[i] && !strcasecmp(labels[i], EXCLUDE_LABEL))
			return -1;
	/* the first category (in print order) any label names */
	for (int c = 0; c < RC_NOTE_CATEGORIES - 1; c++)
		for (size_t i = 0; i < n; i++)
			if (labels[i] && !strcasecmp(labels[i], rc_note_categories[c].key))
				return c;
	return RC_NOTE_CATEGORIES - 1;
}

struct buf {
	char *s;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *text, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = xrealloc(b->s, cap);
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, text, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *text)
{
	buf_add(b, text, strlen(text));
}

/* A title on one line: control characters (newlines too) become spaces. */
static void buf_title(struct buf *b, const char *title)
{
	for (const char *p = title; *p; p++) {
		char ch = (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p;
		buf_add(b, &ch, 1);
	}
}

char *rc_notes_markdown(const char *version, const char *since, const json_t *groups)
{
	struct buf b = {0};
	size_t total = 0;
	buf_str(&b, "");
	for (int c = 0; c < RC_NOTE_CATEGORIES; c++) {
		const json_t *items = json_object_get(groups, rc_note_categories[c].key);
		if (!json_is_array(items) || json_array_size(items) == 0)
			continue;
		if (total)
			buf_str(&b, "\n");
		buf_str(&b, "## ");
		buf_str(&b, rc_note_categories[c].heading);
		buf_str(&b, "\n\n");
		size_t i;
		const json_t *pr;
		json_array_foreach(items, i, pr) {
			char line[48];
			snprintf(line, sizeof line, "- PR: #%lld - ",
				 (long long)json_integer_value(json_object_get(pr, "number")));
			buf_str(&b, line);
			const char *title = json_string_value(json_object_get(pr, "title"));
			buf_title(&b, title ? title : "");
			buf_str(&b, "\n");
			total++;
		}
	}
	if (total == 0) {
		buf_str(&b, "No changes in ");
		buf_title(&b, version ? version : "this release");
		if (since) {
			buf_str(&b, " since ");
			buf_title(&b, since);
		}
		buf_str(&b, ".\n");
	}
	return b.s;
}
